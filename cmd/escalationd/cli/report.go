package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"escalationd/engine"
	"escalationd/templates"
	"escalationd/vocab"
)

func reportCmd(ctx context.Context, env Env, args []string) error {
	fs := NewFlagSet("report", env.Stderr)
	c := fs.String("config", "", "config `FILE` (its database is read)")
	period := fs.String("period", "week", "the review: `week` (escalation trends) or month (root causes)")
	at := fs.String("at", "", "as if written at this `time` (RFC 3339, a date, or a span back from now: 7d); the period is the last complete one before it")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := NoArgs("report", pos); err != nil {
		return err
	}
	o := ReportOptions{ConfigPath: *c, At: env.now()}
	switch *period {
	case "week":
		o.Event = vocab.EventWeeklyReview
	case "month":
		o.Event = vocab.EventMonthlyReview
	default:
		return &UsageError{Msg: fmt.Sprintf("--period %q: use week or month", *period)}
	}
	if *at != "" {
		if o.At, err = parseTimeAt(*at, env.now()); err != nil {
			return err
		}
	}
	return PrintReport(ctx, env.Stdout, o)
}

// ReportOptions are the inputs of `escalationd report`.
type ReportOptions struct {
	ConfigPath string
	Event      vocab.Event // weekly-review or monthly-review
	At         time.Time   // the review of the last complete period before At
}

// PrintReport prints the weekly or monthly review as its mail's text: the
// same builder and template, read from the database.
func PrintReport(ctx context.Context, w io.Writer, o ReportOptions) error {
	if o.ConfigPath == "" {
		return &UsageError{Msg: "needs --config FILE"}
	}
	c, err := policyConfig(o.ConfigPath)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, o.ConfigPath)
	if err != nil {
		return err
	}
	defer st.Close()
	tpl, err := templates.Load(c.Config.Templates.Dir)
	if err != nil {
		return err
	}
	loc := c.Config.Location()
	rv, err := engine.BuildReview(ctx, st, c.Config, engine.ReviewPeriodAt(o.Event, o.At, loc), o.At)
	if err != nil {
		return err
	}
	_, body, err := tpl.Render(o.Event.Template(), templates.Data{Event: string(o.Event), Role: string(vocab.RoleManagement),
		Now: o.At, Location: loc, Review: rv})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, body)
	return err
}

package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"escalationd/engine"
	"escalationd/mailparse"
	"escalationd/router"
)

func routeCmd(_ context.Context, env Env, args []string) error {
	fs := NewFlagSet("route", env.Stderr)
	cfgPath := configFlag(fs, "")
	mailbox := fs.String("mailbox", "", "mailbox `NAME` the mail arrived in (default: the first)")
	at := fs.String("at", "", "route as of this RFC 3339 `time` (default: now)")
	explain := fs.Bool("explain", false, "print the explanation as text instead of JSON")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	file, err := oneArg("route", "FILE (or - for standard input)", pos)
	if err != nil {
		return err
	}
	t, err := parseTime(*at)
	if err != nil {
		return err
	}
	return Route(env.Stdout, env.Stdin, RouteOptions{ConfigPath: *cfgPath, Mailbox: *mailbox, At: t, File: file, Explain: *explain})
}

// RouteOptions are the inputs of `escalationd route`.
type RouteOptions struct {
	ConfigPath string
	Mailbox    string
	At         time.Time // zero: now
	File       string
	Explain    bool // print the explanation as text instead of JSON
}

// RouteOutput is the JSON contract of `escalationd route`.
type RouteOutput struct {
	Parse      *mailparse.Result  `json:"parse"`
	To         []string           `json:"to"`
	Cc         []string           `json:"cc"`
	Teams      []string           `json:"teams"`
	Rule       string             `json:"rule"`
	Explain    string             `json:"explain"`
	Categories []router.Category  `json:"categories"`
	Flags      router.Flags       `json:"flags"`
	Notes      []string           `json:"notes"`
	Actions    []string           `json:"actions"`
	Incident   []string           `json:"incident,omitempty"`
	Recipients []router.Recipient `json:"recipients,omitempty"`
	At         time.Time          `json:"at"`
}

// Route prints the routing decision for one mail at a time.
func Route(w io.Writer, stdin io.Reader, o RouteOptions) error {
	if o.ConfigPath == "" {
		return &UsageError{Msg: "route needs --config FILE"}
	}
	c, err := policyConfig(o.ConfigPath)
	if err != nil {
		return err
	}
	cfg, rt := c.Config, c.Router
	mb, err := mailboxFor(cfg, o.Mailbox)
	if err != nil {
		return err
	}
	raw, err := readInput(stdin, o.File)
	if err != nil {
		return err
	}
	at := o.At
	if at.IsZero() {
		at = time.Now()
	}
	res := mailparse.Parse(raw, engine.ParseOptions(cfg, mb.Name))
	out := RouteOutput{Parse: res, To: []string{}, Cc: []string{}, Teams: []string{}, Categories: []router.Category{},
		Notes: []string{}, Actions: []string{}, At: at}
	if res.Disposition == mailparse.DispositionCase {
		d := rt.Route(engine.RouterInput(res, mb.Name, mb.Kind), at)
		out.To, out.Cc, out.Teams, out.Rule, out.Explain = nonNil(d.To), nonNil(d.Cc), nonNil(d.Teams), d.Rule, d.Explain
		out.Categories, out.Flags, out.Notes, out.Actions = d.Categories, d.Flags, nonNil(d.Notes), nonNil(d.Actions)
		out.Incident, out.Recipients = d.Incident, d.Recipients
		if out.Categories == nil {
			out.Categories = []router.Category{}
		}
	} else {
		out.Explain = fmt.Sprintf("not routed: the mail is %s", res.Disposition)
		if res.Reason != "" {
			out.Explain += " (" + res.Reason + ")"
		}
	}
	if o.Explain {
		_, err := fmt.Fprintln(w, strings.TrimRight(out.Explain, "\n"))
		return err
	}
	return writeJSON(w, out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

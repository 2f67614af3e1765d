package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"escalationd/metrics"
	"escalationd/store"
	"escalationd/vocab"
)

// reportFlags parses the flags shared by the database reports, which take
// no arguments.
func reportFlags(name string, env Env, args []string) (cfgPath string, since time.Time, asJSON bool, err error) {
	fs := NewFlagSet(name, env.Stderr)
	c := configFlag(fs, "its database is read")
	s := fs.String("since", "", "only since this RFC 3339 `time`")
	j := fs.Bool("json", false, "print JSON")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return "", time.Time{}, false, err
	}
	if err := NoArgs(name, pos); err != nil {
		return "", time.Time{}, false, err
	}
	since, err = parseTime(*s)
	return *c, since, *j, err
}

func statsCmd(ctx context.Context, env Env, args []string) error {
	fs := NewFlagSet("stats", env.Stderr)
	c := configFlag(fs, "its database is read")
	since := fs.String("since", "", "only cases opened since this `time` (RFC 3339, a date, or a span back from now: 7d)")
	until := fs.String("until", "", "only cases opened before this `time`")
	by := fs.String("by", "", "break the figures down `by` urgency, kind, category, team or agent")
	tickets := fs.Int("tickets", 0, "the helpdesk's ticket `count` for the period: gives the escalation rate")
	j := fs.Bool("json", false, "print JSON")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := NoArgs("stats", pos); err != nil {
		return err
	}
	o := StatsOptions{ConfigPath: *c, JSON: *j, By: *by, Tickets: *tickets}
	if o.Since, err = parseTimeAt(*since, env.now()); err != nil {
		return err
	}
	if o.Until, err = parseTimeAt(*until, env.now()); err != nil {
		return err
	}
	if !slices.Contains([]string{"", "urgency", "kind", "category", "team", "agent"}, o.By) {
		return &UsageError{Msg: fmt.Sprintf("--by %q: use urgency, kind, category, team or agent", o.By)}
	}
	if o.Tickets < 0 {
		return &UsageError{Msg: "--tickets must not be negative"}
	}
	if !o.Until.IsZero() && !o.Since.Before(o.Until) {
		return &UsageError{Msg: fmt.Sprintf("--since %s is not before --until %s", *since, *until)}
	}
	return PrintStats(ctx, env.Stdout, o)
}

// StatsOptions are the inputs of `escalationd stats`.
type StatsOptions struct {
	ConfigPath   string
	Since, Until time.Time // zero: no bound
	By           string    // "", urgency, kind, category, team, agent
	Tickets      int       // the helpdesk's tickets in the period (0: unknown)
	JSON         bool
}

// EscalationRateTarget is the reference's target: fewer than 10% of tickets
// escalated.
const EscalationRateTarget = metrics.EscalationRateTarget

// Stats, Figures and Duration are package metrics' (the stats command
// prints them; the reviews compare them).
type (
	Stats    = metrics.Stats
	Figures  = metrics.Figures
	Duration = metrics.Duration
)

// ComputeStats reads the metrics of the cases opened in [o.Since, o.Until)
// from the store.
func ComputeStats(ctx context.Context, st *store.Store, o StatsOptions) (Stats, error) {
	return metrics.Compute(ctx, st, metrics.Options{Since: o.Since, Until: o.Until, By: o.By, Tickets: o.Tickets})
}

func percentile(ds []time.Duration, p int) *Duration { return metrics.Percentile(ds, p) }

// PrintStats prints the metrics.
func PrintStats(ctx context.Context, w io.Writer, o StatsOptions) error {
	st, err := openStore(ctx, o.ConfigPath)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := ComputeStats(ctx, st, o)
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(w, s)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "cases\t%d (%d open)\n", s.Cases, s.Open)
	for _, u := range vocab.UrgenciesDescending() {
		fmt.Fprintf(tw, "  %s\t%d\n", u, s.ByUrgency[u])
	}
	kinds := make([]vocab.Kind, 0, len(s.ByKind))
	for k := range s.ByKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Fprintf(tw, "  %s\t%d\n", k, s.ByKind[k])
	}
	fmt.Fprintf(tw, "acknowledged within the response target\t%d\n", s.WithinSLA)
	fmt.Fprintf(tw, "cases that breached\t%d\n", s.Breached)
	fmt.Fprintf(tw, "time to acknowledge (median, p90)\t%s, %s\n", s.AckMedian, s.AckP90)
	fmt.Fprintf(tw, "time to resolve (median, p90)\t%s, %s\n", s.ResMedian, s.ResP90)
	fmt.Fprintf(tw, "mails rejected / ignored\t%d / %d\n", s.Rejected, s.Ignored)
	fmt.Fprintf(tw, "mails undeliverable\t%d\n", s.Undelivered)
	if s.Tickets > 0 {
		verdict := "within"
		if s.EscalationRate >= s.RateTarget {
			verdict = "above"
		}
		fmt.Fprintf(tw, "escalation rate\t%.1f%% of %d tickets (%s the %.0f%% target)\n", 100*s.EscalationRate, s.Tickets, verdict, 100*s.RateTarget)
	}
	if len(s.By) > 0 {
		keys := make([]string, 0, len(s.By))
		for k := range s.By {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fmt.Fprintf(tw, "\nby %s\tcases\twithin target\tbreached\tack median/p90\tresolve median/p90\trejected (rate)\n", o.By)
		for _, k := range keys {
			f := s.By[k]
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s / %s\t%s / %s\t%d (%.0f%%)\n", k, f.Cases, f.WithinSLA, f.Breached,
				f.AckMedian, f.AckP90, f.ResMedian, f.ResP90, f.Rejections, 100*f.RejectionRate)
		}
	}
	return tw.Flush()
}

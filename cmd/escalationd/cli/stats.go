package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

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
	cfg, since, asJSON, err := reportFlags("stats", env, args)
	if err != nil {
		return err
	}
	return PrintStats(ctx, env.Stdout, StatsOptions{ConfigPath: cfg, Since: since, JSON: asJSON})
}

// StatsOptions are the inputs of `escalationd stats`.
type StatsOptions struct {
	ConfigPath string
	Since      time.Time // zero: all cases
	JSON       bool
}

// Stats are the reference's escalation metrics the gateway can know: how
// many cases by urgency, how fast they were acknowledged and resolved, how
// many breached their response target, and how much mail was refused.
type Stats struct {
	Since       time.Time             `json:"since,omitzero"`
	Cases       int                   `json:"cases"`
	Open        int                   `json:"open"`
	ByUrgency   map[vocab.Urgency]int `json:"by_urgency"`
	ByKind      map[vocab.Kind]int    `json:"by_kind"`
	WithinSLA   int                   `json:"acknowledged_within_sla"`
	Breached    int                   `json:"breached"`
	AckMedian   Duration              `json:"time_to_acknowledge_median"`
	AckP90      Duration              `json:"time_to_acknowledge_p90"`
	ResMedian   Duration              `json:"time_to_resolve_median"`
	ResP90      Duration              `json:"time_to_resolve_p90"`
	Rejected    int                   `json:"rejected_mails"`
	Ignored     int                   `json:"ignored_mails"`
	Undelivered int                   `json:"undelivered_mails"`
}

// Duration prints as "1h30m" in JSON.
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(time.Duration(d).Round(time.Second).String()), nil
}

// ComputeStats reads the metrics from the store.
func ComputeStats(ctx context.Context, st *store.Store, since time.Time) (Stats, error) {
	s := Stats{Since: since, ByUrgency: map[vocab.Urgency]int{}, ByKind: map[vocab.Kind]int{}}
	cases, err := st.Cases(ctx, store.CaseFilter{})
	if err != nil {
		return s, err
	}
	var acks, resolves []time.Duration
	for _, c := range cases {
		if c.OpenedAt.Before(since) {
			continue
		}
		s.Cases++
		s.ByUrgency[c.Urgency]++
		s.ByKind[c.Kind]++
		if c.IsOpen() {
			s.Open++
		}
		if !c.AcknowledgedAt.IsZero() {
			acks = append(acks, c.AcknowledgedAt.Sub(c.OpenedAt))
			if !c.AcknowledgedAt.After(c.RespondBy) {
				s.WithinSLA++
			}
		}
		if !c.ResolvedAt.IsZero() {
			resolves = append(resolves, c.ResolvedAt.Sub(c.OpenedAt))
		}
	}
	counts, err := st.EventCounts(ctx, since)
	if err != nil {
		return s, err
	}
	if s.Breached, err = st.CasesWithEvent(ctx, vocab.EventBreach, since); err != nil {
		return s, err
	}
	s.Rejected, s.Ignored, s.Undelivered = counts[vocab.EventRejected], counts[vocab.EventIgnored], counts[vocab.EventDeliveryFailed]
	s.AckMedian, s.AckP90 = percentile(acks, 50), percentile(acks, 90)
	s.ResMedian, s.ResP90 = percentile(resolves, 50), percentile(resolves, 90)
	return s, nil
}

func percentile(ds []time.Duration, p int) Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return Duration(sorted[(len(sorted)-1)*p/100])
}

// PrintStats prints the metrics.
func PrintStats(ctx context.Context, w io.Writer, o StatsOptions) error {
	st, err := openStore(ctx, o.ConfigPath)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := ComputeStats(ctx, st, o.Since)
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
	fmt.Fprintf(tw, "time to acknowledge (median, p90)\t%s, %s\n", time.Duration(s.AckMedian), time.Duration(s.AckP90))
	fmt.Fprintf(tw, "time to resolve (median, p90)\t%s, %s\n", time.Duration(s.ResMedian), time.Duration(s.ResP90))
	fmt.Fprintf(tw, "mails rejected / ignored\t%d / %d\n", s.Rejected, s.Ignored)
	fmt.Fprintf(tw, "mails undeliverable\t%d\n", s.Undelivered)
	return tw.Flush()
}

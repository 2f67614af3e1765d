// Package metrics computes the reference's escalation metrics from the
// store: volume, time to acknowledge and to resolve (nearest-rank median
// and p90), breaches, refused mail and the escalation rate against its 10%
// target. `escalationd stats` prints them; the review mails and
// `escalationd report` compare two periods of them.
package metrics

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"escalationd/store"
	"escalationd/vocab"
)

// Options choose the cases measured.
type Options struct {
	Since, Until time.Time // zero: no bound
	By           string    // "", urgency, kind, category, team, agent
	Tickets      int       // the helpdesk's tickets in the period (0: unknown)
}

// EscalationRateTarget is the reference's target: fewer than 10% of tickets
// escalated.
const EscalationRateTarget = 0.10

// Stats are the reference's escalation metrics the gateway can know: how
// many cases, how fast they were acknowledged and resolved, how many
// breached their response target, how much mail was refused, and, given the
// helpdesk's ticket count, the escalation rate against its 10% target.
type Stats struct {
	Since          time.Time             `json:"since,omitzero"`
	Until          time.Time             `json:"until,omitzero"`
	Figures                              // all cases of the period
	Open           int                   `json:"open"`
	ByUrgency      map[vocab.Urgency]int `json:"by_urgency"`
	ByKind         map[vocab.Kind]int    `json:"by_kind"`
	Rejected       int                   `json:"rejected_mails"`
	Ignored        int                   `json:"ignored_mails"`
	Undelivered    int                   `json:"undelivered_mails"`
	Tickets        int                   `json:"tickets,omitempty"`
	EscalationRate float64               `json:"escalation_rate,omitempty"` // cases / tickets
	RateTarget     float64               `json:"escalation_rate_target,omitempty"`
	// By holds the figures per urgency, kind, category, team or agent
	// (Options.By), with each agent's rejection rate.
	By map[string]Figures `json:"by,omitempty"`
}

// Figures are the metrics of a set of cases.
type Figures struct {
	Cases     int `json:"cases"`
	WithinSLA int `json:"acknowledged_within_sla"`
	Breached  int `json:"breached"`
	// The times are null when no case of the set was acknowledged
	// (resolved): "0s" would read as the fastest.
	AckMedian *Duration `json:"time_to_acknowledge_median"`
	AckP90    *Duration `json:"time_to_acknowledge_p90"`
	ResMedian *Duration `json:"time_to_resolve_median"`
	ResP90    *Duration `json:"time_to_resolve_p90"`
	// Rejections and RejectionRate (rejected / (rejected + cases)) are
	// the agent's, with --by agent.
	Rejections    int     `json:"rejections,omitempty"`
	RejectionRate float64 `json:"rejection_rate,omitempty"`

	acks, resolves []time.Duration
}

func (f *Figures) add(c *store.Case, breached bool) {
	f.Cases++
	if !c.AcknowledgedAt.IsZero() {
		f.acks = append(f.acks, c.AcknowledgedAt.Sub(c.OpenedAt))
		if !c.AcknowledgedAt.After(c.RespondBy) {
			f.WithinSLA++
		}
	}
	if !c.ResolvedAt.IsZero() {
		f.resolves = append(f.resolves, c.ResolvedAt.Sub(c.OpenedAt))
	}
	if breached {
		f.Breached++
	}
}

func (f *Figures) finish() {
	f.AckMedian, f.AckP90 = Percentile(f.acks, 50), Percentile(f.acks, 90)
	f.ResMedian, f.ResP90 = Percentile(f.resolves, 50), Percentile(f.resolves, 90)
	if f.Rejections > 0 {
		f.RejectionRate = float64(f.Rejections) / float64(f.Rejections+f.Cases)
	}
}

// Duration prints as "1h30m" in JSON.
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(time.Duration(d).Round(time.Second).String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// Compute reads the metrics of the cases opened in [o.Since, o.Until)
// from the store.
func Compute(ctx context.Context, st *store.Store, o Options) (Stats, error) {
	s := Stats{Since: o.Since, Until: o.Until, ByUrgency: map[vocab.Urgency]int{}, ByKind: map[vocab.Kind]int{}}
	in := func(t time.Time) bool { return !t.Before(o.Since) && (o.Until.IsZero() || t.Before(o.Until)) }
	cases, err := st.Cases(ctx, store.CaseFilter{})
	if err != nil {
		return s, err
	}
	breaches, err := st.EventsOfTypes(ctx, []vocab.Event{vocab.EventBreach}, o.Since)
	if err != nil {
		return s, err
	}
	breached := map[int64]bool{}
	for _, ev := range breaches {
		if in(ev.At) {
			breached[ev.CaseID] = true
		}
	}
	if o.By != "" {
		s.By = map[string]Figures{}
	}
	for _, c := range cases {
		if !in(c.OpenedAt) {
			continue
		}
		s.Figures.add(c, breached[c.ID])
		s.ByUrgency[c.Urgency]++
		s.ByKind[c.Kind]++
		if c.IsOpen() {
			s.Open++
		}
		for _, key := range groupKeys(c, o.By) {
			f := s.By[key]
			f.add(c, breached[c.ID])
			s.By[key] = f
		}
	}
	refused, err := st.EventsOfTypes(ctx, []vocab.Event{vocab.EventRejected, vocab.EventIgnored, vocab.EventDeliveryFailed}, o.Since)
	if err != nil {
		return s, err
	}
	for _, ev := range refused {
		if !in(ev.At) {
			continue
		}
		switch ev.Type {
		case vocab.EventRejected:
			s.Rejected++
			if o.By == "agent" && ev.Actor != "" {
				f := s.By[ev.Actor]
				f.Rejections++
				s.By[ev.Actor] = f
			}
		case vocab.EventIgnored:
			s.Ignored++
		case vocab.EventDeliveryFailed:
			s.Undelivered++
		}
	}
	s.Figures.finish()
	for k, f := range s.By {
		f.finish()
		s.By[k] = f
	}
	if o.Tickets > 0 {
		s.Tickets, s.RateTarget = o.Tickets, EscalationRateTarget
		s.EscalationRate = float64(s.Cases) / float64(o.Tickets)
	}
	return s, nil
}

// groupKeys are the groups a case counts in for --by: one urgency, kind,
// team or agent; each of its categories (or "none").
func groupKeys(c *store.Case, by string) []string {
	switch by {
	case "urgency":
		return []string{string(c.Urgency)}
	case "kind":
		return []string{string(c.Kind)}
	case "team":
		return []string{c.Team}
	case "agent":
		return []string{c.Agent}
	case "category":
		if names := caseCategories(c); len(names) > 0 {
			return names
		}
		return []string{"none"}
	}
	return nil
}

// caseCategories reads the categories detected at opening from the case's
// stored routing decision.
func caseCategories(c *store.Case) []string {
	var d struct {
		Categories []struct {
			Name string `json:"name"`
		} `json:"categories"`
	}
	if json.Unmarshal([]byte(c.DecisionJSON), &d) != nil {
		return nil
	}
	names := make([]string, 0, len(d.Categories))
	for _, cat := range d.Categories {
		names = append(names, cat.Name)
	}
	return names
}

// Percentile is the nearest-rank percentile: the smallest value with at
// least p% of the values at or below it (p90 of 1h, 2h, 3h is 3h); nil
// without values.
func Percentile(ds []time.Duration, p int) *Duration {
	if len(ds) == 0 {
		return nil
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	d := Duration(sorted[max(rank, 1)-1])
	return &d
}

// String prints a duration of the figures, "–" when there is none.
func (d *Duration) String() string {
	if d == nil {
		return "–"
	}
	return time.Duration(*d).Round(time.Second).String()
}

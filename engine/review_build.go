package engine

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"escalationd/config"
	"escalationd/metrics"
	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// ticketsTimeout bounds reviews.tickets_command.
const ticketsTimeout = 30 * time.Second

// BuildReview gathers a review of the period p from the store (at is when
// it is written: the open backlog is as of then): this period against the
// last by urgency, category and team, the breaches with their cases, the
// open Low backlog, the root causes and satisfaction of the cases resolved
// in the period, and the escalation rate when reviews.tickets_command
// gives a ticket count. The figures are package metrics'.
func BuildReview(ctx context.Context, st *store.Store, cfg *config.Config, p ReviewPeriod, at time.Time) (templates.Review, error) {
	loc := cfg.Location()
	rv := templates.Review{Title: "Weekly escalation review", Last: "last week",
		Span: p.From.Format("Mon 2 Jan") + " - " + p.Until.AddDate(0, 0, -1).Format("Mon 2 Jan 2006")}
	if p.Event == vocab.EventMonthlyReview {
		rv.Title, rv.Last, rv.Span = "Monthly root-cause review", p.LastFrom.In(loc).Format("January"), p.From.In(loc).Format("January 2006")
	}
	tickets := 0
	if cfg.Reviews != nil && len(cfg.Reviews.TicketsCommand) > 0 {
		n, err := countTickets(ctx, cfg.Reviews.TicketsCommand, p.From, p.Until)
		if err != nil {
			// The review is worth more without the rate than not at all.
			rv.Rate = "Escalation rate unknown: " + err.Error()
		}
		tickets = n
	}
	this, err := metrics.Compute(ctx, st, metrics.Options{Since: p.From, Until: p.Until, Tickets: tickets})
	if err != nil {
		return rv, err
	}
	last, err := metrics.Compute(ctx, st, metrics.Options{Since: p.LastFrom, Until: p.From})
	if err != nil {
		return rv, err
	}
	rv.Headline = []string{
		fmt.Sprintf("%d %s (%s %d), %d breached (%s %d), %d still open.", this.Cases, plural(this.Cases, "escalation"), rv.Last, last.Cases,
			this.Breached, rv.Last, last.Breached, this.Open),
	}
	var times []string
	if this.AckMedian != nil {
		times = append(times, fmt.Sprintf("acknowledged in %s median (p90 %s)", short(this.AckMedian), short(this.AckP90)))
	}
	if this.ResMedian != nil {
		times = append(times, fmt.Sprintf("resolved in %s median (p90 %s)", short(this.ResMedian), short(this.ResP90)))
	}
	if len(times) == 0 {
		rv.Headline = append(rv.Headline, "None acknowledged or resolved yet.")
	} else {
		line := strings.Join(times, ", ") + "."
		rv.Headline = append(rv.Headline, strings.ToUpper(line[:1])+line[1:])
	}
	if this.Tickets > 0 {
		verdict := "within"
		if this.EscalationRate >= this.RateTarget {
			verdict = "ABOVE"
		}
		rv.Rate = fmt.Sprintf("Escalation rate: %.1f%% of %d tickets (%s the %.0f%% target).", 100*this.EscalationRate, this.Tickets, verdict, 100*this.RateTarget)
	}
	for _, by := range []struct{ key, name string }{{"urgency", "By urgency"}, {"category", "By category"}, {"team", "By team"}} {
		g, err := reviewGroup(ctx, st, p, by.key)
		if err != nil {
			return rv, err
		}
		g.Name = by.name
		rv.Groups = append(rv.Groups, g)
	}
	cases, err := st.Cases(ctx, store.CaseFilter{})
	if err != nil {
		return rv, err
	}
	breaches, err := st.EventsOfTypes(ctx, []vocab.Event{vocab.EventBreach}, p.From)
	if err != nil {
		return rv, err
	}
	breachCount := map[int64]int{}
	for _, ev := range breaches {
		if ev.At.Before(p.Until) {
			breachCount[ev.CaseID]++
		}
	}
	in := func(t time.Time, from, until time.Time) bool {
		return !t.IsZero() && !t.Before(from) && t.Before(until)
	}
	causes := map[string]*templates.ReviewCause{}
	var csatSum, csatN, lastSum, lastN int
	slices.SortFunc(cases, func(a, b *store.Case) int { return cmp.Compare(a.ID, b.ID) })
	var overdue []string
	for _, c := range cases {
		if c.OpenedAt.Before(at) && c.IsOpen() && c.AcknowledgedAt.IsZero() && c.RespondBy.Before(at) && c.Urgency != vocab.Low {
			// What a manager must act on comes first: a case nobody has
			// taken, past its response time.
			overdue = append(overdue, fmt.Sprintf("%s (%s, %s, overdue %s)", c.Ticket, c.Urgency.Title(), human(c.Team), daysSince(c.RespondBy, at)))
		}
		if n := breachCount[c.ID]; n > 0 {
			rv.Breaches = append(rv.Breaches, reviewCase(c, breachNote(c, n, at)))
		}
		if c.Urgency == vocab.Low && c.OpenedAt.Before(at) && (c.IsOpen() || c.ResolvedAt.After(at)) {
			rv.Backlog = append(rv.Backlog, reviewCase(c, "open "+daysSince(c.OpenedAt, at)))
		}
		if in(c.ResolvedAt, p.From, p.Until) {
			if cause := reviewCause(c, cfg.RootCauseTags()); cause != "" {
				rc := causes[cause]
				if rc == nil {
					rc = &templates.ReviewCause{Cause: cause}
					causes[cause] = rc
				}
				rc.Count++
				rc.Tickets = append(rc.Tickets, c.Ticket)
			}
			if c.CSAT > 0 {
				csatSum, csatN = csatSum+c.CSAT, csatN+1
			}
		}
		if in(c.ResolvedAt, p.LastFrom, p.From) && c.CSAT > 0 {
			lastSum, lastN = lastSum+c.CSAT, lastN+1
		}
	}
	if len(overdue) > 0 {
		rv.Headline = slices.Insert(rv.Headline, 0, "NOT ACKNOWLEDGED, past their response time: "+strings.Join(overdue, "; ")+".")
	}
	for _, rc := range causes {
		rv.RootCauses = append(rv.RootCauses, *rc)
	}
	slices.SortFunc(rv.RootCauses, func(a, b templates.ReviewCause) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Cause, b.Cause))
	})
	if csatN > 0 || lastN > 0 {
		rv.Satisfaction = fmt.Sprintf("Customer satisfaction: %s from %d %s (%s %s).", average(csatSum, csatN), csatN, plural(csatN, "score"),
			rv.Last, lastCSAT(lastSum, lastN))
	}
	if p.Event == vocab.EventMonthlyReview && len(rv.RootCauses) > 0 {
		top := rv.RootCauses[0]
		rv.Headline = append(rv.Headline, fmt.Sprintf("Top root cause: %s (%d of %d cases resolved).", top.Cause, top.Count, resolvedIn(cases, p)))
	}
	return rv, nil
}

// reviewGroup counts the cases of this period and the last by one key.
func reviewGroup(ctx context.Context, st *store.Store, p ReviewPeriod, by string) (templates.ReviewGroup, error) {
	var g templates.ReviewGroup
	this, err := metrics.Compute(ctx, st, metrics.Options{Since: p.From, Until: p.Until, By: by})
	if err != nil {
		return g, err
	}
	last, err := metrics.Compute(ctx, st, metrics.Options{Since: p.LastFrom, Until: p.From, By: by})
	if err != nil {
		return g, err
	}
	var names []string
	if by == "urgency" {
		for _, u := range vocab.UrgenciesDescending() {
			names = append(names, string(u))
		}
	} else {
		for k := range this.By {
			names = append(names, k)
		}
		for k := range last.By {
			if !slices.Contains(names, k) {
				names = append(names, k)
			}
		}
		slices.Sort(names)
	}
	for _, n := range names {
		name := n
		if by == "urgency" {
			name = vocab.Urgency(n).Title()
		}
		g.Rows = append(g.Rows, templates.ReviewRow{Name: name, This: this.By[n].Cases, Last: last.By[n].Cases})
	}
	return g, nil
}

// reviewCause is how a case's root cause appears in a review: a
// confidential case's free text (names, sums, a legal strategy) reaches
// the team leads as "(confidential)"; a configured tag is safe to show.
func reviewCause(c *store.Case, tags []string) string {
	if c.RootCause == "" || !c.Confidential || slices.Contains(tags, c.RootCause) {
		return c.RootCause
	}
	return "(confidential)"
}

// breachNote says what became of a case that breached: still waiting for
// someone, or taken, and how many reminders it took.
func breachNote(c *store.Case, breaches int, at time.Time) string {
	reminders := ""
	if breaches > 1 {
		reminders = fmt.Sprintf(", %d reminders", breaches-1)
	}
	switch {
	case c.IsOpen() && c.AcknowledgedAt.IsZero():
		return fmt.Sprintf("breached%s; STILL NOT ACKNOWLEDGED after %s", reminders, daysSince(c.OpenedAt, at))
	case c.IsOpen():
		return fmt.Sprintf("breached%s; acknowledged, open", reminders)
	}
	return fmt.Sprintf("breached%s; resolved", reminders)
}

func reviewCase(c *store.Case, note string) templates.ReviewCase {
	summary := c.Summary
	if c.Confidential {
		summary = "(confidential)"
	}
	return templates.ReviewCase{Ticket: c.Ticket, Urgency: c.Urgency.Title(), Team: c.Team, Summary: truncate(summary, 80), Note: note}
}

func resolvedIn(cases []*store.Case, p ReviewPeriod) int {
	n := 0
	for _, c := range cases {
		if !c.ResolvedAt.IsZero() && !c.ResolvedAt.Before(p.From) && c.ResolvedAt.Before(p.Until) {
			n++
		}
	}
	return n
}

func average(sum, n int) string {
	if n == 0 {
		return "no average"
	}
	return strconv.FormatFloat(float64(sum)/float64(n), 'f', 1, 64) + " average"
}

func lastCSAT(sum, n int) string {
	if n == 0 {
		return "none"
	}
	return fmt.Sprintf("%s from %d", strings.TrimSuffix(average(sum, n), " average"), n)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// short writes a duration for a phone: 14m, 3h5m, 1d2h; "-" for none.
func short(d *metrics.Duration) string {
	if d == nil {
		return "-"
	}
	t := time.Duration(*d).Round(time.Minute)
	switch {
	case t <= 0:
		return "-"
	case t >= 24*time.Hour:
		days, rest := int(t/(24*time.Hour)), (t % (24 * time.Hour)).Round(time.Hour)
		if rest == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd%dh", days, int(rest/time.Hour))
	}
	s := strings.TrimSuffix(t.String(), "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func daysSince(from, at time.Time) string {
	days := int(at.Sub(from) / (24 * time.Hour))
	if days == 0 {
		return "less than a day"
	}
	return fmt.Sprintf("%d %s", days, plural(days, "day"))
}

// countTickets runs reviews.tickets_command with the period's start and
// end (RFC 3339) appended and reads the ticket count it prints.
func countTickets(ctx context.Context, argv []string, from, until time.Time) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, ticketsTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], append(slices.Clone(argv[1:]), from.Format(time.RFC3339), until.Format(time.RFC3339))...)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("reviews.tickets_command: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(out.String()))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("reviews.tickets_command printed %q, not a ticket count", strings.TrimSpace(out.String()))
	}
	return n, nil
}

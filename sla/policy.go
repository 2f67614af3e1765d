package sla

import (
	"errors"
	"time"

	"escalationd/config"
	"escalationd/vocab"
)

// Policy is the SLA part of the config, compiled for pure use.
type Policy struct {
	urgencies    map[vocab.Urgency]config.UrgencySLA
	topReminders int
	// DirectCustomerUpdates sends the 24-hour update to the customer
	// instead of reminding the escalating agent (never for confidential
	// cases).
	DirectCustomerUpdates bool
	// StatusCheckHours, when set, hold status checks to these hours.
	StatusCheckHours *Hours
}

// NewPolicy compiles cfg.SLA, reporting what does not compile (status
// check hours) at its file and line.
func NewPolicy(cfg *config.Config) (Policy, error) {
	p := Policy{
		urgencies:             cfg.SLA.Urgencies,
		topReminders:          cfg.SLA.TopReminders,
		DirectCustomerUpdates: cfg.SLA.CustomerUpdates == "customer",
	}
	if h := cfg.SLA.StatusCheckHours; h != nil {
		hours, err := NewHours(*h, cfg.CompanyHolidays()...)
		if err != nil {
			return p, errors.Join(cfg.Problems("sla.status_check_hours", err)...)
		}
		p.StatusCheckHours = hours
	}
	return p, nil
}

// CheckPolicy is NewPolicy for check-config: only the problems. Pass it in
// config.Options.Checks.
func CheckPolicy(cfg *config.Config) error {
	_, err := NewPolicy(cfg)
	return err
}

// StatusCheckDue moves a status check due at t into the status-check hours.
func (p Policy) StatusCheckDue(t time.Time) time.Time {
	if p.StatusCheckHours == nil {
		return t
	}
	return p.StatusCheckHours.NextIn(t)
}

// Response is the urgency's response target (24h for an unknown urgency).
func (p Policy) Response(urgency vocab.Urgency) time.Duration {
	if u, ok := p.urgencies[urgency]; ok && u.Response > 0 {
		return u.Response.D()
	}
	return 24 * time.Hour
}

// StatusCheck is the interval of status-check mail (0: none; none for an
// urgency delivered as a digest).
func (p Policy) StatusCheck(urgency vocab.Urgency) time.Duration {
	if ok, _ := p.Digest(urgency); ok {
		return 0
	}
	return p.urgencies[urgency].StatusCheck.D()
}

// Digest reports whether an urgency's new cases go into their team's daily
// backlog digest instead of a routed mail, and at what minute of the day
// (in the team's time zone).
func (p Policy) Digest(urgency vocab.Urgency) (bool, int) {
	u := p.urgencies[urgency]
	return u.Delivery == config.DeliveryDigest, u.DigestAt.Minutes()
}

// CustomerUpdate is the interval of customer updates (0: none).
func (p Policy) CustomerUpdate(urgency vocab.Urgency) time.Duration {
	return p.urgencies[urgency].CustomerUpdate.D()
}

// Steps is how many breach steps an urgency has: one per chain level, then
// the reminders to the top of the chain. With an empty chain the assigned
// team itself is the top.
func (p Policy) Steps(urgency vocab.Urgency) int {
	return p.StepsFor(urgency, nil, -1)
}

// StepsFor is Steps with a case's own chain and top reminders (see
// BreachFor).
func (p Policy) StepsFor(urgency vocab.Urgency, chain []string, top int) int {
	chain, top = p.escalation(urgency, chain, top)
	return max(len(chain), 1) + top
}

// escalation is the chain and top reminder count a case climbs: its own
// when set (chain non-nil, top ≥ 0), else the urgency's and the policy's.
func (p Policy) escalation(urgency vocab.Urgency, chain []string, top int) ([]string, int) {
	if chain == nil {
		chain = p.urgencies[urgency].Chain
	}
	if top < 0 {
		top = p.topReminders
	}
	return chain, top
}

// BreachStep describes breach step level (1-based) of an urgency.
type BreachStep struct {
	Level int
	// Team is the chain entry this step escalates to: a team, or
	// "lead:<team>" for a team's lead ("" when the chain is empty: the
	// assigned team is reminded).
	Team string
	// Reminder numbers the reminders at the top of the chain (0 before).
	Reminder, Of int
}

// Breach returns step level of the urgency's chain; ok is false past the
// last step, when the gateway stops (never a storm). An urgency that
// repeats (UrgencySLA.Repeat) has no last step: its reminders go on until
// the case is acknowledged, with Of 0.
func (p Policy) Breach(urgency vocab.Urgency, level int) (BreachStep, bool) {
	return p.BreachFor(urgency, nil, -1, level)
}

// BreachFor is Breach for a case whose route or category set its own
// chain (nil: the urgency's) and top reminders (negative: the policy's
// sla.top_reminders). The urgency still sets the rhythm and Repeat.
func (p Policy) BreachFor(urgency vocab.Urgency, chain []string, top, level int) (BreachStep, bool) {
	repeat := p.urgencies[urgency].Repeat > 0
	if level < 1 || (level > p.StepsFor(urgency, chain, top) && !repeat) {
		return BreachStep{}, false
	}
	chain, top = p.escalation(urgency, chain, top)
	s := BreachStep{Level: level, Of: top}
	climb := max(len(chain), 1)
	if level <= climb {
		if len(chain) > 0 {
			s.Team = chain[level-1]
		}
		return s, true
	}
	if len(chain) > 0 {
		s.Team = chain[len(chain)-1]
	}
	s.Reminder = level - climb
	if repeat {
		s.Of = 0
	}
	return s, true
}

// NextBreach is how long after breach step level the next one comes: a
// full response window while climbing the chain and through the top
// reminders, then the urgency's Repeat interval.
func (p Policy) NextBreach(urgency vocab.Urgency, level int) time.Duration {
	return p.NextBreachFor(urgency, nil, -1, level)
}

// NextBreachFor is NextBreach for a case's own chain (see BreachFor).
func (p Policy) NextBreachFor(urgency vocab.Urgency, chain []string, top, level int) time.Duration {
	u := p.urgencies[urgency]
	if u.Repeat > 0 && level >= p.StepsFor(urgency, chain, top) {
		return u.Repeat.D()
	}
	return p.Response(urgency)
}

// NextBoundary returns the first anchor + k*interval (k ≥ minK) strictly
// after now. Firing a periodic step schedules the next one here, so after a
// downtime the missed intervals collapse into the one step that fires at
// restart instead of a burst.
func NextBoundary(anchor time.Time, interval time.Duration, minK int, now time.Time) (k int, due time.Time) {
	if interval <= 0 {
		return minK, anchor
	}
	k = minK
	if d := now.Sub(anchor); d >= 0 {
		if n := int(d/interval) + 1; n > k {
			k = n
		}
	}
	return k, anchor.Add(time.Duration(k) * interval)
}

// NextIn returns t when it falls within the hours, else the start of the
// next working period after t, skipping holidays (DST-safe: computed on
// the local calendar).
func (h *Hours) NextIn(t time.Time) time.Time {
	if h.In(t) {
		return t
	}
	l := t.In(h.loc)
	// A week, plus every holiday that could close one of its days.
	for d := 0; d <= 7+len(h.closed); d++ {
		day := time.Date(l.Year(), l.Month(), l.Day()+d, 0, 0, 0, 0, h.loc)
		if !h.days[day.Weekday()] || h.closed[dayOf(day)] {
			continue
		}
		start := time.Date(day.Year(), day.Month(), day.Day(), h.start/3600, h.start/60%60, 0, 0, h.loc)
		if start.After(t) {
			return start
		}
	}
	return t // no working day at all: NewHours prevents this, holidays cannot close every day
}

// IsZero reports whether p was never compiled (the zero Policy).
func (p Policy) IsZero() bool { return p.urgencies == nil }

// Repeats reports whether an urgency's breach reminders go on until the
// case is acknowledged.
func (p Policy) Repeats(urgency vocab.Urgency) bool { return p.urgencies[urgency].Repeat > 0 }

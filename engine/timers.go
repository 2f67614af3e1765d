package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"escalationd/internal/clock"
	"escalationd/internal/retry"
	"escalationd/router"
	"escalationd/sla"
	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// startClock schedules a case's first SLA steps in a new epoch of its
// clock: the breach at respond-by, the first status check and the first
// customer update. It returns whether any timer was added.
func (e *Engine) startClock(tx *store.Tx, c *store.Case, now time.Time) (bool, error) {
	epoch, err := tx.NextTimerEpoch(c.ID)
	if err != nil {
		return false, err
	}
	p := e.sla
	added := false
	add := func(kind vocab.TimerKind, due time.Time) error {
		ok, err := tx.AddTimer(store.Timer{CaseID: c.ID, Kind: kind, Epoch: epoch, Step: 1, DueAt: due})
		added = added || ok
		return err
	}
	if c.AcknowledgedAt.IsZero() {
		if err := add(vocab.TimerBreach, c.RespondBy); err != nil {
			return false, err
		}
	}
	if iv := p.StatusCheck(c.Urgency); iv > 0 {
		if err := add(vocab.TimerStatusCheck, e.statusCheckDue(c, now.Add(iv))); err != nil {
			return false, err
		}
	}
	if iv := p.CustomerUpdate(c.Urgency); iv > 0 && !c.Confidential && !e.digested(c) {
		due := now.Add(iv)
		if by, ok := e.customerExpects(c, now); ok && by.Before(due) {
			// The agent promised the customer news by then: remind them
			// half an hour before, whatever the working hours say.
			due = maxTime(by.Add(-30*time.Minute), now)
		} else {
			due = e.agentHours(due)
		}
		if err := add(vocab.TimerCustomerUpdate, due); err != nil {
			return false, err
		}
	}
	if e.digested(c) {
		if err := add(vocab.TimerDigest, e.nextDigest(c, now)); err != nil {
			return false, err
		}
	}
	if due, ok := e.nextHandover(c, now); ok && c.AcknowledgedAt.IsZero() {
		if err := add(vocab.TimerHandover, due); err != nil {
			return false, err
		}
	}
	return added, nil
}

// statusCheckDue moves a status check due at t into the status-check
// hours (sla.status_check_hours) and, unless the case is Critical, into its
// owning team's working hours: nobody is asked for a status at night about
// a case that can wait for the morning.
func (e *Engine) statusCheckDue(c *store.Case, t time.Time) time.Time {
	if c.Urgency == vocab.Critical {
		return t
	}
	t = e.sla.StatusCheckDue(t)
	if open, ok := e.rt.OpensAt(c.Team, t); ok {
		return open
	}
	return t
}

// latestNote is the newest comment on a case, for follow-ups: what the team
// last said, by whom and when.
func (e *Engine) latestNote(tx *store.Tx, c *store.Case) (templates.Note, error) {
	evs, err := tx.CaseEvents(c.ID)
	if err != nil {
		return templates.Note{}, err
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if ev := evs[i]; ev.Type == vocab.EventComment {
			return templates.Note{Text: truncate(oneLine(ev.Detail), 300), By: e.who(ev.Actor), At: ev.At}, nil
		}
	}
	return templates.Note{}, nil
}

// agentHours moves a reminder to the agent into working time: the
// follow-up hours (sla.status_check_hours, holidays included) when set,
// else off the company's days off (its calendar: the first team with
// hours), keeping the time of day.
func (e *Engine) agentHours(t time.Time) time.Time {
	if e.sla.StatusCheckHours != nil {
		return e.sla.StatusCheckDue(t)
	}
	loc, days := e.rt.Calendar("")
	for i := 0; i < 7 && !days[t.In(loc).Weekday()]; i++ {
		t = t.AddDate(0, 0, 1)
	}
	return t
}

// restartStatusChecks starts a case's status checks over from now: a note
// from the team is a status, and the next question can wait a full
// interval.
func (e *Engine) restartStatusChecks(tx *store.Tx, c *store.Case, now time.Time) error {
	iv := e.sla.StatusCheck(c.Urgency)
	if iv <= 0 || !c.IsOpen() {
		return nil
	}
	epoch, err := tx.NextTimerEpoch(c.ID)
	if err != nil || epoch == 0 {
		return err
	}
	step, err := tx.NextTimerStep(c.ID, vocab.TimerStatusCheck, epoch-1)
	if err != nil {
		return err
	}
	if err := tx.CancelTimers(c.ID, vocab.TimerStatusCheck); err != nil {
		return err
	}
	_, err = tx.AddTimer(store.Timer{CaseID: c.ID, Kind: vocab.TimerStatusCheck, Epoch: epoch - 1, Step: step, DueAt: e.statusCheckDue(c, now.Add(iv))})
	return err
}

// restartClock stops a case's pending steps and starts its clock again
// from now: after a reassignment, a re-escalation, an urgency change or a
// reopening.
func (e *Engine) restartClock(tx *store.Tx, c *store.Case, now time.Time) error {
	if err := tx.CancelTimers(c.ID); err != nil {
		return err
	}
	_, err := e.startClock(tx, c, now)
	return err
}

// WakeTimers interrupts RunTimers' sleep after timers changed.
func (e *Engine) WakeTimers() {
	select {
	case e.timerWake <- struct{}{}:
	default:
	}
}

// timerRetry paces the timer loop after a failed pass: a step that could
// not be recorded stays due, and firing it again at once would spin on the
// failing database.
var timerRetry = retry.Policy{Initial: time.Second, Max: time.Minute}

// RunTimers fires SLA steps as they fall due until ctx ends. It sleeps
// until the earliest pending step (or a wake-up), never on a coarse tick;
// after a failed pass it waits like a retry.
func (e *Engine) RunTimers(ctx context.Context) error {
	failures := 0
	for {
		_, err := e.FireDue(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := time.Hour
		if err != nil {
			failures++
			wait = timerRetry.Delay(failures)
			e.log.Error("firing SLA steps failed", "err", err, "retry_in", wait.Round(time.Millisecond))
		} else if next, ok, err := e.NextDue(ctx); err != nil {
			failures = 0
			e.log.Error("reading next SLA step failed", "err", err)
			wait = 10 * time.Second
		} else {
			failures = 0
			if ok {
				wait = min(wait, max(next.Sub(e.clock.Now()), 0))
			}
		}
		if wait > 0 && !clock.Sleep(ctx, e.clock, wait, e.timerWake) {
			return nil
		}
	}
}

// FireDue fires every step due now, each in its own transaction, and
// returns how many fired.
func (e *Engine) FireDue(ctx context.Context) (int, error) {
	fired := 0
	// The reviews are due at fixed slots, not timer rows; one that cannot
	// be built is logged and tried again on the next pass, never blocking
	// the SLA steps.
	if n, err := e.fireReviews(ctx, e.clock.Now()); err != nil {
		e.log.Error("queueing a review failed", "err", err)
	} else {
		fired += n
	}
	for ctx.Err() == nil {
		now := e.clock.Now()
		due, err := e.st.DueTimers(ctx, now, 100)
		if err != nil {
			return fired, err
		}
		if len(due) == 0 {
			return fired, nil
		}
		for _, t := range due {
			mails := 0
			err := e.st.InTx(ctx, func(tx *store.Tx) error {
				ok, err := tx.FireTimer(t.ID, now)
				if err != nil || !ok {
					return err
				}
				c, err := tx.Case(t.CaseID)
				if err != nil {
					return err
				}
				mails, err = e.fire(tx, c, t, now)
				return err
			})
			if err != nil {
				if store.IsDatabaseError(err) || ctx.Err() != nil {
					return fired, fmt.Errorf("fire %s step %d of case %d: %w", t.Kind, t.Step, t.CaseID, err)
				}
				// This step cannot be done (a template that fails on this
				// case, a team that resolves to nobody): record it on the
				// case and go on, so one bad step blocks no other.
				e.log.Error("SLA step failed; skipped", "case", t.CaseID, "kind", t.Kind, "step", t.Step, "err", err)
				if ferr := e.failTimer(ctx, t, err, now); ferr != nil {
					return fired, ferr
				}
				continue
			}
			fired++
			if mails > 0 {
				e.wake()
			}
		}
	}
	return fired, nil
}

// failTimer retires a step that cannot be done, with an event on its case.
func (e *Engine) failTimer(ctx context.Context, t store.Timer, cause error, now time.Time) error {
	return e.st.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.FireTimer(t.ID, now); err != nil {
			return err
		}
		return tx.AddEvent(store.Event{CaseID: t.CaseID, At: now, Type: vocab.EventStepFailed,
			Detail: fmt.Sprintf("%s step %d: %v", t.Kind, t.Step, cause)})
	})
}

// fire runs one SLA step and schedules the next one of its kind.
func (e *Engine) fire(tx *store.Tx, c *store.Case, t store.Timer, now time.Time) (int, error) {
	if !c.IsOpen() {
		return 0, nil
	}
	p := e.sla
	n := t.Step
	log := e.log.With("case", c.ID, "ticket", c.Ticket, "step", n)
	// following is the next step of this one's kind, in its epoch.
	following := func(due time.Time) error {
		_, err := tx.AddTimer(store.Timer{CaseID: c.ID, Kind: t.Kind, Epoch: t.Epoch, Step: t.Step + 1, DueAt: due})
		return err
	}
	next := func(interval time.Duration) error {
		if interval <= 0 {
			return nil
		}
		_, due := sla.NextBoundary(t.DueAt, interval, 1, now)
		switch t.Kind {
		case vocab.TimerStatusCheck:
			due = e.statusCheckDue(c, due)
		case vocab.TimerCustomerUpdate:
			due = e.agentHours(due)
		}
		return following(due)
	}
	switch t.Kind {
	case vocab.TimerBreach:
		if !c.AcknowledgedAt.IsZero() {
			return 0, nil
		}
		step, ok := p.BreachFor(c.Urgency, c.Chain, topReminders(c), n)
		if !ok {
			return 0, nil
		}
		sent, err := e.breach(tx, c, step, t.Epoch, now)
		if err != nil {
			return 0, err
		}
		log.Warn("SLA breached", "urgency", c.Urgency, "escalated_to", step.Team, "reminder", step.Reminder)
		if n == 1 {
			// The agent promised the customer an answer: they learn that
			// nobody has taken the case yet, and whom to call.
			u, err := e.agentUpdate(tx, c, e.breachUpdate(c, step, now), now)
			if err != nil {
				return 0, err
			}
			sent += u
		}
		if _, more := p.BreachFor(c.Urgency, c.Chain, topReminders(c), n+1); more {
			// The next step comes a full window after this one, even when
			// this one fired late (after downtime): one step per window.
			gap := p.NextBreachFor(c.Urgency, c.Chain, topReminders(c), n)
			_, due := sla.NextBoundary(t.DueAt, gap, 1, now)
			return sent, following(maxTime(due, now.Add(gap)))
		}
		return sent, nil
	case vocab.TimerStatusCheck:
		sent, err := e.followUp(tx, c, t, p.StatusCheck(c.Urgency), now)
		if err != nil {
			return 0, err
		}
		return sent, next(p.StatusCheck(c.Urgency))
	case vocab.TimerHandover:
		return e.handover(tx, c, t, now)
	case vocab.TimerDigest:
		return e.digest(tx, c, t, now)
	case vocab.TimerCustomerUpdate:
		if c.Confidential {
			return 0, nil
		}
		sent, err := e.followUp(tx, c, t, p.CustomerUpdate(c.Urgency), now)
		if err != nil {
			return 0, err
		}
		return sent, next(p.CustomerUpdate(c.Urgency))
	}
	return 0, fmt.Errorf("unknown timer kind %q", t.Kind)
}

// breach queues the breach mail of one chain step: to the assigned team and
// the step's chain team (later steps: to the chain team, copying the
// assigned team).
func (e *Engine) breach(tx *store.Tx, c *store.Case, step sla.BreachStep, epoch int, now time.Time) (int, error) {
	assigned, err := e.teamAddresses(c, c.Team, now)
	if err != nil {
		return 0, err
	}
	var up []string
	if step.Team != "" {
		if up, err = e.teamAddresses(c, step.Team, now); err != nil {
			return 0, err
		}
	}
	to, cc := assigned, []string(nil)
	switch {
	case len(up) > 0 && slices.Contains(e.cfg.Authorization.Management, step.Team):
		// Management is kept informed, copied: the people who must act
		// are the ones the mail is to.
		to, cc = assigned, up
	case step.Level == 1:
		to = append(append([]string{}, assigned...), up...)
	case len(up) > 0:
		to, cc = up, assigned
	}
	if len(to) == 0 {
		return 0, tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventBreach, Detail: "no acknowledgement, and nobody to escalate to: the case and its chain resolve to no address"})
	}
	data := e.caseData(c, nil, nil, now)
	data.Breach = templatesBreach(step, now.Sub(c.RespondBy))
	err = e.enqueue(tx, c, outMail{event: vocab.EventBreach, role: vocab.RoleTeam, dedup: stepDedup(c, vocab.TimerBreach, epoch, step.Level),
		to: dedupe(to), cc: minus(cc, to), data: data}, now)
	if err != nil {
		return 0, err
	}
	detail := fmt.Sprintf("not acknowledged by the respond-by; escalated to %s", human(orDefault(step.Team, c.Team)))
	if step.Reminder > 0 {
		detail = fmt.Sprintf("reminder %d to %s", step.Reminder, orDefault(step.Team, c.Team))
		if step.Of > 0 {
			detail = fmt.Sprintf("reminder %d of %d to %s", step.Reminder, step.Of, orDefault(step.Team, c.Team))
		}
	}
	return 1, tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventBreach, Detail: detail})
}

// stepDedup is the dedup key of the mail of one SLA step: one mail per
// (case, kind, epoch, step), ever, recorded with the step's firing.
func stepDedup(c *store.Case, kind vocab.TimerKind, epoch, step int) string {
	return fmt.Sprintf("case:%d:%s:e%d:%d", c.ID, kind, epoch, step)
}

// followUp queues a status check (to the assigned team) or a customer
// update (a reminder to the agent, or the customer directly when the policy
// says so and the case is not confidential).
func (e *Engine) followUp(tx *store.Tx, c *store.Case, t store.Timer, interval time.Duration, now time.Time) (int, error) {
	event, n := t.Kind.Event(), t.Step
	data := e.caseData(c, nil, nil, now)
	data.FollowUp.Number, data.FollowUp.Interval = n, interval
	note, err := e.latestNote(tx, c)
	if err != nil {
		return 0, err
	}
	data.LatestNote = note
	m := outMail{event: event, dedup: stepDedup(c, t.Kind, t.Epoch, t.Step), data: data}
	switch {
	case t.Kind == vocab.TimerStatusCheck && c.AcknowledgedAt.IsZero() && e.sla.Repeats(c.Urgency):
		// Its breach reminders are chasing it already: no second mail.
		return 0, nil
	case t.Kind == vocab.TimerStatusCheck:
		to, err := e.ownerAddresses(c, now)
		if err != nil {
			return 0, err
		}
		m.to, m.role = to, vocab.RoleTeam
	case !isAddress(c.Customer):
		// No customer address to update: nothing to remind anyone of.
		return 0, nil
	case e.sla.DirectCustomerUpdates && !c.Confidential && !c.Unverified && c.Customer != "" && isAddress(c.Customer):
		// An unverified sender could name anyone as the customer: only a
		// confirmed agent's customer is written to.
		m.template, m.to, m.role = vocab.TemplateCustomerUpdateDirect, []string{c.Customer}, vocab.RoleCustomer
	default:
		m.to, m.role = []string{c.Agent}, vocab.RoleAgent
	}
	if len(m.to) == 0 {
		return 0, nil
	}
	if err := e.enqueue(tx, c, m, now); err != nil {
		return 0, err
	}
	return 1, tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: event, Detail: fmt.Sprintf("#%d to %v", n, m.to)})
}

func templatesBreach(s sla.BreachStep, overdue time.Duration) templates.Breach {
	team := s.Team
	if name, ok := strings.CutPrefix(team, router.LeadPrefix); ok {
		team = name + "'s lead" // a chain entry lead:<team>
	}
	return templates.Breach{Step: s.Level, Overdue: overdue, Team: team, Reminder: s.Reminder, Of: s.Of}
}

// topReminders is the case's own top reminder count, -1 for the policy's.
func topReminders(c *store.Case) int {
	if c.TopReminders == nil {
		return -1
	}
	return *c.TopReminders
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

package engine

import (
	"fmt"
	"strings"
	"time"

	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// nextHandover is when an unacknowledged case may have to change hands: a
// day team of the case opens (the case went to its after-hours team at
// night), or the on-call shift of the team that holds it ends.
func (e *Engine) nextHandover(c *store.Case, now time.Time) (time.Time, bool) {
	var due time.Time
	consider := func(t time.Time, ok bool) {
		if ok && t.After(now) && (due.IsZero() || t.Before(due)) {
			due = t
		}
	}
	for _, t := range e.dayTeams(c) {
		consider(e.rt.OpensAt(t, now))
	}
	consider(e.rt.ShiftEnd(c.Team, now))
	return due, !due.IsZero()
}

// dayTeams are the case's teams whose after-hours chain leads to the team
// that holds it (engineering, for a case with on-call).
func (e *Engine) dayTeams(c *store.Case) []string {
	var out []string
	for _, t := range c.Teams {
		if t != c.Team && e.rt.AfterHoursOf(t, c.Team) {
			out = append(out, t)
		}
	}
	return out
}

// handover fires a handover check: an unacknowledged case goes to its day
// team once that team's hours begin, or to the new on-call engineer after
// a shift change, with the history so far. Acknowledged cases stay with
// their owner. It schedules the next check while the case stays
// unacknowledged.
func (e *Engine) handover(tx *store.Tx, c *store.Case, t store.Timer, now time.Time) (int, error) {
	if !c.IsOpen() || !c.AcknowledgedAt.IsZero() {
		return 0, nil
	}
	from := c.Team
	var to []string
	var why string
	for _, day := range e.dayTeams(c) {
		if e.rt.Open(day, now) {
			addrs, err := e.teamAddresses(c, day, now)
			if err != nil {
				return 0, err
			}
			c.Team, to = day, addrs
			why = fmt.Sprintf("%s is open again, and nobody took the case while it was closed", human(day))
			break
		}
	}
	if to == nil {
		current, err := e.teamAddresses(c, c.Team, now)
		if err != nil {
			return 0, err
		}
		mailed, err := tx.CaseRecipients(c.ID, vocab.RoleTeam)
		if err != nil {
			return 0, err
		}
		if fresh := minus(current, mailed); len(fresh) > 0 {
			to = current
			why = fmt.Sprintf("the %s shift changed, and nobody has acknowledged the case", human(c.Team))
		}
	}
	sent := 0
	if len(to) > 0 {
		c.RoutedTo = to
		if err := tx.UpdateCase(c, now); err != nil {
			return 0, err
		}
		history, err := e.history(tx, c, now)
		if err != nil {
			return 0, err
		}
		data := e.caseData(c, nil, nil, now)
		data.Update = templates.Update{What: "handed over", Detail: why}
		data.History = history
		m := outMail{event: vocab.EventHandover, role: vocab.RoleTeam, to: to, data: data, dedup: stepDedup(c, t.Kind, t.Epoch, t.Step)}
		if err := e.enqueue(tx, c, m, now); err != nil {
			return 0, err
		}
		sent++
		if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventHandover,
			Detail: fmt.Sprintf("%s -> %s (%v): %s", from, c.Team, to, why)}); err != nil {
			return sent, err
		}
	}
	if due, ok := e.nextHandover(c, now); ok {
		_, err := tx.AddTimer(store.Timer{CaseID: c.ID, Kind: t.Kind, Epoch: t.Epoch, Step: t.Step + 1, DueAt: due})
		return sent, err
	}
	return sent, nil
}

// history is the case's audit trail as lines for a handover mail.
func (e *Engine) history(tx *store.Tx, c *store.Case, now time.Time) ([]string, error) {
	evs, err := tx.CaseEvents(c.ID)
	if err != nil {
		return nil, err
	}
	var out []string
	at := func(t time.Time) string { return templates.FormatTime(t, now, e.cfg.Location()) }
	for i := 0; i < len(evs); i++ {
		ev := evs[i]
		if ev.Type == vocab.EventBreach {
			// A run of breach reminders is one line: how long, how often.
			j := i
			for j+1 < len(evs) && evs[j+1].Type == vocab.EventBreach {
				j++
			}
			if j > i {
				out = append(out, fmt.Sprintf("%s to %s: not acknowledged; %d breach mails", at(ev.At), at(evs[j].At), j-i+1))
				i = j
				continue
			}
		}
		line := fmt.Sprintf("%s %s", at(ev.At), ev.Type)
		if ev.Actor != "" {
			line += " by " + e.who(ev.Actor)
		}
		if ev.Detail != "" && !strings.HasPrefix(ev.Detail, "{") { // JSON details are for the audit, not for people
			line += ": " + truncate(oneLine(ev.Detail), 160)
		}
		out = append(out, line)
	}
	return out, nil
}

// human writes a config name for people: senior_support → senior support.
func human(name string) string { return strings.ReplaceAll(name, "_", " ") }

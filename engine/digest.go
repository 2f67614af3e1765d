package engine

import (
	"fmt"
	"time"

	"escalationd/sla"
	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// digested reports whether a case's urgency is delivered as a digest
// (delivery: digest): no routed mail when it opens, one line in its team's
// backlog digest each working day.
func (e *Engine) digested(c *store.Case) bool {
	ok, _ := e.sla.Digest(c.Urgency)
	return ok
}

// nextDigest is when a backlog case next appears in its team's digest: the
// digest time of the next working day, in the team's time zone.
func (e *Engine) nextDigest(c *store.Case, now time.Time) time.Time {
	_, minute := e.sla.Digest(c.Urgency)
	loc, days := e.rt.Calendar(c.Team)
	return sla.NextDaily(now, loc, minute, days)
}

// digest fires a backlog case's digest step: one backlog-digest mail per
// team and day lists every open backlog case the team owns, each with its
// respond-by (the first of the team's cases to fall due sends it; the
// others find it queued). The case's next digest step follows while it is
// open.
func (e *Engine) digest(tx *store.Tx, c *store.Case, t store.Timer, now time.Time) (int, error) {
	cases, err := tx.OpenCasesOfTeam(c.Team)
	if err != nil {
		return 0, err
	}
	loc, _ := e.rt.Calendar(c.Team)
	d := templates.Digest{Team: c.Team}
	for _, bc := range cases {
		if e.digested(bc) {
			d.Cases = append(d.Cases, templates.DigestCase{Ticket: bc.Ticket, Summary: bc.Summary, Agent: bc.Agent,
				OpenedAt: bc.OpenedAt, RespondBy: bc.RespondBy, Acknowledged: !bc.AcknowledgedAt.IsZero()})
		}
	}
	sent := 0
	if c.ThreadID == "" && c.IsOpen() {
		// The case's first digest day: its routed mail goes out now, quietly,
		// so the team can act on it by replying.
		n, err := e.heldRoutedMail(tx, c, now)
		if err != nil {
			return 0, err
		}
		sent += n
	}
	to, err := e.teamAddresses(c, c.Team, now)
	if err != nil {
		return 0, err
	}
	if len(d.Cases) > 0 && len(to) > 0 {
		data := templates.Data{Now: now, Mailbox: e.replyAddress(c.Mailbox), Digest: d}
		m := outMail{event: vocab.EventBacklogDigest, role: vocab.RoleTeam, to: to, data: data,
			dedup: fmt.Sprintf("digest:%s:%s", c.Team, now.In(loc).Format("2006-01-02"))}
		queued, err := tx.MailQueued(m.dedup)
		if err != nil {
			return 0, err
		}
		if !queued {
			if err := e.enqueue(tx, nil, m, now); err != nil {
				return 0, err
			}
			sent++
		}
	}
	_, err = tx.AddTimer(store.Timer{CaseID: c.ID, Kind: t.Kind, Epoch: t.Epoch, Step: t.Step + 1, DueAt: e.nextDigest(c, now)})
	return sent, err
}

// heldRoutedMail sends the routed mail a backlog case held back, rendered
// from the case's stored parse result and decision (which only render it:
// its recipients are the case's columns).
func (e *Engine) heldRoutedMail(tx *store.Tx, c *store.Case, now time.Time) (int, error) {
	res, dec, err := renderingRecord(c)
	if err != nil {
		return 0, err
	}
	to, err := e.teamAddresses(c, c.Team, now)
	if err != nil {
		return 0, err
	}
	dec.To, dec.Cc = to, nil
	if len(to) == 0 {
		return 0, nil
	}
	var original *store.StoredMessage
	if c.SourceMessage > 0 {
		if msg, err := tx.Message(c.SourceMessage); err == nil {
			original = msg
		}
	}
	if err := e.routedMail(tx, c, res, dec, original, now); err != nil {
		return 0, err
	}
	return 1, tx.UpdateCase(c, now)
}

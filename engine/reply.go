package engine

import (
	"fmt"
	"strings"
	"time"

	"escalationd/mailparse"
	"escalationd/store"
	"escalationd/vocab"
)

// replyCtx is one reply being applied to a case.
type replyCtx struct {
	tx    *store.Tx
	msg   *store.StoredMessage
	c     *store.Case
	actor string
	role  role
	arg   string // the command's argument, trimmed
	text  string // the reply's own text, first lines, for the audit trail
	now   time.Time
	h     *handled
}

// event records an event of the reply on its case.
func (r *replyCtx) event(typ vocab.Event, detail string) error {
	return r.tx.AddEvent(store.Event{CaseID: r.c.ID, At: r.now, Type: typ, Actor: r.actor, Message: r.msg.ID, Detail: detail})
}

// note records a note on the case: what the reply said, or why its command
// changed nothing.
func (r *replyCtx) note(detail string) error { return r.event(vocab.EventNote, detail) }

// commandHandlers apply each reply command. Every one of vocab.Commands has
// a handler (a test holds it), so a command the parser reads is never
// dropped by the engine.
var commandHandlers = map[vocab.Command]func(e *Engine, r *replyCtx) error{
	vocab.CmdAck:      (*Engine).cmdAck,
	vocab.CmdNote:     (*Engine).cmdNote,
	vocab.CmdResolved: (*Engine).cmdResolved,
	vocab.CmdReopen:   (*Engine).cmdReopen,
	vocab.CmdUrgency:  (*Engine).cmdUrgency,
	vocab.CmdReassign: (*Engine).cmdReassign,
}

// reply applies a reply on a case. A reply from the team acknowledges the
// case (whatever else it says); its command, if any, is applied. The agent
// may add notes, change urgency, resolve and reopen, but not acknowledge on
// the team's behalf. Anyone else's reply is recorded as a note only.
func (e *Engine) reply(tx *store.Tx, msg *store.StoredMessage, res *mailparse.Result, c *store.Case, now time.Time) (handled, error) {
	h := handled{disposition: mailparse.DispositionReply, outcome: store.OutcomeProcessed, caseID: c.ID}
	actor := strings.ToLower(res.From)
	who, err := e.roleOf(tx, c, actor, now)
	if err != nil {
		return h, err
	}
	cmd := mailparse.Command{}
	if res.Command != nil {
		cmd = *res.Command
	}
	r := &replyCtx{tx: tx, msg: msg, c: c, actor: actor, role: who, arg: strings.TrimSpace(cmd.Argument),
		text: truncate(oneLine(res.Text), 500), now: now, h: &h}
	if who == roleOutsider {
		h.reason = "not-on-case"
		return h, r.note(fmt.Sprintf("reply from %s, who is not on the case (changes nothing): %s", actor, r.text))
	}
	if err := r.event(vocab.EventReply, strings.TrimSpace(string(cmd.Name)+" "+cmd.Argument)); err != nil {
		return h, err
	}
	if who == roleTeam && c.IsOpen() && c.AcknowledgedAt.IsZero() {
		if err := e.acknowledge(tx, c, actor, now); err != nil {
			return h, err
		}
		if err := r.event(vocab.EventAcknowledged, "by reply"); err != nil {
			return h, err
		}
	}
	if cmd.Name == "" {
		if r.text != "" {
			return h, r.note(r.text)
		}
		return h, nil
	}
	apply, ok := commandHandlers[cmd.Name]
	if !ok {
		return h, r.note(fmt.Sprintf("unknown command %s: %s", cmd.Name, r.text))
	}
	return h, apply(e, r)
}

func (e *Engine) cmdAck(r *replyCtx) error {
	if r.role == roleAgent {
		return r.note("ACK from the escalating agent does not acknowledge the case: " + r.text)
	}
	return nil // a team member's reply acknowledged the case already
}

func (e *Engine) cmdNote(r *replyCtx) error { return r.note(orDefault(r.arg, r.text)) }

func (e *Engine) cmdResolved(r *replyCtx) error {
	if !r.c.IsOpen() {
		return r.note("RESOLVED on a case already resolved: " + orDefault(r.arg, r.text))
	}
	n, err := e.resolve(r.tx, r.c, r.actor, orDefault(r.arg, "resolved"), r.msg.ID, r.now)
	r.h.mails += n
	r.h.timers = true
	return err
}

func (e *Engine) cmdReopen(r *replyCtx) error {
	if r.c.IsOpen() {
		return r.note("REOPEN on an open case: nothing to do")
	}
	r.h.timers = true
	return e.reopen(r.tx, r.c, r.actor, r.msg.ID, r.now)
}

func (e *Engine) cmdUrgency(r *replyCtx) error {
	u, ok := vocab.ParseUrgency(strings.Fields(r.arg + " ")[0])
	if !ok {
		return r.note(fmt.Sprintf("URGENCY %q is not %s; nothing changed", r.arg, vocab.Join(vocab.Urgencies, "or")))
	}
	r.h.timers = true
	return e.changeUrgency(r.tx, r.c, r.actor, u, r.msg.ID, r.now)
}

func (e *Engine) cmdReassign(r *replyCtx) error {
	if !r.c.IsOpen() {
		return r.note("REASSIGN on a resolved case; nothing changed (reply REOPEN first)")
	}
	team := strings.Fields(r.arg + " ")[0]
	if _, ok := e.cfg.Team(team); !ok {
		return r.note(fmt.Sprintf("REASSIGN to unknown team %q; nothing changed (teams: %s)", r.arg, strings.Join(e.rt.Teams(), ", ")))
	}
	n, err := e.reassign(r.tx, r.c, r.actor, team, r.msg.ID, r.now)
	r.h.mails += n
	r.h.timers = true
	return err
}

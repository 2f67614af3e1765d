package engine

import (
	"fmt"
	"strings"
	"time"

	"escalationd/mailparse"
	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// replyCtx is one reply being applied to a case.
type replyCtx struct {
	tx   *store.Tx
	msg  *store.StoredMessage
	res  *mailparse.Result
	c    *store.Case
	addr string // the sender, lower case
	who  actor
	perm permission
	cmd  vocab.Command
	arg  string // the command's argument, trimmed
	text string // the reply's own text, first lines, for the audit trail
	now  time.Time
	h    *handled
}

// event records an event of the reply on its case.
func (r *replyCtx) event(typ vocab.Event, detail string) error {
	return r.tx.AddEvent(store.Event{CaseID: r.c.ID, At: r.now, Type: typ, Actor: r.addr, Message: r.msg.ID, Detail: detail})
}

// commandHandler applies one reply command. It returns why the command
// did nothing ("" when it did something): the sender is told.
type commandHandler func(e *Engine, r *replyCtx) (useless string, err error)

// commandHandlers apply each reply command. Every one of vocab.Commands has
// a handler (a test holds it), so a command the parser reads is never
// dropped by the engine.
var commandHandlers = map[vocab.Command]commandHandler{
	vocab.CmdAck:      (*Engine).cmdAck,
	vocab.CmdNote:     (*Engine).cmdNote,
	vocab.CmdResolved: (*Engine).cmdResolved,
	vocab.CmdReopen:   (*Engine).cmdReopen,
	vocab.CmdUrgency:  (*Engine).cmdUrgency,
	vocab.CmdReassign: (*Engine).cmdReassign,
	vocab.CmdCSAT:     (*Engine).cmdCSAT,
}

// reply applies a reply on a case, as the authorization table says (see
// authz.go): free text is a comment from those who may comment and never
// acknowledges; a command acts only when it comes through a thread the
// gateway made (threaded), from a sender who is believed and allowed to
// give it; otherwise it is refused, recorded with the reason, and an
// internal sender is told why.
func (e *Engine) reply(tx *store.Tx, msg *store.StoredMessage, res *mailparse.Result, c *store.Case, threaded bool, now time.Time) (handled, error) {
	h := handled{disposition: mailparse.DispositionReply, outcome: store.OutcomeProcessed, caseID: c.ID}
	addr := strings.ToLower(res.From)
	who, err := e.actorOf(tx, c, addr, now)
	if err != nil {
		return h, err
	}
	r := &replyCtx{tx: tx, msg: msg, res: res, c: c, addr: addr, who: who, perm: who.on(c),
		text: truncate(oneLine(res.Text), 500), now: now, h: &h}
	if res.Command == nil && res.CommandTypo != nil && r.perm.comment {
		// "ACKK", "Reasign": a command misspelt; the writer is told what
		// it would have been, and it is not relayed as a comment.
		r.cmd = vocab.Command(res.CommandTypo.Written)
		syntax, does := res.CommandTypo.Meant.Usage()
		h.reason = "command-refused"
		return h, e.refuse(r, fmt.Sprintf("%q is not a command; did you mean %s?", res.CommandTypo.Written, res.CommandTypo.Meant),
			fmt.Sprintf("%s (%s), on the first line", syntax, does))
	}
	if res.Command == nil {
		if !r.perm.comment {
			h.reason = "not-on-case"
			return h, r.event(vocab.EventCommandRefused, fmt.Sprintf("reply from %s (%s) recorded only: %s", addr, who, r.text))
		}
		if r.text == "" {
			return h, nil
		}
		if err := r.event(vocab.EventComment, r.text); err != nil {
			return h, err
		}
		if err := e.noteFromTeam(r); err != nil || !r.perm.relay {
			return h, err
		}
		return h, e.relay(r)
	}
	r.cmd, r.arg = res.Command.Name, strings.TrimSpace(res.Command.Argument)
	if why := e.refusal(r, threaded); why != "" {
		h.reason = "command-refused"
		return h, e.refuse(r, why, "")
	}
	if err := r.event(vocab.EventReply, strings.TrimSpace(string(r.cmd)+" "+r.arg)); err != nil {
		return h, err
	}
	apply, ok := commandHandlers[r.cmd]
	if !ok {
		return h, e.refuse(r, "unknown command", "")
	}
	useless, err := apply(e, r)
	if err != nil || useless == "" {
		return h, err
	}
	return h, e.refuse(r, useless, "")
}

// refusal says why a command may not act, or "".
func (e *Engine) refusal(r *replyCtx, threaded bool) string {
	if r.res.SenderAmbiguous {
		return "the From header does not name exactly one sender, so nobody can be believed"
	}
	if !threaded {
		return "unknown thread: the reply does not answer a mail the gateway sent about this case (reply to one of them, keeping its headers)"
	}
	if ok, why := e.believed(string(r.res.Auth)); !ok {
		return why
	}
	if !r.perm.allows(r.cmd) {
		class := "this case"
		if r.c.Confidential {
			class = "a confidential case"
		}
		return fmt.Sprintf("not allowed: the %s may not give %s on %s", r.who, r.cmd, class)
	}
	if r.cmd == vocab.CmdUrgency && r.perm.up {
		if u, ok := vocab.ParseUrgency(firstWord(r.arg)); ok && r.c.Urgency.Above(u) {
			return fmt.Sprintf("not allowed: the %s may raise the urgency, not lower it (it is %s)", r.who, r.c.Urgency)
		}
	}
	return ""
}

// refuse records a command that did not act and, for a sender who is
// answered, queues one command-error mail saying why (at most one per
// sender and case an hour: never a loop).
func (e *Engine) refuse(r *replyCtx, why, hint string) error {
	if err := r.event(vocab.EventCommandRefused, fmt.Sprintf("%s %s: %s", r.cmd, r.arg, why)); err != nil {
		return err
	}
	if !r.perm.answer || !e.cfg.IsInternal(r.addr) || r.res.SenderAmbiguous {
		return nil
	}
	if hint == "" {
		hint = r.allowed()
	}
	key := fmt.Sprintf("case:%d:%s", r.c.ID, r.addr)
	n, err := r.tx.CountRate(store.RateCommandError, key, r.now.Add(-time.Hour))
	if err != nil || n > 0 {
		return err
	}
	if err := r.tx.MarkRate(store.RateCommandError, key, r.now); err != nil {
		return err
	}
	data := e.caseData(r.c, nil, nil, r.now)
	data.CommandError = templates.CommandError{Command: strings.TrimSpace(string(r.cmd) + " " + r.arg), Reason: why, Hint: hint}
	m := outMail{event: vocab.EventCommandError, role: vocab.RoleSender, dedup: fmt.Sprintf("message:%d:command-error", r.msg.ID),
		to: []string{r.addr}, data: data}
	if r.res.MessageID != "" {
		m.inReplyTo, m.references = r.res.MessageID, append(threadRefs(r.c), r.res.MessageID)
	}
	r.h.mails++
	return e.enqueue(r.tx, r.c, m, r.now)
}

func (e *Engine) cmdAck(r *replyCtx) (string, error) {
	switch {
	case !r.c.IsOpen():
		return "the case is resolved (reply REOPEN to open it again)", nil
	case !r.c.AcknowledgedAt.IsZero():
		return fmt.Sprintf("the case was already acknowledged by %s", e.who(r.c.AcknowledgedBy)), nil
	}
	r.h.timers = true
	if err := e.acknowledge(r.tx, r.c, r.addr, r.now); err != nil {
		return "", err
	}
	if err := r.event(vocab.EventAcknowledged, "ACK by "+r.addr); err != nil {
		return "", err
	}
	n, err := e.agentUpdate(r.tx, r.c, templates.Update{What: "acknowledged", By: e.who(r.addr),
		Detail: e.who(r.addr) + " owns the case now; status checks go to them."}, r.now)
	r.h.mails += n
	return "", err
}

func (e *Engine) cmdNote(r *replyCtx) (string, error) {
	if err := r.event(vocab.EventComment, orDefault(r.arg, r.text)); err != nil {
		return "", err
	}
	if err := e.noteFromTeam(r); err != nil || !r.perm.relay {
		return "", err
	}
	return "", e.relay(r)
}

// noteFromTeam restarts the status-check clock when someone who works the
// case writes on it: that was the status.
func (e *Engine) noteFromTeam(r *replyCtx) error {
	if r.who != actorOwner && r.who != actorMailed && r.who != actorManagement {
		return nil
	}
	r.h.timers = true
	return e.restartStatusChecks(r.tx, r.c, r.now)
}

func (e *Engine) cmdResolved(r *replyCtx) (string, error) {
	if !r.c.IsOpen() {
		return "the case is already resolved", nil
	}
	// A RESOLVED without a root cause keeps the one an earlier
	// resolution named.
	if cause := e.rootCause(r.res.Command.RootCause); cause != "" {
		r.c.RootCause = cause
	}
	n, err := e.resolve(r.tx, r.c, r.addr, orDefault(r.arg, "resolved"), r.msg.ID, r.now)
	r.h.mails += n
	r.h.timers = true
	return "", err
}

func (e *Engine) cmdReopen(r *replyCtx) (string, error) {
	if r.c.IsOpen() {
		return "the case is open already", nil
	}
	r.h.timers = true
	if err := e.reopen(r.tx, r.c, r.addr, r.msg.ID, r.now); err != nil {
		return "", err
	}
	n, err := e.reroute(r.tx, r.c, "reopened by "+e.who(r.addr), r.now)
	r.h.mails += n
	if err != nil {
		return "", err
	}
	n, err = e.agentUpdate(r.tx, r.c, templates.Update{What: "reopened", By: e.who(r.addr)}, r.now)
	r.h.mails += n
	return "", err
}

func (e *Engine) cmdUrgency(r *replyCtx) (string, error) {
	u, ok := vocab.ParseUrgency(firstWord(r.arg))
	if !ok {
		return fmt.Sprintf("%q is not an urgency: use %s", r.arg, vocab.Join(vocab.Urgencies, "or")), nil
	}
	if u == r.c.Urgency {
		return "the urgency is " + u.Title() + " already", nil
	}
	r.h.timers = true
	old := r.c.Urgency
	if err := e.changeUrgency(r.tx, r.c, r.addr, u, r.msg.ID, r.now); err != nil {
		return "", err
	}
	if u.Above(old) {
		n, err := e.reroute(r.tx, r.c, fmt.Sprintf("urgency raised to %s by %s", u.Title(), e.who(r.addr)), r.now)
		r.h.mails += n
		if err != nil {
			return "", err
		}
	}
	n, err := e.agentUpdate(r.tx, r.c, templates.Update{What: "urgency changed to " + u.Title(), By: e.who(r.addr),
		Detail: fmt.Sprintf("%s -> %s: the team must now respond by %s.", old.Title(), u.Title(), templates.FormatTime(r.c.RespondBy, r.now, e.cfg.Location()))}, r.now)
	r.h.mails += n
	return "", err
}

func (e *Engine) cmdReassign(r *replyCtx) (string, error) {
	if !r.c.IsOpen() {
		return "the case is resolved (reply REOPEN first)", nil
	}
	team := firstWord(r.arg)
	if _, ok := e.cfg.Team(team); !ok {
		// "REASSIGN senior support": the words of a team name.
		if joined := strings.ReplaceAll(strings.ToLower(strings.Join(strings.Fields(r.arg), "_")), "-", "_"); joined != "" {
			if _, ok := e.cfg.Team(joined); ok {
				team = joined
			}
		}
	}
	if _, ok := e.cfg.Team(team); !ok {
		if near := nearestTeam(team, e.rt.Teams()); near != "" {
			return fmt.Sprintf("there is no team %q; did you mean %s? (teams: %s)", r.arg, near, strings.Join(e.rt.Teams(), ", ")), nil
		}
		return fmt.Sprintf("there is no team %q: use one of %s", r.arg, strings.Join(e.rt.Teams(), ", ")), nil
	}
	from := r.c.Team
	n, err := e.reassign(r.tx, r.c, r.addr, team, r.msg.ID, r.now)
	r.h.mails += n
	r.h.timers = true
	if err != nil {
		return "", err
	}
	n, err = e.agentUpdate(r.tx, r.c, templates.Update{What: "reassigned to " + human(team), By: e.who(r.addr),
		Detail: fmt.Sprintf("%s handed the case to %s; they must respond by %s.", human(from), human(team), templates.FormatTime(r.c.RespondBy, r.now, e.cfg.Location()))}, r.now)
	r.h.mails += n
	return "", err
}

func firstWord(s string) string { return strings.Fields(s + " ")[0] }

// allowed says which commands the sender may give on the case, for the
// command-error answer.
func (r *replyCtx) allowed() string {
	var cmds []string
	for _, c := range vocab.Commands {
		if !r.perm.allows(c) {
			continue
		}
		syntax, _ := c.Usage()
		if c == vocab.CmdUrgency && r.perm.up {
			syntax += " (raise only)"
		}
		cmds = append(cmds, syntax)
	}
	if len(cmds) == 0 {
		return "you may reply with a comment; it is recorded on the case"
	}
	return fmt.Sprintf("as %s you may reply with a comment, or %s", r.who, strings.Join(cmds, ", "))
}

// nearestTeam is the team whose name shares the longest start with name
// (at least four letters, case-insensitive): "engineers" → engineering.
func nearestTeam(name string, teams []string) string {
	best, bestLen := "", 3
	for _, t := range teams {
		n := 0
		for n < len(t) && n < len(name) && strings.EqualFold(t[n:n+1], name[n:n+1]) {
			n++
		}
		if n > bestLen {
			best, bestLen = t, n
		}
	}
	return best
}

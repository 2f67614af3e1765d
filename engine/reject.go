package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"escalationd/mailparse"
	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// reject answers an escalation that misses or has invalid fields: one reply
// to its sender naming every problem, with the template pre-filled with
// what was understood. Replies are rate limited per sender and overall; a
// sender over the limit gets nothing more and the flood-alert team is told
// once per window.
func (e *Engine) reject(tx *store.Tx, msg *store.StoredMessage, res *mailparse.Result, now time.Time) (handled, error) {
	h := handled{disposition: mailparse.DispositionRejected, reason: res.Reason, outcome: store.OutcomeRejected}
	sender := strings.ToLower(res.From)
	detail, _ := json.Marshal(map[string]any{"reason": res.Reason, "errors": res.Errors, "subject": oneLine(res.Subject)})
	if err := tx.AddEvent(store.Event{At: now, Type: vocab.EventRejected, Actor: sender, Message: msg.ID, Detail: string(detail)}); err != nil {
		return h, err
	}
	if sender == "" {
		return h, nil
	}
	rl := e.cfg.RateLimits
	since := now.Add(-rl.Window.D())
	overSender, err := tx.AtLeast(store.RateRejectionReply, sender, since, rl.RejectionsPerSender)
	if err != nil {
		return h, err
	}
	overGlobal, err := tx.AtLeast(store.RateRejectionReply, "", since, rl.RejectionsGlobal)
	if err != nil {
		return h, err
	}
	if overSender || overGlobal {
		perSender, err := tx.CountRate(store.RateRejectionReply, sender, since)
		if err != nil {
			return h, err
		}
		global, err := tx.CountRate(store.RateRejectionReply, "", since)
		if err != nil {
			return h, err
		}
		e.log.Warn("rejection reply suppressed by rate limit", "sender", sender, "sender_count", perSender, "global_count", global)
		if err := tx.AddEvent(store.Event{At: now, Type: vocab.EventRejectionSuppressed, Actor: sender, Message: msg.ID,
			Detail: fmt.Sprintf("%d replies to this sender and %d overall in the last %s", perSender, global, rl.Window.D())}); err != nil {
			return h, err
		}
		if perSender >= rl.RejectionsPerSender {
			queued, err := e.floodAlert(tx, sender, perSender+1, now)
			if err != nil {
				return h, err
			}
			h.mails += queued
		}
		return h, nil
	}
	errs := make([]templates.FieldError, len(res.Errors))
	for i, fe := range res.Errors {
		errs[i] = templates.FieldError{Field: fe.Field, Message: fe.Message}
	}
	data := templates.Data{Now: now, Mailbox: e.replyAddress(msg.Mailbox), Rejection: templates.Rejection{
		Subject: oneLine(res.Subject), Reason: res.Reason, Errors: errs, Template: res.Template(),
	}}
	m := outMail{event: vocab.EventRejection, role: vocab.RoleSender, dedup: fmt.Sprintf("message:%d:rejection", msg.ID), to: []string{sender}, data: data,
		nullSender: true, messageRow: msg.ID}
	if res.MessageID != "" {
		m.inReplyTo, m.references = res.MessageID, []string{res.MessageID}
	}
	if err := e.enqueue(tx, nil, m, now); err != nil {
		return h, err
	}
	h.mails++
	if err := tx.MarkRate(store.RateRejectionReply, sender, now); err != nil {
		return h, err
	}
	return h, tx.AddEvent(store.Event{At: now, Type: vocab.EventRejectionReply, Actor: sender, Message: msg.ID})
}

// floodAlert tells the configured team, once per window and sender, that a
// sender is flooding the mailbox.
func (e *Engine) floodAlert(tx *store.Tx, sender string, count int, now time.Time) (int, error) {
	rl := e.cfg.RateLimits
	to, err := e.operatorAddresses(now)
	if err != nil || len(to) == 0 {
		return 0, err
	}
	window := rl.Window.D()
	bucket := now.Truncate(window).Unix()
	data := templates.Data{Now: now, Flood: templates.Flood{Sender: sender, Count: count, Window: window}}
	m := outMail{event: vocab.EventFloodAlert, role: vocab.RoleOperator, dedup: fmt.Sprintf("flood:%s:%d", sender, bucket), to: to, data: data}
	before, err := tx.CountRate(store.RateFloodAlert, sender, now.Add(-window))
	if err != nil || before > 0 {
		return 0, err
	}
	if err := e.enqueue(tx, nil, m, now); err != nil {
		return 0, err
	}
	if err := tx.MarkRate(store.RateFloodAlert, sender, now); err != nil {
		return 0, err
	}
	return 1, tx.AddEvent(store.Event{At: now, Type: vocab.EventFlood, Actor: sender, Detail: fmt.Sprintf("%d unaccepted mails within %s", count, window)})
}

// openDespiteErrors opens a Critical case from an escalation with problems
// and asks its agent, in a rejection-style mail, for the missing pieces.
func (e *Engine) openDespiteErrors(tx *store.Tx, msg *store.StoredMessage, res *mailparse.Result, now time.Time) (handled, error) {
	h, err := e.open(tx, msg, res, now)
	if err != nil || h.caseID == 0 || res.From == "" {
		return h, err
	}
	c, err := tx.Case(h.caseID)
	if err != nil {
		return h, err
	}
	errs := make([]templates.FieldError, len(res.Errors))
	for i, fe := range res.Errors {
		errs[i] = templates.FieldError{Field: fe.Field, Message: fe.Message}
	}
	data := e.caseData(c, res, nil, now)
	data.Rejection = templates.Rejection{Subject: oneLine(res.Subject), Reason: res.Reason, Errors: errs, Template: res.Template(), Routed: true}
	m := outMail{event: vocab.EventRejection, role: vocab.RoleAgent, dedup: fmt.Sprintf("message:%d:rejection", msg.ID),
		to: []string{strings.ToLower(res.From)}, data: data, messageRow: msg.ID}
	if res.MessageID != "" {
		m.inReplyTo, m.references = res.MessageID, []string{res.MessageID}
	}
	h.mails++
	return h, e.enqueue(tx, c, m, now)
}

// operatorAddresses is who hears of the gateway's own trouble (floods,
// pages nobody received): the team rate_limits.flood_alert names, else the
// operator address; none when neither is set.
func (e *Engine) operatorAddresses(now time.Time) ([]string, error) {
	if e.cfg.RateLimits.FloodAlert == "" {
		if e.cfg.Operator != "" {
			return []string{e.cfg.Operator}, nil
		}
		return nil, nil
	}
	recips, err := e.rt.ResolveTeam(e.cfg.RateLimits.FloodAlert, now)
	if err != nil {
		return nil, err
	}
	var to []string
	for _, r := range recips {
		to = append(to, r.Address)
	}
	return to, nil
}

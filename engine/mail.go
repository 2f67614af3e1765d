package engine

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"escalationd/mailparse"
	"escalationd/outbound"
	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// outMail is a mail to queue for a case.
type outMail struct {
	event     vocab.Event    // X-Escalation-Event
	template  vocab.Template // defaults to the event's
	role      vocab.Role     // who the recipients are to the case (required)
	dedup     string         // outbox dedup key: one mail per key, ever
	messageID string         // preset id (the routed mail's is the case's thread id)
	to, cc    []string
	data      templates.Data
	// inReplyTo and references override the case thread (routed mail
	// threads under the agent's escalation).
	inReplyTo  string
	references []string
	// nullSender sends with MAIL FROM:<> and Auto-Submitted: auto-replied
	// (RFC 3834 answers such as rejection replies).
	nullSender     bool
	attachOriginal []byte
	messageRow     int64
}

// enqueue renders and stores one outgoing mail in tx. c may be nil for
// mail about no case (rejection replies, flood alerts).
func (e *Engine) enqueue(tx *store.Tx, c *store.Case, m outMail, now time.Time) error {
	name := m.template
	if name == "" {
		name = m.event.Template()
	}
	m.data.Event = string(m.event)
	subject, body, err := e.tpl.Render(name, m.data)
	if err != nil {
		return err
	}
	var caseID int64
	if c != nil {
		caseID = c.ID
	}
	if m.messageID == "" {
		m.messageID = e.newMessageID(caseID, m.event)
	}
	msg := outbound.Message{
		From: e.cfg.SMTP.From, To: m.to, Cc: m.cc, Subject: subject, Body: body, MessageID: m.messageID,
		Date: now, AutoSubmitted: "auto-generated",
		Headers: []outbound.Header{
			{Name: e.cfg.Gateway.LoopHeader, Value: e.cfg.Gateway.Domain},
			{Name: "X-Escalation-Event", Value: string(m.event)},
		},
	}
	if m.nullSender {
		msg.AutoSubmitted = "auto-replied"
	}
	if c != nil {
		msg.ReplyTo = e.replyAddress(c.Mailbox)
		msg.Headers = append(msg.Headers,
			outbound.Header{Name: "X-Escalation-Ticket", Value: c.Ticket},
			outbound.Header{Name: "X-Escalation-Urgency", Value: string(c.Urgency)},
			outbound.Header{Name: "X-Escalation-Case", Value: strconv.FormatInt(c.ID, 10)},
		)
		msg.InReplyTo, msg.References = c.ThreadID, threadRefs(c)
		if m.messageID == c.ThreadID {
			msg.InReplyTo, msg.References = "", nil
		}
	}
	if m.inReplyTo != "" || m.references != nil {
		msg.InReplyTo, msg.References = m.inReplyTo, m.references
	}
	if m.attachOriginal != nil {
		msg.Attachment = &outbound.Attachment{Filename: "escalation.eml", ContentType: "message/rfc822", Data: m.attachOriginal}
	}
	raw, err := outbound.Compose(msg)
	if err != nil {
		return fmt.Errorf("compose %s mail: %w", m.event, err)
	}
	rcpt := envelopeRecipients(m.to, m.cc)
	from := ""
	if !m.nullSender {
		from = e.fromAddress()
	}
	_, err = tx.Enqueue(&store.Mail{
		CaseID: caseID, Message: m.messageRow, Event: m.event, Role: m.role, DedupKey: m.dedup, MessageID: m.messageID,
		MailFrom: from, RcptTo: rcpt, Subject: subject, Raw: raw, CreatedAt: now,
		GiveUpAt: now.Add(e.cfg.Outbox.GiveUpAfter.D()),
	})
	return err
}

// threadRefs is the References chain of a case's follow-up mail: the
// agent's escalation and the routed mail, so every reply anywhere in the
// conversation carries an id the gateway knows.
func threadRefs(c *store.Case) []string {
	var refs []string
	if c.SourceMessageID != "" {
		refs = append(refs, c.SourceMessageID)
	}
	if c.ThreadID != "" {
		refs = append(refs, c.ThreadID)
	}
	return refs
}

// newMessageID makes a unique id recognisable as the gateway's:
// escalationd.<case>.<event>.<random>@<domain>. Mail about no case
// (rejection replies, flood alerts) gets escalationd-<event>.<random>@...
// instead: a reply to it is not a reply to a case, so an agent who answers
// a rejection with the corrected template opens the case.
func (e *Engine) newMessageID(caseID int64, event vocab.Event) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	if caseID == 0 {
		return fmt.Sprintf("escalationd-%s.%s@%s", event, hex.EncodeToString(b[:]), e.cfg.Gateway.Domain)
	}
	return fmt.Sprintf("%s%d.%s.%s@%s", mailparse.GatewayIDPrefix, caseID, event, hex.EncodeToString(b[:]), e.cfg.Gateway.Domain)
}

// fieldOrder lists template fields in the order the reference's templates
// write them; unknown fields follow alphabetically.
var fieldOrder = []string{
	"customer", "issue", "brief_description", "issue_type", "severity", "users_affected", "attempted", "blocker",
	"impact", "description", "steps_to_reproduce", "expected", "actual", "workaround", "logs", "summary",
	"current_status", "recommended_action", "urgency", "urgency_reason", "customer_expecting_update_by", "subject", "text",
}

// hiddenFields are restated elsewhere in the mail or are parser internals.
var hiddenFields = map[string]bool{"ticket": true, "name": true}

// templateFields restates the parsed fields for templates.
func templateFields(res *mailparse.Result) []templates.Field {
	keys := make([]string, 0, len(res.Fields))
	for k := range res.Fields {
		if !hiddenFields[k] {
			keys = append(keys, k)
		}
	}
	rank := func(k string) int {
		if i := slices.Index(fieldOrder, k); i >= 0 {
			return i
		}
		return len(fieldOrder)
	}
	sort.Slice(keys, func(i, j int) bool {
		if rank(keys[i]) != rank(keys[j]) {
			return rank(keys[i]) < rank(keys[j])
		}
		return keys[i] < keys[j]
	})
	var out []templates.Field
	for _, k := range keys {
		f := templates.Field{Label: label(k)}
		switch v := res.Fields[k].(type) {
		case string:
			f.Value = v
		case []string:
			f.List = v
		case []any:
			for _, x := range v {
				f.List = append(f.List, fmt.Sprint(x))
			}
		default:
			f.Value = fmt.Sprint(v)
		}
		if f.Value == "" && len(f.List) == 0 {
			continue
		}
		out = append(out, f)
	}
	return out
}

// label turns steps_to_reproduce into "Steps to reproduce".
func label(k string) string {
	s := strings.ReplaceAll(k, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

package engine

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
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
	nullSender bool
	// original is the stored mail attached as message/rfc822 (the
	// escalation a routed mail hands over); the outbox row holds it by
	// reference.
	original   *store.StoredMessage
	messageRow int64
	// html is an HTML alternative of the text body (the reviews' tables),
	// inline the parts it shows (the reviews' chart).
	html   string
	inline []outbound.Inline
}

// enqueue renders and stores one outgoing mail in tx. c may be nil for
// mail about no case (rejection replies, flood alerts).
func (e *Engine) enqueue(tx *store.Tx, c *store.Case, m outMail, now time.Time) error {
	name := m.template
	if name == "" {
		name = m.event.Template()
	}
	var caseID int64
	if c != nil {
		caseID = c.ID
	}
	if m.messageID == "" {
		m.messageID = e.newMessageID(caseID, m.event)
	}
	m.data.Event, m.data.Role = string(m.event), string(m.role)
	if m.data.Now.IsZero() {
		m.data.Now = now
	}
	if m.data.Location == nil {
		m.data.Location = e.cfg.Location()
	}
	// Every case mail but the one that starts the case's thread answers
	// it: "Re: " and the case's subject keep one conversation per case.
	m.data.Reply = c != nil && m.messageID != c.ThreadID
	subject, body, err := e.tpl.Render(name, m.data)
	if err != nil {
		return err
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
		if strings.HasPrefix(subject, "Re: ") || !m.data.Reply {
			// Outlook's conversation view: the topic is the case subject
			// without "Re: ", the index the case's thread (mail with a
			// subject of its own, a customer's, stays out of it).
			msg.Headers = append(msg.Headers,
				outbound.Header{Name: "Thread-Topic", Value: strings.TrimPrefix(subject, "Re: ")},
				outbound.Header{Name: "Thread-Index", Value: threadIndex(c, m.messageID, now)},
			)
		}
		msg.InReplyTo, msg.References = c.ThreadID, threadRefs(c)
		if m.messageID == c.ThreadID {
			msg.InReplyTo, msg.References = "", nil
		}
	}
	if m.inReplyTo != "" || m.references != nil {
		msg.InReplyTo, msg.References = m.inReplyTo, m.references
	}
	msg.HTML, msg.Inline = m.html, m.inline
	out := &store.Mail{
		CaseID: caseID, Message: m.messageRow, Event: m.event, Role: m.role, DedupKey: m.dedup, MessageID: m.messageID,
		Subject: subject, CreatedAt: now, GiveUpAt: now.Add(e.cfg.Outbox.GiveUpAfter.D()),
	}
	if m.original != nil {
		// Not a second copy of a mail the database holds already: the
		// outbound worker splices it in while it sends.
		msg.Attachment = &outbound.Attachment{Filename: "escalation.eml", ContentType: "message/rfc822", Data: m.original.Raw}
		sp, err := outbound.ComposeSpliced(msg)
		if err != nil {
			return fmt.Errorf("compose %s mail: %w", m.event, err)
		}
		out.Raw, out.Original, out.OriginalAt, out.OriginalSize, out.OriginalEncoding = sp.Raw, m.original.ID, sp.At, sp.Size, sp.Encoding
	} else {
		raw, err := outbound.Compose(msg)
		if err != nil {
			return fmt.Errorf("compose %s mail: %w", m.event, err)
		}
		out.Raw = raw
	}
	out.RcptTo = envelopeRecipients(m.to, m.cc)
	if !m.nullSender {
		out.MailFrom = e.fromAddress()
	}
	_, err = tx.Enqueue(out)
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

// threadIndex is Outlook's Thread-Index for a mail of case c
// ([MS-OXOMSG] 2.2.1.3, PidTagConversationIndex): a 22-byte header (the
// thread's start as FILETIME without its low 16 bits, then a 16-byte GUID)
// for the mail that starts the thread, and one 5-byte child block (the
// time since the start, 4 random bits, 4 bits of sequence) for every other
// mail, which all answer that first one. The GUID comes from the case's
// thread id and the random bits from the mail's own id, so the header is
// the same for every mail of the case and a mail rendered again is
// byte-identical.
func threadIndex(c *store.Case, messageID string, date time.Time) string {
	key := c.ThreadID
	if key == "" {
		// A case routed to nobody has no first mail: its mail still
		// shares one conversation.
		key = fmt.Sprintf("case:%d:%s", c.ID, c.SourceMessageID)
	}
	start := c.OpenedAt
	if start.IsZero() || start.After(date) {
		start = date
	}
	guid := sha256.Sum256([]byte("thread-index:" + key))
	b := make([]byte, 0, 27)
	b = binary.BigEndian.AppendUint64(b, fileTime(start))[:6]
	b = append(b, guid[:16]...)
	if messageID != c.ThreadID || c.ThreadID == "" {
		delta := fileTime(date) - fileTime(start)&^0xFFFF
		var block uint32
		if delta&0x00FE_0000_0000_0000 == 0 {
			block = uint32(delta>>18) & 0x7FFF_FFFF
		} else {
			block = 1<<31 | uint32(delta>>23)&0x7FFF_FFFF
		}
		b = binary.BigEndian.AppendUint32(b, block)
		r := sha256.Sum256([]byte(messageID))
		b = append(b, r[0]&0xF0)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// fileTime is t as a Windows FILETIME: 100-nanosecond intervals since
// 1601-01-01 UTC.
func fileTime(t time.Time) uint64 {
	const epochDiff = 116444736000000000 // 1601 to 1970 in 100 ns
	return uint64(t.UnixNano()/100) + epochDiff
}

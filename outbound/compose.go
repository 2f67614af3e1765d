// Package outbound owns the mail escalationd sends: it composes messages
// (go-mail) into the bytes stored in the outbox, sends outbox rows over SMTP
// submission, classifies failures as temporary or permanent, retries with
// capped exponential backoff and jitter, and refuses, on every message, mail
// to the customer of a confidential case.
//
// The outbox is the boundary: the engine writes rendered mail rows in the
// same transaction as the case; the Worker here only reads due rows, sends
// their bytes unchanged, and records the result. A crash between the
// server's acceptance and the "sent" mark resends the same bytes with the
// same Message-ID, so a duplicate is recognisably the same mail.
package outbound

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"
)

// Message is a mail to compose.
type Message struct {
	From    string // "Escalation Desk <escalations@example.com>"
	To      []string
	Cc      []string
	ReplyTo string
	Subject string
	Body    string // text/plain, UTF-8
	// MessageID, InReplyTo and References are ids without <>.
	MessageID  string
	InReplyTo  string
	References []string
	Date       time.Time
	// AutoSubmitted is "auto-generated" (routed mail, follow-ups) or
	// "auto-replied" (rejection replies), RFC 3834.
	AutoSubmitted string
	// Headers are extra header fields (X-Escalation-*), written in order.
	Headers []Header
	// Attachment, when set, is attached (the original escalation as
	// message/rfc822).
	Attachment *Attachment
}

// Header is one extra header field.
type Header struct{ Name, Value string }

// Attachment is an attached file.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Compose renders a message to RFC 5322 bytes. Every header value is
// cleaned of CR, LF and other control characters first, so nothing taken
// from an incoming mail (a ticket id, a subject, an address) can inject a
// header, and every address must parse.
func Compose(m Message) ([]byte, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithCharset(gomail.CharsetUTF8))
	if err := msg.From(clean(m.From)); err != nil {
		return nil, fmt.Errorf("from %q: %w", m.From, err)
	}
	if len(m.To) == 0 {
		return nil, errors.New("no recipients")
	}
	to, err := addrs(m.To)
	if err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if err := msg.To(to...); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if len(m.Cc) > 0 {
		cc, err := addrs(m.Cc)
		if err != nil {
			return nil, fmt.Errorf("cc: %w", err)
		}
		if err := msg.Cc(cc...); err != nil {
			return nil, fmt.Errorf("cc: %w", err)
		}
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(clean(m.ReplyTo)); err != nil {
			return nil, fmt.Errorf("reply-to %q: %w", m.ReplyTo, err)
		}
	}
	msg.Subject(clean(m.Subject))
	if m.MessageID == "" {
		return nil, errors.New("no Message-ID")
	}
	msg.SetMessageIDWithValue(cleanID(m.MessageID))
	msg.SetDateWithValue(m.Date)
	if m.InReplyTo != "" {
		msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+cleanID(m.InReplyTo)+">")
	}
	if len(m.References) > 0 {
		refs := make([]string, len(m.References))
		for i, r := range m.References {
			refs[i] = "<" + cleanID(r) + ">"
		}
		msg.SetGenHeader(gomail.HeaderReferences, strings.Join(refs, " "))
	}
	if m.AutoSubmitted != "" {
		msg.SetGenHeader("Auto-Submitted", clean(m.AutoSubmitted))
		// Ask Exchange not to send out-of-office replies to the gateway.
		msg.SetGenHeader("X-Auto-Response-Suppress", "All")
	}
	for _, h := range m.Headers {
		if !validHeaderName(h.Name) {
			return nil, fmt.Errorf("invalid header name %q", h.Name)
		}
		msg.SetGenHeader(gomail.Header(h.Name), clean(h.Value))
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	if a := m.Attachment; a != nil {
		enc := gomail.EncodingB64
		ct := a.ContentType
		if ct == "message/rfc822" {
			// RFC 2046 5.2.1: message/rfc822 must not be base64 encoded.
			enc = gomail.NoEncoding
		}
		if err := msg.AttachReader(clean(a.Filename), bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(ct)), gomail.WithFileEncoding(enc)); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Filename, err)
		}
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("write message: %w", err)
	}
	return buf.Bytes(), nil
}

// clean makes a value safe for a header: control characters (CR and LF
// above all) become spaces, runs of spaces collapse, and the result is
// trimmed.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// cleanID keeps a Message-ID to the characters ids are made of.
func cleanID(s string) string {
	s = strings.Trim(clean(s), "<> ")
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' || r == '<' || r == '>' {
			return -1
		}
		return r
	}, s)
}

func addrs(list []string) ([]string, error) {
	out := make([]string, 0, len(list))
	for _, a := range list {
		p, err := mail.ParseAddress(clean(a))
		if err != nil {
			return nil, fmt.Errorf("invalid address %q: %w", a, err)
		}
		out = append(out, p.String())
	}
	return out, nil
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r > '~' || r == ':' {
			return false
		}
	}
	return true
}

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
	// HTML, when set, is the same content as text/html: the message is
	// multipart/alternative, the plain text first.
	HTML string
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
	// Inline are parts the HTML shows by Content-ID (cid:): the message
	// becomes multipart/related around the alternatives.
	Inline []Inline
	// Attachment, when set, is attached (the original escalation as
	// message/rfc822).
	Attachment *Attachment
}

// Inline is an inline part, an image the HTML shows.
type Inline struct {
	ContentID   string // without <>
	Filename    string
	ContentType string
	Data        []byte
}

// Header is one extra header field.
type Header struct{ Name, Value string }

// Attachment is an attached file.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Compose renders a message to RFC 5322 bytes, and is the one place that
// guarantees what those bytes are, since they are stored and sent as they
// are:
//
//   - Every header value is cleaned of CR, LF and other control characters
//     first, so nothing taken from an incoming mail (a ticket id, a
//     subject, an address) can inject a header, and every address must
//     parse (a bare addr-spec whose local part needs quotes is quoted).
//   - No header line exceeds 998 bytes: the subject is cut at 200 bytes
//     with "…", other values at 900; Message-IDs over 250 bytes are
//     dropped from References and In-Reply-To, and References keeps its
//     first and newest ids when it must shrink to fit one line.
//   - The attached original has CRLF line endings (a bare CR or LF in it
//     becomes CRLF), so nothing in it can end the SMTP DATA early; one
//     that still cannot travel unencoded (a NUL, a line over 998 bytes) is
//     attached base64-encoded as application/octet-stream instead.
//   - A last check refuses (with an error, never by sending) bytes with a
//     bare CR or LF, a NUL, or a line over 998 bytes.
func Compose(m Message) ([]byte, error) {
	raw, err := compose(m, nil)
	if err != nil {
		return nil, err
	}
	if err := checkBytes(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// compose renders m. With a stand-in, the attachment's content is the
// stand-in's bytes, encoded as the attachment's own content would be
// (ComposeSpliced).
func compose(m Message, standIn []byte) ([]byte, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithCharset(gomail.CharsetUTF8))
	from, err := address(m.From)
	if err != nil {
		return nil, fmt.Errorf("from %q: %w", m.From, err)
	}
	if err := msg.From(from); err != nil {
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
		replyTo, err := address(m.ReplyTo)
		if err != nil {
			return nil, fmt.Errorf("reply-to %q: %w", m.ReplyTo, err)
		}
		if err := msg.ReplyTo(replyTo); err != nil {
			return nil, fmt.Errorf("reply-to %q: %w", m.ReplyTo, err)
		}
	}
	msg.Subject(truncate(clean(m.Subject), maxSubject))
	id := cleanID(m.MessageID)
	if id == "" {
		return nil, errors.New("no Message-ID")
	}
	if len(id) > maxMsgID {
		return nil, fmt.Errorf("Message-ID of %d bytes, over %d", len(id), maxMsgID)
	}
	msg.SetMessageIDWithValue(id)
	msg.SetDateWithValue(m.Date)
	if id := cleanID(m.InReplyTo); id != "" && len(id) <= maxMsgID {
		msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+id+">")
	}
	if refs := references(m.References); len(refs) > 0 {
		msg.SetGenHeader(gomail.HeaderReferences, "<"+strings.Join(refs, "> <")+">")
	}
	if m.AutoSubmitted != "" {
		msg.SetGenHeader("Auto-Submitted", truncate(clean(m.AutoSubmitted), maxHeaderValue))
		// Ask Exchange not to send out-of-office replies to the gateway.
		msg.SetGenHeader("X-Auto-Response-Suppress", "All")
	}
	for _, h := range m.Headers {
		if !validHeaderName(h.Name) {
			return nil, fmt.Errorf("invalid header name %q", h.Name)
		}
		msg.SetGenHeader(gomail.Header(h.Name), truncate(clean(h.Value), maxHeaderValue))
	}
	// Quoted-printable writes every line ending of the body as CRLF.
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, in := range m.Inline {
		id := cleanID(in.ContentID)
		if err := msg.EmbedReader(truncate(clean(in.Filename), maxSubject), bytes.NewReader(in.Data), gomail.WithFileContentID("<"+id+">"),
			gomail.WithFileContentType(gomail.ContentType(in.ContentType)), gomail.WithFileEncoding(gomail.EncodingB64)); err != nil {
			return nil, fmt.Errorf("inline %s: %w", id, err)
		}
	}
	if a := m.Attachment; a != nil {
		ct, enc := attachmentForm(a)
		data := a.Data
		switch {
		case standIn != nil:
			data = standIn
		case enc == gomail.NoEncoding:
			data = crlf(data)
		}
		if err := msg.AttachReader(truncate(clean(a.Filename), maxSubject), bytes.NewReader(data),
			gomail.WithFileContentType(ct), gomail.WithFileEncoding(enc)); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Filename, err)
		}
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("write message: %w", err)
	}
	return buf.Bytes(), nil
}

// attachmentForm is how an attachment travels: base64-encoded as its own
// content type, except message/rfc822, which RFC 2046 5.2.1 forbids to
// base64-encode: it is sent as it is, with its line endings made CRLF (a
// bare CR or LF must never reach the SMTP session, where "\r.\r\n" ends
// DATA for some servers), or, when it still cannot go unencoded (a NUL, a
// line over 998 bytes), as an opaque file instead.
func attachmentForm(a *Attachment) (gomail.ContentType, gomail.Encoding) {
	if a.ContentType != "message/rfc822" {
		return gomail.ContentType(a.ContentType), gomail.EncodingB64
	}
	if sendableOnceCRLF(a.Data) {
		return gomail.ContentType(a.ContentType), gomail.NoEncoding
	}
	return "application/octet-stream", gomail.EncodingB64
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
		p, err := address(a)
		if err != nil {
			return nil, fmt.Errorf("invalid address %q: %w", a, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func validHeaderName(name string) bool {
	if name == "" || len(name) > maxHeaderName {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r > '~' || r == ':' {
			return false
		}
	}
	return true
}

package mailparse

import (
	"bufio"
	"bytes"
	"io"
	"net/textproto"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
)

// Bounce is what a delivery status notification says about the mail it
// returns: which mail (its Message-ID, or the envelope id the sender set)
// and which recipients failed, why. It is read from an RFC 3464
// multipart/report (Postfix, Exim, Exchange, Gmail all send one), and from
// the non-standard forms: an X-Failed-Recipients header with the returned
// mail's header quoted in the text (older Exim, Gmail's plain form) or
// attached as message/rfc822 (older Exchange).
type Bounce struct {
	// MessageIDs are the Message-IDs (without <>) of the returned mail's
	// header; more than one only when the report quotes several headers.
	MessageIDs []string `json:"message_ids,omitempty"`
	EnvelopeID string   `json:"envelope_id,omitempty"`
	// Failed are the recipients the report says failed for good. A report
	// of delay ("Action: delayed") has none, and is not a bounce to act on.
	Failed []BouncedRecipient `json:"failed,omitempty"`
}

// BouncedRecipient is one failed recipient of a bounce.
type BouncedRecipient struct {
	Address    string `json:"address"`
	Status     string `json:"status,omitempty"`     // e.g. 5.1.1
	Diagnostic string `json:"diagnostic,omitempty"` // the remote server's words
}

// maxBouncePart bounds how much of a report's part is read.
const maxBouncePart = 256 << 10

// parseBounce reads what the bounce with header h and raw message raw
// reports. It never fails: what cannot be read is left out, and a bounce
// that names no mail matches none.
func parseBounce(raw []byte, h message.Header) *Bounce {
	b := &Bounce{}
	reported := false // a message/delivery-status part was read
	if e, err := message.Read(bytes.NewReader(raw)); err == nil || message.IsUnknownCharset(err) {
		_ = e.Walk(func(_ []int, part *message.Entity, err error) error {
			if err != nil {
				return nil
			}
			mt, _, _ := part.Header.ContentType()
			switch strings.ToLower(mt) {
			case "message/delivery-status", "message/global-delivery-status":
				reported = true
				b.readDeliveryStatus(io.LimitReader(part.Body, maxBouncePart))
			case "message/rfc822", "text/rfc822-headers", "message/rfc822-headers", "message/global", "message/global-headers":
				b.readReturnedHeader(io.LimitReader(part.Body, maxBouncePart))
			}
			return nil
		})
	}
	if !reported {
		for _, v := range h.Values("X-Failed-Recipients") {
			for _, a := range strings.Split(v, ",") {
				if a = bareAddress(a); a != "" {
					b.addFailed(BouncedRecipient{Address: a})
				}
			}
		}
	}
	if len(b.MessageIDs) == 0 {
		// The returned header quoted in the text ("------ This is a copy of
		// the message, including all the headers. ------").
		own := strings.Trim(h.Get("Message-Id"), "<> ")
		for _, m := range quotedMessageID.FindAllSubmatch(raw, 8) {
			if id := string(m[1]); id != own {
				b.addMessageID(id)
			}
		}
	}
	return b
}

// quotedMessageID is a Message-ID field at the start of a line of the text.
var quotedMessageID = regexp.MustCompile(`(?im)^[ \t>]*Message-ID:[ \t]*<([^<>\s]{1,250})>`)

// readDeliveryStatus reads a message/delivery-status body: a per-message
// group, then one group per recipient, separated by blank lines.
func (b *Bounce) readDeliveryStatus(r io.Reader) {
	tp := textproto.NewReader(bufio.NewReader(r))
	for i := 0; i < 100; i++ {
		g, err := tp.ReadMIMEHeader()
		if len(g) > 0 {
			if id := g.Get("Original-Envelope-Id"); id != "" && b.EnvelopeID == "" {
				b.EnvelopeID = strings.TrimSpace(id)
			}
			b.readRecipientGroup(g)
		}
		if err != nil {
			return
		}
	}
}

func (b *Bounce) readRecipientGroup(g textproto.MIMEHeader) {
	rcpt := g.Get("Final-Recipient")
	if rcpt == "" {
		rcpt = g.Get("Original-Recipient")
	}
	if rcpt == "" {
		return
	}
	action := strings.ToLower(strings.TrimSpace(g.Get("Action")))
	status := strings.TrimSpace(g.Get("Status"))
	// "failed" is the action of a bounce; a report without an action
	// (some Exchange forms) counts as failed when its status is permanent.
	if action != "failed" && (action != "" || !strings.HasPrefix(status, "5")) {
		return
	}
	_, addr, ok := strings.Cut(rcpt, ";") // "rfc822; user@example.com"
	if !ok {
		addr = rcpt
	}
	diag := g.Get("Diagnostic-Code")
	if _, d, ok := strings.Cut(diag, ";"); ok { // "smtp; 550 5.1.1 ..."
		diag = d
	}
	if a := bareAddress(addr); a != "" {
		b.addFailed(BouncedRecipient{Address: a, Status: status, Diagnostic: oneLineTrim(diag, 300)})
	}
}

// readReturnedHeader reads the Message-ID of the returned mail's header.
func (b *Bounce) readReturnedHeader(r io.Reader) {
	g, _ := textproto.NewReader(bufio.NewReader(r)).ReadMIMEHeader()
	if id := strings.Trim(strings.TrimSpace(g.Get("Message-Id")), "<>"); id != "" && !strings.ContainsAny(id, " \t<>") {
		b.addMessageID(id)
	}
}

func (b *Bounce) addMessageID(id string) {
	for _, have := range b.MessageIDs {
		if have == id {
			return
		}
	}
	b.MessageIDs = append(b.MessageIDs, id)
}

func (b *Bounce) addFailed(r BouncedRecipient) {
	for _, have := range b.Failed {
		if have.Address == r.Address {
			return
		}
	}
	if len(b.Failed) < 100 {
		b.Failed = append(b.Failed, r)
	}
}

// bareAddress is the lower-cased address of "<a@b>", "a@b" or "rfc822;a@b",
// or "" when it is not one.
func bareAddress(s string) string {
	s = strings.ToLower(strings.Trim(strings.TrimSpace(s), "<>"))
	if at := strings.LastIndexByte(s, '@'); at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return ""
	}
	return s
}

// oneLineTrim joins a folded value into one line of at most n bytes.
func oneLineTrim(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n]
	}
	return s
}

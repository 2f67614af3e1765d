package mailtest

import (
	"bytes"
	"fmt"
	"html"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// BodyFormat selects the MIME structure of a fixture's body.
type BodyFormat int

const (
	PlainText   BodyFormat = iota // text/plain
	HTMLOnly                      // text/html, no text part (as some web mailers send)
	Alternative                   // multipart/alternative: text/plain and text/html
)

// EscalationOpts describe an escalation mail in the helpdesk reference's
// generic template:
//
//	Subject: ESCALATION: [TICKET-ID]
//
//	Customer: [email]
//	Issue: [brief description]
//	Attempted: [what you tried]
//	Impact: [number of users]
//	Urgency: [Low/Medium/High/Critical]
//
// Zero fields take the defaults noted; the result depends only on the
// options, so fixtures are byte-for-byte stable.
type EscalationOpts struct {
	Ticket    string    // "TICKET-1042"
	From      string    // "Jordan Lee <jordan.lee@craudiovizai.com>"
	To        string    // "escalations@craudiovizai.com"
	Cc        string    // none
	Subject   string    // "ESCALATION: " + Ticket
	MessageID string    // without <>; "<lower(Ticket)>@helpdesk.craudiovizai.com"
	Date      time.Time // Mon, 24 Nov 2025 14:30:00 +0000 (09:30 in New York)

	Customer  string // "pat.customer@example.com"
	Issue     string // "Payment page returns 500 after checkout"
	Attempted string // "Cleared cache, reproduced in two browsers, checked the status page"
	Impact    string // "40 users"
	Urgency   string // "High"

	// Omit leaves out template fields by name ("Customer", "Urgency", ...):
	// the missing-field variant.
	Omit []string
	// Blank keeps the named fields' labels with no value ("Urgency:").
	Blank []string
	// Format is PlainText, HTMLOnly or Alternative.
	Format BodyFormat
	// Headers are extra header lines, "Name: value", added in order, e.g.
	// "Auto-Submitted: auto-replied" or "In-Reply-To: <id@host>".
	Headers []string
	// Unauthenticated leaves out the Authentication-Results header that
	// the company's MX stamps on genuine mail (AuthResults); it is also
	// left out when Headers has one of its own.
	Unauthenticated bool
	// Trailer is text after the fields (a note, a signature).
	Trailer string
}

// TemplateFields are the body fields of the generic template, in order.
var TemplateFields = []string{"Customer", "Issue", "Attempted", "Impact", "Urgency"}

// fixtureBoundary separates the parts of Alternative fixtures.
const fixtureBoundary = "=_mailtest_alternative"

func (o EscalationOpts) withDefaults() EscalationOpts {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&o.Ticket, "TICKET-1042")
	def(&o.From, "Jordan Lee <jordan.lee@craudiovizai.com>")
	def(&o.To, "escalations@craudiovizai.com")
	def(&o.Subject, "ESCALATION: "+o.Ticket)
	def(&o.MessageID, strings.ToLower(o.Ticket)+"@helpdesk.craudiovizai.com")
	def(&o.Customer, "pat.customer@example.com")
	def(&o.Issue, "Payment page returns 500 after checkout")
	def(&o.Attempted, "Cleared cache, reproduced in two browsers, checked the status page")
	def(&o.Impact, "40 users")
	def(&o.Urgency, "High")
	if o.Date.IsZero() {
		o.Date = time.Date(2025, time.November, 24, 14, 30, 0, 0, time.UTC)
	}
	return o
}

// Escalation builds an escalation mail (CRLF line endings) from o.
func Escalation(o EscalationOpts) []byte {
	o = o.withDefaults()
	values := map[string]string{
		"Customer": o.Customer, "Issue": o.Issue, "Attempted": o.Attempted,
		"Impact": o.Impact, "Urgency": o.Urgency,
	}
	var lines []string
	for _, f := range TemplateFields {
		switch {
		case slices.Contains(o.Omit, f):
		case slices.Contains(o.Blank, f):
			lines = append(lines, f+":")
		default:
			lines = append(lines, f+": "+values[f])
		}
	}
	if o.Trailer != "" {
		lines = append(lines, "", o.Trailer)
	}

	var b bytes.Buffer
	header := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	header("Date", o.Date.Format(time.RFC1123Z))
	header("From", formatAddress(o.From))
	header("To", formatAddress(o.To))
	if o.Cc != "" {
		header("Cc", formatAddress(o.Cc))
	}
	header("Subject", mime.QEncoding.Encode("utf-8", o.Subject))
	header("Message-ID", "<"+o.MessageID+">")
	ownAuth := slices.ContainsFunc(o.Headers, func(h string) bool {
		return strings.HasPrefix(strings.ToLower(h), "authentication-results:")
	})
	if !o.Unauthenticated && !ownAuth {
		b.WriteString(AuthResults(o.From) + "\r\n")
	}
	for _, h := range o.Headers {
		b.WriteString(h + "\r\n")
	}
	header("MIME-Version", "1.0")
	switch o.Format {
	case HTMLOnly:
		writePart(&b, "text/html", htmlBody(lines))
	case Alternative:
		header("Content-Type", `multipart/alternative; boundary="`+fixtureBoundary+`"`)
		b.WriteString("\r\n")
		for _, p := range []struct{ typ, body string }{{"text/plain", textBody(lines)}, {"text/html", htmlBody(lines)}} {
			b.WriteString("--" + fixtureBoundary + "\r\n")
			writePart(&b, p.typ, p.body)
			b.WriteString("\r\n") // the CRLF before a boundary belongs to the boundary
		}
		b.WriteString("--" + fixtureBoundary + "--\r\n")
	default:
		writePart(&b, "text/plain", textBody(lines))
	}
	return b.Bytes()
}

// formatAddress renders an address list in canonical form (RFC 2047 for
// non-ASCII names); input that does not parse is used as it is, so broken
// headers can be fixtures too.
func formatAddress(s string) string {
	list, err := mail.ParseAddressList(s)
	if err != nil {
		return s
	}
	out := make([]string, len(list))
	for i, a := range list {
		if a.Name == "" {
			out[i] = a.Address
		} else {
			out[i] = a.String()
		}
	}
	return strings.Join(out, ", ")
}

func textBody(lines []string) string { return strings.Join(lines, "\r\n") + "\r\n" }

func htmlBody(lines []string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"></head><body>\r\n")
	for _, l := range lines {
		if l == "" {
			b.WriteString("<div><br></div>\r\n")
			continue
		}
		b.WriteString("<div>" + html.EscapeString(l) + "</div>\r\n")
	}
	b.WriteString("</body></html>\r\n")
	return b.String()
}

// writePart writes Content-Type and -Transfer-Encoding, a blank line and the
// body: 7bit when it is ASCII with lines within RFC 5322's 998, else
// quoted-printable.
func writePart(b *bytes.Buffer, typ, body string) {
	fmt.Fprintf(b, "Content-Type: %s; charset=utf-8\r\n", typ)
	if isPlain7bit(body) {
		b.WriteString("Content-Transfer-Encoding: 7bit\r\n\r\n")
		b.WriteString(body)
		return
	}
	b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
	w := quotedprintable.NewWriter(b)
	_, _ = w.Write([]byte(body))
	_ = w.Close()
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
}

func isPlain7bit(s string) bool {
	for _, l := range strings.Split(s, "\r\n") {
		if len(l) > 998 {
			return false
		}
		for i := 0; i < len(l); i++ {
			if l[i] >= 0x80 || l[i] == 0 {
				return false
			}
		}
	}
	return true
}

// AuthServID is the authserv-id of the example config's MX
// (senders.trusted_authserv_ids).
const AuthServID = "mx.craudiovizai.com"

// AuthResults is the Authentication-Results header line the company's MX
// stamps on genuine mail from the address in from: DKIM, SPF and DMARC
// pass, aligned with the From domain.
func AuthResults(from string) string {
	addr := from
	if a, err := mail.ParseAddress(from); err == nil {
		addr = a.Address
	}
	dom := addr[strings.LastIndexByte(addr, '@')+1:]
	return fmt.Sprintf("Authentication-Results: %s; dkim=pass header.d=%s; spf=pass smtp.mailfrom=%s; dmarc=pass (p=reject) header.from=%s",
		AuthServID, dom, addr, dom)
}

package outbound

import (
	"bytes"
	"io"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	gmail "github.com/emersion/go-message/mail"
)

func sample() Message {
	return Message{
		From: "Escalation Desk <escalations@example.com>", To: []string{"oncall@example.com"}, Cc: []string{"boss@example.com"},
		ReplyTo: "escalations@example.com", Subject: "ESCALATION: [TCK-1] [Critical] Payment – down", Body: "Body text\nline 2\n",
		MessageID: "escalationd.1.routed.ab@example.com", InReplyTo: "orig@agent.example", References: []string{"orig@agent.example"},
		Date: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), AutoSubmitted: "auto-generated",
		Headers: []Header{{"X-Escalation-Ticket", "TCK-1"}, {"X-Escalation-Urgency", "critical"}, {"X-Escalation-Case", "1"}},
	}
}

func TestComposeHeaders(t *testing.T) {
	raw, err := Compose(sample())
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Message-Id": "<escalationd.1.routed.ab@example.com>", "In-Reply-To": "<orig@agent.example>",
		"References": "<orig@agent.example>", "Auto-Submitted": "auto-generated", "X-Escalation-Ticket": "TCK-1",
		"X-Escalation-Urgency": "critical", "X-Escalation-Case": "1", "Reply-To": "<escalations@example.com>",
	}
	for k, v := range want {
		if got := m.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subject != "ESCALATION: [TCK-1] [Critical] Payment – down" {
		t.Errorf("subject = %q", subject)
	}
	for _, h := range []string{"User-Agent", "X-Mailer"} {
		if m.Header.Get(h) != "" {
			t.Errorf("%s leaks the library: %q", h, m.Header.Get(h))
		}
	}
}

// Values taken from incoming mail end up in headers; CR/LF must never
// start a new header field, whatever encoding they arrive in.
func TestComposeNoHeaderInjection(t *testing.T) {
	m := sample()
	m.Subject = "ESCALATION: [TCK-1]\r\nBcc: victim@evil.example\r\nX-Injected: yes"
	m.Headers = append(m.Headers, Header{"X-Escalation-Ticket", "TCK-1\nBcc: victim@evil.example"})
	m.InReplyTo = "id@x>\r\nBcc: victim@evil.example"
	m.References = []string{"a@b\r\nX-Injected: yes"}
	raw, err := Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"Bcc", "X-Injected"} {
		if v := parsed.Header.Get(h); v != "" {
			t.Fatalf("header %s injected: %q\n%s", h, v, raw)
		}
	}
	if got := clean("a\u2028b\u0085c\x00d"); got != "a b c d" {
		t.Fatalf("clean = %q", got)
	}
	if _, err := Compose(Message{From: m.From, To: []string{"victim@evil.example\r\nBcc: x@y"}, MessageID: "x@y"}); err == nil {
		// An address with CR/LF is cleaned to something that must still
		// parse as exactly one address, or be refused.
		raw, _ := Compose(Message{From: m.From, To: []string{"victim@evil.example\r\nBcc: x@y"}, MessageID: "x@y"})
		if strings.Contains(string(raw), "\r\nBcc:") {
			t.Fatal("address injection")
		}
	}
	if _, err := Compose(Message{From: m.From, To: m.To, MessageID: "x@y", Headers: []Header{{"Bad: Name", "v"}}}); err == nil {
		t.Fatal("a header name with a colon was accepted")
	}
}

func TestComposeAttachesOriginalAsRFC822(t *testing.T) {
	m := sample()
	orig := "From: alice@example.com\r\nSubject: ESCALATION: [TCK-1]\r\n\r\nCustomer: jane@example.com\r\n"
	m.Attachment = &Attachment{Filename: "escalation.eml", ContentType: "message/rfc822", Data: []byte(orig)}
	raw, err := Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	r, err := gmail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h, ok := p.Header.(*gmail.AttachmentHeader); ok {
			ct, _, _ := h.ContentType()
			name, _ := h.Filename()
			body, _ := io.ReadAll(p.Body)
			if ct != "message/rfc822" || name != "escalation.eml" || string(body) != orig {
				t.Fatalf("attachment %s %s %q", ct, name, body)
			}
			if enc := h.Get("Content-Transfer-Encoding"); enc == "base64" {
				t.Fatal("message/rfc822 must not be base64 encoded (RFC 2046)")
			}
			found = true
		}
	}
	if !found {
		t.Fatal("no attachment")
	}
}

func TestComposeRefusesIncompleteMessages(t *testing.T) {
	for name, m := range map[string]Message{
		"no recipients": {From: "a@x", MessageID: "i@x"},
		"no id":         {From: "a@x", To: []string{"b@x"}},
		"bad from":      {From: "not an address", To: []string{"b@x"}, MessageID: "i@x"},
		"bad to":        {From: "a@x", To: []string{"nobody"}, MessageID: "i@x"},
	} {
		if _, err := Compose(m); err == nil {
			t.Errorf("%s: composed", name)
		}
	}
}

// With HTML the message is multipart/alternative: the plain text first
// (what a client without HTML shows), then the HTML.
func TestComposeHTMLAlternative(t *testing.T) {
	m := sample()
	m.HTML = "<p>Body <b>text</b></p>"
	raw, err := Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	r, err := gmail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var types, bodies []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, _ := io.ReadAll(p.Body)
		types, bodies = append(types, ct), append(bodies, string(b))
	}
	if len(types) != 2 || types[0] != "text/plain" || types[1] != "text/html" || !strings.Contains(bodies[1], "<b>text</b>") {
		t.Fatalf("parts %v: %q", types, bodies)
	}
	if !strings.Contains(string(raw), "multipart/alternative") {
		t.Fatalf("not multipart/alternative:\n%s", raw)
	}
}

package mailtest

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
)

var update = flag.Bool("update", false, "rewrite testdata/*.eml from the fixture builders")

// readMail parses raw with go-message and returns the header and the text of
// each inline part.
func readMail(t *testing.T, raw []byte) (gomail.Header, map[string]string) {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	parts := map[string]string{}
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		typ, _, _ := p.Header.(*gomail.InlineHeader).ContentType()
		body, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatal(err)
		}
		parts[typ] = string(body)
	}
	return r.Header, parts
}

func TestEscalationGolden(t *testing.T) {
	for name, o := range map[string]EscalationOpts{
		"escalation.eml":               {},
		"escalation-missing-field.eml": {Ticket: "TICKET-1043", Omit: []string{"Urgency"}},
		"escalation-html-only.eml":     {Ticket: "TICKET-1044", Format: HTMLOnly},
	} {
		raw := Escalation(o)
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(raw, want) {
			t.Errorf("%s differs from Escalation(%+v):\n%s", path, o, raw)
		}
	}
}

func TestEscalation(t *testing.T) {
	raw := Escalation(EscalationOpts{})
	if !bytes.Equal(raw, Escalation(EscalationOpts{})) {
		t.Fatal("Escalation is not deterministic")
	}
	h, parts := readMail(t, raw)
	if s, _ := h.Subject(); s != "ESCALATION: TICKET-1042" {
		t.Errorf("Subject = %q", s)
	}
	if id, _ := h.MessageID(); id != "ticket-1042@helpdesk.craudiovizai.com" {
		t.Errorf("Message-ID = %q", id)
	}
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "jordan.lee@craudiovizai.com" || from[0].Name != "Jordan Lee" {
		t.Errorf("From = %v, %v", from, err)
	}
	if d, _ := h.Date(); !d.Equal(time.Date(2025, 11, 24, 14, 30, 0, 0, time.UTC)) {
		t.Errorf("Date = %v", d)
	}
	want := "Customer: pat.customer@example.com\r\nIssue: Payment page returns 500 after checkout\r\n" +
		"Attempted: Cleared cache, reproduced in two browsers, checked the status page\r\n" +
		"Impact: 40 users\r\nUrgency: High\r\n"
	if parts["text/plain"] != want || len(parts) != 1 {
		t.Errorf("parts = %q", parts)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line longer than 998: %q", line)
		}
	}
}

func TestEscalationVariants(t *testing.T) {
	raw := Escalation(EscalationOpts{
		Ticket:   "TICKET-9",
		From:     "Zoë Müller <zoe@craudiovizai.com>",
		Cc:       "a@example.com, B <b@example.com>",
		Subject:  "ESCALATION: TICKET-9 – Zahlungsausfall",
		Issue:    "Checkout schlägt fehl",
		Omit:     []string{"Impact"},
		Blank:    []string{"Urgency"},
		Headers:  []string{"Auto-Submitted: auto-replied", "In-Reply-To: <x@example.com>"},
		Trailer:  "-- \r\nZoë",
		Format:   Alternative,
		Customer: "<c@example.com>",
	})
	h, parts := readMail(t, raw)
	if s, _ := h.Subject(); s != "ESCALATION: TICKET-9 – Zahlungsausfall" {
		t.Errorf("Subject = %q", s)
	}
	if from, _ := h.AddressList("From"); len(from) != 1 || from[0].Name != "Zoë Müller" {
		t.Errorf("From = %v", from)
	}
	if cc, _ := h.AddressList("Cc"); len(cc) != 2 {
		t.Errorf("Cc = %v", cc)
	}
	if h.Get("Auto-Submitted") != "auto-replied" || h.Get("In-Reply-To") != "<x@example.com>" {
		t.Errorf("extra headers missing:\n%s", raw)
	}
	text := parts["text/plain"]
	if !strings.Contains(text, "Issue: Checkout schlägt fehl\r\n") || strings.Contains(text, "Impact") ||
		!strings.Contains(text, "\r\nUrgency:\r\n") || !strings.HasSuffix(text, "Zoë\r\n") {
		t.Errorf("text part = %q", text)
	}
	if !strings.Contains(parts["text/html"], "<div>Issue: Checkout schlägt fehl</div>") ||
		!strings.Contains(parts["text/html"], "<div>Customer: &lt;c@example.com&gt;</div>") {
		t.Errorf("html part = %q", parts["text/html"])
	}

	_, parts = readMail(t, Escalation(EscalationOpts{Format: HTMLOnly, Omit: []string{"Customer"}}))
	if len(parts) != 1 || !strings.Contains(parts["text/html"], "<div>Urgency: High</div>") || strings.Contains(parts["text/html"], "Customer") {
		t.Errorf("HTML-only parts = %q", parts)
	}
}

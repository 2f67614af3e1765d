package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"escalationd/templates"
	"escalationd/vocab"
)

func TestOAuthAlertMailsTheOperator(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a := templates.OAuthAlert{Server: "mailbox escalations", Problem: "refresh-failed", Since: t0, Expiry: t0.Add(10 * time.Minute),
		Error: `oauth2: "invalid_grant"`, Next: t0.Add(time.Hour)}

	h.cfg.Operator = ""
	if queued, err := h.eng.OAuthAlert(ctx, a, 1, t0); err != nil || queued {
		t.Fatalf("without an operator: queued %v, %v", queued, err)
	}
	h.cfg.Operator = "ops@craudiovizai.com"
	wakes := 0
	h.eng.wake = func() { wakes++ }
	for range 2 { // the same notice twice: one mail
		if _, err := h.eng.OAuthAlert(ctx, a, 1, t0); err != nil {
			t.Fatal(err)
		}
	}
	if wakes != 1 {
		t.Fatalf("outbox worker woken %d times, want once for the one queued mail", wakes)
	}
	mails := h.events(vocab.EventOAuthAlert)
	if len(mails) != 1 {
		t.Fatalf("%d oauth-alert mails, want 1", len(mails))
	}
	m := mails[0]
	if strings.Join(m.RcptTo, ",") != "ops@craudiovizai.com" || m.Role != vocab.RoleOperator || m.CaseID != 0 {
		t.Fatalf("mail to %v as %s, case %d", m.RcptTo, m.Role, m.CaseID)
	}
	raw := string(m.Raw)
	for _, want := range []string{"Subject: OAuth login for mailbox escalations failing", "X-Escalation-Event: oauth-alert",
		"still works until", "invalid_grant", "restart escalationd"} {
		if !strings.Contains(raw, want) {
			t.Errorf("mail lacks %q:\n%s", want, raw)
		}
	}
	if _, err := h.eng.OAuthAlert(ctx, a, 2, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := len(h.events(vocab.EventOAuthAlert)); n != 2 {
		t.Fatalf("second notice: %d mails", n)
	}
	evs, err := h.st.EventsOfTypes(ctx, []vocab.Event{vocab.EventOAuthAlert}, t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Type == vocab.EventOAuthAlert && e.Actor == "mailbox escalations" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d oauth-alert audit events, want 2", n)
	}
}

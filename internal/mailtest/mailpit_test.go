package mailtest

import (
	"bytes"
	"net"
	"slices"
	"testing"
	"time"
)

func TestMailpit(t *testing.T) {
	t.Parallel()
	m := StartMailpit(t)
	raw := Escalation(EscalationOpts{Headers: []string{"X-Escalation-Id: ESC-11", "Auto-Submitted: auto-generated"}})
	if err := send(m.SMTPAddr(), "", []string{"escalations@craudiovizai.com", "hidden@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	msgs := m.WaitForCount(t, 1, 5*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	msg := msgs[0]
	if msg.Subject != "ESCALATION: TICKET-1042" || msg.MessageID != "ticket-1042@helpdesk.craudiovizai.com" ||
		msg.From.Address != "jordan.lee@craudiovizai.com" || msg.From.Name != "Jordan Lee" ||
		len(msg.To) != 1 || msg.To[0].Address != "escalations@craudiovizai.com" ||
		len(msg.Bcc) != 1 || msg.Bcc[0].Address != "hidden@example.com" || msg.Created.IsZero() {
		t.Errorf("message = %+v", msg)
	}
	h := m.Headers(t, msg.ID)
	if !slices.Equal(h["X-Escalation-Id"], []string{"ESC-11"}) || !slices.Equal(h["Auto-Submitted"], []string{"auto-generated"}) {
		t.Errorf("headers = %v", h)
	}
	if got := m.Raw(t, msg.ID); !bytes.Contains(got, []byte("Customer: pat.customer@example.com")) {
		t.Errorf("raw = %s", got)
	}
	if got := m.Search(t, `subject:"TICKET-1042"`); len(got) != 1 {
		t.Errorf("search: %d messages", len(got))
	}

	// Outage: SMTP refuses connections; after Restart the mail is still there.
	m.Stop(t)
	if conn, err := net.Dial("tcp", m.SMTPAddr()); err == nil {
		conn.Close()
		t.Fatal("SMTP dial after Stop succeeded")
	}
	m.Restart(t)
	if err := send(m.SMTPAddr(), "gw@example.com", []string{"oncall@example.com"}, Escalation(EscalationOpts{Ticket: "TICKET-2"})); err != nil {
		t.Fatal(err)
	}
	msgs = m.WaitForCount(t, 2, 5*time.Second)
	if len(msgs) != 2 || msgs[0].Subject != "ESCALATION: TICKET-1042" || msgs[1].Subject != "ESCALATION: TICKET-2" {
		t.Errorf("after Restart, oldest first: %+v", msgs)
	}
	m.DeleteAll(t)
	if n := len(m.Messages(t)); n != 0 {
		t.Errorf("%d messages after DeleteAll", n)
	}
}

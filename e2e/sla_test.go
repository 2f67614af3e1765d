package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"escalationd/internal/mailtest"
)

// A team's ACK, sent as a reply into the watched mailbox, stops the breach
// clock; the same case without a reply breaches.
func TestAckReplyStopsTheBreach(t *testing.T) {
	e := newEnv(t, envOptions{})
	doc, err := os.ReadFile(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	// Critical must be answered within 10 seconds instead of 15 minutes.
	patched := strings.Replace(string(doc), "critical: {response: 15m,", "critical: {response: 10s,", 1)
	if patched == string(doc) {
		t.Fatal("the example's critical SLA line changed; update this test")
	}
	if err := os.WriteFile(e.cfgPath, []byte(patched), 0o600); err != nil {
		t.Fatal(err)
	}
	d := e.start()
	e.dove.Append(t, e.escUser, "INBOX", escalation("ACK-1", "Critical"))
	e.dove.Append(t, e.escUser, "INBOX", escalation("NOACK-1", "Critical"))
	msgs := e.pit.WaitForCount(t, 4, 10*time.Second) // routed + incident each
	var routed *mailtest.MailpitMessage
	for i, m := range msgs {
		if strings.Contains(m.Subject, "[ACK-1]") && e.header(m.ID, "X-Escalation-Event") == "routed" {
			routed = &msgs[i]
		}
	}
	if routed == nil {
		t.Fatalf("no routed mail for ACK-1 in %+v", msgs)
	}
	onCall := routed.To[0].Address
	ack := fmt.Sprintf("From: %s\r\nTo: escalations@craudiovizai.com\r\nSubject: Re: %s\r\nMessage-ID: <ack-1@oncall.example>\r\n%s\r\n"+
		"In-Reply-To: <%s>\r\nReferences: <%s>\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nACK - on it\r\n\r\n> quoted routed mail\r\n",
		onCall, routed.Subject, mailtest.AuthResults(onCall), routed.MessageID, routed.MessageID, time.Now().Format(time.RFC1123Z))
	e.dove.Append(t, e.escUser, "INBOX", []byte(ack))
	// The ACK is handled well before the respond-by (IDLE, or the 2 s poll).
	e.waitFolder(e.escUser, "Processed", 3, 8*time.Second)
	// NOACK-1 breaches at +10s (to on-call and management); ACK-1 must not.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var breachNo, breachAck int
		for _, m := range e.pit.Messages(t) {
			if e.header(m.ID, "X-Escalation-Event") != "breach" {
				continue
			}
			switch e.header(m.ID, "X-Escalation-Ticket") {
			case "NOACK-1":
				breachNo++
			case "ACK-1":
				breachAck++
			}
		}
		if breachAck > 0 {
			t.Fatalf("ACK-1 breached although acknowledged\n%s", d.log.String())
		}
		if breachNo > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("NOACK-1 never breached\n%s", d.log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	// ACK-1 opened at most a moment after NOACK-1: let its respond-by pass
	// too before the last look.
	time.Sleep(1500 * time.Millisecond)
	for _, m := range e.pit.Messages(t) {
		if e.header(m.ID, "X-Escalation-Event") == "breach" && e.header(m.ID, "X-Escalation-Ticket") == "ACK-1" {
			t.Fatal("ACK-1 breached although acknowledged")
		}
	}
}

package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"escalationd/internal/mailtest"
)

// The people around a case, with the real binary, Dovecot and Mailpit: the
// agent gets a receipt; a member of senior support acknowledges from her
// own address; the agent hears of it, and of her question, by mail.
func TestAgentHearsWhatHappens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	d := e.start()
	e.dove.Append(t, e.escUser, "INBOX", validMail("LOOP-1", "High"))
	routed := e.firstMail("LOOP-1", "routed", 15*time.Second)
	receipt := e.firstMail("LOOP-1", "receipt", 15*time.Second)
	if !slices.ContainsFunc(receipt.To, func(a mailtest.Address) bool { return a.Address == "jordan.lee@craudiovizai.com" }) {
		t.Fatalf("receipt to %+v", receipt.To)
	}
	riley := "Riley Brooks <riley.brooks@craudiovizai.com>"
	e.dove.Append(t, e.escUser, "INBOX", threadReply(riley, routed.Subject, routed.MessageID, "ACK", mailtest.AuthResults(riley)))
	update := e.firstMail("LOOP-1", "agent-update", 15*time.Second)
	e.dove.Append(t, e.escUser, "INBOX", threadReply(riley, routed.Subject, routed.MessageID,
		"Did the customer try another browser?", mailtest.AuthResults(riley)))
	comment := e.firstMail("LOOP-1", "comment", 15*time.Second)
	time.Sleep(time.Second)
	d.stop(t)
	for _, m := range []mailtest.MailpitMessage{update, comment} {
		if !slices.ContainsFunc(m.To, func(a mailtest.Address) bool { return a.Address == "jordan.lee@craudiovizai.com" }) {
			t.Errorf("%s to %+v, want the agent", m.Subject, m.To)
		}
	}
	if raw := string(e.pit.Raw(t, update.ID)); !strings.Contains(raw, "Riley Brooks") {
		t.Errorf("the update does not say who took the case:\n%s", raw)
	}
	if raw := string(e.pit.Raw(t, comment.ID)); !strings.Contains(raw, "another browser") {
		t.Errorf("the comment does not carry the question:\n%s", raw)
	}
	state, _, events := e.caseState("LOOP-1")
	if state != "acknowledged" {
		t.Fatalf("LOOP-1 %s: %q", state, events)
	}
}

package engine

import (
	"bytes"
	"encoding/base64"
	"net/mail"
	"strings"
	"testing"
	"time"

	"escalationd/store"
	"escalationd/vocab"
)

// One conversation per case: every mail of a case carries the case's
// subject ("Re: " on all but the first), the same Thread-Topic, and a
// Thread-Index that starts with the case's 22-byte header; the event is
// the first body line's and X-Escalation-Event's.
func TestOneConversationPerCase(t *testing.T) {
	h := newHarness(t)
	m, _ := h.deliver("escalations", escalation("TCK-90", "Critical", "payments failing"))
	c := h.caseOf(m)
	h.fireUntil(c.OpenedAt.Add(20 * time.Minute))
	h.deliver("escalations", reply(c.ThreadID, "alex.rivera@craudiovizai.com", "Re: ESCALATION: [TCK-90]", "ACK"))
	h.fireUntil(c.OpenedAt.Add(5 * time.Hour))
	const subject = "ESCALATION: [TCK-90] [Critical] Export broken payments failing"
	var root []byte
	seen := map[vocab.Event]bool{}
	for _, o := range h.mail() {
		msg, err := mail.ReadMessage(bytes.NewReader(o.Raw))
		if err != nil {
			t.Fatal(err)
		}
		seen[o.Event] = true
		want := "Re: " + subject
		if o.MessageID == c.ThreadID {
			want = subject
		}
		if o.Subject != want || msg.Header.Get("Thread-Topic") != subject || msg.Header.Get("X-Escalation-Event") != string(o.Event) {
			t.Errorf("%s: subject %q, topic %q, event %q; want %q", o.Event, o.Subject, msg.Header.Get("Thread-Topic"), msg.Header.Get("X-Escalation-Event"), want)
		}
		idx, err := base64.StdEncoding.DecodeString(msg.Header.Get("Thread-Index"))
		if err != nil {
			t.Fatalf("%s: Thread-Index: %v", o.Event, err)
		}
		switch {
		case o.MessageID == c.ThreadID:
			if len(idx) != 22 || idx[0] != 0x01 {
				t.Errorf("routed: Thread-Index of %d bytes (% x), want a 22-byte header", len(idx), idx)
			}
			root = idx
		case len(idx) != 27:
			t.Errorf("%s: Thread-Index of %d bytes, want 27", o.Event, len(idx))
		}
		if o.Event == vocab.EventBreach && !strings.Contains(unwrapped(o.Raw), "SLA BREACH: nobody acknowledged Critical escalation TCK-90") {
			t.Errorf("breach: the event is not the first line:\n%s", unwrapped(o.Raw))
		}
	}
	for _, o := range h.mail() {
		msg, _ := mail.ReadMessage(bytes.NewReader(o.Raw))
		idx, _ := base64.StdEncoding.DecodeString(msg.Header.Get("Thread-Index"))
		if !bytes.Equal(idx[:22], root) {
			t.Errorf("%s: Thread-Index header % x, want the case's % x", o.Event, idx[:22], root)
		}
	}
	for _, e := range []vocab.Event{vocab.EventRouted, vocab.EventIncident, vocab.EventReceipt, vocab.EventBreach, vocab.EventStatusCheck} {
		if !seen[e] {
			t.Errorf("no %s mail", e)
		}
	}
}

// The Thread-Index is computed, not drawn: the same mail gives the same
// bytes, and a later reply a later time.
func TestThreadIndexIsDeterministic(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	c := &store.Case{ID: 1, ThreadID: "escalationd.1.routed.x@example.com", OpenedAt: t0}
	first, again := threadIndex(c, "a@x", t0.Add(time.Hour)), threadIndex(c, "a@x", t0.Add(time.Hour))
	if first != again {
		t.Fatalf("Thread-Index differs between two renderings: %s, %s", first, again)
	}
	a, _ := base64.StdEncoding.DecodeString(threadIndex(c, "a@x", t0.Add(time.Minute)))
	b, _ := base64.StdEncoding.DecodeString(threadIndex(c, "a@x", t0.Add(time.Hour)))
	if bytes.Compare(a[22:26], b[22:26]) >= 0 {
		t.Errorf("child blocks % x and % x do not grow with time", a[22:26], b[22:26])
	}
}

package engine

import (
	"strings"
	"testing"

	"escalationd/vocab"
)

// The senior-support template has no urgency line: the case is High by a
// documented default, and the routed mail says so; an escalation that
// gives its level says nothing of the kind.
func TestDefaultUrgencyIsStatedInTheRoutedMail(t *testing.T) {
	h := newHarness(t)
	h.deliver("escalations", `From: Alice Agent <alice.agent@craudiovizai.com>
To: escalations@craudiovizai.com
Subject: Escalating TCK-77
Message-ID: <tck-77.senior@agent.craudiovizai.com>
Date: Fri, 27 Nov 2026 10:00:00 -0500
Content-Type: text/plain; charset=utf-8

Hi Sam,

Escalating ticket TCK-77 for jane.doe@example.com.

Issue: Export broken for her account
Attempted: cleared cache
Blocker: needs a database fix

Customer expecting update by: 5 PM today

Thanks!
`)
	h.deliver("escalations", escalation("TCK-78", "High", ""))
	routed := map[string]string{}
	for _, m := range h.mail() {
		if m.Event == vocab.EventRouted {
			routed[m.Subject] = strings.ReplaceAll(string(m.Raw), "=\r\n", "")
		}
	}
	if len(routed) != 2 {
		t.Fatalf("routed mails: %d, want 2", len(routed))
	}
	const note = "Urgency: High (the senior-support template has no urgency line; default)"
	for subject, raw := range routed {
		has := strings.Contains(raw, note)
		if want := strings.Contains(subject, "TCK-77"); has != want {
			t.Errorf("%s: states the default urgency: %v, want %v\n%s", subject, has, want, raw)
		}
	}
}

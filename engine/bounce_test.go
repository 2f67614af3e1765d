package engine

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"escalationd/store"
	"escalationd/vocab"
)

// bounceOf is a bounce fixture of mailparse/testdata/bounces returning the
// mail with Message-ID id, failed at rcpt, under its own Message-ID own.
func bounceOf(t *testing.T, file, id, rcpt, own string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "mailparse", "testdata", "bounces", file))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer("{{MESSAGE_ID}}", id, "{{RCPT}}", rcpt).Replace(string(raw))
	return strings.Replace(s, "Message-Id: <20261202030412.4ZQk1m2Xyz@mx.craudiovizai.com>", "Message-Id: <"+own+">", 1)
}

// A page accepted by the submission server and bounced later reaches the
// case: delivery-failed is recorded, the next step of the chain is asked
// to take the case, the agent learns it, and the failing address is left
// out. The same bounce again changes nothing.
func TestBouncedPageReachesTheCase(t *testing.T) {
	h := newHarness(t)
	h.deliver("escalations", escalation("TCK-50", "Critical", ""))
	routed := h.events(vocab.EventRouted)[0]
	const failing = "alex.rivera@craudiovizai.com"
	if !slices.Contains(routed.RcptTo, failing) {
		t.Fatalf("routed to %v; the test expects the on-call engineer %s", routed.RcptTo, failing)
	}
	m, outcome := h.deliver("escalations", bounceOf(t, "postfix.eml", routed.MessageID, failing, "b1@mx.craudiovizai.com"))
	if outcome != store.OutcomeProcessed || m.CaseID != routed.CaseID {
		t.Fatalf("bounce handled as %s on case %d", outcome, m.CaseID)
	}
	notices := h.events(vocab.EventDeliveryFailed)
	if len(notices) != 2 {
		t.Fatalf("notices: %+v", notices)
	}
	team, agent := notices[0], notices[1]
	if len(team.RcptTo) == 0 || slices.Contains(team.RcptTo, failing) || !strings.Contains(string(team.Raw), "PAGE BOUNCED") ||
		!strings.Contains(string(team.Raw), "User unknown") {
		t.Errorf("chain notice to %v:\n%s", team.RcptTo, team.Raw)
	}
	if !slices.Equal(agent.RcptTo, []string{"alice.agent@craudiovizai.com"}) || !strings.Contains(string(agent.Raw), "UNDELIVERED PAGE") {
		t.Errorf("agent notice to %v:\n%s", agent.RcptTo, agent.Raw)
	}
	evs, err := h.st.Events(context.Background(), routed.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(evs, func(e store.Event) bool {
		return e.Type == vocab.EventDeliveryFailed && strings.Contains(e.Detail, failing) && strings.Contains(e.Detail, "5.1.1")
	}) {
		t.Errorf("no delivery-failed event: %+v", evs)
	}
	// Exim's report of the same mail, as a second bounce: no new notice.
	h.deliver("escalations", bounceOf(t, "exim.eml", routed.MessageID, failing, "b2@mx.craudiovizai.com"))
	if n := len(h.events(vocab.EventDeliveryFailed)); n != 2 {
		t.Errorf("a second bounce of the same mail sent %d more notices", n-2)
	}
}

// A bounce is only believed about a recipient the mail was sent to, and a
// delay report is not a failure: neither pages anyone, both stay in review.
func TestForgedAndDelayedBouncesChangeNothing(t *testing.T) {
	h := newHarness(t)
	h.deliver("escalations", escalation("TCK-51", "High", ""))
	routed := h.events(vocab.EventRouted)[0]
	before := len(h.mail())
	forged, outcome := h.deliver("escalations", bounceOf(t, "exchange.eml", routed.MessageID, "attacker@outside.example", "f1@x"))
	if outcome != store.OutcomeRejected || forged.Reason != reasonBounceUnmatched {
		t.Errorf("forged bounce: %s %s", outcome, forged.Reason)
	}
	delayed, _ := h.deliver("escalations", bounceOf(t, "delayed.eml", routed.MessageID, routed.RcptTo[0], "d1@x"))
	if delayed.Reason != "bounce" {
		t.Errorf("delay report: %s", delayed.Reason)
	}
	if len(h.mail()) != before {
		t.Fatalf("forged or delayed bounces sent mail: %+v", h.mail()[before:])
	}
}

// Anyone copied on a gateway mail knows its Message-ID. A bounce about
// one recipient never silences the bounce about another; an outsider's
// unauthenticated bounce is not believed at all.
func TestBounceForgeriesDoNotSilenceThePage(t *testing.T) {
	h := newHarness(t)
	h.deliver("escalations", escalation("TCK-52", "Critical", ""))
	routed := h.events(vocab.EventRouted)[0]
	outside := strings.Replace(bounceOf(t, "postfix.eml", routed.MessageID, "roy@craudiovizai.com", "f2@evil.example"),
		"From: MAILER-DAEMON@mx.craudiovizai.com (Mail Delivery System)", "From: MAILER-DAEMON@mx.evil.example\nX-Test-Unauthenticated: yes", 1)
	if m, _ := h.deliver("escalations", outside); m.Reason != reasonBounceUntrusted {
		t.Errorf("outsider's bounce handled as %q", m.Reason)
	}
	// A believed bounce about the management copy first, then the page's.
	h.deliver("escalations", bounceOf(t, "postfix.eml", routed.MessageID, "roy@craudiovizai.com", "b3@mx.craudiovizai.com"))
	h.deliver("escalations", bounceOf(t, "postfix.eml", routed.MessageID, "alex.rivera@craudiovizai.com", "b4@mx.craudiovizai.com"))
	paged := false
	for _, n := range h.events(vocab.EventDeliveryFailed) {
		paged = paged || strings.HasSuffix(n.DedupKey, ":alex.rivera@craudiovizai.com:team")
	}
	if !paged {
		t.Fatal("the page's own bounce was silenced by an earlier bounce of the same mail")
	}
}

// When every address that could act bounced, the operator hears of it
// and the agent is told plainly that nobody was reached.
func TestBounceOfEveryoneReachesTheOperator(t *testing.T) {
	h := newHarness(t)
	h.deliver("escalations", escalation("TCK-53", "Critical", ""))
	routed := h.events(vocab.EventRouted)[0]
	raw := bounceOf(t, "postfix.eml", routed.MessageID, "alex.rivera@craudiovizai.com", "b5@mx.craudiovizai.com")
	// Both recipients in one report.
	raw = strings.Replace(raw, "Final-Recipient: rfc822; alex.rivera@craudiovizai.com",
		"Final-Recipient: rfc822; roy@craudiovizai.com\nAction: failed\nStatus: 5.1.1\n\nFinal-Recipient: rfc822; alex.rivera@craudiovizai.com", 1)
	h.deliver("escalations", raw)
	var toOperator, toAgent bool
	for _, n := range h.events(vocab.EventDeliveryFailed) {
		body := string(n.Raw)
		if slices.Contains(n.RcptTo, "alex.rivera@craudiovizai.com") || slices.Contains(n.RcptTo, "roy@craudiovizai.com") {
			t.Errorf("a notice went to a failing address: %v", n.RcptTo)
		}
		toOperator = toOperator || (n.Role == vocab.RoleOperator && strings.Contains(body, "NOBODY WAS REACHED"))
		toAgent = toAgent || (n.Role == vocab.RoleAgent && strings.Contains(body, "NOBODY WAS REACHED"))
	}
	if !toOperator || !toAgent {
		t.Fatalf("operator told %v, agent told %v: %+v", toOperator, toAgent, h.events(vocab.EventDeliveryFailed))
	}
}

// Exchange's bounce without the returned header names the mail in its
// In-Reply-To.
func TestBounceMatchedByInReplyTo(t *testing.T) {
	h := newHarness(t)
	h.deliver("escalations", escalation("TCK-54", "High", ""))
	routed := h.events(vocab.EventRouted)[0]
	raw := bounceOf(t, "exchange.eml", routed.MessageID, routed.RcptTo[0], "x")
	cut := strings.Index(raw, "--1f5a2c3d-4e6f-4a8b-9c0d-ef1234567890\nContent-Type: message/rfc822")
	raw = raw[:cut] + "--1f5a2c3d-4e6f-4a8b-9c0d-ef1234567890--\n"
	if m, outcome := h.deliver("escalations", raw); outcome != store.OutcomeProcessed || m.CaseID != routed.CaseID {
		t.Fatalf("bounce with In-Reply-To only: %s %s", outcome, m.Reason)
	}
}

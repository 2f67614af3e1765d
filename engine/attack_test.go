package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"escalationd/store"
	"escalationd/vocab"
)

// The attacks of the trust review, each on the engine and a virtual clock.

func outsideReport(from, id string) string {
	return fmt.Sprintf(`From: Finder <%s>
To: security@craudiovizai.com
Subject: XSS in your login page
Message-ID: <%s@outside.example>
X-Test-Unauthenticated: yes

There is a stored XSS in the login form. Proof attached.
`, from, id)
}

func (h *harness) caseOf(m *store.StoredMessage) *store.Case {
	h.t.Helper()
	c, err := h.st.Case(context.Background(), m.CaseID)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// mailedTo lists every address any queued mail went to.
func (h *harness) mailedTo() []string {
	var out []string
	for _, m := range h.mail() {
		out = append(out, m.RcptTo...)
	}
	return out
}

// An outside report never merges with an agent's escalation, and its
// reporter hears nothing, whatever the agent's ticket is called.
func TestOutsideReportNeverMergesOrLeaks(t *testing.T) {
	h := newHarness(t)
	rep, _ := h.deliver("security", outsideReport("finder@outside.example", "r1"))
	sec := h.caseOf(rep)
	if !strings.HasPrefix(sec.Ticket, "SEC#") || !sec.Confidential || !slices.Equal(sec.CustomerSide, []string{"finder@outside.example"}) {
		t.Fatalf("security case %+v", sec)
	}
	// An agent's ticket named like the old automatic names, or anything
	// else, opens its own case.
	for _, ticket := range []string{strings.Replace(sec.Ticket, "#", "-", 1), "SEC-1"} {
		m, _ := h.deliver("escalations", escalation(ticket, "High", ""))
		if m.CaseID == sec.ID {
			t.Fatalf("escalation %s merged into the outside report", ticket)
		}
	}
	h.clk.Advance(time.Minute)
	h.deliver("security", reply(sec.ThreadID, "security-team@craudiovizai.com", "Re: "+sec.Subject, "RESOLVED patched in 4.2"))
	if got := h.caseOf(rep); got.State != store.CaseResolved {
		t.Fatalf("the security team could not resolve: %+v", got)
	}
	if slices.Contains(h.mailedTo(), "finder@outside.example") {
		t.Fatal("the outside reporter was mailed")
	}
}

// The reporter may add comments to their own case, never command it:
// neither through their own mail's id, nor a made-up gateway id with the
// case's subject.
func TestReporterCannotCommandTheirCase(t *testing.T) {
	h := newHarness(t)
	rep, _ := h.deliver("security", outsideReport("finder@outside.example", "r2"))
	sec := h.caseOf(rep)
	ownThread := fmt.Sprintf(`From: finder@outside.example
To: security@craudiovizai.com
Subject: Re: XSS in your login page
Message-ID: <r2-b@outside.example>
In-Reply-To: <r2@outside.example>
References: <r2@outside.example>
Authentication-Results: mx.craudiovizai.com; dmarc=pass header.from=outside.example

%s
`, "%s")
	forged := fmt.Sprintf(`From: finder@outside.example
To: security@craudiovizai.com
Subject: Re: ESCALATION: [%s] [High] XSS
Message-ID: <r2-c@outside.example>
In-Reply-To: <escalationd.%d.routed.0000000000000000@craudiovizai.com>
Authentication-Results: mx.craudiovizai.com; dmarc=pass header.from=outside.example

%s
`, sec.Ticket, sec.ID, "%s")
	for _, cmd := range []string{"RESOLVED", "URGENCY low", "REASSIGN marketing", "ACK"} {
		for _, tmpl := range []string{ownThread, forged} {
			h.clk.Advance(time.Minute)
			h.deliver("security", fmt.Sprintf(tmpl, cmd))
		}
	}
	got := h.caseOf(rep)
	if got.State != store.CaseOpen || got.Urgency != sec.Urgency || got.Team != sec.Team {
		t.Fatalf("the reporter changed their case: %+v", got)
	}
	if slices.Contains(h.mailedTo(), "finder@outside.example") {
		t.Fatal("the reporter was answered")
	}
}

// Authentication fails closed for commands: a forged From of the CEO is not
// believed without an aligned dmarc=pass from the trusted MX.
func TestForgedCommandsAreRefused(t *testing.T) {
	h := newHarness(t)
	m, _ := h.deliver("escalations", escalation("TCK-60", "High", "the customer's lawyer says they will sue us"))
	c := h.caseOf(m)
	if !c.Confidential || c.Team != "legal" {
		t.Fatalf("legal case %+v", c)
	}
	for i, ar := range []string{
		"X-Test-Unauthenticated: yes", // no header at all
		"Authentication-Results: mx.craudiovizai.com; dmarc=none header.from=craudiovizai.com",
		"Authentication-Results: mx.craudiovizai.com; dmarc=temperror header.from=craudiovizai.com",
		"Authentication-Results: mx.craudiovizai.com; dmarc=permerror header.from=craudiovizai.com",
		"Authentication-Results: mx.craudiovizai.com; spf=fail smtp.mailfrom=craudiovizai.com; dkim=none",
		"Authentication-Results: attacker.example; dmarc=pass header.from=craudiovizai.com",
		"Authentication-Results: mx.craudiovizai.com; dmarc=pass header.from=evil.example",
	} {
		for _, cmd := range []string{"REASSIGN marketing", "RESOLVED settled"} {
			h.clk.Advance(time.Minute)
			raw := strings.Replace(reply(c.ThreadID, "roy@craudiovizai.com", "Re: ESCALATION: [TCK-60]", cmd), "Content-Type:", ar+"\nContent-Type:", 1)
			r, _ := h.deliver("escalations", raw)
			if r.Reason != "command-refused" {
				t.Errorf("case %d %q: handled as %s/%s", i, cmd, r.Disposition, r.Reason)
			}
		}
	}
	if got := h.caseOf(m); got.State != store.CaseOpen || got.Team != "legal" {
		t.Fatalf("a forged command acted: %+v", got)
	}
	// The real CEO, confirmed by the MX, may.
	h.deliver("escalations", reply(c.ThreadID, "roy@craudiovizai.com", "Re: ESCALATION: [TCK-60]", "ACK"))
	if got := h.caseOf(m); got.State != store.CaseAcknowledged || got.AcknowledgedBy != "roy@craudiovizai.com" {
		t.Fatalf("the CEO's ACK: %+v", got)
	}
	// A forged re-escalation of the ticket does not re-route the case.
	forged := strings.Replace(escalation("TCK-60", "Low", "never mind"), "From: Alice Agent", "X-Test-Unauthenticated: yes\nFrom: Alice Agent", 1)
	forged = strings.Replace(forged, "tck-60.orig@", "tck-60.forged@", 1)
	f, _ := h.deliver("escalations", forged)
	if f.CaseID == c.ID {
		t.Fatal("an unauthenticated escalation merged into the legal case")
	}
	if got := h.caseOf(m); got.Team != "legal" || !got.Confidential {
		t.Fatalf("re-routed: %+v", got)
	}
}

// Only ACK, RESOLVED and REASSIGN acknowledge: the CEO's question on a
// Critical outage is a comment and the breach chain goes on.
func TestQuestionDoesNotAcknowledge(t *testing.T) {
	h := newHarness(t)
	m, _ := h.deliver("escalations", escalation("TCK-61", "Critical", ""))
	c := h.caseOf(m)
	h.clk.Advance(5 * time.Minute)
	h.deliver("escalations", reply(c.ThreadID, "roy@craudiovizai.com", "Re: ESCALATION: [TCK-61]", "Who is on this?? call me"))
	if got := h.caseOf(m); got.State != store.CaseOpen {
		t.Fatalf("a question acknowledged: %+v", got)
	}
	h.fireUntil(t0.Add(20 * time.Minute))
	if len(h.events(vocab.EventBreach)) == 0 {
		t.Fatal("no breach after the CEO's question")
	}
}

// The escalating agent may raise the urgency and reopen, never reassign,
// resolve or lower the urgency.
func TestAgentPermissions(t *testing.T) {
	h := newHarness(t)
	m, _ := h.deliver("escalations", escalation("TCK-62", "Medium", ""))
	c := h.caseOf(m)
	agent := "alice.agent@craudiovizai.com"
	for _, cmd := range []string{"REASSIGN marketing", "URGENCY low", "RESOLVED done", "ACK"} {
		h.clk.Advance(time.Minute)
		if r, _ := h.deliver("escalations", reply(c.ThreadID, agent, "Re: ESCALATION: [TCK-62]", cmd)); r.Reason != "command-refused" {
			t.Errorf("agent %s: %s", cmd, r.Reason)
		}
	}
	got := h.caseOf(m)
	if got.Team != c.Team || got.Urgency != "medium" || got.State != store.CaseOpen {
		t.Fatalf("the agent changed the case: %+v", got)
	}
	h.deliver("escalations", reply(c.ThreadID, agent, "Re: ESCALATION: [TCK-62]", "URGENCY high"))
	if got := h.caseOf(m); got.Urgency != "high" {
		t.Fatalf("the agent could not raise the urgency: %+v", got)
	}
	// Each refused command was answered, once per hour at most.
	if n := len(h.events(vocab.EventCommandError)); n != 1 {
		t.Fatalf("%d command-error mails to the agent, want 1 (rate limited)", n)
	}
}

// REASSIGN fraud makes the case confidential and cancels pending mail to
// the customer; the customer is never told "our fraud team has it".
func TestReassignCarriesConfidentiality(t *testing.T) {
	h := newHarness(t)
	h.cfg.SLA.CustomerUpdates = "customer"
	h.restart(t0)
	m, _ := h.deliver("escalations", escalation("TCK-63", "High", ""))
	c := h.caseOf(m)
	if c.Confidential {
		t.Fatal("an ordinary case is confidential")
	}
	h.clk.Advance(time.Minute)
	h.deliver("escalations", reply(c.ThreadID, "senior-support@craudiovizai.com", "Re: ESCALATION: [TCK-63]", "REASSIGN fraud"))
	got := h.caseOf(m)
	if !got.Confidential || !got.SuspendAccount || got.Team != "fraud" {
		t.Fatalf("after REASSIGN fraud: %+v", got)
	}
	h.fireUntil(t0.Add(72 * time.Hour))
	if slices.Contains(h.mailedTo(), "jane.doe@example.com") {
		t.Fatal("the customer of a fraud case was mailed")
	}
}

// Amplification: a flood of outside reports to security@ opens a few cases,
// never a case per mail, and each sender's repeats join their first case.
func TestOutsideReportFloodIsBounded(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 10; i++ {
		h.deliver("security", outsideReport("spammer@junk.example", fmt.Sprintf("same-%d", i)))
	}
	for i := 0; i < 40; i++ {
		h.deliver("security", outsideReport(fmt.Sprintf("bot%d@junk.example", i), fmt.Sprintf("many-%d", i)))
	}
	cases, _ := h.st.Cases(context.Background(), store.CaseFilter{})
	if len(cases) > h.cfg.RateLimits.CasesPerOutsideDomain {
		t.Fatalf("%d cases from one outside domain, limit %d", len(cases), h.cfg.RateLimits.CasesPerOutsideDomain)
	}
	h.fireUntil(t0.Add(24 * time.Hour))
	toCEO := 0
	for _, m := range h.mail() {
		if slices.Contains(m.RcptTo, "roy@craudiovizai.com") {
			toCEO++
		}
	}
	// Before the limits: 750 mails, a quarter of them to the CEO. Now at
	// most CasesPerOutsideDomain cases run their (ordinary) clocks.
	if n := len(h.mail()); n > 100 || toCEO > 30 {
		t.Fatalf("50 junk reports caused %d mails in a day, %d to the CEO", n, toCEO)
	}
	if n := len(h.events(vocab.EventFloodAlert)); n > 1 {
		t.Fatalf("%d flood alerts, want at most one", n)
	}
}

// With rate_limits.cases_per_sender set, a sender over it opens nothing
// more: the mail is kept for review, unanswered, and one flood alert goes
// out.
func TestCasesPerSenderLimit(t *testing.T) {
	h := newHarness(t)
	h.cfg.RateLimits.CasesPerSender = 3
	h.restart(t0)
	var reasons []string
	for i := 0; i < 6; i++ {
		m, _ := h.deliver("escalations", strings.Replace(escalation(fmt.Sprintf("TCK-7%d", i), "Low", ""), ".orig@", fmt.Sprintf(".n%d@", i), 1))
		reasons = append(reasons, m.Disposition+"/"+m.Reason)
	}
	want := []string{"case/", "case/", "case/", "ignored/rate-limited", "ignored/rate-limited", "ignored/rate-limited"}
	if !slices.Equal(reasons, want) {
		t.Fatalf("handled as %v, want %v", reasons, want)
	}
	if n := len(h.events(vocab.EventFloodAlert)); n != 1 {
		t.Fatalf("%d flood alerts, want 1", n)
	}
}

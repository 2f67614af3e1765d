package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"escalationd/store"
	"escalationd/vocab"
)

// The people around a case: an individual's ACK counts for their team, the
// agent hears what happens, and comments travel both ways.
func TestAgentInTheLoop(t *testing.T) {
	h := newHarness(t)
	m, _ := h.deliver("escalations", escalation("TCK-80", "High", ""))
	c := h.caseOf(m)
	receipts := h.events(vocab.EventReceipt)
	if len(receipts) != 1 || !slices.Equal(receipts[0].RcptTo, []string{"alice.agent@craudiovizai.com"}) ||
		!strings.Contains(unwrapped(receipts[0].Raw), "senior-support@craudiovizai.com") {
		t.Fatalf("receipt: %+v", receipts)
	}
	// Sam, a member of senior support, acknowledges from his own address.
	h.clk.Advance(10 * time.Minute)
	h.deliver("escalations", reply(c.ThreadID, "sam.senior@craudiovizai.com", "Re: ESCALATION: [TCK-80]", "ACK on it"))
	got := h.caseOf(m)
	if got.State != store.CaseAcknowledged || got.AcknowledgedBy != "sam.senior@craudiovizai.com" {
		t.Fatalf("a member's ACK: %+v", got)
	}
	h.fireUntil(t0.Add(2 * time.Hour))
	if n := len(h.events(vocab.EventBreach)); n != 0 {
		t.Fatalf("%d breaches after a member's ACK", n)
	}
	updates := h.events(vocab.EventAgentUpdate)
	if len(updates) != 1 || !strings.Contains(string(updates[0].Raw), "sam.senior@craudiovizai.com") {
		t.Fatalf("agent updates: %d", len(updates))
	}
	// Sam asks a question: it reaches the agent. The agent answers: it
	// reaches Sam, who owns the case now.
	h.deliver("escalations", reply(c.ThreadID, "sam.senior@craudiovizai.com", "Re: ESCALATION: [TCK-80]", "Which browser does the customer use?"))
	h.deliver("escalations", reply(c.ThreadID, "alice.agent@craudiovizai.com", "Re: ESCALATION: [TCK-80]", "Firefox 131 on Windows."))
	comments := h.events(vocab.EventComment)
	if len(comments) != 2 || !slices.Equal(comments[0].RcptTo, []string{"alice.agent@craudiovizai.com"}) ||
		!slices.Equal(comments[1].RcptTo, []string{"sam.senior@craudiovizai.com"}) ||
		!strings.Contains(string(comments[0].Raw), "Which browser") || !strings.Contains(string(comments[1].Raw), "Firefox 131") {
		t.Fatalf("comments: %d", len(comments))
	}
	// Sam's question was a status: the next status check comes a full 4
	// hours after it, and goes to the owner, not the whole team.
	h.fireUntil(h.clk.Now().Add(4*time.Hour - time.Minute))
	if n := len(h.events(vocab.EventStatusCheck)); n != 0 {
		t.Fatalf("%d status checks within 4 hours of the team's note", n)
	}
	h.fireUntil(h.clk.Now().Add(2 * time.Minute))
	checks := h.events(vocab.EventStatusCheck)
	if len(checks) != 1 || !slices.Equal(checks[0].RcptTo, []string{"sam.senior@craudiovizai.com"}) {
		t.Fatalf("status checks: %+v", checks)
	}
}

// A Critical security case is owned by the security team: its breaches
// chase security (and management), the on-call engineer being paged in
// addition at first.
func TestCriticalSecurityBreachesChaseSecurity(t *testing.T) {
	h := newHarness(t)
	m, _ := h.deliver("escalations", escalation("TCK-81", "Critical", "data breach suspected on the admin account"))
	c := h.caseOf(m)
	if c.Team != "security" {
		t.Fatalf("owning team %q, want security", c.Team)
	}
	routed := h.events(vocab.EventRouted)
	if len(routed) != 1 || !slices.Contains(routed[0].RcptTo, "alex.rivera@craudiovizai.com") {
		t.Fatalf("on-call not paged: %+v", routed)
	}
	h.fireUntil(t0.Add(40 * time.Minute))
	for _, b := range h.events(vocab.EventBreach) {
		if !slices.Contains(b.RcptTo, "security-team@craudiovizai.com") || !slices.Contains(b.RcptTo, "roy@craudiovizai.com") {
			t.Fatalf("breach to %v", b.RcptTo)
		}
	}
}

// A BUG at 03:00 on a Saturday goes to the on-call engineer; unacknowledged
// when engineering opens on Monday 09:00, it is handed to engineering with
// its history. At the weekly hand-off in between, the new on-call gets it.
func TestAfterHoursCaseIsHandedToTheDayTeam(t *testing.T) {
	h := newHarness(t)
	sat := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC) // Sat 03:00 New York
	h.restart(sat)
	m, _ := h.deliver("escalations", bug("TCK-82", "Medium"))
	c := h.caseOf(m)
	if c.Team != "oncall" || !slices.Contains(c.Teams, "engineering") {
		t.Fatalf("after-hours case: team %q teams %v", c.Team, c.Teams)
	}
	monday := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC) // Mon 09:00 New York
	h.fireUntil(monday.Add(time.Minute))
	handovers := h.events(vocab.EventHandover)
	var toEngineering bool
	for _, ho := range handovers {
		if slices.Equal(ho.RcptTo, []string{"engineering@craudiovizai.com"}) && ho.CreatedAt.Equal(monday) {
			toEngineering = true
			if !strings.Contains(string(ho.Raw), "opened") {
				t.Errorf("handover without the history")
			}
		}
	}
	if !toEngineering {
		t.Fatalf("no handover to engineering at Monday 09:00: %d handovers", len(handovers))
	}
	if got := h.caseOf(m); got.Team != "engineering" {
		t.Fatalf("team after the handover: %q", got.Team)
	}
}

// At the weekly on-call hand-off, an unacknowledged case of the rotation
// moves to the new on-call engineer, who gets it with its history.
func TestRotationHandoffMovesUnacknowledgedCases(t *testing.T) {
	h := newHarness(t)
	sun := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC) // Sun 22:00 New York: Alex is on call until Mon 09:00
	h.restart(sun)
	m, _ := h.deliver("escalations", escalation("TCK-83", "Critical", "payment processing down"))
	if c := h.caseOf(m); c.Team != "oncall" {
		t.Fatalf("owning team %q, want oncall", c.Team)
	}
	handoff := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC) // Mon 09:00 New York
	h.fireUntil(handoff.Add(time.Minute))
	var toBlake bool
	for _, ho := range h.events(vocab.EventHandover) {
		toBlake = toBlake || slices.Equal(ho.RcptTo, []string{"blake.chen@craudiovizai.com"})
	}
	if !toBlake {
		t.Fatalf("the new on-call engineer was not handed the case")
	}
}

// A typo gets one command-error saying what was meant, and is not relayed
// to the agent as a comment; an out-of-office reply does nothing at all.
func TestTypoIsAnsweredOutOfOfficeIsNot(t *testing.T) {
	h := newHarness(t)
	m, _ := h.deliver("escalations", escalation("TCK-84", "High", ""))
	c := h.caseOf(m)
	h.clk.Advance(time.Minute)
	r, _ := h.deliver("escalations", reply(c.ThreadID, "sam.senior@craudiovizai.com", "Re: ESCALATION: [TCK-84]", "ACKK"))
	if r.Reason != "command-refused" {
		t.Fatalf("typo handled as %s/%s", r.Disposition, r.Reason)
	}
	errs := h.events(vocab.EventCommandError)
	if len(errs) != 1 || !slices.Equal(errs[0].RcptTo, []string{"sam.senior@craudiovizai.com"}) || !strings.Contains(string(errs[0].Raw), "did you mean ACK") {
		t.Fatalf("command-error mails: %+v", errs)
	}
	if n := len(h.events(vocab.EventComment)); n != 0 {
		t.Fatalf("the typo was relayed as a comment (%d)", n)
	}
	ooo := strings.Replace(reply(c.ThreadID, "riley.brooks@craudiovizai.com", "Out of Office: Re: ESCALATION: [TCK-84]",
		"Hello,\n\nThank you for your email. I am out of the office until Monday with limited access to email.\n"), "", "", 1)
	o, _ := h.deliver("escalations", ooo)
	if o.Disposition != "ignored" || o.Reason != "auto-reply" {
		t.Fatalf("out-of-office handled as %s/%s", o.Disposition, o.Reason)
	}
	if got := h.caseOf(m); got.State != store.CaseOpen || len(h.events(vocab.EventComment)) != 0 {
		t.Fatalf("the out-of-office reply acted: %+v", got)
	}
}

// A Critical escalation whose Customer is a name, not an address, still
// pages the on-call engineer; the routed mail says what is missing, and
// the agent is asked for it.
func TestCriticalWithProblemsIsRoutedAnyway(t *testing.T) {
	h := newHarness(t)
	raw := strings.Replace(escalation("TCK-85", "Critical", "payments failing"), "Customer: jane.doe@example.com", "Customer: Jane Doe", 1)
	m, _ := h.deliver("escalations", raw)
	if m.CaseID == 0 {
		t.Fatalf("not routed: %s/%s", m.Disposition, m.Reason)
	}
	routed := h.events(vocab.EventRouted)
	if len(routed) != 1 || !slices.Contains(routed[0].RcptTo, "alex.rivera@craudiovizai.com") || !strings.Contains(string(routed[0].Raw), "INCOMPLETE") {
		t.Fatalf("routed: %+v", routed)
	}
	asked := h.events(vocab.EventRejection)
	if len(asked) != 1 || !slices.Equal(asked[0].RcptTo, []string{"alice.agent@craudiovizai.com"}) || !strings.Contains(unwrapped(asked[0].Raw), "routed") {
		t.Fatalf("the agent was not asked for the missing pieces: %+v", asked)
	}
	// High with the same problem is rejected as before.
	raw = strings.Replace(escalation("TCK-86", "High", ""), "Customer: jane.doe@example.com", "Customer: Jane Doe", 1)
	if m, _ := h.deliver("escalations", raw); m.CaseID != 0 || m.Disposition != "rejected" {
		t.Fatalf("a High escalation with a bad customer: %s/%s", m.Disposition, m.Reason)
	}
}

// Low is a backlog: no mail when it opens, one digest a working day to the
// team listing it with its respond-by, its routed mail with the first
// digest (so the team can act on it by replying), no status checks.
func TestLowCasesGoToTheDailyDigest(t *testing.T) {
	h := newHarness(t) // Friday 2026-11-27 10:00 New York
	m, _ := h.deliver("escalations", escalation("TCK-90", "Low", "dark mode request"))
	h.deliver("escalations", strings.Replace(escalation("TCK-91", "Low", "export as PDF"), ".orig@", ".b@", 1))
	for _, ml := range h.mail() {
		if ml.Event != vocab.EventReceipt {
			t.Fatalf("a Low case sent %s at once", ml.Event)
		}
	}
	h.fireUntil(t0.Add(7 * 24 * time.Hour))
	digests := h.events(vocab.EventBacklogDigest)
	// Mon 30 Nov to Fri 4 Dec: five working days (the weekend skipped).
	if len(digests) != 5 {
		t.Fatalf("%d digests in a week, want one per working day", len(digests))
	}
	ny, _ := time.LoadLocation("America/New_York")
	for _, d := range digests {
		local := d.CreatedAt.In(ny)
		if local.Hour() != 9 || local.Weekday() == time.Saturday || local.Weekday() == time.Sunday {
			t.Errorf("digest at %v", local)
		}
		if !strings.Contains(string(d.Raw), "TCK-90") || !strings.Contains(string(d.Raw), "TCK-91") {
			t.Errorf("digest lacks a case")
		}
	}
	if n := len(h.events(vocab.EventStatusCheck)); n != 0 {
		t.Fatalf("%d status checks for Low cases", n)
	}
	routed := h.events(vocab.EventRouted)
	if len(routed) != 2 || !routed[0].CreatedAt.Equal(digests[0].CreatedAt) {
		t.Fatalf("routed mails: %d (want both, with the first digest)", len(routed))
	}
	_ = m
}

// Holidays are handled like nights: a BUG at 11:00 on Thanksgiving goes to
// the on-call engineer, and engineering is handed the case when it opens
// the next working day (Friday 09:00), not during the holiday.
func TestHolidayCaseGoesToOnCallUntilTheNextWorkingDay(t *testing.T) {
	h := newHarness(t)
	thanksgiving := time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC) // Thu 11:00 New York
	h.restart(thanksgiving)
	m, _ := h.deliver("escalations", bug("TCK-84", "Medium"))
	c := h.caseOf(m)
	routed := h.events(vocab.EventRouted)
	if c.Team != "oncall" || len(routed) != 1 || !slices.Equal(routed[0].RcptTo, []string{"alex.rivera@craudiovizai.com"}) {
		t.Fatalf("Thanksgiving case: team %q, routed %+v", c.Team, routed)
	}
	friday := time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC) // Fri 09:00 New York
	h.fireUntil(friday.Add(time.Minute))
	var at []time.Time
	for _, ho := range h.events(vocab.EventHandover) {
		if slices.Equal(ho.RcptTo, []string{"engineering@craudiovizai.com"}) {
			at = append(at, ho.CreatedAt)
		}
	}
	if len(at) != 1 || !at[0].Equal(friday) {
		t.Fatalf("handovers to engineering at %v, want one at Friday 09:00", at)
	}
}

// unwrapped is a queued mail with its quoted-printable soft line breaks
// undone, so a long line of the body can be searched.
func unwrapped(raw []byte) string { return strings.ReplaceAll(string(raw), "=\r\n", "") }

// No status check reaches a team outside its hours unless the case is
// Critical: a High BUG acknowledged by engineering on Friday afternoon gets
// its next status check on Monday when engineering opens.
func TestStatusChecksWaitForTheTeamsHours(t *testing.T) {
	h := newHarness(t)
	fri := time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC) // Fri 16:00 New York
	h.restart(fri)
	m, _ := h.deliver("escalations", bug("TCK-92", "High"))
	c := h.caseOf(m)
	if c.Team != "engineering" {
		t.Fatalf("team %q", c.Team)
	}
	h.clk.Advance(5 * time.Minute)
	h.deliver("escalations", reply(c.ThreadID, "casey.morgan@craudiovizai.com", "Re: BUG", "ACK"))
	h.fireUntil(fri.Add(4 * 24 * time.Hour))
	checks := h.events(vocab.EventStatusCheck)
	ny, _ := time.LoadLocation("America/New_York")
	monday := time.Date(2026, 11, 30, 9, 0, 0, 0, ny)
	if len(checks) == 0 || !checks[0].CreatedAt.Equal(monday) {
		var at []time.Time
		for _, ch := range checks {
			at = append(at, ch.CreatedAt.In(ny))
		}
		t.Fatalf("status checks at %v, want the first on Monday 09:00", at)
	}
	for _, ch := range checks {
		if l := ch.CreatedAt.In(ny); l.Hour() < 9 || l.Hour() >= 18 || l.Weekday() == time.Saturday || l.Weekday() == time.Sunday {
			t.Errorf("status check at %v, outside engineering's hours", l)
		}
	}
}

// "Customer expecting update by: Today 5 PM ET" brings the first reminder
// to the agent to half an hour before, not 24 hours later.
func TestCustomerExpectingUpdateBy(t *testing.T) {
	h := newHarness(t) // Friday 10:00 New York
	raw := `From: Sam Senior <sam.senior@craudiovizai.com>
To: escalations@craudiovizai.com
Subject: Escalation - refund approval
Message-ID: <tck-93@agent.craudiovizai.com>

Hi Riley,

Escalating ticket TCK-93 for john.doe@example.com.

Issue: Refund of $1,240 outside the 30-day policy
Attempted: Offered store credit, customer declined
Blocker: Refunds over $500 need Tier 2 approval

Customer expecting update by: Today 5 PM ET

Thanks!
`
	m, _ := h.deliver("escalations", raw)
	if m.CaseID == 0 {
		t.Fatalf("not a case: %s/%s", m.Disposition, m.Reason)
	}
	h.fireUntil(t0.Add(8 * time.Hour))
	ups := h.events(vocab.EventCustomerUpdate)
	ny, _ := time.LoadLocation("America/New_York")
	want := time.Date(2026, 11, 27, 16, 30, 0, 0, ny)
	if len(ups) != 1 || !ups[0].CreatedAt.Equal(want) || !slices.Equal(ups[0].RcptTo, []string{"sam.senior@craudiovizai.com"}) {
		t.Fatalf("customer-update reminders: %+v, want one at 16:30 New York to the agent", ups)
	}
}

// The incident list (a channel feed) may add notes but never acknowledge:
// its automatic "ACK" leaves the on-call engineer's clock running.
// "REASSIGN senior support" names a team in words.
func TestIncidentListCannotActAndTeamsInWords(t *testing.T) {
	h := newHarness(t)
	m, _ := h.deliver("escalations", escalation("TCK-94", "Critical", "payments down"))
	c := h.caseOf(m)
	h.clk.Advance(time.Minute)
	if r, _ := h.deliver("escalations", reply(c.ThreadID, "incidents@craudiovizai.com", "Re: ESCALATION: [TCK-94]", "ACK")); r.Reason != "command-refused" {
		t.Fatalf("the incident list's ACK: %s/%s", r.Disposition, r.Reason)
	}
	if got := h.caseOf(m); got.State != store.CaseOpen {
		t.Fatalf("the incident list acknowledged the case: %+v", got)
	}
	h.deliver("escalations", reply(c.ThreadID, "roy@craudiovizai.com", "Re: ESCALATION: [TCK-94]", "REASSIGN senior support"))
	if got := h.caseOf(m); got.Team != "senior_support" {
		t.Fatalf("REASSIGN senior support: team %q", got.Team)
	}
}

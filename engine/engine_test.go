package engine

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"escalationd/config"
	"escalationd/examples"
	"escalationd/internal/clock"
	"escalationd/internal/mailtest"
	"escalationd/router"
	"escalationd/sla"
	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// Friday 2026-11-27 10:00 New York: engineering is in its hours.
var t0 = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)

type harness struct {
	t   *testing.T
	cfg *config.Config
	st  *store.Store
	eng *Engine
	clk *clock.Virtual
	uid uint32
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	cfg, err := config.Parse(examples.Helpdesk, "helpdesk.yaml", config.Options{SkipSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = filepath.Join(t.TempDir(), "e.db")
	st, err := store.Open(context.Background(), cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rt, err := router.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewVirtual(t0)
	eng, err := New(Options{Config: cfg, Store: st, Router: rt, Templates: tpl, Policy: mustPolicy(t, cfg), Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, cfg: cfg, st: st, eng: eng, clk: clk}
}

// deliver stores raw as if fetched from mailbox and processes it.
func (h *harness) deliver(mailbox, raw string) (*store.StoredMessage, string) {
	h.t.Helper()
	ctx := context.Background()
	h.uid++
	raw = stampAuth(raw)
	raw = strings.ReplaceAll(raw, "\n", "\r\n")
	id := ""
	for _, line := range strings.Split(raw, "\r\n") {
		if v, ok := strings.CutPrefix(line, "Message-ID: "); ok {
			id = strings.Trim(v, "<>")
		}
	}
	ing, err := h.st.Ingest(ctx, store.Incoming{Mailbox: mailbox, UIDValidity: 1, UID: h.uid, MessageID: id, Raw: []byte(raw)}, h.clk.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	outcome, err := h.eng.Process(ctx, ing.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	m, _ := h.st.Message(ctx, ing.ID)
	return m, outcome
}

func (h *harness) mail() []*store.Mail {
	h.t.Helper()
	all, err := h.st.AllMail(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return all
}

func escalation(ticket, urgency, extra string) string {
	return fmt.Sprintf(`From: Alice Agent <alice.agent@craudiovizai.com>
To: escalations@craudiovizai.com
Subject: ESCALATION: [%s]
Message-ID: <%s.orig@agent.craudiovizai.com>
Date: Fri, 27 Nov 2026 10:00:00 -0500
Content-Type: text/plain; charset=utf-8

ESCALATION: [%s]
Customer: jane.doe@example.com
Issue: Export broken %s
Attempted: cleared cache
Impact: 40 users
Urgency: %s
`, ticket, strings.ToLower(ticket), ticket, extra, urgency)
}

func TestOpenRoutesAndQueuesInOneStep(t *testing.T) {
	h := newHarness(t)
	m, outcome := h.deliver("escalations", escalation("TCK-1", "High", ""))
	if outcome != store.OutcomeProcessed || m.Disposition != "case" || m.CaseID == 0 {
		t.Fatalf("message = %+v outcome %s", m, outcome)
	}
	c, _ := h.st.Case(context.Background(), m.CaseID)
	if c.Ticket != "TCK-1" || c.Urgency != "high" || c.Team != "senior_support" || c.Customer != "jane.doe@example.com" ||
		!c.RespondBy.Equal(t0.Add(30*time.Minute)) || c.ThreadID == "" {
		t.Fatalf("case = %+v", c)
	}
	mails := h.mail()
	if len(mails) != 2 || mails[0].Event != "routed" || !slices.Equal(mails[0].RcptTo, []string{"senior-support@craudiovizai.com"}) ||
		mails[1].Event != vocab.EventReceipt || !slices.Equal(mails[1].RcptTo, []string{"alice.agent@craudiovizai.com"}) {
		t.Fatalf("mail = %+v; want the routed mail and the agent's receipt", mails)
	}
	raw := string(mails[0].Raw)
	for _, want := range []string{"X-Escalation-Ticket: TCK-1", "X-Escalation-Urgency: high", fmt.Sprintf("X-Escalation-Case: %d", c.ID),
		"X-Escalation-Event: routed", "Auto-Submitted: auto-generated", "Reply-To: <escalations@craudiovizai.com>",
		"Message-ID: <" + c.ThreadID + ">", "In-Reply-To: <tck-1.orig@agent.craudiovizai.com>", "message/rfc822",
		"X-Escalation-Loop: craudiovizai.com", "Customer: jane.doe@example.com"} {
		if !strings.Contains(raw, want) {
			t.Errorf("routed mail lacks %q", want)
		}
	}
	if !strings.HasPrefix(c.ThreadID, "escalationd.") || !strings.HasSuffix(c.ThreadID, "@craudiovizai.com") {
		t.Errorf("thread id %q is not in the gateway's form", c.ThreadID)
	}
	// Processing again is a no-op.
	if out, err := h.eng.Process(context.Background(), m.ID); err != nil || out != store.OutcomeProcessed || len(h.mail()) != 2 {
		t.Fatalf("second Process: %s %v, %d mails", out, err, len(h.mail()))
	}
}

func TestCriticalGoesToOnCallManagementAndIncident(t *testing.T) {
	h := newHarness(t)
	h.deliver("escalations", escalation("TCK-2", "Critical", ""))
	var events []string
	for _, m := range h.mail() {
		events = append(events, string(m.Event)+":"+strings.Join(m.RcptTo, ","))
	}
	want := []string{"routed:alex.rivera@craudiovizai.com,roy@craudiovizai.com", "incident:incidents@craudiovizai.com",
		"receipt:alice.agent@craudiovizai.com"}
	if !slices.Equal(events, want) {
		t.Fatalf("mail = %v, want %v", events, want)
	}
}

func TestSecondEscalationOfOpenTicketIsNotRoutedAgain(t *testing.T) {
	h := newHarness(t)
	h.deliver("escalations", escalation("TCK-3", "High", ""))
	again := strings.Replace(escalation("TCK-3", "High", "(resent)"), "tck-3.orig", "tck-3.second", 1)
	m, _ := h.deliver("escalations", again)
	if m.Reason != "duplicate" || len(h.mail()) != 2 { // the routed mail and the receipt
		t.Fatalf("duplicate escalation: %+v, %d mails", m, len(h.mail()))
	}
}

func TestRejectionReplyGoesToSenderOnly(t *testing.T) {
	h := newHarness(t)
	bad := strings.Replace(escalation("TCK-4", "ASAP", ""), "Customer: jane.doe@example.com\n", "", 1)
	m, outcome := h.deliver("escalations", bad)
	if outcome != store.OutcomeRejected || m.Disposition != "rejected" {
		t.Fatalf("message = %+v", m)
	}
	mails := h.mail()
	if len(mails) != 1 {
		t.Fatalf("%d mails", len(mails))
	}
	r := mails[0]
	raw := string(r.Raw)
	if r.Event != "rejection" || r.MailFrom != "" || !slices.Equal(r.RcptTo, []string{"alice.agent@craudiovizai.com"}) {
		t.Fatalf("rejection = %+v", r)
	}
	for _, want := range []string{"Auto-Submitted: auto-replied", "customer", "urgency", "ASAP", "In-Reply-To: <tck-4.orig@agent.craudiovizai.com>"} {
		if !strings.Contains(raw, want) {
			t.Errorf("rejection lacks %q:\n%s", want, raw)
		}
	}
}

func TestRejectionRepliesAreRateLimited(t *testing.T) {
	h := newHarness(t)
	per := h.cfg.RateLimits.RejectionsPerSender
	for i := 0; i < per+3; i++ {
		bad := strings.Replace(escalation(fmt.Sprintf("TCK-%d", 100+i), "ASAP", ""), "Customer: jane.doe@example.com\n", "", 1)
		h.deliver("escalations", bad)
		h.clk.Advance(time.Minute)
	}
	var replies, alerts int
	for _, m := range h.mail() {
		switch m.Event {
		case "rejection":
			replies++
		case "flood-alert":
			alerts++
		}
	}
	if replies != per || alerts != 1 {
		t.Fatalf("%d replies and %d flood alerts, want %d and 1", replies, alerts, per)
	}
	// A window later the sender is answered again.
	h.clk.Advance(h.cfg.RateLimits.Window.D())
	h.deliver("escalations", strings.Replace(escalation("TCK-999", "ASAP", ""), "Customer: jane.doe@example.com\n", "", 1))
	if n := len(h.mail()); n != per+2 {
		t.Fatalf("after the window: %d mails, want %d", n, per+2)
	}
}

func TestIgnoredMailIsNeverAnswered(t *testing.T) {
	h := newHarness(t)
	ooo := `From: Bob <bob@craudiovizai.com>
To: escalations@craudiovizai.com
Subject: Automatic reply: ESCALATION: [TCK-5]
Auto-Submitted: auto-replied
Message-ID: <ooo@x>

I am away.
`
	m, outcome := h.deliver("escalations", ooo)
	if m.Disposition != "ignored" || m.Reason != "auto-reply" || outcome != store.OutcomeRejected || len(h.mail()) != 0 {
		t.Fatalf("ignored mail: %+v, %d mails", m, len(h.mail()))
	}
}

// An agent who answers the rejection with the corrected template (a reply,
// quoting it) gets the case opened.
func TestCorrectedReplyToRejectionOpensTheCase(t *testing.T) {
	h := newHarness(t)
	bad := strings.Replace(escalation("TCK-20", "ASAP", ""), "Customer: jane.doe@example.com\n", "", 1)
	h.deliver("escalations", bad)
	rej := h.mail()[0]
	fixed := fmt.Sprintf(`From: Alice Agent <alice.agent@craudiovizai.com>
To: escalations@craudiovizai.com
Subject: Re: %s
Message-ID: <fixed-20@agent.craudiovizai.com>
In-Reply-To: <%s>
References: <tck-20.orig@agent.craudiovizai.com> <%s>
Content-Type: text/plain; charset=utf-8

ESCALATION: [TCK-20]
Customer: jane.doe@example.com
Issue: Export broken
Attempted: cleared cache
Impact: 40 users
Urgency: High

On Fri, Escalation Desk wrote:
> Your escalation was not accepted
`, rej.Subject, rej.MessageID, rej.MessageID)
	m, outcome := h.deliver("escalations", fixed)
	if m.Disposition != "case" || outcome != "processed" || m.CaseID == 0 {
		t.Fatalf("corrected escalation: %+v (%s)", m, outcome)
	}
}

func bug(ticket, severity string) string {
	return fmt.Sprintf(`From: Sam Senior <sam.senior@craudiovizai.com>
To: escalations@craudiovizai.com
Subject: BUG - Export fails for large accounts
Message-ID: <%s.bug.%s@agent.craudiovizai.com>

Ticket: %s
Severity: %s
Users Affected: 40

Description:
Export fails with a timeout for accounts with more than 10,000 rows.

Steps to Reproduce:
1. Open a large account
2. Click Export

Expected: a CSV file
Actual: a timeout
`, strings.ToLower(ticket), strings.ToLower(severity), ticket, severity)
}

// Tier 1 → Tier 2 → Engineering on one ticket: the BUG template for a
// ticket whose case is open routes the case on to engineering; the same
// mail again is only recorded.
func TestTierTransitionReroutesTheOpenCase(t *testing.T) {
	h := newHarness(t)
	first, _ := h.deliver("escalations", escalation("TCK-50", "Medium", ""))
	h.clk.Advance(10 * time.Minute)
	second, _ := h.deliver("escalations", bug("TCK-50", "Medium"))
	if second.CaseID != first.CaseID || second.Reason != "re-escalation" {
		t.Fatalf("BUG for the open ticket: %+v", second)
	}
	c, _ := h.st.Case(context.Background(), first.CaseID)
	if c.Kind != "engineering" || c.Team != "engineering" || !c.RespondBy.Equal(h.clk.Now().Add(2*time.Hour)) {
		t.Fatalf("case after re-escalation: %+v", c)
	}
	routed := h.events("routed")
	if len(routed) != 2 || strings.Join(routed[1].RcptTo, ",") != "engineering@craudiovizai.com" {
		t.Fatalf("routed mails: %d, last to %v", len(routed), routed[len(routed)-1].RcptTo)
	}
	third, _ := h.deliver("escalations", strings.Replace(bug("TCK-50", "Medium"), ".bug.medium@", ".bug.again@", 1))
	if third.Reason != "duplicate" || len(h.events("routed")) != 2 {
		t.Fatalf("same escalation again: %+v, %d routed", third, len(h.events("routed")))
	}
	// An upgrade to Critical pages on-call and opens an incident.
	h.deliver("escalations", strings.Replace(escalation("TCK-50", "Critical", "now down for everyone"), "tck-50.orig", "tck-50.crit", 1))
	c, _ = h.st.Case(context.Background(), first.CaseID)
	if c.Urgency != "critical" || len(h.events("incident")) != 1 {
		t.Fatalf("upgrade: urgency %s, %d incident notices", c.Urgency, len(h.events("incident")))
	}
}

// A routed mail refused for good is reported to the escalating agent, once;
// a failed notice reports nothing (no loops).
func TestUndeliverableMailIsReported(t *testing.T) {
	h := newHarness(t)
	h.deliver("escalations", escalation("TCK-40", "High", ""))
	routed := h.mail()[0]
	undeliverable := func(m *store.Mail, cause string) {
		t.Helper()
		err := h.st.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := h.eng.Undeliverable(tx, m, cause, h.clk.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	undeliverable(routed, "550 5.1.1 no such user")
	undeliverable(routed, "550 5.1.1 no such user")
	notices := h.events("delivery-failed")
	if len(notices) != 1 || strings.Join(notices[0].RcptTo, ",") != "alice.agent@craudiovizai.com" ||
		!strings.Contains(string(notices[0].Raw), "550 5.1.1 no such user") {
		t.Fatalf("notices: %+v", notices)
	}
	n := notices[0]
	undeliverable(&n, "550 again")
	if len(h.events("delivery-failed")) != 1 {
		t.Fatal("a failed notice caused another notice")
	}
}

func mustPolicy(t *testing.T, cfg *config.Config) sla.Policy {
	t.Helper()
	p, err := sla.NewPolicy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stampAuth adds the Authentication-Results header the company's MX
// stamps on genuine mail (aligned dmarc=pass for the From domain), unless
// the mail has one or says "X-Test-Unauthenticated: yes".
func stampAuth(raw string) string {
	if strings.Contains(raw, "\nAuthentication-Results:") || strings.Contains(raw, "X-Test-Unauthenticated:") {
		return raw
	}
	from := ""
	for _, line := range strings.Split(raw, "\n") {
		if v, ok := strings.CutPrefix(line, "From: "); ok {
			from = strings.TrimSpace(v)
			break
		}
	}
	if from == "" {
		return raw
	}
	return mailtest.AuthResults(from) + "\n" + raw
}

// A reply-all on an escalation thread is conversation: without a valid
// template it is never answered with a rejection. On a case it is a
// comment; otherwise it is kept for review (ignored, reply-all). A direct
// answer to a rejection is still told what is wrong.
func TestReplyAllIsNeverRejected(t *testing.T) {
	h := newHarness(t)
	bad := strings.Replace(escalation("TCK-30", "High", ""), "Customer: jane.doe@example.com\n", "", 1)
	bad = strings.Replace(bad, "To: escalations@craudiovizai.com\n", "To: escalations@craudiovizai.com\nCc: bob.colleague@craudiovizai.com\n", 1)
	h.deliver("escalations", bad)
	if n := len(h.mail()); n != 1 {
		t.Fatalf("%d mails after the bad escalation, want its rejection", n)
	}
	replyAll := func(id, subject, inReplyTo, body string) string {
		return fmt.Sprintf(`From: Bob Colleague <bob.colleague@craudiovizai.com>
To: alice.agent@craudiovizai.com
Cc: escalations@craudiovizai.com
Subject: %s
Message-ID: <%s@agent.craudiovizai.com>
In-Reply-To: <%s>
References: <%s>
Content-Type: text/plain; charset=utf-8

%s

On Fri, Alice Agent wrote:
> ESCALATION: [TCK-30]
> Issue: Export broken
> Attempted: cleared cache
> Impact: 40 users
> Urgency: High
`, subject, id, inReplyTo, inReplyTo, body)
	}
	for _, subject := range []string{"Re: ESCALATION: [TCK-30]", "RE: Export for Jane", "AW: ESCALATION: [TCK-30]"} {
		m, outcome := h.deliver("escalations", replyAll("bob-"+strings.Fields(subject)[0], subject, "tck-30.orig@agent.craudiovizai.com", "Thanks Alice, I saw this too."))
		want := "reply-all"
		if !strings.Contains(subject, "ESCALATION") {
			want = "not-escalation" // no template even in the quote
		}
		if m.Disposition != "ignored" || m.Reason != want || outcome != store.OutcomeRejected {
			t.Errorf("%q: %s/%s (%s), want ignored/%s", subject, m.Disposition, m.Reason, outcome, want)
		}
	}
	if n := len(h.mail()); n != 1 {
		t.Fatalf("%d mails after the replies-all, want only the first rejection", n)
	}
	events, err := h.st.EventsOfTypes(context.Background(), []vocab.Event{vocab.EventIgnored}, time.Time{})
	if err != nil || len(events) != 3 || !strings.HasPrefix(events[0].Detail, "reply-all: ") || !strings.HasPrefix(events[2].Detail, "reply-all: ") {
		t.Fatalf("review events = %+v, %v", events, err)
	}

	// A thread the gateway never saw: an ordinary bad escalation.
	m, _ := h.deliver("escalations", replyAll("bob-unknown", "Re: ESCALATION: [TCK-30]", "unknown@elsewhere.example", "ESCALATION: [TCK-30]\nIssue: still broken\nUrgency: High"))
	if m.Disposition != "rejected" {
		t.Errorf("reply in an unknown thread: %s/%s, want rejected", m.Disposition, m.Reason)
	}

	// The agent answers the rejection, still without a customer: told again.
	rej := h.mail()[0]
	m, _ = h.deliver("escalations", strings.Replace(replyAll("alice-fix", "Re: "+rej.Subject, rej.MessageID, "ESCALATION: [TCK-30]\nIssue: Export broken\nAttempted: cleared cache\nImpact: 40 users\nUrgency: High"),
		"From: Bob Colleague <bob.colleague@craudiovizai.com>", "From: Alice Agent <alice.agent@craudiovizai.com>", 1))
	if m.Disposition != "rejected" {
		t.Errorf("answer to the rejection: %s/%s, want rejected", m.Disposition, m.Reason)
	}

	// On a case, a reply-all is a comment.
	open, _ := h.deliver("escalations", escalation("TCK-31", "High", ""))
	if open.CaseID == 0 {
		t.Fatalf("TCK-31 opened no case: %+v", open)
	}
	m, _ = h.deliver("escalations", strings.ReplaceAll(replyAll("bob-31", "Re: ESCALATION: [TCK-31]", "tck-31.orig@agent.craudiovizai.com", "Thanks Alice, I saw this too."), "TCK-30", "TCK-31"))
	if m.Disposition != "reply" || m.CaseID != open.CaseID {
		t.Errorf("reply-all on a case: %s/%s case %d, want a reply on case %d", m.Disposition, m.Reason, m.CaseID, open.CaseID)
	}
}

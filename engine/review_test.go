package engine

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

var updateGolden = flag.Bool("update", false, "rewrite engine/testdata/golden")

func ny(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// reviewFixture builds two weeks of cases through the engine on a virtual
// clock: last week one High case (root cause training, CSAT 5); this week
// a High case resolved (product bug, CSAT 4), a Medium case that breached
// before it was resolved (product bug, CSAT 2) and a Low case left open.
func reviewFixture(t *testing.T) *harness {
	h := newHarness(t)
	team, agent := "senior-support@craudiovizai.com", "alice.agent@craudiovizai.com"
	open := func(ticket, urgency string, at time.Time) *store.Case {
		h.fireUntil(at)
		m, _ := h.deliver("escalations", escalation(ticket, urgency, ""))
		c, err := h.st.Case(context.Background(), m.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	h.restart(ny(t, "2026-11-18 10:00"))
	c := open("TCK-90", "High", ny(t, "2026-11-18 10:00"))
	h.caseStep(c, team, "ACK")
	h.clk.Advance(time.Hour)
	h.caseStep(c, team, "RESOLVED walked the agent through the export settings\nRoot cause: training")
	h.caseStep(c, agent, "CSAT 5")

	a := open("TCK-100", "High", ny(t, "2026-11-24 10:00"))
	h.caseStep(a, team, "ACK")
	b := open("TCK-101", "Medium", ny(t, "2026-11-24 10:30"))
	open("TCK-102", "Low", ny(t, "2026-11-24 11:00"))
	h.fireUntil(ny(t, "2026-11-24 12:00"))
	h.caseStep(a, team, "RESOLVED patched the exporter\nRoot cause: Product bug")
	h.caseStep(a, agent, "CSAT 4")
	h.fireUntil(ny(t, "2026-11-24 13:00")) // TCK-101 breaches at 12:30
	h.caseStep(b, team, "RESOLVED same exporter bug. Root cause: product-bug")
	h.caseStep(b, agent, "CSAT 2")
	return h
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./engine -run Review -update rewrites it):\n%s", name, got)
	}
}

// renderReview renders the review of kind ev due at at, as the mail and
// `escalationd report` write it.
func (h *harness) renderReview(ev vocab.Event, at time.Time) string {
	h.t.Helper()
	p := ReviewPeriodAt(ev, at, h.cfg.Location())
	rv, err := BuildReview(context.Background(), h.st, h.cfg, p, at)
	if err != nil {
		h.t.Fatal(err)
	}
	subject, body, err := h.eng.tpl.Render(ev.Template(), templates.Data{Event: string(ev), Role: string(vocab.RoleManagement), Now: at,
		Location: h.cfg.Location(), Review: rv})
	if err != nil {
		h.t.Fatal(err)
	}
	return "Subject: " + subject + "\n" + body
}

func TestWeeklyAndMonthlyReviewsGolden(t *testing.T) {
	h := reviewFixture(t)
	ctx := context.Background()
	weekly := ny(t, "2026-11-30 09:00") // Monday
	h.fireUntil(weekly.Add(-time.Minute))
	if n := len(h.events(vocab.EventWeeklyReview)); n != 0 {
		t.Fatalf("%d weekly reviews before Monday 09:00", n)
	}
	h.clk.Set(weekly)
	if _, err := h.eng.FireDue(ctx); err != nil {
		t.Fatal(err)
	}
	got := h.events(vocab.EventWeeklyReview)
	// Management and the team leads.
	want := append(ReviewRecipients(h.cfg)[:0:0], "riley.brooks@craudiovizai.com", "casey.morgan@craudiovizai.com")
	if mgmt, _ := h.cfg.Team("management"); len(mgmt.Addresses) > 0 {
		want = append(want, strings.ToLower(mgmt.Addresses[0]))
	}
	if len(got) != 1 || !got[0].CreatedAt.Equal(weekly) || got[0].Role != vocab.RoleManagement {
		t.Fatalf("weekly reviews: %+v", got)
	}
	for _, w := range want {
		if !slices.Contains(got[0].RcptTo, w) {
			t.Errorf("weekly review to %v, missing %s", got[0].RcptTo, w)
		}
	}
	for _, r := range got[0].RcptTo {
		if !h.cfg.IsInternal(r) {
			t.Errorf("weekly review to an outside address %s", r)
		}
	}
	if !strings.HasPrefix(got[0].Subject, "Weekly escalation review: Mon 23 Nov - Sun 29 Nov 2026") {
		t.Errorf("weekly subject %q", got[0].Subject)
	}
	checkGolden(t, "weekly-review.txt", h.renderReview(vocab.EventWeeklyReview, weekly))
	// The plain text first, an HTML alternative with tables after it.
	raw := string(got[0].Raw)
	if !strings.Contains(raw, "multipart/alternative") || !strings.Contains(raw, "text/html") ||
		strings.Index(raw, "text/plain") > strings.Index(raw, "text/html") || !strings.Contains(raw, "<table") {
		t.Errorf("weekly review is not text and HTML alternatives:\n%s", raw)
	}
	// The chart travels inline, next to the alternatives it belongs to.
	if !strings.Contains(raw, "multipart/related") || !strings.Contains(raw, "image/png") ||
		!strings.Contains(strings.ToLower(raw), "content-id: <review-chart@escalationd>") || !strings.Contains(raw, "cid:review-chart@escalationd") {
		t.Errorf("weekly review lacks its inline chart:\n%.3000s", raw)
	}

	// December's first working day is Tuesday the 1st.
	monthly := ny(t, "2026-12-01 09:00")
	h.fireUntil(monthly)
	if _, err := h.eng.FireDue(ctx); err != nil {
		t.Fatal(err)
	}
	if m := h.events(vocab.EventMonthlyReview); len(m) != 1 || !m[0].CreatedAt.Equal(monthly) {
		t.Fatalf("monthly reviews: %+v", m)
	}
	checkGolden(t, "monthly-review.txt", h.renderReview(vocab.EventMonthlyReview, monthly))
}

// One weekly review per week, ever: firing again, and a restart, queue no
// second; the next Monday queues the next.
func TestWeeklyReviewFiresOncePerWeek(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	fire := func(at time.Time) {
		t.Helper()
		h.clk.Set(at)
		if _, err := h.eng.FireDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if next := h.eng.nextReviewSlot(t0); !next.Equal(ny(t, "2026-11-30 09:00")) {
		t.Fatalf("next review slot %v, want Monday 09:00", next)
	}
	fire(ny(t, "2026-11-30 09:00"))
	fire(ny(t, "2026-11-30 09:30"))
	h.restart(ny(t, "2026-11-30 10:00"))
	fire(ny(t, "2026-11-30 10:00"))
	if n := len(h.events(vocab.EventWeeklyReview)); n != 1 {
		t.Fatalf("%d weekly reviews in one week, want 1", n)
	}
	fire(ny(t, "2026-12-07 09:00"))
	if n := len(h.events(vocab.EventWeeklyReview)); n != 2 {
		t.Fatalf("%d weekly reviews after two Mondays, want 2", n)
	}
	// A Monday missed by more than a day (the gateway was down) is
	// skipped, not sent late.
	h.restart(ny(t, "2026-12-15 10:00"))
	fire(ny(t, "2026-12-15 10:00"))
	if n := len(h.events(vocab.EventWeeklyReview)); n != 2 {
		t.Fatalf("%d weekly reviews, a stale one was sent", n)
	}
}

// Without a reviews block no review is ever mailed.
func TestNoReviewsBlockSendsNoReview(t *testing.T) {
	h := newHarness(t)
	h.cfg.Reviews = nil
	h.restart(ny(t, "2026-11-30 09:00"))
	if _, err := h.eng.FireDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(h.events(vocab.EventWeeklyReview)); n != 0 {
		t.Fatalf("%d weekly reviews without a reviews block", n)
	}
}

// The monthly review waits for the month's first working day: 1 January
// 2027 is a company holiday and the 2nd and 3rd a weekend, so January's
// comes on Monday the 4th at 09:00; weeks start on Monday in New York
// time, across the DST change.
func TestReviewSlots(t *testing.T) {
	h := newHarness(t)
	loc := h.cfg.Location()
	p := ReviewPeriodAt(vocab.EventMonthlyReview, ny(t, "2027-01-02 12:00"), loc)
	if !p.From.Equal(ny(t, "2026-12-01 00:00")) || !p.Until.Equal(ny(t, "2027-01-01 00:00")) || !p.LastFrom.Equal(ny(t, "2026-11-01 00:00")) {
		t.Errorf("monthly period %+v", p)
	}
	if slot := reviewSlot(h.cfg, vocab.EventMonthlyReview, p.Until); !slot.Equal(ny(t, "2027-01-04 09:00")) {
		t.Errorf("January's review at %v, want Monday 4 January 09:00", slot)
	}
	w := ReviewPeriodAt(vocab.EventWeeklyReview, ny(t, "2026-11-02 08:00"), loc) // Monday after the DST change
	if !w.From.Equal(ny(t, "2026-10-26 00:00")) || !w.Until.Equal(ny(t, "2026-11-02 00:00")) {
		t.Errorf("weekly period %+v", w)
	}
	if _, due := dueReview(h.cfg, vocab.EventWeeklyReview, ny(t, "2026-11-02 08:59")); due {
		t.Error("weekly review due before 09:00")
	}
	if p, due := dueReview(h.cfg, vocab.EventWeeklyReview, ny(t, "2026-11-02 09:00")); !due || p.dedup() != "review:week:2026-10-26" {
		t.Errorf("weekly review at 09:00: due %v, key %s", due, p.dedup())
	}
}

// reviews.tickets_command gives the escalation rate against the 10%
// target; a command that fails leaves the review without it, saying why.
func TestReviewEscalationRate(t *testing.T) {
	h := reviewFixture(t)
	at := ny(t, "2026-11-30 09:00")
	p := ReviewPeriodAt(vocab.EventWeeklyReview, at, h.cfg.Location())
	for _, tc := range []struct {
		argv []string
		want string
	}{
		// The period's start and end are appended: $0 and $1 of sh -c.
		{[]string{"sh", "-c", `case "$0 $1" in 2026-11-23T00:00:00-05:00\ 2026-11-30T00:00:00-05:00) echo 20;; *) echo 1;; esac`},
			"Escalation rate: 15.0% of 20 tickets (ABOVE the 10% target)."},
		{[]string{"sh", "-c", "echo 300"}, "Escalation rate: 1.0% of 300 tickets (within the 10% target)."},
		{[]string{"sh", "-c", "echo lots"}, `Escalation rate unknown: reviews.tickets_command printed "lots", not a ticket count`},
	} {
		h.cfg.Reviews.TicketsCommand = tc.argv
		rv, err := BuildReview(context.Background(), h.st, h.cfg, p, at)
		if err != nil {
			t.Fatal(err)
		}
		if rv.Rate != tc.want {
			t.Errorf("%v: rate %q, want %q", tc.argv, rv.Rate, tc.want)
		}
	}
}

// A confidential case's free-text root cause (names, sums, a legal
// strategy) never reaches the team leads; a configured tag does. A case
// nobody took, past its response time, opens the review.
func TestReviewKeepsConfidentialCausesAndLeadsWithUnacknowledged(t *testing.T) {
	h := newHarness(t)
	h.restart(ny(t, "2026-11-24 10:00"))
	m, _ := h.deliver("escalations", escalation("TCK-300", "High", "the customer's lawyer threatens a lawsuit"))
	legal, err := h.st.Case(context.Background(), m.CaseID)
	if err != nil || !legal.Confidential {
		t.Fatalf("legal case: %+v %v", legal, err)
	}
	h.caseStep(legal, "lena.ward@craudiovizai.com", "ACK")
	h.caseStep(legal, "lena.ward@craudiovizai.com", "RESOLVED settled\nRoot cause: Acme CFO Bob Smith threatened suit over clause 4")
	h.fireUntil(ny(t, "2026-11-25 10:00"))
	h.deliver("escalations", escalation("TCK-301", "High", "export broken"))
	h.fireUntil(ny(t, "2026-11-27 10:00"))
	got := h.renderReview(vocab.EventWeeklyReview, ny(t, "2026-11-30 09:00"))
	if strings.Contains(got, "Bob Smith") || !strings.Contains(got, "(confidential): 1 - TCK-300") {
		t.Errorf("confidential root cause in the review:\n%s", got)
	}
	lines := strings.SplitN(got, "\n", 4)
	if len(lines) < 3 || !strings.HasPrefix(lines[2], "NOT ACKNOWLEDGED, past their response time: TCK-301 (High") {
		t.Errorf("the review does not open with the case nobody took:\n%s", got)
	}
}

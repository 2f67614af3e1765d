package engine

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"escalationd/config"
	"escalationd/internal/clock"
	"escalationd/router"
	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"

	"go.yaml.in/yaml/v3"
)

// fireUntil advances the virtual clock step by step to end, firing every
// step as it falls due, as RunTimers would.
func (h *harness) fireUntil(end time.Time) {
	h.t.Helper()
	ctx := context.Background()
	for {
		next, ok, err := h.st.NextTimerDue(ctx)
		if err != nil {
			h.t.Fatal(err)
		}
		if !ok || next.After(end) {
			break
		}
		h.clk.Set(next)
		if _, err := h.eng.FireDue(ctx); err != nil {
			h.t.Fatal(err)
		}
	}
	h.clk.Set(end)
}

func (h *harness) events(typ vocab.Event) []store.Mail {
	var out []store.Mail
	for _, m := range h.mail() {
		if m.Event == typ {
			out = append(out, *m)
		}
	}
	return out
}

// restart replaces the engine as a restarted daemon would: same database,
// a new process whose clock reads now.
func (h *harness) restart(now time.Time) {
	h.t.Helper()
	rt, _ := router.Compile(h.cfg)
	tpl, _ := templates.Load("")
	h.clk = clock.NewVirtual(now)
	eng, err := New(Options{Config: h.cfg, Store: h.st, Router: rt, Templates: tpl, Policy: mustPolicy(h.t, h.cfg), Clock: h.clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		h.t.Fatal(err)
	}
	h.eng = eng
}

// A daemon down for 9 hours fires each overdue step exactly once on
// restart; missed intervals collapse into that one mail.
func TestNineHoursDownEachOverdueStepFiresOnce(t *testing.T) {
	h := newHarness(t)
	h.cfg.SLA.StatusCheckHours = nil // the grid itself, day and night
	h.restart(t0)
	h.deliver("escalations", escalation("TCK-9", "High", ""))
	h.fireUntil(t0.Add(10 * time.Minute))
	if n := len(h.events("breach")); n != 0 {
		t.Fatalf("%d breaches before the respond-by", n)
	}
	// Down from +10m to +9h10m: breach (+30m), breach steps every 30m after,
	// status checks at +4h and +8h were all missed.
	h.restart(t0.Add(9*time.Hour + 10*time.Minute))
	fired, err := h.eng.FireDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b, s := len(h.events("breach")), len(h.events("status-check")); fired != 2 || b != 1 || s != 1 {
		t.Fatalf("on restart: %d steps fired, %d breach and %d status-check mails; want 2, 1 and 1", fired, b, s)
	}
	// Firing again changes nothing: each step fires once.
	if fired, _ := h.eng.FireDue(context.Background()); fired != 0 {
		t.Fatalf("%d steps fired twice", fired)
	}
	// The chain goes on a full window after the late step, one step per
	// window, not in a burst.
	h.fireUntil(t0.Add(10 * time.Hour))
	var at []string
	for _, m := range h.events("breach") {
		at = append(at, m.CreatedAt.Sub(t0).String())
	}
	if got := strings.Join(at, " "); got != "9h10m0s 9h40m0s" {
		t.Fatalf("breach mails at %s", got)
	}
	// The next status check keeps the original 4-hour grid: +12h.
	h.fireUntil(t0.Add(12*time.Hour + time.Minute))
	checks := h.events("status-check")
	if len(checks) != 2 || checks[1].CreatedAt.Sub(t0) != 12*time.Hour {
		t.Fatalf("status checks: %d, last at %v", len(checks), checks[len(checks)-1].CreatedAt.Sub(t0))
	}
}

func reply(caseThread, from, subject, body string) string {
	return fmt.Sprintf(`From: %s
To: escalations@craudiovizai.com
Subject: %s
Message-ID: <reply-%d@mail.example>
In-Reply-To: <%s>
References: <%s>
Content-Type: text/plain; charset=utf-8

%s
`, from, subject, time.Now().UnixNano(), caseThread, caseThread, body)
}

func TestReplyCommands(t *testing.T) {
	h := newHarness(t)
	m, _ := h.deliver("escalations", escalation("TCK-10", "High", ""))
	c, _ := h.st.Case(context.Background(), m.CaseID)
	team := "senior-support@craudiovizai.com"
	step := func(from, body string) *store.Case {
		t.Helper()
		h.clk.Advance(time.Minute)
		r, _ := h.deliver("escalations", reply(c.ThreadID, from, "Re: ESCALATION: [TCK-10] [High] Export broken", body))
		if r.Disposition != "reply" || r.CaseID != c.ID {
			t.Fatalf("reply from %s handled as %+v", from, r)
		}
		got, _ := h.st.Case(context.Background(), c.ID)
		return got
	}
	// An outsider's reply is recorded and changes nothing.
	if got := step("stranger@outside.example", "ACK"); got.State != store.CaseOpen {
		t.Fatalf("outsider acknowledged: %+v", got)
	}
	// The agent's ACK does not acknowledge for the team.
	if got := step("alice.agent@craudiovizai.com", "ACK"); got.State != store.CaseOpen {
		t.Fatalf("agent acknowledged: %+v", got)
	}
	// Free text from the team is a comment: only a command acknowledges.
	if got := step(team, "Looking into it now."); got.State != store.CaseOpen {
		t.Fatalf("a comment acknowledged the case: %+v", got)
	}
	got := step(team, "ACK")
	if got.State != store.CaseAcknowledged || got.AcknowledgedBy != team {
		t.Fatalf("the team's ACK did not acknowledge: %+v", got)
	}
	if got = step(team, "URGENCY critical"); got.Urgency != "critical" {
		t.Fatalf("urgency: %+v", got)
	}
	if got = step(team, "URGENCY whenever"); got.Urgency != "critical" {
		t.Fatalf("invalid urgency applied: %+v", got)
	}
	if got = step(team, "REASSIGN engineering"); got.Team != "engineering" || got.State != store.CaseOpen {
		t.Fatalf("reassign: %+v", got)
	}
	// Routed three times: to senior support, to the on-call engineer and
	// management when the urgency was raised to Critical, to engineering.
	routed := h.events("routed")
	if len(routed) != 3 || !slices.Contains(routed[1].RcptTo, "roy@craudiovizai.com") ||
		!slices.Equal(routed[2].RcptTo, []string{"engineering@craudiovizai.com"}) {
		t.Fatalf("routed mails: %d", len(routed))
	}
	if got = step(team, "REASSIGN nobody-team"); got.Team != "engineering" {
		t.Fatalf("reassign to an unknown team applied: %+v", got)
	}
	if got = step("engineering@craudiovizai.com", "RESOLVED fixed in 2.3.1"); got.State != store.CaseResolved || got.Resolution != "fixed in 2.3.1" {
		t.Fatalf("resolve: %+v", got)
	}
	if len(h.events("resolved")) != 1 || len(h.events("thanks")) != 1 {
		t.Fatalf("resolution mails: %d resolved, %d thanks", len(h.events("resolved")), len(h.events("thanks")))
	}
	tx := 0
	_ = h.st.InTx(context.Background(), func(t *store.Tx) error { p, err := t.PendingTimers(c.ID); tx = len(p); return err })
	if tx != 0 {
		t.Fatalf("%d timers still pending after RESOLVED", tx)
	}
	if got = step("alice.agent@craudiovizai.com", "REOPEN customer says it is back"); got.State != store.CaseOpen {
		t.Fatalf("reopen: %+v", got)
	}
	evs, _ := h.st.Events(context.Background(), c.ID)
	var types []string
	for _, e := range evs {
		types = append(types, string(e.Type))
	}
	for _, want := range []string{"opened", "routed", "comment", "acknowledged", "urgency-changed", "reassigned", "resolved", "reopened"} {
		if !strings.Contains(strings.Join(types, " "), want) {
			t.Errorf("audit trail lacks %q: %v", want, types)
		}
	}
}

// A reply found by the ticket in its subject (no References) counts too;
// an auto-reply to routed mail changes nothing.
func TestReplyBySubjectAndAutoReply(t *testing.T) {
	h := newHarness(t)
	m, _ := h.deliver("escalations", escalation("TCK-11", "High", ""))
	ooo := `From: senior-support@craudiovizai.com
To: escalations@craudiovizai.com
Subject: Automatic reply: ESCALATION: [TCK-11] [High] Export broken
Auto-Submitted: auto-replied
Message-ID: <ooo-11@x>

Out of office.
`
	h.deliver("escalations", ooo)
	c, _ := h.st.Case(context.Background(), m.CaseID)
	if c.State != store.CaseOpen {
		t.Fatalf("an auto-reply acknowledged the case: %+v", c)
	}
	bySubject := `From: senior-support@craudiovizai.com
To: escalations@craudiovizai.com
Subject: RE: ESCALATION: [TCK-11] [High] Export broken
Message-ID: <ack-11@x>

ACK
`
	// A reply found by its subject alone (anyone can write a subject) is
	// on the case but may not command: the sender is told why.
	r, _ := h.deliver("escalations", bySubject)
	c, _ = h.st.Case(context.Background(), m.CaseID)
	if r.Disposition != "reply" || r.CaseID != c.ID || c.State != store.CaseOpen {
		t.Fatalf("reply by subject: %+v, case %+v", r, c)
	}
	if errs := h.events(vocab.EventCommandError); len(errs) != 1 || !strings.Contains(string(errs[0].Raw), "unknown thread") {
		t.Fatalf("command-error mails: %d", len(errs))
	}
	h.deliver("escalations", reply(c.ThreadID, "senior-support@craudiovizai.com", "RE: ESCALATION: [TCK-11] [High] Export broken", "ACK"))
	if c, _ = h.st.Case(context.Background(), m.CaseID); c.State != store.CaseAcknowledged {
		t.Fatalf("threaded ACK: %+v", c)
	}
}

// With status-check hours, a check falling due at night waits for the
// morning; breaches are never held.
func TestStatusChecksWaitForTheirHours(t *testing.T) {
	h := newHarness(t)
	var quiet config.Hours
	if err := yaml.Unmarshal([]byte(`{days: [mon-fri], start: "08:00", end: "18:00", timezone: America/New_York}`), &quiet); err != nil {
		t.Fatal(err)
	}
	h.cfg.SLA.StatusCheckHours = &quiet
	// Friday 2026-11-27 16:00 New York: the first check (+4h) is at 20:00.
	h.restart(time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC))
	h.deliver("escalations", escalation("TCK-12", "High", ""))
	h.fireUntil(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	checks := h.events("status-check")
	ny, _ := time.LoadLocation("America/New_York")
	if len(checks) == 0 || !checks[0].CreatedAt.Equal(time.Date(2026, 11, 30, 8, 0, 0, 0, ny)) {
		t.Fatalf("first status check at %v, want Monday 08:00 New York", checks)
	}
	if b := h.events("breach"); len(b) == 0 || b[0].CreatedAt.Sub(time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC)) != 30*time.Minute {
		t.Fatalf("the breach was held: %v", b)
	}
}

// A step that cannot be done (here: a template override that fails on real
// data) is recorded on its case and skipped; other cases' steps still fire.
func TestFailingStepDoesNotBlockOthers(t *testing.T) {
	h := newHarness(t)
	h.deliver("escalations", escalation("TCK-30", "High", ""))
	h.deliver("escalations", escalation("TCK-31", "High", ""))
	dir := t.TempDir()
	// Fails for TCK-30 only: index out of range on a one-element slice.
	src := `{{define "subject"}}SLA BREACH [{{.Case.Ticket}}]{{if eq .Case.Ticket "TCK-30"}}{{index .Routing.Teams 5}}{{end}}{{end}}{{define "body"}}x{{end}}`
	if err := os.WriteFile(filepath.Join(dir, "breach.tmpl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	h.eng.tpl = tpl
	h.fireUntil(t0.Add(31 * time.Minute))
	var tickets []string
	for _, m := range h.events("breach") {
		tickets = append(tickets, strings.Fields(m.Subject)[2])
	}
	if strings.Join(tickets, ",") != "[TCK-31]" {
		t.Fatalf("breach mails for %v, want only [TCK-31]", tickets)
	}
	evs, _ := h.st.Events(context.Background(), 1)
	found := false
	for _, e := range evs {
		if e.Type == "step-failed" && strings.Contains(e.Detail, "breach step 1") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no step-failed event on the failing case: %+v", evs)
	}
}

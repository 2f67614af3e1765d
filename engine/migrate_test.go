package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"escalationd/store"
	"escalationd/vocab"
)

// A database made by the release before the decision columns migrates and
// keeps working: a team reply acknowledges a migrated case, a reassignment
// reaches the new team, and the clock of a reopened case fires in its own
// epoch without repeating a step.
func TestReleaseDatabaseKeepsWorking(t *testing.T) {
	h := newHarness(t)
	b, err := os.ReadFile("../store/testdata/release-0.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "release-0.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h.st = st
	// The fixture's clock stopped about four hours after 2026-11-27 15:00.
	h.restart(t0.Add(5 * time.Hour))
	ctx := context.Background()
	cases, err := st.Cases(ctx, store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byTicket := map[string]*store.Case{}
	for _, c := range cases {
		byTicket[c.Ticket] = c
	}
	tck1, tck2, tck3 := byTicket["TCK-1"], byTicket["TCK-2"], byTicket["TCK-3"]
	h.uid = 100
	// The on-call engineer who got TCK-2's routed mail acknowledges it.
	r, _ := h.deliver("escalations", reply(tck2.ThreadID, "alex.rivera@craudiovizai.com", "Re: ESCALATION: [TCK-2]", "ACK on it"))
	got, _ := st.Case(ctx, tck2.ID)
	if r.CaseID != tck2.ID || got.State != store.CaseAcknowledged {
		t.Fatalf("ACK on a migrated case: message %+v, case %+v", r, got)
	}
	// TCK-3 was reassigned once before the upgrade; a second reassignment
	// is numbered after it and reaches the new team.
	before := len(h.events(vocab.EventRouted))
	h.deliver("escalations", reply(tck3.ThreadID, "engineering@craudiovizai.com", "Re: ESCALATION: [TCK-3]", "REASSIGN senior_support"))
	got, _ = st.Case(ctx, tck3.ID)
	if got.Team != "senior_support" || got.Reassignments != 2 || len(h.events(vocab.EventRouted)) != before+1 {
		t.Fatalf("reassign on a migrated case: %+v, %d routed mails (was %d)", got, len(h.events(vocab.EventRouted)), before)
	}
	// TCK-1 (reopened before the upgrade) keeps firing its steps, once each.
	h.fireUntil(h.clk.Now().Add(48 * time.Hour))
	timers, err := st.Timers(ctx, tck1.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[3]any]bool{}
	fired := 0
	for _, tm := range timers {
		k := [3]any{tm.Kind, tm.Epoch, tm.Step}
		if seen[k] {
			t.Errorf("step %v twice", k)
		}
		seen[k] = true
		if tm.State == store.TimerFired && tm.DueAt.After(t0.Add(5*time.Hour)) {
			fired++
		}
	}
	if fired == 0 {
		t.Error("no step of the migrated case fired after the upgrade")
	}
	keys := map[string]bool{}
	for _, m := range h.mail() {
		if keys[m.DedupKey] {
			t.Errorf("dedup key %s twice", m.DedupKey)
		}
		keys[m.DedupKey] = true
	}
}

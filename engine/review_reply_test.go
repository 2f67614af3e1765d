package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"escalationd/store"
	"escalationd/vocab"
)

// caseStep delivers one reply on c's thread and returns the case after it.
func (h *harness) caseStep(c *store.Case, from, body string) *store.Case {
	h.t.Helper()
	h.clk.Advance(time.Minute)
	r, _ := h.deliver("escalations", reply(c.ThreadID, from, "Re: ESCALATION: ["+c.Ticket+"] [High] Export broken", body))
	if r.Disposition != "reply" || r.CaseID != c.ID {
		h.t.Fatalf("reply from %s handled as %+v", from, r)
	}
	got, err := h.st.Case(context.Background(), c.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return got
}

func TestResolvedStoresTheRootCause(t *testing.T) {
	for _, tc := range []struct{ body, note, cause string }{
		// A configured tag, however it is written, is stored as the tag.
		{"RESOLVED restarted the export worker\n\nRoot cause: Product bug\n", "restarted the export worker", "product-bug"},
		{"RESOLVED explained the setting. Root cause: training", "explained the setting", "training"},
		// Another cause is kept as written.
		{"RESOLVED replaced the disk\nroot cause - failing disk on db2.", "replaced the disk", "failing disk on db2"},
		{"RESOLVED fixed", "fixed", ""},
	} {
		h := newHarness(t)
		m, _ := h.deliver("escalations", escalation("TCK-20", "High", ""))
		c, _ := h.st.Case(context.Background(), m.CaseID)
		got := h.caseStep(c, "senior-support@craudiovizai.com", tc.body)
		if got.State != store.CaseResolved || got.Resolution != tc.note || got.RootCause != tc.cause {
			t.Errorf("%q: state %s, resolution %q, root cause %q; want %q, %q", tc.body, got.State, got.Resolution, got.RootCause, tc.note, tc.cause)
		}
		res := h.events(vocab.EventResolved)
		if len(res) != 1 || !strings.Contains(string(res[0].Raw), "CSAT") {
			t.Errorf("%q: the resolution mail does not ask for CSAT", tc.body)
		}
		if tc.cause != "" && !strings.Contains(string(res[0].Raw), "Root cause: "+tc.cause) {
			t.Errorf("%q: the resolution mail does not name the root cause", tc.body)
		}
	}
}

func TestCSATIsStoredFromTheAgentOrTheTeamOnly(t *testing.T) {
	h := newHarness(t)
	m, _ := h.deliver("escalations", escalation("TCK-21", "High", ""))
	c, _ := h.st.Case(context.Background(), m.CaseID)
	agent, team := "alice.agent@craudiovizai.com", "senior-support@craudiovizai.com"
	// Not before the resolution.
	if got := h.caseStep(c, agent, "CSAT 4"); got.CSAT != 0 {
		t.Fatalf("CSAT stored on an open case: %+v", got)
	}
	h.caseStep(c, team, "RESOLVED fixed")
	errorsBefore := len(h.events(vocab.EventCommandError))
	if got := h.caseStep(c, agent, "CSAT 4"); got.CSAT != 4 {
		t.Fatalf("the agent's CSAT 4 stored %d", got.CSAT)
	}
	// Out of range: not stored, the agent is told (command errors are
	// rate limited to one an hour per sender and case).
	h.clk.Advance(time.Hour)
	if got := h.caseStep(c, agent, "CSAT 9"); got.CSAT != 4 {
		t.Fatalf("CSAT 9 stored %d", got.CSAT)
	}
	errs := h.events(vocab.EventCommandError)
	if len(errs) != errorsBefore+1 || !strings.Contains(string(errs[len(errs)-1].Raw), "from 1") {
		t.Fatalf("command errors: %d before, %d after", errorsBefore, len(errs))
	}
	// An outsider and another colleague may not score the case.
	if got := h.caseStep(c, "stranger@outside.example", "CSAT 1"); got.CSAT != 4 {
		t.Fatalf("an outsider's CSAT stored %d", got.CSAT)
	}
	if got := h.caseStep(c, "bob.other@craudiovizai.com", "CSAT 1"); got.CSAT != 4 {
		t.Fatalf("another colleague's CSAT stored %d", got.CSAT)
	}
	// The owning team may correct it.
	if got := h.caseStep(c, team, "CSAT 5/5"); got.CSAT != 5 {
		t.Fatalf("the team's CSAT stored %d", got.CSAT)
	}
	evs, err := h.st.Events(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Type == vocab.EventSatisfaction {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d satisfaction events, want 2", n)
	}
}

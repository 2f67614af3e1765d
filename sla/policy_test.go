package sla

import (
	"testing"
	"time"

	"escalationd/config"
)

func TestNextBoundaryCollapsesMissedIntervals(t *testing.T) {
	anchor := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		now  time.Duration
		minK int
		k    int
	}{
		{0, 1, 1},                // on time: the next one
		{3 * time.Hour, 1, 1},    // before the first boundary
		{4 * time.Hour, 1, 2},    // exactly on a boundary: strictly after
		{9 * time.Hour, 1, 3},    // two missed: collapse to +12h
		{-time.Hour, 1, 1},       // anchor in the future
		{30 * time.Minute, 5, 5}, // minK wins
	} {
		k, due := NextBoundary(anchor, 4*time.Hour, tt.minK, anchor.Add(tt.now))
		if k != tt.k || !due.Equal(anchor.Add(time.Duration(tt.k)*4*time.Hour)) {
			t.Errorf("now +%v minK %d: k=%d due=%v, want k=%d", tt.now, tt.minK, k, due, tt.k)
		}
	}
}

func TestBreachChain(t *testing.T) {
	cfg := &config.Config{}
	cfg.ApplyDefaults()
	u := cfg.SLA.Urgencies["medium"]
	u.Chain = []string{"senior_support", "management"}
	cfg.SLA.Urgencies["medium"] = u
	p, err := NewPolicy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []BreachStep{
		{Level: 1, Team: "senior_support", Of: 3},
		{Level: 2, Team: "management", Of: 3},
		{Level: 3, Team: "management", Reminder: 1, Of: 3},
		{Level: 4, Team: "management", Reminder: 2, Of: 3},
		{Level: 5, Team: "management", Reminder: 3, Of: 3},
	}
	for _, w := range want {
		got, ok := p.Breach("medium", w.Level)
		if !ok || got != w {
			t.Errorf("level %d: %+v %v, want %+v", w.Level, got, ok, w)
		}
	}
	if _, ok := p.Breach("medium", 6); ok {
		t.Error("a step past the last reminder")
	}
	// No chain: the assigned team itself is reminded.
	if s, ok := p.Breach("low", 1); !ok || s.Team != "" || s.Reminder != 0 {
		t.Errorf("empty chain step 1: %+v", s)
	}
	// A case's own chain and top reminders replace the urgency's; the
	// urgency keeps the rhythm.
	own := []string{"senior_support", "lead:senior_support"}
	if s, ok := p.BreachFor("medium", own, 1, 2); !ok || s.Team != "lead:senior_support" || s.Of != 1 {
		t.Errorf("own chain step 2: %+v %v", s, ok)
	}
	if s, ok := p.BreachFor("medium", own, 1, 3); !ok || s.Reminder != 1 {
		t.Errorf("own chain step 3: %+v %v", s, ok)
	}
	if _, ok := p.BreachFor("medium", own, 1, 4); ok {
		t.Error("a step past the case's own last reminder")
	}
	if got := p.StepsFor("medium", []string{}, 0); got != 1 {
		t.Errorf("empty own chain, no reminders: %d steps, want 1", got)
	}
	if s, _ := p.BreachFor("medium", nil, -1, 2); s.Team != "management" {
		t.Errorf("nil chain is the urgency's: %+v", s)
	}
	if p.NextBreachFor("medium", own, 1, 1) != p.Response("medium") {
		t.Error("the rhythm is the urgency's response time")
	}
}

// Status checks wait over the company's holidays as over a night: the
// policy merges them into status_check_hours.
func TestStatusCheckHoursHolidays(t *testing.T) {
	h := mustHours(t, []string{"mon-fri"}, "08:00", "20:00", "America/New_York")
	cfg := &config.Config{Holidays: mustDates(t, "2026-11-26")}
	cfg.SLA.StatusCheckHours = &h
	p, err := NewPolicy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	for in, want := range map[time.Time]time.Time{
		time.Date(2026, 11, 25, 21, 0, 0, 0, ny): time.Date(2026, 11, 27, 8, 0, 0, 0, ny), // Wednesday night → Friday, past Thanksgiving
		time.Date(2026, 11, 26, 11, 0, 0, 0, ny): time.Date(2026, 11, 27, 8, 0, 0, 0, ny), // on Thanksgiving
		time.Date(2026, 11, 27, 8, 0, 0, 0, ny):  time.Date(2026, 11, 27, 8, 0, 0, 0, ny),
	} {
		if got := p.StatusCheckDue(in); !got.Equal(want) {
			t.Errorf("StatusCheckDue(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestStatusCheckHoursDefer(t *testing.T) {
	h, err := NewHours(mustHours(t, []string{"mon-fri"}, "08:00", "20:00", "America/New_York"))
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	for in, want := range map[time.Time]time.Time{
		time.Date(2026, 11, 27, 10, 0, 0, 0, ny): time.Date(2026, 11, 27, 10, 0, 0, 0, ny), // Friday, in hours
		time.Date(2026, 11, 27, 22, 0, 0, 0, ny): time.Date(2026, 11, 30, 8, 0, 0, 0, ny),  // Friday night → Monday
		time.Date(2026, 11, 30, 6, 0, 0, 0, ny):  time.Date(2026, 11, 30, 8, 0, 0, 0, ny),  // Monday early
		time.Date(2026, 3, 7, 12, 0, 0, 0, ny):   time.Date(2026, 3, 9, 8, 0, 0, 0, ny),    // across the DST change
	} {
		if got := h.NextIn(in); !got.Equal(want) {
			t.Errorf("NextIn(%v) = %v, want %v", in, got, want)
		}
	}
}

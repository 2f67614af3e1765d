package sla

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"escalationd/config"
)

var people = []config.Person{
	{Name: "Alex Rivera", Address: "alex@example.com"},
	{Name: "Blake Chen", Address: "blake@example.com"},
	{Name: "Casey Morgan", Address: "casey@example.com"},
}

func testRotation() config.Rotation {
	return config.Rotation{
		Name: "eng", Timezone: must(config.ParseZone("America/New_York")),
		Start: must(config.ParseDate("2025-11-24")), HandoffDay: must(config.ParseWeekday("monday")), HandoffTime: must(config.ParseClock("09:00")),
		People: people,
		Overrides: []config.Override{
			// Spans the fall-back change (Nov 1, 2026).
			{Start: local("2026-10-30 18:00"), End: local("2026-11-02 09:00"), Person: "Casey Morgan", Reason: "swap"},
			// An address outside the rotation.
			{Start: local("2026-12-24 18:00"), End: local("2026-12-28 09:00"), Person: "holiday@example.com", Reason: "holiday"},
			// Adjacent to the previous one; same person as the week it ends in.
			{Start: local("2026-12-28 09:00"), End: local("2026-12-29 09:00"), Person: "alex@example.com"},
			// Spans the spring-forward change (Mar 8, 2026), ends mid-week.
			{Start: local("2026-03-07 00:00"), End: local("2026-03-10 12:00"), Person: "Blake Chen"},
		},
	}
}

// must is for test values written correctly.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func local(s string) config.LocalTime { return must(config.ParseLocalTime(s)) }

func TestOnCallExamples(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	rot, err := NewRotation(testRotation())
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ny) }
	tests := []struct {
		name  string
		at    time.Time
		who   string
		until time.Time
	}{
		{"first shift starts", at(2025, 11, 24, 9, 0), "alex@example.com", at(2025, 12, 1, 9, 0)},
		{"before the start repeats backward", at(2025, 11, 24, 8, 59), "casey@example.com", at(2025, 11, 24, 9, 0)},
		{"two weeks before", at(2025, 11, 10, 9, 0), "blake@example.com", at(2025, 11, 17, 9, 0)},
		{"second week", at(2025, 12, 1, 9, 0), "blake@example.com", at(2025, 12, 8, 9, 0)},
		{"fourth week wraps", at(2025, 12, 15, 9, 0), "alex@example.com", at(2025, 12, 22, 9, 0)},
		{"override in force", at(2026, 12, 25, 3, 0), "holiday@example.com", at(2026, 12, 28, 9, 0)},
		{"cut short by override", at(2026, 12, 24, 17, 59), "casey@example.com", at(2026, 12, 24, 18, 0)},
		// Dec 28 is Alex's week: the adjacent override for Alex and the
		// week join, so Alex is on call until the next hand-off.
		{"same person joined", at(2026, 12, 28, 9, 0), "alex@example.com", at(2027, 1, 4, 9, 0)},
		{"override across fall-back", at(2026, 11, 1, 1, 30), "casey@example.com", at(2026, 11, 2, 9, 0)},
	}
	gap := testRotation()
	gap.Start, gap.HandoffDay, gap.HandoffTime, gap.Overrides = must(config.ParseDate("2026-03-01")), must(config.ParseWeekday("sunday")), must(config.ParseClock("02:30")), nil
	gapRot, err := NewRotation(gap)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := gapRot.Handoff(1).Format(time.RFC3339), "2026-03-08T03:30:00-04:00"; got != want {
		t.Errorf("hand-off in the spring-forward gap = %s, want %s", got, want)
	}
	for _, tt := range tests {
		p, until := rot.OnCall(tt.at)
		if p.Address != tt.who || !until.Equal(tt.until) {
			t.Errorf("%s: OnCall(%s) = %s until %s, want %s until %s", tt.name, tt.at, p.Address, until, tt.who, tt.until)
		}
	}
}

func TestOnCallFarAway(t *testing.T) {
	rot, err := NewRotation(testRotation())
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{{}, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2400, 6, 1, 0, 0, 0, 0, time.UTC)} {
		k := rot.Week(at)
		if rot.Handoff(k).After(at) || !rot.Handoff(k+1).After(at) {
			t.Errorf("Week(%s) = %d: hand-offs %s and %s do not bracket it", at, k, rot.Handoff(k), rot.Handoff(k+1))
		}
		if p, until := rot.OnCall(at); p.Address == "" || !until.After(at) {
			t.Errorf("OnCall(%s) = %v until %s", at, p, until)
		}
	}
}

func TestOnCallOnePerson(t *testing.T) {
	r := testRotation()
	r.People = people[:1]
	r.Overrides = nil
	rot, err := NewRotation(r)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC)
	p, until := rot.OnCall(at)
	if p.Address != "alex@example.com" || !until.Equal(rot.Handoff(rot.Week(at)+1)) {
		t.Errorf("OnCall = %v until %s", p, until)
	}
}

// TestRotationYear walks every 15 minutes of 2026 and checks OnCall
// against a timeline built independently: hand-offs found by walking local
// dates forward from the start, overrides applied by a linear scan.
func TestRotationYear(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*config.Rotation)
	}{
		{"monday 09:00 with overrides", func(*config.Rotation) {}},
		// 02:30 on a Sunday does not exist on Mar 8, 2026 and happens twice
		// on Nov 1, 2026.
		{"sunday 02:30 in the DST gap", func(r *config.Rotation) {
			r.Start, r.HandoffDay, r.HandoffTime, r.Overrides = must(config.ParseDate("2025-11-23")), must(config.ParseWeekday("sunday")), must(config.ParseClock("02:30")), nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testRotation()
			tc.mod(&cfg)
			checkYear(t, cfg)
		})
	}
}

type change struct {
	at      time.Time
	address string
}

func checkYear(t *testing.T, cfg config.Rotation) {
	rot, err := NewRotation(cfg)
	if err != nil {
		t.Fatal(err)
	}
	loc := mustLoc(t, cfg.Timezone.String())
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	to := time.Date(2027, 1, 1, 0, 0, 0, 0, loc)
	hh := cfg.HandoffTime.Minutes()

	// Hand-offs: walk the calendar a week at a time from the start date.
	type handoff struct {
		at  time.Time
		idx int
	}
	var handoffs []handoff
	date, _ := time.Parse("2006-01-02", cfg.Start.String())
	for i := 0; ; i++ {
		at := time.Date(date.Year(), date.Month(), date.Day(), hh/60, hh%60, 0, 0, loc)
		if at.Hour() != hh/60 || at.Minute() != hh%60 {
			// In the spring-forward gap (one hour in New York) the hand-off
			// moves forward by the gap: 02:30 EST, which reads 03:30 EDT.
			at = time.Date(date.Year(), date.Month(), date.Day(), hh/60, hh%60, 0, 0, time.FixedZone("EST", -5*3600))
		}
		handoffs = append(handoffs, handoff{at, i % len(cfg.People)})
		if at.After(to.AddDate(0, 0, 21)) {
			break
		}
		date = date.AddDate(0, 0, 7)
	}
	// Weeks spanning a DST change last 167 or 169 hours.
	lengths := map[time.Duration]int{}
	for i := 1; i < len(handoffs); i++ {
		lengths[handoffs[i].at.Sub(handoffs[i-1].at)]++
	}
	if lengths[167*time.Hour] != 1 || lengths[169*time.Hour] != 1 || len(lengths) != 3 {
		t.Errorf("week lengths = %v, want one 167h, one 169h, the rest 168h", lengths)
	}

	expected := func(at time.Time) string {
		for _, o := range cfg.Overrides {
			s := o.Start.In(loc)
			e := o.End.In(loc)
			if !at.Before(s) && at.Before(e) {
				p, _ := cfg.PersonFor(o.Person)
				return p.Address
			}
		}
		who := ""
		for _, h := range handoffs {
			if h.at.After(at) {
				break
			}
			who = cfg.People[h.idx].Address
		}
		return who
	}
	// Every instant where the assignment may change, then only the real
	// changes of person.
	var bounds []time.Time
	for _, h := range handoffs {
		bounds = append(bounds, h.at)
	}
	for _, o := range cfg.Overrides {
		s := o.Start.In(loc)
		e := o.End.In(loc)
		bounds = append(bounds, s, e)
	}
	slices.SortFunc(bounds, func(a, b time.Time) int { return a.Compare(b) })
	var changes []change
	for _, b := range bounds {
		who := expected(b)
		if len(changes) == 0 || changes[len(changes)-1].address != who {
			changes = append(changes, change{b, who})
		}
	}

	n := 0
	for at := from; at.Before(to); at = at.Add(15 * time.Minute) {
		n++
		i := slices.IndexFunc(changes, func(c change) bool { return c.at.After(at) })
		if i <= 0 {
			t.Fatalf("timeline does not cover %s", at)
		}
		want, wantUntil := changes[i-1].address, changes[i].at
		p, until := rot.OnCall(at)
		if p.Address != want || !until.Equal(wantUntil) {
			t.Fatalf("OnCall(%s) = %s until %s; want %s until %s", at, p.Address, until, want, wantUntil)
		}
		if !until.After(at) {
			t.Fatalf("OnCall(%s): until %s is not after t", at, until)
		}
		if until.Location().String() != loc.String() {
			t.Fatalf("until %s not in the rotation's zone", until)
		}
	}
	if n < 365*96 {
		t.Fatalf("checked only %d instants", n)
	}
}

func TestNewRotationRejects(t *testing.T) {
	// A value that does not parse never reaches NewRotation: the config
	// rejects it at its line. Either way the rotation is refused.
	for name, mod := range map[string]func(*config.Rotation) error{
		"no people":      func(r *config.Rotation) error { r.People = nil; return nil },
		"start weekday":  func(r *config.Rotation) (err error) { r.Start, err = config.ParseDate("2025-11-25"); return },
		"bad zone":       func(r *config.Rotation) (err error) { r.Timezone, err = config.ParseZone("Nowhere/Land"); return },
		"no zone":        func(r *config.Rotation) error { r.Timezone = config.Zone{}; return nil },
		"bad handoff":    func(r *config.Rotation) (err error) { r.HandoffTime, err = config.ParseClock("24:00"); return },
		"unknown person": func(r *config.Rotation) error { r.Overrides[0].Person = "Nobody"; return nil },
		"reversed":       func(r *config.Rotation) error { r.Overrides[0].End = local("2026-10-01 00:00"); return nil },
		"overlap": func(r *config.Rotation) error {
			r.Overrides = append(r.Overrides, config.Override{Start: local("2026-11-01 00:00"), End: local("2026-11-05 00:00"), Person: "Alex Rivera"})
			return nil
		},
	} {
		r := testRotation()
		if err := mod(&r); err != nil {
			continue
		}
		if _, err := NewRotation(r); err == nil {
			t.Errorf("%s: NewRotation accepted it", name)
		}
	}
}

func TestScheduleOnCallJSON(t *testing.T) {
	cfg := &config.Config{Rotations: []config.Rotation{testRotation()}}
	s, err := NewSchedule(cfg)
	if err != nil {
		t.Fatal(err)
	}
	shift, err := s.OnCall("", time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(shift)
	if got, want := string(b), `{"name":"Blake Chen","address":"blake@example.com","until":"2026-11-30T09:00:00-05:00"}`; got != want {
		t.Errorf("JSON = %s\nwant   %s", got, want)
	}
	if _, err := s.OnCall("nope", time.Now()); err == nil {
		t.Error("unknown rotation accepted")
	}
	if _, err := (&Schedule{}).OnCall("", time.Now()); err == nil {
		t.Error("empty schedule accepted")
	}
}

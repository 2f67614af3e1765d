package router

import (
	"slices"
	"testing"
	"time"

	"escalationd/config"
	"escalationd/sla"
)

// TestHelpdeskYear walks every 15 minutes of 2026 (both DST changes) with
// the example config and checks, against expectations computed here from
// the config and t.In(New York) alone:
//   - exactly one person is on call, the one whose week it is (or the
//     override's), until the next change of person, which is after t;
//   - a BUG report goes to engineering exactly in Mon-Fri 09:00-18:00 ET
//     on days that are not company holidays, and to that on-call person
//     otherwise.
func TestHelpdeskYear(t *testing.T) {
	cfg, err := config.Load(examplePath, config.Options{SkipSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := sla.NewSchedule(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rc := cfg.Rotations[0]
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	if rc.Timezone.String() != "America/New_York" || rc.HandoffTime.String() != "09:00" || len(rc.Overrides) == 0 {
		t.Fatalf("the example's rotation changed (%+v): update this test", rc)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, ny)
	to := time.Date(2027, 1, 1, 0, 0, 0, 0, ny)

	// Hand-offs at 09:00 New York, one calendar week apart from the start.
	type turn struct {
		at      time.Time
		address string
	}
	var turns []turn
	day, _ := time.Parse("2006-01-02", rc.Start.String())
	for i := 0; ; i++ {
		at := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, ny)
		turns = append(turns, turn{at, rc.People[i%len(rc.People)].Address})
		if at.After(to.AddDate(0, 1, 0)) {
			break
		}
		day = day.AddDate(0, 0, 7)
	}
	expected := func(at time.Time) string {
		for _, o := range rc.Overrides {
			s := o.Start.In(ny)
			e := o.End.In(ny)
			if !at.Before(s) && at.Before(e) {
				p, _ := rc.PersonFor(o.Person)
				return p.Address
			}
		}
		who := ""
		for _, tn := range turns {
			if !tn.at.After(at) {
				who = tn.address
			}
		}
		return who
	}
	var bounds []time.Time
	for _, tn := range turns {
		bounds = append(bounds, tn.at)
	}
	for _, o := range rc.Overrides {
		s := o.Start.In(ny)
		e := o.End.In(ny)
		bounds = append(bounds, s, e)
	}
	slices.SortFunc(bounds, func(a, b time.Time) int { return a.Compare(b) })
	var changes []turn // instants where the person really changes
	for _, b := range bounds {
		if who := expected(b); len(changes) == 0 || changes[len(changes)-1].address != who {
			changes = append(changes, turn{b, who})
		}
	}

	holidays := map[string]bool{}
	for _, d := range cfg.CompanyHolidays() {
		holidays[d.String()] = true
	}
	bug := Input{Kind: "engineering", Urgency: "high", Mailbox: "escalations", Subject: "BUG - Export fails"}
	var inHours, outHours int
	for at := from; at.Before(to); at = at.Add(15 * time.Minute) {
		i := slices.IndexFunc(changes, func(c turn) bool { return c.at.After(at) })
		if i <= 0 {
			t.Fatalf("expected timeline does not cover %s", at)
		}
		wantWho, wantUntil := changes[i-1].address, changes[i].at

		oncall, err := r.ResolveTeam("oncall", at)
		if err != nil || len(oncall) != 1 || oncall[0].Address != wantWho {
			t.Fatalf("%s: ResolveTeam(oncall) = %+v, %v; want exactly %s", at, oncall, err, wantWho)
		}
		shift, err := sched.OnCall("", at)
		if err != nil || shift.Address != wantWho || !shift.Until.Equal(wantUntil) || !shift.Until.After(at) {
			t.Fatalf("%s: OnCall = %+v, %v; want %s until %s", at, shift, err, wantWho, wantUntil)
		}

		local := at.In(ny)
		open := local.Weekday() >= time.Monday && local.Weekday() <= time.Friday && local.Hour() >= 9 && local.Hour() < 18 &&
			!holidays[local.Format(config.DateLayout)]
		want := wantWho
		if open {
			want = "engineering@craudiovizai.com"
			inHours++
		} else {
			outHours++
		}
		if d := r.Route(bug, at); len(d.To) != 1 || d.To[0] != want || len(d.Cc) != 0 {
			t.Fatalf("%s (%s): bug routed to %v cc %v, want %s", at, local.Format("Mon 15:04 MST"), d.To, d.Cc, want)
		}
	}
	// 2026 has 261 weekdays of 9 hours, 4 samples an hour, and the
	// example closes on 11 federal holidays, all on weekdays.
	if inHours != (261-11)*9*4 || inHours+outHours != 365*24*4 {
		t.Errorf("samples: %d in hours, %d outside", inHours, outHours)
	}
}

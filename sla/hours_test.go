package sla

import (
	"testing"
	"time"

	"escalationd/config"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// hoursOf parses working hours the way the config file does; "" leaves a
// value unset.
func hoursOf(days []string, start, end, zone string) (config.Hours, error) {
	var h config.Hours
	var err error
	if len(days) > 0 {
		if h.Days, err = config.ParseWeekdays(days...); err != nil {
			return h, err
		}
	}
	for _, v := range []struct {
		s    string
		into *config.Clock
	}{{start, &h.Start}, {end, &h.End}} {
		if v.s != "" {
			if *v.into, err = config.ParseClock(v.s); err != nil {
				return h, err
			}
		}
	}
	if zone != "" {
		h.Timezone, err = config.ParseZone(zone)
	}
	return h, err
}

func mustHours(t testing.TB, days []string, start, end, zone string) config.Hours {
	t.Helper()
	h, err := hoursOf(days, start, end, zone)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHoursIn(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	h, err := NewHours(mustHours(t, []string{"mon-fri"}, "09:00", "18:00", "America/New_York"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.String(), "Mon-Fri 09:00-18:00 America/New_York"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	tests := []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 1, 5, 9, 0, 0, 0, ny), true},    // Monday opening, EST
		{time.Date(2026, 1, 5, 8, 59, 59, 0, ny), false}, // a second before
		{time.Date(2026, 1, 5, 17, 59, 59, 0, ny), true},
		{time.Date(2026, 1, 5, 18, 0, 0, 0, ny), false},         // end is exclusive
		{time.Date(2026, 1, 10, 12, 0, 0, 0, ny), false},        // Saturday
		{time.Date(2026, 7, 6, 9, 30, 0, 0, ny), true},          // summer (EDT): still by wall clock
		{time.Date(2026, 7, 6, 13, 30, 0, 0, time.UTC), true},   // 09:30 EDT
		{time.Date(2026, 1, 5, 13, 30, 0, 0, time.UTC), false},  // 08:30 EST
		{time.Date(2026, 1, 5, 14, 0, 0, 0, time.UTC), true},    // 09:00 EST
		{time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC), true},    // 09:00 EDT, the Monday after the spring change
		{time.Date(2026, 11, 2, 13, 30, 0, 0, time.UTC), false}, // 08:30 EST, the Monday after the fall change
	}
	for _, tt := range tests {
		if got := h.In(tt.at); got != tt.want {
			t.Errorf("In(%s) = %v, want %v", tt.at.In(ny).Format(time.RFC1123), got, tt.want)
		}
	}
}

func TestHoursString(t *testing.T) {
	for _, tt := range []struct {
		days []string
		want string
	}{
		{[]string{"mon-fri"}, "Mon-Fri"},
		{[]string{"mon", "wed", "fri"}, "Mon, Wed, Fri"},
		{[]string{"sat", "sunday"}, "Sat-Sun"},
		{[]string{"fri-mon"}, "Mon, Fri-Sun"},
		{[]string{"sun-sat"}, "Mon-Sun"},
	} {
		h, err := NewHours(mustHours(t, tt.days, "00:00", "24:00", "UTC"))
		if err != nil {
			t.Fatal(err)
		}
		if got := h.String(); got != tt.want+" 00:00-24:00 UTC" {
			t.Errorf("%v: String() = %q", tt.days, got)
		}
	}
}

func TestNewHoursRejects(t *testing.T) {
	// A value that does not parse never reaches NewHours: the config
	// rejects it at its line. Either way the hours are refused.
	type hours struct {
		days             []string
		start, end, zone string
	}
	for name, h := range map[string]hours{
		"no zone":    {[]string{"mon"}, "09:00", "18:00", ""},
		"local zone": {[]string{"mon"}, "09:00", "18:00", "Local"},
		"bad zone":   {[]string{"mon"}, "09:00", "18:00", "Mars/Olympus"},
		"no days":    {nil, "09:00", "18:00", "UTC"},
		"bad day":    {[]string{"funday"}, "09:00", "18:00", "UTC"},
		"end first":  {[]string{"mon"}, "18:00", "09:00", "UTC"},
		"empty span": {[]string{"mon"}, "09:00", "09:00", "UTC"},
		"bad clock":  {[]string{"mon"}, "9am", "18:00", "UTC"},
		"hour 25":    {[]string{"mon"}, "09:00", "25:00", "UTC"},
		"no start":   {[]string{"mon"}, "", "18:00", "UTC"},
	} {
		ch, err := hoursOf(h.days, h.start, h.end, h.zone)
		if err == nil {
			_, err = NewHours(ch)
		}
		if err == nil {
			t.Errorf("%s: NewHours accepted %+v", name, h)
		}
	}
}

func mustDates(t testing.TB, days ...string) []config.Date {
	t.Helper()
	var out []config.Date
	for _, s := range days {
		d, err := config.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// A holiday closes the hours all day, by the calendar in their zone, and
// NextIn skips it as it skips a weekend, also across a DST change.
func TestHoursHolidays(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	h := mustHours(t, []string{"mon-fri"}, "09:00", "18:00", "America/New_York")
	h.Holidays = mustDates(t, "2026-11-27") // the team's own: the Friday after
	hs, err := NewHours(h, mustDates(t, "2026-11-26", "2026-03-09", "2026-12-31", "2027-01-01")...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at   time.Time
		in   bool
		next time.Time
	}{
		{time.Date(2026, 11, 26, 11, 0, 0, 0, ny), false, time.Date(2026, 11, 30, 9, 0, 0, 0, ny)},   // Thanksgiving, then the team's Friday
		{time.Date(2026, 11, 25, 17, 59, 0, 0, ny), true, time.Date(2026, 11, 25, 17, 59, 0, 0, ny)}, // the day before
		{time.Date(2026, 11, 25, 18, 0, 0, 0, ny), false, time.Date(2026, 11, 30, 9, 0, 0, 0, ny)},
		{time.Date(2026, 3, 6, 20, 0, 0, 0, ny), false, time.Date(2026, 3, 10, 9, 0, 0, 0, ny)},  // Friday night, DST Sunday, Monday holiday
		{time.Date(2026, 12, 30, 19, 0, 0, 0, ny), false, time.Date(2027, 1, 4, 9, 0, 0, 0, ny)}, // across the new year
	} {
		if got := hs.In(tc.at); got != tc.in {
			t.Errorf("In(%v) = %v, want %v", tc.at, got, tc.in)
		}
		if got := hs.NextIn(tc.at); !got.Equal(tc.next) && tc.in == false {
			t.Errorf("NextIn(%v) = %v, want %v", tc.at, got, tc.next)
		}
	}
	if !hs.Holiday(time.Date(2026, 11, 26, 23, 0, 0, 0, ny)) || hs.Holiday(time.Date(2026, 11, 25, 23, 0, 0, 0, ny)) {
		t.Error("Holiday is not read on New York's calendar")
	}
}

// A rotation of holidays across a year: every second Wednesday of 2026
// closed. Walking the year hour by hour, In is false exactly on those
// days and outside 09:00-18:00, and NextIn always lands on an open instant
// that is the first open hour after t (checked against the walk).
func TestHoursHolidaysAcrossAYear(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	var days []string
	closed := map[string]bool{}
	for d := time.Date(2026, 1, 7, 0, 0, 0, 0, ny); d.Year() == 2026; d = d.AddDate(0, 0, 14) {
		days = append(days, d.Format(config.DateLayout))
		closed[d.Format(config.DateLayout)] = true
	}
	hs, err := NewHours(mustHours(t, []string{"mon-fri"}, "09:00", "18:00", "America/New_York"), mustDates(t, days...)...)
	if err != nil {
		t.Fatal(err)
	}
	var open []time.Time
	for at := time.Date(2026, 1, 1, 0, 0, 0, 0, ny); at.Year() < 2027 || at.In(ny).Month() == time.January && at.In(ny).Day() < 8; at = at.Add(time.Hour) {
		l := at.In(ny)
		want := l.Weekday() >= time.Monday && l.Weekday() <= time.Friday && l.Hour() >= 9 && l.Hour() < 18 && !closed[l.Format(config.DateLayout)]
		if got := hs.In(at); got != want {
			t.Fatalf("In(%s) = %v, want %v", l.Format("Mon 2006-01-02 15:04 MST"), got, want)
		}
		if want {
			open = append(open, at)
		}
	}
	i := 0
	for at := time.Date(2026, 1, 1, 0, 30, 0, 0, ny); at.Year() < 2027; at = at.Add(time.Hour) {
		for open[i].Before(at) {
			i++
		}
		got, want := hs.NextIn(at), open[i]
		if hs.In(at) {
			want = at
		} else if open[i].In(ny).Hour() != 9 {
			t.Fatalf("first open hour after %s is %s, not an opening", at, open[i])
		}
		if !got.Equal(want) {
			t.Fatalf("NextIn(%s) = %s, want %s", at.In(ny), got.In(ny), want.In(ny))
		}
	}
}

package config

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestScheduleValuesParse(t *testing.T) {
	var h Hours
	doc := `{days: [mon-wed, fri, sat-sun], start: "09:30", end: "24:00", timezone: Europe/Berlin}`
	if err := yaml.Unmarshal([]byte(doc), &h); err != nil {
		t.Fatal(err)
	}
	for d, want := range []bool{true, true, true, true, false, true, true} { // Sunday first
		if h.Days.Has(time.Weekday(d)) != want {
			t.Errorf("%s: in days = %v", time.Weekday(d), !want)
		}
	}
	if h.Start.Minutes() != 9*60+30 || h.End.Minutes() != 24*60 || h.Timezone.String() != "Europe/Berlin" || h.Timezone.Location() == nil {
		t.Errorf("hours = %+v", h)
	}
	// Written back as read, for the effective config.
	out, err := yaml.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), "days:\n    - mon-wed\n    - fri\n    - sat-sun\nstart: \"09:30\"\nend: \"24:00\"\ntimezone: Europe/Berlin\n"; got != want {
		t.Errorf("marshalled:\n%s\nwant:\n%s", got, want)
	}

	var r Rotation
	doc = `{timezone: America/New_York, start: "2026-01-05", handoff_day: Monday, handoff_time: "09:00",
  overrides: [{start: "2026-03-08 02:30", end: "2026-03-09 09:00", person: x@example.com}]}`
	if err := yaml.Unmarshal([]byte(doc), &r); err != nil {
		t.Fatal(err)
	}
	if y, m, d := r.Start.YMD(); y != 2026 || m != time.January || d != 5 || r.Start.Weekday() != time.Monday {
		t.Errorf("start = %v", r.Start)
	}
	if r.HandoffDay.Weekday() != time.Monday || r.HandoffDay.IsZero() || r.HandoffTime.String() != "09:00" {
		t.Errorf("hand-off = %v %v", r.HandoffDay, r.HandoffTime)
	}
	// A local time is read in the zone it is used with, when it is used.
	ny := r.Timezone.Location()
	if got := r.Overrides[0].End.In(ny); !got.Equal(time.Date(2026, 3, 9, 9, 0, 0, 0, ny)) {
		t.Errorf("override end = %v", got)
	}
	if got := r.Overrides[0].Start.In(time.UTC); !got.Equal(time.Date(2026, 3, 8, 2, 30, 0, 0, time.UTC)) {
		t.Errorf("override start in UTC = %v", got)
	}
}

func TestScheduleValuesZero(t *testing.T) {
	var r Rotation
	if !r.Timezone.IsZero() || !r.Start.IsZero() || !r.HandoffDay.IsZero() || !r.HandoffTime.IsZero() {
		t.Error("zero values are not IsZero")
	}
	if c, _ := ParseClock("00:00"); c.IsZero() {
		t.Error("00:00 is a written time, not an unset one")
	}
	if d, _ := ParseWeekday("sun"); d.IsZero() {
		t.Error("Sunday is a written day, not an unset one")
	}
}

func TestScheduleValuesRejected(t *testing.T) {
	for _, tt := range []struct {
		parse func(string) error
		in    string
		want  string
	}{
		{zone, "", `invalid time zone "": use an IANA name such as America/New_York`},
		{zone, "Local", `invalid time zone "Local": use an IANA name such as America/New_York`},
		{zone, "EST5", `invalid time zone "EST5": use an IANA name such as America/New_York`},
		{clock, "9am", `invalid time of day "9am" (use HH:MM)`},
		{clock, "24:30", `invalid time of day "24:30" (use HH:MM)`},
		{clock, "9:00", `invalid time of day "9:00" (use HH:MM)`},
		{day, "fry", `invalid weekday "fry" (use mon, tue, ... or monday, ...)`},
		{day, "mo", `invalid weekday "mo" (use mon, tue, ... or monday, ...)`},
		{day, "mondays", `invalid weekday "mondays" (use mon, tue, ... or monday, ...)`},
		{days, "", "days is empty: list weekdays such as [mon-fri]"},
		{days, "mon-fry", `invalid weekday "fry" (use mon, tue, ... or monday, ...)`},
		{date, "05.01.2026", `invalid date "05.01.2026" (use YYYY-MM-DD)`},
		{local, "28/12/2026 9am", `invalid local time "28/12/2026 9am" (use YYYY-MM-DD HH:MM)`},
	} {
		if err := tt.parse(tt.in); err == nil || err.Error() != tt.want {
			t.Errorf("%q: got %v, want %s", tt.in, err, tt.want)
		}
	}
}

func zone(s string) error  { _, err := ParseZone(s); return err }
func clock(s string) error { _, err := ParseClock(s); return err }
func day(s string) error   { _, err := ParseWeekday(s); return err }
func date(s string) error  { _, err := ParseDate(s); return err }
func local(s string) error { _, err := ParseLocalTime(s); return err }
func days(s string) error {
	var list []string
	if s != "" {
		list = strings.Split(s, ",")
	}
	_, err := ParseWeekdays(list...)
	return err
}

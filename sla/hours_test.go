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

func TestHoursIn(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	h, err := NewHours(config.Hours{Days: []string{"mon-fri"}, Start: "09:00", End: "18:00", Timezone: "America/New_York"})
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
		h, err := NewHours(config.Hours{Days: tt.days, Start: "00:00", End: "24:00", Timezone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		if got := h.String(); got != tt.want+" 00:00-24:00 UTC" {
			t.Errorf("%v: String() = %q", tt.days, got)
		}
	}
}

func TestNewHoursRejects(t *testing.T) {
	for name, h := range map[string]config.Hours{
		"no zone":    {Days: []string{"mon"}, Start: "09:00", End: "18:00"},
		"local zone": {Days: []string{"mon"}, Start: "09:00", End: "18:00", Timezone: "Local"},
		"bad zone":   {Days: []string{"mon"}, Start: "09:00", End: "18:00", Timezone: "Mars/Olympus"},
		"no days":    {Start: "09:00", End: "18:00", Timezone: "UTC"},
		"bad day":    {Days: []string{"funday"}, Start: "09:00", End: "18:00", Timezone: "UTC"},
		"end first":  {Days: []string{"mon"}, Start: "18:00", End: "09:00", Timezone: "UTC"},
		"empty span": {Days: []string{"mon"}, Start: "09:00", End: "09:00", Timezone: "UTC"},
		"bad clock":  {Days: []string{"mon"}, Start: "9am", End: "18:00", Timezone: "UTC"},
		"hour 25":    {Days: []string{"mon"}, Start: "09:00", End: "25:00", Timezone: "UTC"},
	} {
		if _, err := NewHours(h); err == nil {
			t.Errorf("%s: NewHours accepted %+v", name, h)
		}
	}
}

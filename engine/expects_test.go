package engine

import (
	"testing"
	"time"
)

func TestParseExpects(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, ny) // Friday 10:00
	for in, want := range map[string]time.Time{
		"Today 5 PM ET":   time.Date(2026, 11, 27, 17, 0, 0, 0, ny),
		"today 5pm":       time.Date(2026, 11, 27, 17, 0, 0, 0, ny),
		"tomorrow 10:00":  time.Date(2026, 11, 28, 10, 0, 0, 0, ny),
		"9:30 am":         time.Date(2026, 11, 28, 9, 30, 0, 0, ny), // passed today: tomorrow
		"14:00 PT":        time.Date(2026, 11, 27, 17, 0, 0, 0, ny),
		"by 4 PM EST.":    time.Date(2026, 11, 27, 16, 0, 0, 0, ny),
		"Today 17:00 UTC": time.Date(2026, 11, 27, 12, 0, 0, 0, ny),
	} {
		got, ok := parseExpects(in, now, ny)
		if !ok || !got.Equal(want) {
			t.Errorf("parseExpects(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "ASAP", "end of day", "5", "25:00", "Monday", "[time]"} {
		if got, ok := parseExpects(in, now, ny); ok {
			t.Errorf("parseExpects(%q) = %v, want no time", in, got)
		}
	}
}

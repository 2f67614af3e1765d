package sla

import (
	"fmt"
	"strings"
	"time"

	"escalationd/config"
)

// Hours are weekly working hours, compiled once from config.
type Hours struct {
	days       [7]bool // by time.Weekday
	start, end int     // seconds after local midnight; end is exclusive
	loc        *time.Location
}

// NewHours compiles h. The config validator reports the same problems with
// line numbers; this error is for configs built in code.
func NewHours(h config.Hours) (*Hours, error) {
	loc, err := LoadLocation(h.Timezone)
	if err != nil {
		return nil, err
	}
	days, err := config.ParseDays(h.Days)
	if err != nil {
		return nil, err
	}
	start, err := config.ParseClock(h.Start)
	if err != nil {
		return nil, err
	}
	end, err := config.ParseClock(h.End)
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, fmt.Errorf("hours end %s must be after start %s", h.End, h.Start)
	}
	return &Hours{days: days, start: start * 60, end: end * 60, loc: loc}, nil
}

// LoadLocation loads an IANA time zone. Unlike time.LoadLocation it refuses
// "" (UTC by accident) and "Local" (whatever the machine says).
func LoadLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("invalid time zone %q: use an IANA name such as America/New_York", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("invalid time zone %q: %w", name, err)
	}
	return loc, nil
}

// In reports whether t falls within the hours, by wall clock in their zone.
func (h *Hours) In(t time.Time) bool {
	l := t.In(h.loc)
	if !h.days[l.Weekday()] {
		return false
	}
	s := l.Hour()*3600 + l.Minute()*60 + l.Second()
	return s >= h.start && s < h.end
}

// Location is the hours' time zone.
func (h *Hours) Location() *time.Location { return h.loc }

// String reads like "Mon-Fri 09:00-18:00 America/New_York".
func (h *Hours) String() string {
	return fmt.Sprintf("%s %s-%s %s", daysString(h.days), clock(h.start), clock(h.end), h.loc)
}

func clock(sec int) string { return fmt.Sprintf("%02d:%02d", sec/3600, sec/60%60) }

// daysString writes the set Monday first, runs of days as ranges:
// "Mon-Fri", "Mon, Wed, Fri", "Sat-Sun".
func daysString(days [7]bool) string {
	order := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var parts []string
	for i := 0; i < len(order); {
		if !days[order[i]] {
			i++
			continue
		}
		j := i
		for j+1 < len(order) && days[order[j+1]] {
			j++
		}
		name := order[i].String()[:3]
		if j > i {
			name += "-" + order[j].String()[:3]
		}
		parts = append(parts, name)
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

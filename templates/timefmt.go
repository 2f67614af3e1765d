package templates

import (
	"fmt"
	"strings"
	"time"
)

// The mail is read on a phone, often at night: every time is written in
// the company's zone with the zone's name, and next to it how far away it
// is ("Tue 1 Dec 10:15 EST, in 15 minutes"). Nothing here reads the clock:
// "now" is Data.Now, stamped when the mail is queued.

// FormatTime writes t in loc as "Tue 1 Dec 10:15 EST"; the year is added
// when it is not now's. A zero t gives "".
func FormatTime(t, now time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	if lt.Year() != now.In(loc).Year() {
		return lt.Format("Mon 2 Jan 2006 15:04 MST")
	}
	return lt.Format("Mon 2 Jan 15:04 MST")
}

// Span writes a duration in words, to the minute, at most two units:
// "15 minutes", "1 hour 5 minutes", "2 days 3 hours". Under a minute it is
// "less than a minute", never "0m".
func Span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Minute)
	if d < time.Minute {
		return "less than a minute"
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	unit := func(n int, s string) {
		if n == 1 {
			parts = append(parts, "1 "+s)
		} else if n > 1 {
			parts = append(parts, fmt.Sprintf("%d %ss", n, s))
		}
	}
	switch {
	case days > 0:
		unit(days, "day")
		unit(hours, "hour")
	case hours > 0:
		unit(hours, "hour")
		unit(mins, "minute")
	default:
		unit(mins, "minute")
	}
	return strings.Join(parts, " ")
}

// Every writes a period: "every 4 hours", "every day".
func Every(d time.Duration) string {
	s := Span(d)
	if rest, ok := strings.CutPrefix(s, "1 "); ok && !strings.Contains(rest, " ") {
		return "every " + rest
	}
	return "every " + s
}

// Relative says how far t is from now: "in 15 minutes", "2 hours ago",
// "just now".
func Relative(t, now time.Time) string {
	d := t.Sub(now).Round(time.Minute)
	switch {
	case d == 0:
		return "just now"
	case d > 0:
		return "in " + Span(d)
	}
	return Span(d) + " ago"
}

// Loc is the zone times are written in (UTC when none was given).
func (d Data) Loc() *time.Location {
	if d.Location == nil {
		return time.UTC
	}
	return d.Location
}

// At writes t in the company's zone: "Tue 1 Dec 10:15 EST".
func (d Data) At(t time.Time) string { return FormatTime(t, d.Now, d.Loc()) }

// When writes t with how far it is from the mail's time:
// "Tue 1 Dec 10:15 EST, in 15 minutes" or "..., 2 hours ago".
func (d Data) When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return d.At(t) + ", " + Relative(t, d.Now)
}

// Since is how long ago t was, in words ("3 hours"); "" for a zero t.
func (d Data) Since(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return Span(d.Now.Sub(t))
}

// Late is how long past t the mail's time is ("1 hour 5 minutes"); ""
// when t is zero or not past, so "overdue by" is never followed by "0m".
func (d Data) Late(t time.Time) string {
	if t.IsZero() || d.Now.Sub(t) < 30*time.Second {
		return ""
	}
	return Span(d.Now.Sub(t))
}

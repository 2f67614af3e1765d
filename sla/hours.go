package sla

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"escalationd/config"
)

// Hours are weekly working hours, compiled once from config, closed on
// their holidays.
type Hours struct {
	days       [7]bool // by time.Weekday
	start, end int     // seconds after local midnight; end is exclusive
	loc        *time.Location
	closed     map[day]bool // holidays, by local calendar date
}

// day is a calendar date in the hours' zone.
type day struct {
	y int
	m time.Month
	d int
}

func dayOf(t time.Time) day { y, m, d := t.Date(); return day{y, m, d} }

// NewHours compiles h; it is the one place the rules of working hours
// live. The hours are closed all day on h.Holidays and on company, the
// company's holidays (config.Config.CompanyHolidays), each read as a
// local date in the hours' zone. Its error is a joined list of config.FieldError, with paths relative
// to the hours ("timezone", "" for the whole), so the caller can report them
// at their line with Config.Problems.
func NewHours(h config.Hours, company ...config.Date) (*Hours, error) {
	var errs []error
	if h.Timezone.IsZero() {
		errs = append(errs, config.FieldErrorf("timezone", "missing timezone: use an IANA name such as America/New_York"))
	}
	if h.Days.IsZero() {
		errs = append(errs, config.FieldErrorf("days", "days is empty: list weekdays such as [mon-fri]"))
	}
	if h.Start.IsZero() {
		errs = append(errs, config.FieldErrorf("start", "missing start (HH:MM)"))
	}
	if h.End.IsZero() {
		errs = append(errs, config.FieldErrorf("end", "missing end (HH:MM)"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	start, end := h.Start.Minutes(), h.End.Minutes()
	if end <= start {
		return nil, config.FieldErrorf("", "end %s must be after start %s", h.End, h.Start)
	}
	hs := &Hours{start: start * 60, end: end * 60, loc: h.Timezone.Location(), closed: map[day]bool{}}
	for _, d := range append(append([]config.Date(nil), company...), h.Holidays...) {
		y, m, dd := d.YMD()
		hs.closed[day{y, m, dd}] = true
	}
	for d := range hs.days {
		hs.days[d] = h.Days.Has(time.Weekday(d))
	}
	return hs, nil
}

// In reports whether t falls within the hours, by wall clock in their zone.
func (h *Hours) In(t time.Time) bool {
	l := t.In(h.loc)
	if !h.days[l.Weekday()] || h.closed[dayOf(l)] {
		return false
	}
	s := l.Hour()*3600 + l.Minute()*60 + l.Second()
	return s >= h.start && s < h.end
}

// Holiday reports whether t falls on one of the hours' holidays, by the
// calendar in their zone.
func (h *Hours) Holiday(t time.Time) bool { return h.closed[dayOf(t.In(h.loc))] }

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

// NextDaily is the first time after now at minute of the day (local to
// loc) on one of days (by time.Weekday): when a daily digest falls due.
// It is computed on the local calendar, so DST changes keep the hour.
func NextDaily(now time.Time, loc *time.Location, minute int, days [7]bool) time.Time {
	l := now.In(loc)
	for d := 0; d <= 7; d++ {
		day := time.Date(l.Year(), l.Month(), l.Day()+d, minute/60, minute%60, 0, 0, loc)
		if days[day.Weekday()] && day.After(now) {
			return day
		}
	}
	return now.Add(24 * time.Hour) // no working day at all: validation prevents it
}

// Days are the hours' working days, by time.Weekday.
func (h *Hours) Days() [7]bool { return h.days }

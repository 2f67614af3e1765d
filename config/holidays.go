package config

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// Holidays are closed days. The company's (top-level holidays and
// holidays_file) apply to every set of hours, a team's own (hours.holidays)
// only to it; sla.NewHours merges them, and a holiday is closed all day.

// CompanyHolidays is the company's closed days: the top-level holidays
// list and the dates read from holidays_file, sorted, without duplicates.
func (c *Config) CompanyHolidays() []Date {
	all := append(append([]Date(nil), c.Holidays...), c.fileHolidays...)
	sort.Slice(all, func(i, j int) bool { return all[i].t.Before(all[j].t) })
	out := all[:0]
	for i, d := range all {
		if i == 0 || d != all[i-1] {
			out = append(out, d)
		}
	}
	return out
}

// loadHolidays reads holidays_file (resolved against the config's folder).
func (c *Config) loadHolidays() []error {
	if c.HolidaysFile == "" {
		return nil
	}
	data, err := readCalendar(c.HolidaysFile)
	if err != nil {
		return []error{c.Problem("holidays_file", "read holidays file: %v", err)}
	}
	dates, err := ParseICalendarDates(data)
	if err != nil {
		return []error{c.Problem("holidays_file", "%s: %v", c.HolidaysFile, err)}
	}
	c.fileHolidays = dates
	return nil
}

// maxCalendarSize bounds holidays_file: a calendar of holidays is small.
const maxCalendarSize = 1 << 20

// readCalendar reads a regular file of at most maxCalendarSize bytes.
func readCalendar(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxCalendarSize+1))
	if err == nil && len(data) > maxCalendarSize {
		err = fmt.Errorf("%s is larger than %d bytes", path, maxCalendarSize)
	}
	return data, err
}

// ParseICalendarDates reads the all-day events of an iCalendar file (RFC
// 5545) as dates: each VEVENT's DTSTART;VALUE=DATE:YYYYMMDD, and every
// day up to its DTEND (exclusive) when the event spans several days. It is
// a small reader, not a calendar engine: an event with a time of day or a
// recurrence rule (RRULE, RDATE) is refused, so a holiday is never
// silently missed; list each date instead.
func ParseICalendarDates(data []byte) ([]Date, error) {
	var (
		dates       []Date
		inEvent     bool
		start, end  time.Time
		summary     string
		lineNo, beg int
	)
	lines := unfold(data)
	for _, l := range lines {
		lineNo++
		name, value, ok := strings.Cut(l.text, ":")
		if !ok {
			continue
		}
		prop, params, _ := strings.Cut(name, ";")
		prop = strings.ToUpper(prop)
		switch {
		case prop == "BEGIN" && strings.EqualFold(value, "VEVENT"):
			inEvent, start, end, summary, beg = true, time.Time{}, time.Time{}, "", l.line
		case prop == "END" && strings.EqualFold(value, "VEVENT"):
			if !inEvent {
				return nil, fmt.Errorf("line %d: END:VEVENT without BEGIN", l.line)
			}
			inEvent = false
			if start.IsZero() {
				return nil, fmt.Errorf("line %d: event %q has no DTSTART", beg, summary)
			}
			if end.IsZero() {
				end = start.AddDate(0, 0, 1)
			}
			if !end.After(start) || end.Sub(start) > 366*24*time.Hour {
				return nil, fmt.Errorf("line %d: event %q: DTEND must be after DTSTART, within a year", beg, summary)
			}
			for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
				dates = append(dates, Date{d})
			}
		case !inEvent:
		case prop == "SUMMARY":
			summary = value
		case prop == "DTSTART" || prop == "DTEND":
			d, err := icalDate(params, value)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s: %v", l.line, prop, err)
			}
			if prop == "DTSTART" {
				start = d
			} else {
				end = d
			}
		case prop == "RRULE" || prop == "RDATE":
			return nil, fmt.Errorf("line %d: event %q repeats (%s): list each date as its own event", l.line, summary, prop)
		}
	}
	if inEvent {
		return nil, fmt.Errorf("line %d: VEVENT without END", beg)
	}
	if len(dates) == 0 {
		return nil, fmt.Errorf("no all-day events (VEVENT with DTSTART;VALUE=DATE:YYYYMMDD)")
	}
	return dates, nil
}

// icalDate reads an all-day date, "20261126" (VALUE=DATE, or a bare
// eight-digit value).
func icalDate(params, value string) (time.Time, error) {
	value = strings.TrimSpace(value)
	if len(value) != 8 || (params != "" && !strings.Contains(strings.ToUpper(params), "VALUE=DATE")) ||
		strings.Contains(strings.ToUpper(params), "VALUE=DATE-TIME") {
		return time.Time{}, fmt.Errorf("%q is not an all-day date (use ;VALUE=DATE:YYYYMMDD)", value)
	}
	t, err := time.Parse("20060102", value)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid date %q (use YYYYMMDD)", value)
	}
	return t, nil
}

type icalLine struct {
	text string
	line int // where the logical line starts
}

// unfold joins RFC 5545 folded lines (a continuation starts with a space
// or a tab).
func unfold(data []byte) []icalLine {
	var out []icalLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		t := strings.TrimRight(sc.Text(), "\r")
		if (strings.HasPrefix(t, " ") || strings.HasPrefix(t, "\t")) && len(out) > 0 {
			out[len(out)-1].text += t[1:]
			continue
		}
		out = append(out, icalLine{text: t, line: n})
	}
	return out
}

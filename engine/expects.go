package engine

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"escalationd/store"
)

// expectsTime reads the senior-support template's "Customer expecting
// update by" as agents write it: "Today 5 PM ET", "tomorrow 10:00",
// "5:30pm", "17:00 EST". A time without a day is today, or tomorrow when
// it has passed. The zone words ET, EST, EDT, CT, MT, PT and UTC/GMT are
// understood; without one the company's zone (loc) applies. ok is false
// for anything else: the ordinary 24-hour rhythm then stands.
var expectsTime = regexp.MustCompile(`(?i)^\s*(today|tomorrow|tonight)?\s*(?:by|at)?\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*(et|est|edt|ct|cst|cdt|mt|mst|mdt|pt|pst|pdt|utc|gmt)?\s*\.?\s*$`)

var zoneNames = map[string]string{"et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
	"ct": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago", "mt": "America/Denver", "mst": "America/Denver",
	"mdt": "America/Denver", "pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
	"utc": "UTC", "gmt": "UTC"}

func parseExpects(s string, now time.Time, loc *time.Location) (time.Time, bool) {
	m := expectsTime.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	hour, _ := strconv.Atoi(m[2])
	minute := 0
	if m[3] != "" {
		minute, _ = strconv.Atoi(m[3])
	}
	switch strings.ToLower(m[4]) {
	case "pm":
		if hour < 12 {
			hour += 12
		}
	case "am":
		if hour == 12 {
			hour = 0
		}
	}
	if hour > 23 || minute > 59 || (m[4] == "" && m[3] == "" && hour < 7) {
		return time.Time{}, false // "5" alone is too vague to promise on
	}
	if z := zoneNames[strings.ToLower(m[5])]; z != "" {
		if l, err := time.LoadLocation(z); err == nil {
			loc = l
		}
	}
	l := now.In(loc)
	t := time.Date(l.Year(), l.Month(), l.Day(), hour, minute, 0, 0, loc)
	switch strings.ToLower(m[1]) {
	case "tomorrow":
		t = t.AddDate(0, 0, 1)
	case "":
		if !t.After(now) {
			t = t.AddDate(0, 0, 1)
		}
	}
	if !t.After(now) {
		return time.Time{}, false
	}
	return t, true
}

// customerExpects is when the agent told the customer to expect news, from
// the stored escalation's "Customer expecting update by" line.
func (e *Engine) customerExpects(c *store.Case, now time.Time) (time.Time, bool) {
	res, _, err := renderingRecord(c)
	if err != nil {
		return time.Time{}, false
	}
	v, ok := res.Fields["customer_expecting_update_by"].(string)
	if !ok {
		return time.Time{}, false
	}
	return parseExpects(v, now, e.cfg.Location())
}

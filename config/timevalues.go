package config

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The schedule values below are parsed while the YAML is read, the way
// Alertmanager's timeinterval parses its ranges: a bad value is reported at
// its own line, and router and sla receive values they never parse again.
// Each zero value means "not written"; the package that needs the value
// says whether it is required.

// Zone is an IANA time zone such as America/New_York. "" (UTC by accident)
// and "Local" (whatever the machine happens to have) are refused.
type Zone struct{ loc *time.Location }

// ParseZone loads an IANA time zone.
func ParseZone(name string) (Zone, error) {
	if name == "" || name == "Local" {
		return Zone{}, fmt.Errorf("invalid time zone %q: use an IANA name such as America/New_York", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return Zone{}, fmt.Errorf("invalid time zone %q: use an IANA name such as America/New_York", name)
	}
	return Zone{loc}, nil
}

// Location is the zone; nil when none was written.
func (z Zone) Location() *time.Location { return z.loc }

// IsZero reports whether no zone was written.
func (z Zone) IsZero() bool { return z.loc == nil }

// String is the zone's IANA name, "" when unset.
func (z Zone) String() string {
	if z.loc == nil {
		return ""
	}
	return z.loc.String()
}

// UnmarshalYAML parses the zone name.
func (z *Zone) UnmarshalYAML(n *yaml.Node) error { return scalar(n, ParseZone, z) }

// MarshalText writes the name back.
func (z Zone) MarshalText() ([]byte, error) { return []byte(z.String()), nil }

// Clock is a time of day, "09:00"; "24:00" is allowed as an end of day.
type Clock struct {
	min int // minutes after midnight
	set bool
}

// ParseClock parses "HH:MM".
func ParseClock(s string) (Clock, error) {
	var h, m int
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) || len(strings.TrimSpace(s)) != 5 {
		return Clock{}, fmt.Errorf("invalid time of day %q (use HH:MM)", s)
	}
	return Clock{min: h*60 + m, set: true}, nil
}

// Minutes is the time of day in minutes after midnight (1440 for 24:00).
func (c Clock) Minutes() int { return c.min }

// IsZero reports whether no time was written.
func (c Clock) IsZero() bool { return !c.set }

// String is "HH:MM", "" when unset.
func (c Clock) String() string {
	if !c.set {
		return ""
	}
	return fmt.Sprintf("%02d:%02d", c.min/60, c.min%60)
}

// UnmarshalYAML parses "HH:MM".
func (c *Clock) UnmarshalYAML(n *yaml.Node) error { return scalar(n, ParseClock, c) }

// MarshalText writes "HH:MM".
func (c Clock) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// Weekday is one day of the week, written "mon", "Monday" or "MONDAY".
type Weekday struct {
	d   time.Weekday
	set bool
}

// ParseWeekday accepts "mon", "Monday", "MONDAY".
func ParseWeekday(s string) (Weekday, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	if len(k) >= 3 {
		if d, ok := weekdays[k[:3]]; ok && strings.HasPrefix(strings.ToLower(d.String()), k) {
			return Weekday{d, true}, nil
		}
	}
	return Weekday{}, fmt.Errorf("invalid weekday %q (use mon, tue, ... or monday, ...)", s)
}

// Weekday is the day; Sunday when unset (check IsZero).
func (w Weekday) Weekday() time.Weekday { return w.d }

// IsZero reports whether no day was written.
func (w Weekday) IsZero() bool { return !w.set }

// String is the English name, "" when unset.
func (w Weekday) String() string {
	if !w.set {
		return ""
	}
	return w.d.String()
}

// UnmarshalYAML parses the day.
func (w *Weekday) UnmarshalYAML(n *yaml.Node) error { return scalar(n, ParseWeekday, w) }

// MarshalText writes the day's name.
func (w Weekday) MarshalText() ([]byte, error) { return []byte(strings.ToLower(w.String())), nil }

// Weekdays is a set of days written as a list of days and ranges:
// [mon-fri], [mon, wed, sat], [fri-mon]. The zero value is the empty set.
type Weekdays struct {
	days    [7]bool // by time.Weekday
	written []string
}

// ParseWeekdays parses days and ranges such as "mon-fri".
func ParseWeekdays(days ...string) (Weekdays, error) {
	var set Weekdays
	if len(days) == 0 {
		return set, fmt.Errorf("days is empty: list weekdays such as [mon-fri]")
	}
	for _, d := range days {
		from, to, isRange := strings.Cut(d, "-")
		a, err := ParseWeekday(from)
		if err != nil {
			return Weekdays{}, err
		}
		b := a
		if isRange {
			if b, err = ParseWeekday(to); err != nil {
				return Weekdays{}, err
			}
		}
		for w := a.d; ; w = (w + 1) % 7 {
			set.days[w] = true
			if w == b.d {
				break
			}
		}
	}
	set.written = days
	return set, nil
}

// Has reports whether d is in the set.
func (w Weekdays) Has(d time.Weekday) bool { return w.days[d] }

// IsZero reports whether the set is empty.
func (w Weekdays) IsZero() bool { return w.days == [7]bool{} }

// UnmarshalYAML parses a list of days and ranges.
func (w *Weekdays) UnmarshalYAML(n *yaml.Node) error {
	var list []string
	if n.Kind != yaml.SequenceNode || n.Decode(&list) != nil {
		return typeError(n, "expected a list of weekdays such as [mon-fri]")
	}
	v, err := ParseWeekdays(list...)
	if err != nil {
		return typeError(n, err.Error())
	}
	*w = v
	return nil
}

// MarshalYAML writes the list as it was written.
func (w Weekdays) MarshalYAML() (any, error) { return w.written, nil }

// DateLayout is how a rotation writes its start date, and how holidays
// are written.
const DateLayout = "2006-01-02"

// Date is a calendar date, "2026-01-05", without a time zone.
type Date struct{ t time.Time } // midnight UTC; zero when unset

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q (use YYYY-MM-DD)", s)
	}
	return Date{t}, nil
}

// YMD is the date's year, month and day.
func (d Date) YMD() (int, time.Month, int) { return d.t.Date() }

// Weekday is the day of the week the date falls on.
func (d Date) Weekday() time.Weekday { return d.t.Weekday() }

// IsZero reports whether no date was written.
func (d Date) IsZero() bool { return d.t.IsZero() }

// String is "YYYY-MM-DD", "" when unset.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(DateLayout)
}

// UnmarshalYAML parses "YYYY-MM-DD".
func (d *Date) UnmarshalYAML(n *yaml.Node) error { return scalar(n, ParseDate, d) }

// MarshalText writes "YYYY-MM-DD".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// LocalTimeLayout is how overrides write local times.
const LocalTimeLayout = "2006-01-02 15:04"

// LocalTime is a wall-clock date and time, "2026-12-24 18:00", read in the
// zone of the section it belongs to (a rotation's timezone).
type LocalTime struct{ t time.Time } // the wall clock, in UTC; zero when unset

// ParseLocalTime parses "YYYY-MM-DD HH:MM".
func ParseLocalTime(s string) (LocalTime, error) {
	t, err := time.Parse(LocalTimeLayout, strings.TrimSpace(s))
	if err != nil {
		return LocalTime{}, fmt.Errorf("invalid local time %q (use YYYY-MM-DD HH:MM)", s)
	}
	return LocalTime{t}, nil
}

// In is the instant the wall clock shows in loc.
func (l LocalTime) In(loc *time.Location) time.Time {
	return time.Date(l.t.Year(), l.t.Month(), l.t.Day(), l.t.Hour(), l.t.Minute(), 0, 0, loc)
}

// IsZero reports whether no time was written.
func (l LocalTime) IsZero() bool { return l.t.IsZero() }

// String is "YYYY-MM-DD HH:MM", "" when unset.
func (l LocalTime) String() string {
	if l.IsZero() {
		return ""
	}
	return l.t.Format(LocalTimeLayout)
}

// UnmarshalYAML parses "YYYY-MM-DD HH:MM".
func (l *LocalTime) UnmarshalYAML(n *yaml.Node) error { return scalar(n, ParseLocalTime, l) }

// MarshalText writes "YYYY-MM-DD HH:MM".
func (l LocalTime) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// scalar decodes a scalar node with parse, reporting a failure at the
// node's own line and column.
func scalar[T any](n *yaml.Node, parse func(string) (T, error), into *T) error {
	if n.Kind != yaml.ScalarNode {
		return typeError(n, fmt.Sprintf("expected a single value, got a %s", kindName(n.Kind)))
	}
	v, err := parse(n.Value)
	if err != nil {
		return typeError(n, err.Error())
	}
	*into = v
	return nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	}
	return "value"
}

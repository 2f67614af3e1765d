package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseWeekday accepts "mon", "Monday", "MONDAY".
func ParseWeekday(s string) (time.Weekday, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	if len(k) >= 3 {
		if d, ok := weekdays[k[:3]]; ok && strings.HasPrefix(strings.ToLower(d.String()), k) {
			return d, nil
		}
	}
	return 0, fmt.Errorf("invalid weekday %q (use mon, tue, ... or monday, ...)", s)
}

// ParseDays turns [mon-fri] or [mon, wed, sat] into a set of weekdays.
func ParseDays(days []string) ([7]bool, error) {
	var set [7]bool
	if len(days) == 0 {
		return set, fmt.Errorf("days is empty: list weekdays such as [mon-fri]")
	}
	for _, d := range days {
		from, to, isRange := strings.Cut(d, "-")
		a, err := ParseWeekday(from)
		if err != nil {
			return set, err
		}
		b := a
		if isRange {
			if b, err = ParseWeekday(to); err != nil {
				return set, err
			}
		}
		for w := a; ; w = (w + 1) % 7 {
			set[w] = true
			if w == b {
				break
			}
		}
	}
	return set, nil
}

// ParseClock parses "09:00" into minutes after midnight; "24:00" is allowed
// as an end of day.
func ParseClock(s string) (int, error) {
	var h, m int
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) || len(strings.TrimSpace(s)) != 5 {
		return 0, fmt.Errorf("invalid time of day %q (use HH:MM)", s)
	}
	return h*60 + m, nil
}

// LocalTimeLayout is how overrides write local times.
const LocalTimeLayout = "2006-01-02 15:04"

// ParseLocal parses "2026-12-24 18:00" in loc.
func ParseLocal(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(LocalTimeLayout, strings.TrimSpace(s), loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid local time %q (use YYYY-MM-DD HH:MM)", s)
	}
	return t, nil
}

// loadZone loads an IANA time zone, refusing "" (UTC by accident) and
// "Local" (whatever zone the machine happens to have).
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("invalid time zone %q: use an IANA name such as America/New_York", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("invalid time zone %q: use an IANA name such as America/New_York", name)
	}
	return loc, nil
}

// PersonFor resolves an override's person: a name from People or an address.
func (r Rotation) PersonFor(who string) (Person, bool) {
	for _, p := range r.People {
		if strings.EqualFold(p.Name, who) || strings.EqualFold(p.Address, who) {
			return p, true
		}
	}
	if validAddress(who) {
		return Person{Name: who, Address: strings.ToLower(who)}, true
	}
	return Person{}, false
}

func (v *validator) rotations() {
	names := map[string]bool{}
	for i, r := range v.c.Rotations {
		p := fmt.Sprintf("rotations[%d]", i)
		if r.Name == "" {
			v.add(p, "missing name")
		} else if names[r.Name] {
			v.add(p+".name", "duplicate rotation %q", r.Name)
		}
		names[r.Name] = true
		loc, err := loadZone(r.Timezone)
		if err != nil {
			v.add(p+".timezone", "%v", err)
			loc = nil
		}
		day, err := ParseWeekday(r.HandoffDay)
		if err != nil {
			v.add(p+".handoff_day", "%v", err)
		}
		if at, err := ParseClock(r.HandoffTime); err != nil {
			v.add(p+".handoff_time", "%v", err)
		} else if at == 24*60 {
			v.add(p+".handoff_time", "handoff_time 24:00 is the next day: use 00:00 and the next handoff_day")
		}
		if start, err := time.Parse("2006-01-02", r.Start); err != nil {
			v.add(p+".start", "invalid start date %q (use YYYY-MM-DD)", r.Start)
		} else if r.HandoffDay != "" && start.Weekday() != day {
			v.add(p+".start", "start %s is a %s, but hand-offs happen on %s: the first shift would be short (a gap)", r.Start, start.Weekday(), day)
		}
		if len(r.People) == 0 {
			v.add(p, "rotation %q has no people: nobody would be on call (a gap)", r.Name)
		}
		for j, person := range r.People {
			pp := fmt.Sprintf("%s.people[%d]", p, j)
			if person.Name == "" {
				v.add(pp, "missing name")
			}
			v.recipient(pp+".address", person.Address)
		}
		if loc != nil {
			v.overrides(p, r, loc)
		}
	}
}

// overrides must each cover a positive span, name a known person, and not
// overlap one another (two people on call at once).
func (v *validator) overrides(p string, r Rotation, loc *time.Location) {
	type span struct {
		i          int
		start, end time.Time
	}
	var spans []span
	for j, o := range r.Overrides {
		op := fmt.Sprintf("%s.overrides[%d]", p, j)
		start, err1 := ParseLocal(o.Start, loc)
		end, err2 := ParseLocal(o.End, loc)
		if err1 != nil {
			v.add(op+".start", "%v", err1)
		}
		if err2 != nil {
			v.add(op+".end", "%v", err2)
		}
		if _, ok := r.PersonFor(o.Person); !ok {
			v.add(op+".person", "override person %q is neither a rotation member nor an address: nobody would be on call (a gap)", o.Person)
		} else if person, _ := r.PersonFor(o.Person); !slices.Contains(r.People, person) {
			v.recipient(op+".person", person.Address)
		}
		if err1 == nil && err2 == nil {
			if !end.After(start) {
				v.add(op, "override ends (%s) before it starts (%s)", o.End, o.Start)
				continue
			}
			spans = append(spans, span{j, start, end})
		}
	}
	sort.Slice(spans, func(a, b int) bool { return spans[a].start.Before(spans[b].start) })
	for k := 1; k < len(spans); k++ {
		prev, cur := spans[k-1], spans[k]
		if cur.start.Before(prev.end) {
			v.add(fmt.Sprintf("%s.overrides[%d]", p, cur.i), "override overlaps overrides[%d] (%s until %s): two people would be on call at once",
				prev.i, r.Overrides[prev.i].Start, r.Overrides[prev.i].End)
		}
	}
}

package sla

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"escalationd/config"
)

// Rotation is a weekly on-call schedule compiled from config.
type Rotation struct {
	name      string
	loc       *time.Location
	year      int
	month     time.Month
	day       int // the start date; hand-off k is day+7k at hour:min local
	hour, min int
	people    []config.Person
	overrides []override // sorted by start, non-overlapping
}

type override struct {
	start, end time.Time
	person     config.Person
	reason     string
}

// Shift is who is on call at an instant and until when. Its JSON is what
// `escalationd oncall --json` prints.
type Shift struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	// Until is when someone else takes over, in the rotation's time zone.
	Until time.Time `json:"until"`
	// Override is true while an override replaces the rotation; Reason is
	// its reason ("" when none was given).
	Override bool   `json:"-"`
	Reason   string `json:"-"`
}

// NewRotation compiles r. The config validator reports the same problems
// with line numbers; this error is for configs built in code.
func NewRotation(r config.Rotation) (*Rotation, error) {
	loc, err := LoadLocation(r.Timezone)
	if err != nil {
		return nil, fmt.Errorf("rotation %q: %w", r.Name, err)
	}
	if len(r.People) == 0 {
		return nil, fmt.Errorf("rotation %q has no people", r.Name)
	}
	day, err := config.ParseWeekday(r.HandoffDay)
	if err != nil {
		return nil, fmt.Errorf("rotation %q: %w", r.Name, err)
	}
	at, err := config.ParseClock(r.HandoffTime)
	if err != nil || at >= 24*60 {
		return nil, fmt.Errorf("rotation %q: invalid handoff_time %q", r.Name, r.HandoffTime)
	}
	start, err := time.Parse("2006-01-02", r.Start)
	if err != nil {
		return nil, fmt.Errorf("rotation %q: invalid start %q", r.Name, r.Start)
	}
	if start.Weekday() != day {
		return nil, fmt.Errorf("rotation %q: start %s is a %s, not a %s", r.Name, r.Start, start.Weekday(), day)
	}
	rot := &Rotation{
		name: r.Name, loc: loc,
		year: start.Year(), month: start.Month(), day: start.Day(),
		hour: at / 60, min: at % 60,
		people: slices.Clone(r.People),
	}
	for i, o := range r.Overrides {
		s, err1 := config.ParseLocal(o.Start, loc)
		e, err2 := config.ParseLocal(o.End, loc)
		p, ok := r.PersonFor(o.Person)
		switch {
		case err1 != nil || err2 != nil:
			return nil, fmt.Errorf("rotation %q: overrides[%d]: %w", r.Name, i, errors.Join(err1, err2))
		case !e.After(s):
			return nil, fmt.Errorf("rotation %q: overrides[%d] ends before it starts", r.Name, i)
		case !ok:
			return nil, fmt.Errorf("rotation %q: overrides[%d]: unknown person %q", r.Name, i, o.Person)
		}
		rot.overrides = append(rot.overrides, override{start: s, end: e, person: p, reason: o.Reason})
	}
	slices.SortFunc(rot.overrides, func(a, b override) int { return a.start.Compare(b.start) })
	for i := 1; i < len(rot.overrides); i++ {
		if rot.overrides[i].start.Before(rot.overrides[i-1].end) {
			return nil, fmt.Errorf("rotation %q: overrides overlap at %s", r.Name, rot.overrides[i].start.Format(config.LocalTimeLayout))
		}
	}
	return rot, nil
}

// Name is the rotation's name.
func (r *Rotation) Name() string { return r.name }

// Location is the rotation's time zone.
func (r *Rotation) Location() *time.Location { return r.loc }

// OnCall returns who is on call at t and until when: the next change of
// person, which is the end of the override in force, the next hand-off or
// the start of the next override, whichever comes first (stretches where
// the same person carries on are joined). A rotation of one person hands
// off to themselves; its until is the next hand-off.
func (r *Rotation) OnCall(t time.Time) (person config.Person, until time.Time) {
	s := r.Shift(t)
	return config.Person{Name: s.Name, Address: s.Address}, s.Until
}

// Shift is OnCall with the override in force, if any.
func (r *Rotation) Shift(t time.Time) Shift {
	seg := r.segment(t)
	until := seg.end
	// Join following segments of the same person, within one full turn of
	// the rotation and its overrides so a one-person rotation terminates.
	for range len(r.people) + 2*len(r.overrides) + 1 {
		next := r.segment(until)
		if !samePerson(next.person, seg.person) {
			break
		}
		until = next.end
	}
	if n := r.segment(until); samePerson(n.person, seg.person) {
		until = seg.end // never changes: report the next boundary
	}
	return Shift{
		Name: seg.person.Name, Address: seg.person.Address,
		Until:    until.In(r.loc),
		Override: seg.override, Reason: seg.reason,
	}
}

// Handoff returns the k-th hand-off instant: k=0 is the start, negative k
// are weeks before it. It is computed from the local date, so it stays at
// the hand-off time across DST changes. A hand-off time the clocks jump over
// (02:30 on a spring-forward night) moves forward by the jump, to 03:30.
func (r *Rotation) Handoff(k int) time.Time {
	t := time.Date(r.year, r.month, r.day+7*k, r.hour, r.min, 0, 0, r.loc)
	if t.Hour() == r.hour && t.Minute() == r.min {
		return t
	}
	// time.Date leaves the choice in a gap unspecified (Go picks the
	// earlier side); read the wall clock with the offset from before the
	// jump, the smaller one, which lands after it.
	wall := time.Date(r.year, r.month, r.day+7*k, r.hour, r.min, 0, 0, time.UTC)
	_, before := t.Add(-12 * time.Hour).Zone()
	_, after := t.Add(12 * time.Hour).Zone()
	return wall.Add(-time.Duration(min(before, after)) * time.Second).In(r.loc)
}

// Week returns k with Handoff(k) <= t < Handoff(k+1).
func (r *Rotation) Week(t time.Time) int {
	// Unix seconds, not t.Sub: a Duration saturates at 292 years, and a
	// zero time.Time is 2,000 years away. The estimate is off by at most
	// one week around DST; the loops settle it.
	const week = 7 * 24 * 3600
	d := t.Unix() - r.Handoff(0).Unix()
	k := int(d / week)
	if d < 0 && d%week != 0 {
		k--
	}
	for r.Handoff(k).After(t) {
		k--
	}
	for !r.Handoff(k + 1).After(t) {
		k++
	}
	return k
}

// segment is one stretch of constant assignment: an override, or a turn
// cut short by the next override.
type segment struct {
	person   config.Person
	end      time.Time
	override bool
	reason   string
}

func (r *Rotation) segment(t time.Time) segment {
	// First override that ends after t: either t is inside it or it is the
	// next one to start.
	i, _ := slices.BinarySearchFunc(r.overrides, t, func(o override, t time.Time) int {
		if o.end.After(t) {
			return 1
		}
		return -1
	})
	var next *override
	if i < len(r.overrides) {
		next = &r.overrides[i]
		if !next.start.After(t) {
			return segment{person: next.person, end: next.end, override: true, reason: next.reason}
		}
	}
	k := r.Week(t)
	n := len(r.people)
	seg := segment{person: r.people[((k%n)+n)%n], end: r.Handoff(k + 1)}
	if next != nil && next.start.Before(seg.end) {
		seg.end = next.start
	}
	return seg
}

func samePerson(a, b config.Person) bool { return strings.EqualFold(a.Address, b.Address) }

// Schedule holds every rotation of a config.
type Schedule struct {
	rotations []*Rotation
}

// NewSchedule compiles every rotation of cfg.
func NewSchedule(cfg *config.Config) (*Schedule, error) {
	s := &Schedule{}
	var errs []error
	for _, r := range cfg.Rotations {
		rot, err := NewRotation(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.rotations = append(s.rotations, rot)
	}
	return s, errors.Join(errs...)
}

// Names lists the rotations in config order.
func (s *Schedule) Names() []string {
	var out []string
	for _, r := range s.rotations {
		out = append(out, r.name)
	}
	return out
}

// Rotation returns the named rotation; "" means the first one.
func (s *Schedule) Rotation(name string) (*Rotation, error) {
	if len(s.rotations) == 0 {
		return nil, errors.New("the config has no rotations")
	}
	if name == "" {
		return s.rotations[0], nil
	}
	for _, r := range s.rotations {
		if r.name == name {
			return r, nil
		}
	}
	return nil, fmt.Errorf("unknown rotation %q (have %s)", name, strings.Join(s.Names(), ", "))
}

// OnCall is who is on call at t in the named rotation ("" for the first),
// ready for `escalationd oncall`: its JSON is {"name", "address", "until"}.
func (s *Schedule) OnCall(rotation string, t time.Time) (Shift, error) {
	r, err := s.Rotation(rotation)
	if err != nil {
		return Shift{}, err
	}
	return r.Shift(t), nil
}

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

// NewRotation compiles r; it is the one place the rules of a rotation live
// (everything set, the first shift a whole week, somebody always on call,
// overrides that neither run backwards nor overlap). Its error is a joined
// list of config.FieldError with paths relative to the rotation, so the
// caller can report each at its line with Config.Problems.
func NewRotation(r config.Rotation) (*Rotation, error) {
	var errs []error
	fail := func(path, format string, args ...any) { errs = append(errs, config.FieldErrorf(path, format, args...)) }
	if r.Timezone.IsZero() {
		fail("timezone", "missing timezone: use an IANA name such as America/New_York")
	}
	if r.HandoffDay.IsZero() {
		fail("handoff_day", "missing handoff_day (mon, tue, ...)")
	}
	if r.HandoffTime.IsZero() {
		fail("handoff_time", "missing handoff_time (HH:MM)")
	} else if r.HandoffTime.Minutes() == 24*60 {
		fail("handoff_time", "handoff_time 24:00 is the next day: use 00:00 and the next handoff_day")
	}
	if r.Start.IsZero() {
		fail("start", "missing start date (YYYY-MM-DD)")
	} else if !r.HandoffDay.IsZero() && r.Start.Weekday() != r.HandoffDay.Weekday() {
		fail("start", "start %s is a %s, but hand-offs happen on %s: the first shift would be short (a gap)", r.Start, r.Start.Weekday(), r.HandoffDay)
	}
	if len(r.People) == 0 {
		fail("", "rotation %q has no people: nobody would be on call (a gap)", r.Name)
	}
	loc := r.Timezone.Location()
	rot := &Rotation{name: r.Name, loc: loc, people: slices.Clone(r.People)}
	rot.year, rot.month, rot.day = r.Start.YMD()
	rot.hour, rot.min = r.HandoffTime.Minutes()/60, r.HandoffTime.Minutes()%60
	type span struct {
		i int
		override
	}
	var spans []span
	for i, o := range r.Overrides {
		op := fmt.Sprintf("overrides[%d]", i)
		if o.Start.IsZero() {
			fail(op+".start", "missing start (YYYY-MM-DD HH:MM)")
		}
		if o.End.IsZero() {
			fail(op+".end", "missing end (YYYY-MM-DD HH:MM)")
		}
		p, ok := r.PersonFor(o.Person)
		if !ok {
			fail(op+".person", "override person %q is neither a rotation member nor an address: nobody would be on call (a gap)", o.Person)
		}
		if loc == nil || o.Start.IsZero() || o.End.IsZero() {
			continue
		}
		s, e := o.Start.In(loc), o.End.In(loc)
		if !e.After(s) {
			fail(op, "override ends (%s) before it starts (%s)", o.End, o.Start)
			continue
		}
		spans = append(spans, span{i, override{start: s, end: e, person: p, reason: o.Reason}})
	}
	slices.SortStableFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	for k := 1; k < len(spans); k++ {
		prev, cur := spans[k-1], spans[k]
		if cur.start.Before(prev.end) {
			fail(fmt.Sprintf("overrides[%d]", cur.i), "override overlaps overrides[%d] (%s until %s): two people would be on call at once",
				prev.i, r.Overrides[prev.i].Start, r.Overrides[prev.i].End)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, sp := range spans {
		rot.overrides = append(rot.overrides, sp.override)
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

// NewSchedule compiles every rotation of cfg; its problems name the file
// and line. A rotation that does not compile is left out.
func NewSchedule(cfg *config.Config) (*Schedule, error) {
	s := &Schedule{}
	var errs []error
	for i, r := range cfg.Rotations {
		rot, err := NewRotation(r)
		if err != nil {
			errs = append(errs, cfg.Problems(fmt.Sprintf("rotations[%d]", i), err)...)
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

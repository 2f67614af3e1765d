// Package clock is the one source of time for escalationd's loops: the real
// clock in the daemon, a virtual one in tests and in `escalationd simulate`.
// Pure code never reads a clock at all; it takes now as a parameter.
package clock

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Clock tells the time and makes timers.
type Clock interface {
	Now() time.Time
	// NewTimer fires once, d from now.
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the loops use.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// NewTimer wraps time.NewTimer.
func (Real) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// Virtual is a clock that moves only when told to. Timers fire, in due
// order, as Advance or Set passes their time.
type Virtual struct {
	mu     sync.Mutex
	now    time.Time
	timers []*virtualTimer
}

// NewVirtual returns a virtual clock reading start.
func NewVirtual(start time.Time) *Virtual { return &Virtual{now: start} }

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// NewTimer returns a timer firing when the virtual time reaches now+d.
func (v *Virtual) NewTimer(d time.Duration) Timer {
	v.mu.Lock()
	defer v.mu.Unlock()
	t := &virtualTimer{v: v, at: v.now.Add(d), c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- v.now
		t.fired = true
		return t
	}
	v.timers = append(v.timers, t)
	return t
}

// Advance moves the clock forward by d, firing due timers.
func (v *Virtual) Advance(d time.Duration) { v.Set(v.Now().Add(d)) }

// Set moves the clock to t (never backwards), firing due timers.
func (v *Virtual) Set(t time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if t.Before(v.now) {
		return
	}
	v.now = t
	sort.Slice(v.timers, func(i, j int) bool { return v.timers[i].at.Before(v.timers[j].at) })
	keep := v.timers[:0]
	for _, tm := range v.timers {
		if !tm.at.After(t) {
			tm.fired = true
			tm.c <- tm.at
			continue
		}
		keep = append(keep, tm)
	}
	v.timers = keep
}

// NextTimer reports when the earliest pending timer fires.
func (v *Virtual) NextTimer() (time.Time, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	var next time.Time
	for _, tm := range v.timers {
		if next.IsZero() || tm.at.Before(next) {
			next = tm.at
		}
	}
	return next, !next.IsZero()
}

// Pending is the number of timers waiting to fire.
func (v *Virtual) Pending() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.timers)
}

type virtualTimer struct {
	v     *Virtual
	at    time.Time
	c     chan time.Time
	fired bool
}

func (t *virtualTimer) C() <-chan time.Time { return t.c }

func (t *virtualTimer) Stop() bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	if t.fired {
		return false
	}
	for i, tm := range t.v.timers {
		if tm == t {
			t.v.timers = append(t.v.timers[:i], t.v.timers[i+1:]...)
			break
		}
	}
	t.fired = true
	return true
}

// Sleep waits for d on c, returning early when wake delivers (nil may be
// passed) or ctx ends. It reports false when ctx ended.
func Sleep(ctx context.Context, c Clock, d time.Duration, wake <-chan struct{}) bool {
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-wake:
	case <-t.C():
	}
	return true
}

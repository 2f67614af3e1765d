package oauth

import (
	"context"
	"time"
)

// Problems an Alert reports.
const (
	ProblemRefreshFailed = "refresh-failed"
	ProblemExpiring      = "expiring"
)

// Alert intervals: the first notice at once, then after 1h, 2h, 4h, …,
// never more than a day apart.
const (
	firstRepeat = time.Hour
	maxRepeat   = 24 * time.Hour
	// errorProbe spaces Check's fetches while fetching fails, so an
	// unused source learns of a recovery too.
	errorProbe = 5 * time.Minute
)

// Alert is what the operator is told about a source.
type Alert struct {
	Server  string
	Problem string // ProblemRefreshFailed or ProblemExpiring
	Since   time.Time
	// Expiry of the token in hand (zero when none).
	Expiry time.Time
	Err    error
	// Count is 1 for the first notice of this problem, 2 for the next…
	Count int
	// Next is when the next notice is due if the problem lasts.
	Next time.Time
}

type alertState struct {
	problem string
	since   time.Time
	sent    int
	next    time.Time
}

// Check probes the source when that can tell more (no token yet, a failing
// fetch, or a token expiring within AlertBefore) and returns the alert due
// at the clock's time, or nil. Each alert is also logged at ERROR.
func (s *Source) Check(ctx context.Context) *Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Clock.Now()
	probe := time.Duration(-1)
	switch {
	case s.lastErr != nil || s.token == "":
		probe = errorProbe
	case len(s.opt.Command) == 0 && !s.expiry.IsZero() && !now.Before(s.expiry.Add(-s.opt.Margin)):
		// Keep a refresh token's access token fresh even while no login
		// needs it, so a revoked grant is noticed before mail is due.
		probe = 0
	case len(s.opt.Command) > 0 && !s.expiry.IsZero() && s.expiry.Sub(now) < s.opt.AlertBefore:
		// Only running the command again tells whether it can do better.
		probe = probeEvery
	}
	if probe >= 0 && (s.lastProbe.IsZero() || now.Sub(s.lastProbe) >= probe) {
		s.lastProbe = now
		_ = s.fetch(ctx, now) // recorded in lastErr
	}
	var problem string
	since := now
	switch {
	case s.lastErr != nil:
		problem, since = ProblemRefreshFailed, s.failingSince
	case s.stale && !s.expiry.IsZero() && s.expiry.Sub(now) < s.opt.AlertBefore:
		problem = ProblemExpiring
	}
	if problem == "" {
		if s.alert.sent > 0 {
			s.log.Info("oauth token healthy again", "expiry", s.expiry)
		}
		s.alert = alertState{}
		return nil
	}
	if s.alert.problem != problem {
		s.alert = alertState{problem: problem, since: since}
	}
	if s.alert.sent > 0 && now.Before(s.alert.next) {
		return nil
	}
	s.alert.sent++
	s.alert.next = now.Add(min(firstRepeat<<(s.alert.sent-1), maxRepeat))
	a := &Alert{Server: s.opt.Name, Problem: problem, Since: s.alert.since, Expiry: s.expiry, Err: s.lastErr,
		Count: s.alert.sent, Next: s.alert.next}
	s.log.Error("oauth token alert", "problem", problem, "since", a.Since, "expiry", a.Expiry, "err", a.Err,
		"notice", a.Count, "next_notice", a.Next)
	return a
}

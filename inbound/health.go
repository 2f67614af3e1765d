package inbound

import (
	"time"
)

// Health: what a poller tells the daemon's readiness, STATUS= and watchdog.
//
// A poller is up once it has logged in and selected its folder (Up closes
// then, once). Its loop records progress at every step it takes (a
// connection attempt, the start of a pass, each stored message, entering
// IDLE or the poll sleep, a reconnect backoff), each with how long the
// step may take before the loop counts as stuck: twice the poll interval
// plus the IMAP command timeout (every exchange with the server has that
// deadline, so a slow or dead server ends the step in time and is never
// taken for a stuck loop), plus the dial timeout for a connection attempt
// and the delay for a backoff. Waiting in IDLE is progress: a quiet
// mailbox is not a stuck one. A mailbox whose server refuses the login is
// not stuck either: it keeps retrying, and shows as down (DownSince,
// LastError).

// Default for Options.DownAlertAfter, and the bounds of the slowing ERROR
// lines while a mailbox stays down.
const (
	DefaultDownAlertAfter = 2 * time.Minute
	downAlertFirstRepeat  = time.Minute
	downAlertMaxRepeat    = time.Hour
	// dialTimeout bounds the TCP connect of a connection attempt.
	dialTimeout = 30 * time.Second
)

// Up is closed once the poller has logged in and selected its folder for
// the first time.
func (p *Poller) Up() <-chan struct{} { return p.up }

// Stalled reports whether the poller's loop has taken longer than its
// current step allows (see the package's Health notes), and how long it
// has been silent.
func (p *Poller) Stalled(now time.Time) (bool, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	silent := now.Sub(p.status.LastProgress)
	return silent > p.allow, silent
}

// progress records that the loop took a step which may take up to allow.
func (p *Poller) progress(allow time.Duration) {
	now := p.opt.Clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status.LastProgress = now
	p.allow = allow
}

// stepAllow is how long one step of the loop may take.
func (p *Poller) stepAllow() time.Duration {
	return 2*p.opt.Mailbox.PollInterval.D() + p.opt.CommandTimeout
}

// markUp records a successful login and select.
func (p *Poller) markUp() {
	now := p.opt.Clock.Now()
	var wasDown time.Time
	p.setStatus(func(st *Status) {
		wasDown = st.DownSince
		st.Connected, st.LastError, st.DownSince = true, "", time.Time{}
	})
	if !p.alertAt.IsZero() {
		// It was reported down at ERROR: say that it is back.
		p.log.Info("mailbox up again", "down_for", now.Sub(wasDown).Round(time.Second))
	}
	p.alertAt, p.alertEvery = time.Time{}, 0
	p.upOnce.Do(func() { close(p.up) })
}

// markDown records a failed attempt (or a lost session) and logs it: WARN,
// but ERROR once the mailbox has been down for DownAlertAfter and then
// again after 1m, 2m, 4m, … (at most hourly) while it stays down.
func (p *Poller) markDown(err error, failures int, delay time.Duration) {
	now := p.opt.Clock.Now()
	var since time.Time
	p.setStatus(func(st *Status) {
		st.Connected = false
		st.LastError = err.Error()
		st.Failures = failures
		if st.DownSince.IsZero() {
			st.DownSince = now
		}
		since = st.DownSince
	})
	down := now.Sub(since)
	if down >= p.opt.DownAlertAfter && !now.Before(p.alertAt) {
		if p.alertAt.IsZero() {
			p.alertEvery = downAlertFirstRepeat
		} else {
			p.alertEvery = min(2*p.alertEvery, downAlertMaxRepeat)
		}
		p.alertAt = now.Add(p.alertEvery)
		p.log.Error("mailbox down: cannot log in and select the folder", "err", err, "down_for", down.Round(time.Second),
			"failures", failures, "retry_in", delay.Round(time.Millisecond), "next_report_in", p.alertEvery)
		return
	}
	p.log.Warn("mailbox connection failed, retrying", "err", err, "retry_in", delay.Round(time.Millisecond), "failures", failures)
}

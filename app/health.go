package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"escalationd/internal/clock"
	"escalationd/internal/systemd"
	"escalationd/store"
)

// Health as systemd sees it (Type=notify):
//
//   - READY=1 once every mailbox has logged in and selected its folder, or
//     after gateway.start_timeout with STATUS= naming the ones that are
//     not up (they keep retrying; a refused login is no reason to hold
//     back the outbox and the SLA timers).
//   - STATUS= kept current: mailboxes up, outbox depth, and why the
//     daemon is not healthy when it is not.
//   - WATCHDOG=1 only while the database takes a write (store.Ping) and no
//     poller's loop is stuck (inbound.Poller.Stalled: waiting in IDLE and
//     reconnect backoff count as progress). When either fails the pings
//     stop and systemd restarts the service after WatchdogSec.

// statusEvery is how often STATUS= is refreshed when no watchdog asks for
// more, and how often it is refreshed while waiting for readiness.
const (
	statusEvery      = 15 * time.Second
	startStatusEvery = time.Second
)

// notifier sends to the service manager; STATUS= only when it changed.
// Until READY=1 (and again from RELOADING=1) the start owns STATUS=, and
// the health loop's lines wait.
type notifier struct {
	mu      sync.Mutex
	last    string
	isReady bool
}

func (n *notifier) status(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.send("", s)
}

func (n *notifier) statusIfReady(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.isReady {
		n.send("", s)
	}
}

// ready sends READY=1 together with the current status.
func (n *notifier) ready(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.isReady = true
	n.last = ""
	n.send("READY=1\n", s)
}

// reloading sends RELOADING=1 (with the CLOCK_MONOTONIC time systemd wants).
func (n *notifier) reloading() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.isReady = false
	_, _ = systemd.Notify(fmt.Sprintf("RELOADING=1\nMONOTONIC_USEC=%d", monotonicUsec()))
}

// send sends prefix and STATUS=s unless s is what STATUS= already says
// (a prefix is always sent). A status is one line.
func (n *notifier) send(prefix, s string) {
	s = strings.Join(strings.Fields(s), " ")
	if s == n.last && prefix == "" {
		return
	}
	n.last = s
	_, _ = systemd.Notify(prefix + "STATUS=" + s)
}

// waitUp waits until every poller is up, timeout passes or ctx ends,
// keeping STATUS= current meanwhile. It reports whether all are up.
func (g *Gateway) waitUp(ctx context.Context, clk clock.Clock, timeout time.Duration, n *notifier, reload <-chan struct{}) (up, reloadPending bool) {
	deadline := clk.NewTimer(timeout)
	defer deadline.Stop()
	for _, p := range g.Pollers {
		for {
			n.status("starting: " + g.statusText(ctx))
			tick := clk.NewTimer(startStatusEvery)
			select {
			case <-p.Up():
			case <-tick.C():
				continue
			case <-deadline.C():
				tick.Stop()
				return false, false
			case <-reload:
				tick.Stop()
				return false, true
			case <-ctx.Done():
				tick.Stop()
				return false, false
			}
			tick.Stop()
			break
		}
	}
	return true, false
}

// statusText is "2 of 2 mailboxes up; outbox 0 pending", naming the
// mailboxes that are not up and why.
func (g *Gateway) statusText(ctx context.Context) string {
	up := 0
	var down []string
	for _, p := range g.Pollers {
		st := p.Status()
		if st.Connected {
			up++
			continue
		}
		why := "not logged in yet"
		if st.LastError != "" {
			why = st.LastError
		}
		down = append(down, st.Mailbox+": "+why)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d mailboxes up", up, len(g.Pollers))
	if len(down) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(down, "; "))
	}
	if counts, err := g.Store.OutboxCounts(ctx); err == nil {
		fmt.Fprintf(&b, "; outbox %d pending", counts[store.MailPending])
	} else {
		b.WriteString("; outbox unknown")
	}
	return b.String()
}

// problems lists what keeps the gateway from being healthy: a database
// that takes no write, a poller whose loop is stuck.
func (g *Gateway) problems(ctx context.Context, now time.Time) []string {
	var out []string
	if err := g.Store.Ping(ctx); err != nil {
		out = append(out, err.Error())
	}
	for _, p := range g.Pollers {
		if stalled, silent := p.Stalled(now); stalled {
			out = append(out, fmt.Sprintf("mailbox %s stuck for %s", p.Status().Mailbox, silent.Round(time.Second)))
		}
	}
	return out
}

// health is the process's health loop (it outlives a reload): every tick
// it refreshes STATUS= and, when the watchdog is on and the running
// gateway is healthy, sends WATCHDOG=1. While no gateway runs (a reload
// in progress) the process itself is the one alive: it pings.
func health(ctx context.Context, log *slog.Logger, clk clock.Clock, cur *atomic.Pointer[Gateway], n *notifier, watchdog time.Duration) {
	every := statusEvery
	if watchdog > 0 {
		every = min(watchdog, statusEvery)
	}
	var wasUnhealthy bool
	for {
		g := cur.Load()
		if g == nil {
			if watchdog > 0 {
				_, _ = systemd.Notify("WATCHDOG=1")
			}
		} else {
			var problems []string
			if watchdog > 0 {
				pctx, cancel := context.WithTimeout(ctx, watchdog)
				problems = g.problems(pctx, clk.Now())
				cancel()
			}
			text := g.statusText(ctx)
			if cur.Load() != g || ctx.Err() != nil {
				// Stopped (reload, shutdown) while we looked: what
				// failed was the closing, not the daemon.
				problems = nil
			}
			switch {
			case len(problems) > 0:
				n.statusIfReady(text + "; not healthy, watchdog withheld: " + strings.Join(problems, "; "))
				if !wasUnhealthy {
					log.Error("not healthy: withholding the watchdog keep-alive", "problems", problems)
				}
				wasUnhealthy = true
			default:
				n.statusIfReady(text)
				if wasUnhealthy {
					log.Info("healthy again: watchdog keep-alive resumed")
				}
				wasUnhealthy = false
				if watchdog > 0 {
					_, _ = systemd.Notify("WATCHDOG=1")
				}
			}
		}
		if !clock.Sleep(ctx, clk, every, nil) {
			return
		}
	}
}

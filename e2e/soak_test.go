package e2e

import (
	"flag"
	"math/rand/v2"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"escalationd/internal/mailtest"
)

// The soak test runs in the normal suite with 500 mails (about 15 s). The
// full run takes a few thousand:
//
//	go test ./e2e -run TestSoak -v -soak            (3000 mails)
//	SOAK=1 go test ./e2e -run TestSoak -v -soak.messages 10000 -timeout 30m
var (
	soakFull     = flag.Bool("soak", false, "soak test: the full run (also SOAK=1)")
	soakMessages = flag.Int("soak.messages", 3000, "soak test: mails in the full run")
)

// TestSoak sends a few thousand mails (valid, malformed, never answered)
// in four waves through the real binary, real Dovecot and real Mailpit,
// restarting Dovecot during the second wave and Mailpit during the third,
// and checks that nothing was lost and nothing duplicated. It reports
// throughput.
func TestSoak(t *testing.T) {
	n := 500
	if *soakFull || os.Getenv("SOAK") == "1" {
		n = *soakMessages
	}
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	t.Logf("soak: %d mails, seed %d", n, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	dove := mailtest.StartDovecotWith(t, mailtest.DovecotOptions{})
	e := newEnv(t, envOptions{dovecot: dove, edit: func(doc string) string {
		return fastRetries(strings.Replace(doc, "rejections_global: 100", "rejections_global: 1000000", 1))
	}})
	backlog := crashBacklog(rng, n)
	want := map[string]bool{}
	for _, m := range backlog {
		for _, k := range m.mails {
			want[k] = true
		}
	}
	appendWave := func(i int) {
		lo, hi := i*n/4, (i+1)*n/4
		raws := make([][]byte, 0, hi-lo)
		for _, m := range backlog[lo:hi] {
			raws = append(raws, m.raw)
		}
		e.dove.AppendMany(t, e.escUser, "INBOX", raws)
	}

	// Checking progress runs doveadm, which competes with the daemon for
	// the machine: not too often.
	poll := 250 * time.Millisecond
	p := startProc(t, e.cfgPath, nil)
	life := lifetime{start: p.start}
	begin := time.Now()
	var appending time.Duration
	wave := func(i int) {
		t0 := time.Now()
		appendWave(i)
		appending += time.Since(t0)
	}
	wave(0)
	wave(1)
	waitEvery(t, "the second wave to be under way", 300*time.Second, poll, func() bool { return e.handledCount() >= n/4+n/16 })
	dove.Restart(t)
	imapBack := time.Now()
	wave(2)
	waitEvery(t, "the third wave to be under way", 300*time.Second, poll, func() bool { return e.handledCount() >= n/2+n/16 })
	e.pit.Restart(t)
	smtpBack := time.Now()
	wave(3)
	waitEvery(t, "every mail to be handled", 600*time.Second, poll, func() bool { return e.handledCount() == n && e.inboxCount() == 0 })
	handled := time.Since(begin)
	waitEvery(t, "every answer to be delivered", 300*time.Second, poll, func() bool { return e.pit.Count(t) >= len(want) })
	delivered := time.Since(begin)
	time.Sleep(time.Second) // a duplicate would arrive now
	p.signal(syscall.SIGTERM)
	if err, ok := p.wait(30 * time.Second); !ok || err != nil {
		t.Fatalf("exit: %v (exited %v)\n%s", err, ok, p.log())
	}
	life.end = time.Now()
	got, dups := e.checkCrashOutcome(backlog, want, []lifetime{life})
	if dups != 0 {
		t.Errorf("%d duplicates without a crash", dups)
	}
	t.Logf("SOAK SUMMARY: mails_in=%d cases=%d mails_out=%d delivered=%d duplicates=%d lost=%d; all handled in %.1fs (%.0f mails/s, Dovecot restarted at %.1fs), all delivered in %.1fs (%.0f mails/s, Mailpit restarted at %.1fs); %.1fs of it spent appending; %d IMAP logins",
		n, countValid(backlog), len(want), got, dups, len(want)-(got-dups), handled.Seconds(), float64(n)/handled.Seconds(),
		imapBack.Sub(begin).Seconds(), delivered.Seconds(), float64(len(want))/delivered.Seconds(), smtpBack.Sub(begin).Seconds(),
		appending.Seconds(), connects(p.log()))
}

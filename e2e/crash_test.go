package e2e

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"escalationd/internal/mailtest"
	"escalationd/store"
)

// The crash harness runs in CI with its defaults (40 kills, 400 mails).
// Run it longer by hand, for example:
//
//	go test ./e2e -run TestCrashHarness -v -timeout 1h \
//	    -crash.kills 500 -crash.messages 5000 -crash.seed 42
//
// Every run logs its seed; the same seed gives the same mails and the same
// sequence of kill decisions (the moments still depend on the machine).
var (
	crashKills    = flag.Int("crash.kills", 40, "crash harness: SIGKILLs while the backlog is worked through")
	crashMessages = flag.Int("crash.messages", 400, "crash harness: mails in the backlog (valid, malformed and ignored)")
	crashSeed     = flag.Uint64("crash.seed", 0, "crash harness: random seed (0: from the clock)")
)

// crashMail is one source mail and what it must produce.
type crashMail struct {
	raw       []byte
	messageID string
	folder    string   // Processed or Rejected
	ticket    string   // valid escalations: the case's ticket
	mails     []string // logical keys of the mails it must cause
}

// crashBacklog builds n mails: 70% valid escalations (each routed and
// receipted to the escalating agent, an internal address; a tenth of them
// Critical, which adds an incident notice; a fifth Low, whose routed mail
// waits for the daily backlog digest), 15% malformed (one rejection
// reply each, from distinct senders so no rate limit applies) and 15% that
// must never be answered (auto-replies, list mail, loops, outsiders,
// bounces).
func crashBacklog(rng *rand.Rand, n int) []crashMail {
	out := make([]crashMail, 0, n)
	urgencies := []string{"Low", "Medium", "High", "High", "High", "Medium", "High", "Low", "High", "Critical"}
	for i := 1; i <= n; i++ {
		key := fmt.Sprintf("CRASH-%05d", i)
		id := strings.ToLower(key) + "@helpdesk.craudiovizai.com"
		switch r := rng.IntN(100); {
		case r < 70:
			u := urgencies[rng.IntN(len(urgencies))]
			m := crashMail{raw: validMail(key, u), messageID: id, folder: "Processed", ticket: key, mails: []string{"routed/" + key, "receipt/" + key}}
			if u == "Low" {
				// A Low case is a backlog case: its routed mail waits for
				// the team's next daily digest; only the receipt goes now.
				m.mails = []string{"receipt/" + key}
			}
			if u == "Critical" {
				m.mails = append(m.mails, "incident/"+key)
			}
			out = append(out, m)
		case r < 85:
			from := fmt.Sprintf("agent%05d@craudiovizai.com", i)
			out = append(out, crashMail{raw: malformedMail(key, from), messageID: id, folder: "Rejected", mails: []string{"rejection/" + from}})
		default:
			k := ignoredKinds[rng.IntN(len(ignoredKinds))]
			raw := k.build(key)
			mid := id
			if k.name == "bounce" {
				mid = "bounce-" + strings.ToLower(key) + "@mx.craudiovizai.com"
			}
			out = append(out, crashMail{raw: raw, messageID: mid, folder: "Rejected"})
		}
	}
	return out
}

// lifetime is one run of the daemon.
type lifetime struct {
	start, end time.Time
	killed     bool
	atWork     bool // the backlog was not done when it was killed
	work       int64
}

// TestCrashHarness kills the real binary with SIGKILL at random moments
// while it works through a backlog in real Dovecot, sending to real
// Mailpit, restarts it each time, and checks at the end that nothing was
// lost, every escalation was routed once and receipted to its agent once,
// every duplicate delivery is a
// resend of the same mail (same Message-ID) and at most one per kill, and
// every source mail ended in Processed or Rejected exactly once.
func TestCrashHarness(t *testing.T) {
	kills, n := *crashKills, *crashMessages
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("crash harness: seed %d, %d kills, %d mails (rerun with -crash.seed %d)", seed, kills, n, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	e := newEnv(t, envOptions{edit: func(doc string) string {
		// Distinct senders keep every malformed mail under the
		// per-sender limit; the global one must not cap a long run.
		doc = strings.Replace(doc, "rejections_global: 100", "rejections_global: 1000000", 1)
		// Batches of 10, not 100: the kills must outnumber the batches'
		// commits, or the backlog is done before they are, and each kill
		// should land somewhere in a batch's store, handle and move.
		return strings.Replace(doc, "    poll_interval: 2s\n", "    poll_interval: 2s\n    fetch_batch: 10\n", 2)
	}})
	backlog := crashBacklog(rng, n)
	want := map[string]bool{}
	for _, m := range backlog {
		for _, k := range m.mails {
			want[k] = true
		}
	}
	raws := make([][]byte, len(backlog))
	for i, m := range backlog {
		raws[i] = m.raw
	}
	t0 := time.Now()
	e.dove.AppendMany(t, e.escUser, "INBOX", raws)
	t.Logf("appended %d mails in %.1fs; %d mails expected out", n, time.Since(t0).Seconds(), len(want))

	// Per-run logs are kept when the test fails.
	logDir, err := os.MkdirTemp("", "escalationd-crash-logs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			os.RemoveAll(logDir)
		}
	})
	var lives []lifetime
	begin := time.Now()
	for k := 0; k < kills; k++ {
		// Spread the kills over what is left: a kill comes after at most
		// the remaining work's progress lines shared among the remaining
		// kills (half of that on average), so the backlog outlasts them.
		left := n - e.handledCount()
		budget := max(1, 3*left/(kills-k+1))
		p := startProc(t, e.cfgPath, nil)
		life := lifetime{start: p.start, killed: true}
		if rng.IntN(5) == 0 {
			// Anywhere in the first 80 ms: exec, migrations, login,
			// select, the first fetch.
			time.Sleep(time.Duration(rng.IntN(80_000)) * time.Microsecond)
		} else {
			target := int64(1 + rng.IntN(budget))
			deadline := time.After(10 * time.Second)
		wait:
			for p.work.Load() < target {
				select {
				case <-p.workCh:
				case <-deadline:
					break wait
				case <-p.done:
					t.Fatalf("daemon exited by itself: %v\n%s", p.err, p.log())
				}
			}
			// Then anywhere in the next few milliseconds: inside a
			// transaction, between an SMTP reply and its record, in a
			// MOVE.
			if j := rng.IntN(4000); j > 0 {
				time.Sleep(time.Duration(j) * time.Microsecond)
			}
		}
		p.kill()
		life.end, life.work = time.Now(), p.work.Load()
		life.atWork = e.handledCount() < n
		lives = append(lives, life)
		_ = os.WriteFile(filepath.Join(logDir, fmt.Sprintf("run-%03d.log", k)), []byte(p.log()), 0o600)
		if strings.Contains(p.log(), "level=ERROR") {
			t.Logf("run %d logged errors:\n%s", k, grepLines(p.log(), "level=ERROR"))
		}
	}
	killPhase := time.Since(begin)

	// The last run finishes the backlog and stops cleanly.
	p := startProc(t, e.cfgPath, nil)
	final := lifetime{start: p.start}
	waitFor(t, "the backlog to be finished", 120*time.Second, func() bool {
		return e.handledCount() == n && e.pit.Count(t) >= len(want) && e.inboxCount() == 0
	})
	time.Sleep(300 * time.Millisecond) // a late duplicate would arrive now
	p.signal(syscall.SIGTERM)
	if err, ok := p.wait(30 * time.Second); !ok || err != nil {
		t.Fatalf("final run: exit %v (exited %v)\n%s", err, ok, p.log())
	}
	final.end = time.Now()
	lives = append(lives, final)
	total := time.Since(begin)

	atWork := 0
	for _, l := range lives {
		if l.killed && l.atWork {
			atWork++
		}
	}
	if atWork < kills {
		t.Errorf("only %d of %d kills came before the backlog was done", atWork, kills)
	}
	delivered, dups := e.checkCrashOutcome(backlog, want, lives)
	lost := len(want) - (delivered - dups)
	t.Logf("CRASH SUMMARY: seed=%d kills=%d (before the backlog was done: %d) mails_in=%d cases=%d mails_expected=%d delivered=%d duplicates=%d (all with the first copy's Message-ID) lost=%d kill_phase=%.1fs total=%.1fs",
		seed, kills, atWork, n, countValid(backlog), len(want), delivered, dups, lost, killPhase.Seconds(), total.Seconds())
	if t.Failed() {
		t.Logf("per-run logs kept in %s", logDir)
	}
}

func countValid(b []crashMail) int {
	n := 0
	for _, m := range b {
		if m.ticket != "" {
			n++
		}
	}
	return n
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// handledCount is how many mails are in Processed or Rejected.
func (e *env) handledCount() int {
	n := 0
	for _, f := range e.dove.Mailboxes(e.t, e.escUser) {
		if f == "Processed" || f == "Rejected" {
			n += int(e.dove.Status(e.t, e.escUser, f).Messages)
		}
	}
	return n
}

func (e *env) inboxCount() int { return int(e.dove.Status(e.t, e.escUser, "INBOX").Messages) }

// checkCrashOutcome asserts the crash harness's claims and returns how
// many mails Mailpit holds and how many of them are duplicates.
func (e *env) checkCrashOutcome(backlog []crashMail, want map[string]bool, lives []lifetime) (delivered, dups int) {
	t := e.t
	t.Helper()
	// Mailpit: every expected mail, nothing else; copies of one mail share
	// its Message-ID.
	msgs := e.pit.Messages(t)
	byKey := map[string][]mailtest.MailpitMessage{}
	idOf := map[string]string{}
	for _, m := range msgs {
		key := e.logicalKey(m)
		if !want[key] {
			t.Errorf("unexpected mail %q (%s) to %v", m.Subject, key, m.To)
			continue
		}
		if prev, ok := idOf[key]; ok && prev != m.MessageID {
			t.Errorf("%s delivered with two Message-IDs: %s and %s", key, prev, m.MessageID)
		}
		idOf[key] = m.MessageID
		byKey[key] = append(byKey[key], m)
	}
	for k := range want {
		if len(byKey[k]) == 0 {
			t.Errorf("lost: %s never arrived", k)
		}
	}
	// A duplicate is a copy the server accepted before a kill stopped the
	// daemon from recording it; each killed run can leave at most one
	// such copy, the one in flight.
	perRun := make([]int, len(lives))
	for key, copies := range byKey {
		slices.SortFunc(copies, func(a, b mailtest.MailpitMessage) int { return a.Created.Compare(b.Created) })
		for _, c := range copies[:len(copies)-1] {
			dups++
			// Mailpit stamps in milliseconds: allow for the rounding.
			run := -1
			for i := len(lives) - 1; i >= 0; i-- {
				if !c.Created.Before(lives[i].start.Add(-5 * time.Millisecond)) {
					run = i
					break
				}
			}
			t.Logf("duplicate: %s (Message-ID %s) %d copies, first in run %d", key, c.MessageID, len(copies), run)
			if run < 0 || !lives[run].killed {
				t.Errorf("duplicate %s in run %d, which was not killed", key, run)
				continue
			}
			perRun[run]++
		}
	}
	for i, c := range perRun {
		if c > 1 {
			t.Errorf("run %d left %d duplicates; a kill may cause at most one", i, c)
		}
	}

	// Dovecot: INBOX empty, each source mail in its folder exactly once,
	// \Seen.
	if n := e.inboxCount(); n != 0 {
		t.Errorf("INBOX still holds %d mails", n)
	}
	where := map[string][]string{}
	for _, f := range []string{"Processed", "Rejected"} {
		for _, m := range e.dove.Messages(t, e.escUser, f) {
			where[m.MessageID] = append(where[m.MessageID], f)
			if !m.HasFlag(imap.FlagSeen) {
				t.Errorf("%s in %s is not \\Seen", m.MessageID, f)
			}
		}
	}
	for _, m := range backlog {
		if got := where[m.messageID]; len(got) != 1 || got[0] != m.folder {
			t.Errorf("%s: in %v, want once in %s", m.messageID, got, m.folder)
		}
	}

	// The database: one case per valid escalation, every mail sent.
	st, err := store.Open(context.Background(), e.dbPath())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	cases, err := st.Cases(ctx, store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	perTicket := map[string]int{}
	for _, c := range cases {
		perTicket[c.Ticket]++
	}
	for _, m := range backlog {
		if m.ticket != "" && perTicket[m.ticket] != 1 {
			t.Errorf("%s: %d cases, want 1", m.ticket, perTicket[m.ticket])
		}
	}
	if v := countValid(backlog); len(cases) != v {
		t.Errorf("%d cases, want %d", len(cases), v)
	}
	outbox, err := st.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if outbox[store.MailSent] != len(want) || len(outbox) != 1 {
		t.Errorf("outbox %v, want %d sent and nothing else", outbox, len(want))
	}
	counts, err := st.MessageCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["failed:rejected"] > 0 {
		t.Errorf("messages parked as failed: %v", counts)
	}
	return len(msgs), dups
}

// logicalKey names the mail a Mailpit message is, independent of its
// Message-ID: event and ticket for case mail, event and recipient for a
// rejection reply.
func (e *env) logicalKey(m mailtest.MailpitMessage) string {
	h := e.pit.Headers(e.t, m.ID)
	get := func(k string) string {
		if v := h[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	ev := get("X-Escalation-Event")
	if ticket := get("X-Escalation-Ticket"); ticket != "" {
		return ev + "/" + ticket
	}
	if len(m.To) > 0 {
		return ev + "/" + m.To[0].Address
	}
	return ev + "/?"
}

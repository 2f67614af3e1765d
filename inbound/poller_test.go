package inbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"

	"escalationd/config"
	"escalationd/internal/clock"
	"escalationd/internal/mailtest"
	"escalationd/store"
)

// fakeProcessor decides by subject: "bad" → rejected, else processed. It
// fails the first failures calls for subjects containing "flaky".
type fakeProcessor struct {
	st       *store.Store
	mu       sync.Mutex
	seen     map[int64]int
	failures int
	always   bool // "flaky" never succeeds
}

func (f *fakeProcessor) Process(ctx context.Context, id int64) (string, error) {
	m, err := f.st.Message(ctx, id)
	if err != nil {
		return "", err
	}
	if m.State != store.MessageNew {
		return m.Outcome, nil
	}
	f.mu.Lock()
	f.seen[id]++
	n := f.seen[id]
	f.mu.Unlock()
	raw := string(m.Raw)
	if strings.Contains(raw, "flaky") && (f.always || n <= f.failures) {
		return "", errors.New("render routed mail: template: routed:3: nil pointer")
	}
	if strings.Contains(raw, "diskfull") && n <= f.failures {
		return "", fmt.Errorf("handle message %d: %w", id, sqlite3.Error{Code: sqlite3.ErrFull})
	}
	outcome := store.OutcomeProcessed
	if strings.Contains(raw, "Subject: bad") {
		outcome = store.OutcomeRejected
	}
	err = f.st.InTx(ctx, func(tx *store.Tx) error { return tx.MarkHandled(id, "case", "", outcome, 0, time.Now()) })
	return outcome, err
}

func (f *fakeProcessor) calls(id int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[id]
}

type pollerEnv struct {
	srv  *mailtest.IMAPMem
	st   *store.Store
	proc *fakeProcessor
	mb   config.Mailbox
	log  *mailtest.SyncBuffer
}

func newEnv(t *testing.T, opts mailtest.IMAPMemOptions) *pollerEnv {
	t.Helper()
	opts.Users = []string{"escalations"}
	srv := mailtest.StartIMAPMem(t, opts)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "in.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mb := config.Mailbox{Name: "escalations", Address: "escalations@example.com", Host: "127.0.0.1", Port: srv.Port(), TLS: config.TLSNone,
		Username: "escalations", Folder: "INBOX", ProcessedFolder: "Processed", RejectedFolder: "Rejected",
		PollInterval: config.Duration(time.Second)}
	mb.Password = mailtest.DefaultPassword
	return &pollerEnv{srv: srv, st: st, proc: &fakeProcessor{st: st, seen: map[int64]int{}}, mb: mb, log: &mailtest.SyncBuffer{}}
}

// run starts a poller and returns a stop function that waits for it.
func (e *pollerEnv) run(t *testing.T, maxAttempts int) func() {
	t.Helper()
	return e.runWith(t, e.proc, maxAttempts)
}

func msg(subject string) []byte {
	return []byte(fmt.Sprintf("From: a@example.com\r\nTo: escalations@example.com\r\nSubject: %s\r\nMessage-ID: <%s@test>\r\n\r\nbody %s\r\n",
		subject, strings.ReplaceAll(subject, " ", "-"), subject))
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// count is the number of messages in a folder, 0 while it does not exist.
func (e *pollerEnv) count(t *testing.T, folder string) int {
	if !slices.Contains(e.srv.Mailboxes(t, "escalations"), folder) {
		return 0
	}
	return len(e.srv.Messages(t, "escalations", folder))
}

func subjects(msgs []mailtest.Msg) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Subject)
	}
	slices.Sort(out)
	return out
}

func hasSeen(m mailtest.Msg) bool { return slices.Contains(m.Flags, `\Seen`) }

func TestPollerMovesToFolders(t *testing.T) {
	for name, opts := range map[string]mailtest.IMAPMemOptions{"move": {}, "copy-delete-expunge": {DisableMove: true}} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, opts)
			e.srv.Append(t, "escalations", "INBOX", msg("good one"))
			e.srv.Append(t, "escalations", "INBOX", msg("bad one"))
			stop := e.run(t, 5)
			defer stop()
			waitFor(t, "the backlog to be moved", func() bool { return e.count(t, "INBOX") == 0 })
			// Mail arriving while the poller waits in IDLE is picked up too.
			e.srv.Append(t, "escalations", "INBOX", msg("good two"))
			waitFor(t, "new mail to be moved", func() bool {
				return e.count(t, "Processed") == 2
			})
			processed := e.srv.Messages(t, "escalations", "Processed")
			rejected := e.srv.Messages(t, "escalations", "Rejected")
			if got := subjects(processed); !slices.Equal(got, []string{"good one", "good two"}) {
				t.Fatalf("Processed = %v", got)
			}
			if got := subjects(rejected); !slices.Equal(got, []string{"bad one"}) {
				t.Fatalf("Rejected = %v", got)
			}
			for _, m := range append(processed, rejected...) {
				if !hasSeen(m) {
					t.Errorf("%q not \\Seen: %v", m.Subject, m.Flags)
				}
				if slices.Contains(m.Flags, `\Deleted`) {
					t.Errorf("%q copied with \\Deleted", m.Subject)
				}
			}
			cur, _, _ := e.st.Cursor(context.Background(), "escalations")
			if cur.LastUID != 3 {
				t.Fatalf("cursor = %+v", cur)
			}
		})
	}
}

func TestPollerRetriesFailedHandlingAndParksPoisonMail(t *testing.T) {
	e := newEnv(t, mailtest.IMAPMemOptions{})
	e.proc.always = true
	e.srv.Append(t, "escalations", "INBOX", msg("flaky one"))
	e.srv.Append(t, "escalations", "INBOX", msg("good one"))
	e.mb.PollInterval = config.Duration(time.Second)
	stop := e.run(t, 2)
	defer stop()
	// The poison mail must not stall the good one behind it.
	waitFor(t, "the good mail", func() bool { return e.count(t, "Processed") == 1 })
	// Handling the flaky one failed: stored, unseen, still in INBOX, retried
	// on the next pass and parked after MaxAttempts.
	waitFor(t, "the poison mail to be parked", func() bool { return e.count(t, "Rejected") == 1 })
	m, _ := e.st.Message(context.Background(), 1)
	if m.State != store.MessageFailed || m.Attempts != 2 || e.proc.calls(1) != 2 {
		t.Fatalf("parked message = %+v, %d calls", m, e.proc.calls(1))
	}
}

func TestPollerLeavesUnhandledMailUnseen(t *testing.T) {
	e := newEnv(t, mailtest.IMAPMemOptions{})
	e.proc.failures = 1000
	e.srv.Append(t, "escalations", "INBOX", msg("flaky one"))
	stop := e.run(t, 1000)
	waitFor(t, "the first attempt", func() bool { return e.proc.calls(1) >= 1 })
	stop()
	inbox := e.srv.Messages(t, "escalations", "INBOX")
	if len(inbox) != 1 || hasSeen(inbox[0]) {
		t.Fatalf("unhandled mail was touched on the server: %+v", inbox)
	}
	// Next start: handled now, then moved; not fetched and stored twice.
	e.proc.failures = 0
	stop = e.run(t, 1000)
	defer stop()
	waitFor(t, "the retried mail", func() bool { return e.count(t, "Processed") == 1 })
	counts, _ := e.st.MessageCounts(context.Background())
	if counts["handled:processed"] != 1 || len(counts) != 1 {
		t.Fatalf("message rows: %v", counts)
	}
}

func TestPollerReconnectsAfterOutage(t *testing.T) {
	e := newEnv(t, mailtest.IMAPMemOptions{})
	stop := e.run(t, 5)
	defer stop()
	e.srv.Append(t, "escalations", "INBOX", msg("before"))
	waitFor(t, "the first mail", func() bool { return e.count(t, "Processed") == 1 })
	e.srv.SetDown(true)
	waitFor(t, "a reconnect failure to be logged", func() bool {
		w := e.log.String()
		return strings.Contains(w, "mailbox connection failed")
	})
	e.srv.Append(t, "escalations", "INBOX", msg("during"))
	e.srv.SetDown(false)
	waitFor(t, "mail from the outage", func() bool { return e.count(t, "Processed") == 2 })
}

func TestPollerRefusesBadPassword(t *testing.T) {
	e := newEnv(t, mailtest.IMAPMemOptions{})
	e.mb.Password = "wrong"
	stop := e.run(t, 5)
	defer stop()
	waitFor(t, "the login failure", func() bool { return strings.Contains(e.log.String(), "login as escalations") })
	if strings.Contains(e.log.String(), "wrong") {
		t.Fatal("the password reached the log")
	}
}

// A database error is not the mail's fault: it never counts towards
// parking, however often it happens; the mail is handled once the database
// works again.
func TestDatabaseErrorsNeverParkMail(t *testing.T) {
	e := newEnv(t, mailtest.IMAPMemOptions{})
	e.proc.failures = 4
	e.mb.PollInterval = config.Duration(time.Second)
	e.srv.Append(t, "escalations", "INBOX", msg("diskfull one"))
	stop := e.run(t, 2) // would park after 2 mail-specific failures
	defer stop()
	waitFor(t, "the mail to be handled after the database recovered", func() bool { return e.count(t, "Processed") == 1 })
	if e.count(t, "Rejected") != 0 || e.proc.calls(1) != 5 {
		t.Fatalf("rejected %d, calls %d", e.count(t, "Rejected"), e.proc.calls(1))
	}
	m, _ := e.st.Message(context.Background(), 1)
	if m.Attempts != 0 {
		t.Fatalf("database errors were counted: %+v", m)
	}
}

// Mail over the size limit is fetched header only, with its size kept.
func TestOversizeMailIsFetchedHeaderOnly(t *testing.T) {
	e := newEnv(t, mailtest.IMAPMemOptions{})
	big := append(msg("big one"), []byte(strings.Repeat("x", 200<<10)+"\r\n")...)
	e.srv.Append(t, "escalations", "INBOX", big)
	e.srv.Append(t, "escalations", "INBOX", msg("small one"))
	p, err := New(Options{Mailbox: e.mb, Store: e.st, Processor: e.proc, Clock: clock.Real{}, Logger: slog.New(slog.DiscardHandler),
		MaxMessageSize: 100 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "both mails", func() bool { return e.count(t, "Processed") == 2 })
	m, _ := e.st.Message(context.Background(), 1)
	if m.Size != int64(len(big)) || len(m.Raw) >= 1024 || !strings.Contains(string(m.Raw), "Subject: big one") {
		t.Fatalf("stored %d bytes, size %d (want the header of a %d-byte mail)", len(m.Raw), m.Size, len(big))
	}
	small, _ := e.st.Message(context.Background(), 2)
	if small.Size != int64(len(small.Raw)) || !strings.Contains(string(small.Raw), "body small one") {
		t.Fatalf("small mail stored as %q", small.Raw)
	}
}

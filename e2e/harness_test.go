// Package e2e runs escalationd end to end against real servers: Dovecot for
// IMAP and Mailpit for SMTP, both started by the tests on free loopback
// ports (see internal/mailtest). Without them the tests skip and say how to
// install them; with CI=true they fail instead.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"escalationd/app"
	"escalationd/internal/mailtest"
)

var binary string // the escalationd binary, built once by TestMain

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "escalationd-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "escalationd")
	if out, err := exec.Command("go", "build", "-o", binary, "../cmd/escalationd").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build escalationd: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	mailtest.StopShared()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is one test's servers and config.
type env struct {
	t       *testing.T
	dove    *mailtest.Dovecot
	pit     *mailtest.Mailpit
	dir     string
	cfgPath string
	escUser string // the Dovecot user behind escalations@
	secUser string // the Dovecot user behind security@
	edit    func(string) string
	extra   string
	// smtpPort and imapPort, when set, replace the servers' own ports
	// (to put a fault-injection proxy in between).
	smtpPort, imapPort int
	// dbDir, when set, holds the database instead of dir.
	dbDir string
}

type envOptions struct {
	dovecot *mailtest.Dovecot // default: the package's shared instance
	extra   string            // YAML appended to the config
	// edit, if set, rewrites the whole config text (after extra is
	// appended), e.g. to change a value of the example policy.
	edit func(string) string
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{t: t, dove: o.dovecot}
	if e.dove == nil {
		e.dove = mailtest.SharedDovecot(t)
	}
	e.pit = mailtest.StartMailpit(t)
	e.escUser = e.dove.NewUser(t)
	e.secUser = e.dove.NewUser(t)
	e.dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(e.dir, "imap.pass"), []byte(mailtest.DefaultPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cfgPath = filepath.Join(e.dir, "escalationd.yaml")
	e.edit, e.extra = o.edit, o.extra
	e.writeConfig(o.extra)
	return e
}

// writeConfig writes the shipped helpdesk policy with the gateway part
// (database, mailboxes, smtp) pointed at this test's servers.
func (e *env) writeConfig(extra string) {
	e.t.Helper()
	example, err := os.ReadFile("../examples/helpdesk.yaml")
	if err != nil {
		e.t.Fatal(err)
	}
	i := bytes.Index(example, []byte("\nsenders:"))
	if i < 0 {
		e.t.Fatal("examples/helpdesk.yaml has no top-level senders: section to splice after")
	}
	// The gateway here runs on the real clock: a review due that day
	// (Monday, the month's first working day) would add a mail the tests
	// do not expect, depending on the date. Reviews have their own tests.
	policy := mailtest.WithoutTopLevel(string(example[i:]), "reviews")
	smtpHost, smtpPort, _ := strings.Cut(e.pit.SMTPAddr(), ":")
	if e.smtpPort != 0 {
		smtpPort = fmt.Sprint(e.smtpPort)
	}
	dbDir := e.dir
	if e.dbDir != "" {
		dbDir = e.dbDir
	}
	imapPort := e.dove.Port()
	if e.imapPort != 0 {
		imapPort = e.imapPort
	}
	head := fmt.Sprintf(`database: %s/escalationd.db
gateway:
  domain: craudiovizai.com
  shutdown_timeout: 10s
mailboxes:
  - name: escalations
    address: escalations@craudiovizai.com
    host: 127.0.0.1
    port: %d
    tls: none
    username: %s
    password_file: imap.pass
    poll_interval: 2s
  - name: security
    address: security@craudiovizai.com
    kind: security
    host: 127.0.0.1
    port: %d
    tls: none
    username: %s
    password_file: imap.pass
    poll_interval: 2s
smtp:
  host: %s
  port: %s
  tls: none
  from: "Escalation Desk <escalations@craudiovizai.com>"
`, dbDir, imapPort, e.escUser, imapPort, e.secUser, smtpHost, smtpPort)
	doc := head + policy + "\n" + extra
	// The example's outbox retries start at 30s; tests want seconds.
	doc = strings.Replace(doc, "retry_initial: 30s", "retry_initial: 1s", 1)
	if e.edit != nil {
		doc = e.edit(doc)
	}
	if err := os.WriteFile(e.cfgPath, []byte(doc), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// dbPath is the daemon's database file.
func (e *env) dbPath() string {
	if e.dbDir != "" {
		return filepath.Join(e.dbDir, "escalationd.db")
	}
	return filepath.Join(e.dir, "escalationd.db")
}

// pointSMTPAt rewrites the config to send through 127.0.0.1:port.
func (e *env) pointSMTPAt(port int) {
	e.smtpPort = port
	e.writeConfig(e.extra)
}

// pointIMAPAt rewrites the config to read both mailboxes through
// 127.0.0.1:port.
func (e *env) pointIMAPAt(port int) {
	e.imapPort = port
	e.writeConfig(e.extra)
}

// daemon is escalationd running inside the test process.
type daemon struct {
	cancel context.CancelFunc
	done   chan error
	log    *mailtest.SyncBuffer
	gw     atomic.Pointer[app.Gateway] // the running gateway, once started
}

// start runs app.Run, the daemon's own entry point, until stop.
func (e *env) start() *daemon {
	e.t.Helper()
	d := &daemon{done: make(chan error, 1), log: &mailtest.SyncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	logger := slog.New(slog.NewTextHandler(d.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	started := func(g *app.Gateway) { d.gw.Store(g) }
	go func() { d.done <- app.Run(ctx, app.Options{ConfigPath: e.cfgPath, Logger: logger, Started: started}) }()
	e.t.Cleanup(func() { d.stop(e.t) })
	return d
}

// stop is what SIGTERM does: cancel and wait for a clean exit.
func (d *daemon) stop(t *testing.T) {
	t.Helper()
	if d.cancel == nil {
		return
	}
	d.cancel()
	d.cancel = nil
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("daemon exited with %v\n%s", err, d.log.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("daemon did not stop within 30s\n%s", d.log.String())
	}
}

// escalation is a valid generic-template mail for ticket.
func escalation(ticket, urgency string) []byte {
	return mailtest.Escalation(mailtest.EscalationOpts{
		Ticket: ticket, Urgency: urgency, Subject: "ESCALATION: [" + ticket + "]",
		Date: time.Now(), From: "Jordan Lee <jordan.lee@craudiovizai.com>",
	})
}

// waitFolder waits until a user's folder holds n messages.
func (e *env) waitFolder(user, folder string, n int, timeout time.Duration) []mailtest.Msg {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var msgs []mailtest.Msg
		if hasFolder(e.dove.Mailboxes(e.t, user), folder) {
			msgs = e.dove.Messages(e.t, user, folder)
		}
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s/%s has %d messages after %s, want %d", user, folder, len(msgs), timeout, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func hasFolder(list []string, name string) bool {
	for _, f := range list {
		if f == name {
			return true
		}
	}
	return false
}

// header returns one header of a Mailpit message.
func (e *env) header(id, name string) string {
	h := e.pit.Headers(e.t, id)
	if v := h[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

package e2e

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// notifySocket is a fake service manager: a unixgram socket that records
// every sd_notify datagram the daemon sends, one entry per assignment
// (READY=1, STATUS=…, WATCHDOG=1) with the time it arrived.
type notifySocket struct {
	path string
	mu   sync.Mutex
	msgs []notifyMsg
}

type notifyMsg struct {
	at   time.Time
	line string // one KEY=value assignment
	// datagram is every assignment sent together with this one.
	datagram []string
}

func listenNotify(t *testing.T) *notifySocket {
	t.Helper()
	// Short path: a unix socket's path is limited to 108 bytes.
	dir, err := os.MkdirTemp("", "sd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	n := &notifySocket{path: filepath.Join(dir, "notify")}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: n.path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 64<<10)
		for {
			k, _, err := conn.ReadFromUnix(buf)
			if err != nil {
				return
			}
			at := time.Now()
			lines := strings.Split(strings.TrimRight(string(buf[:k]), "\n"), "\n")
			n.mu.Lock()
			for _, l := range lines {
				n.msgs = append(n.msgs, notifyMsg{at: at, line: l, datagram: lines})
			}
			n.mu.Unlock()
		}
	}()
	return n
}

// env is the environment that tells the child about the socket, with a
// watchdog of usec microseconds (pings every usec/2).
func (n *notifySocket) env(watchdogUsec string) []string {
	return []string{"NOTIFY_SOCKET=" + n.path, "WATCHDOG_USEC=" + watchdogUsec}
}

// all returns the assignments received so far.
func (n *notifySocket) all() []notifyMsg {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]notifyMsg(nil), n.msgs...)
}

// find returns the first assignment with the prefix, at or after index from.
func (n *notifySocket) find(prefix string, from int) (notifyMsg, int, bool) {
	msgs := n.all()
	for i := from; i < len(msgs); i++ {
		if strings.HasPrefix(msgs[i].line, prefix) {
			return msgs[i], i, true
		}
	}
	return notifyMsg{}, -1, false
}

// count counts the assignments equal to line from index from on.
func (n *notifySocket) count(line string, from int) int {
	c := 0
	msgs := n.all()
	for i := from; i < len(msgs); i++ {
		if msgs[i].line == line {
			c++
		}
	}
	return c
}

// waitMsg waits for an assignment with the prefix after index from.
func (n *notifySocket) waitMsg(t *testing.T, prefix string, from int, timeout time.Duration) (notifyMsg, int) {
	t.Helper()
	var m notifyMsg
	var i int
	waitFor(t, prefix+" on the notify socket", timeout, func() bool {
		var ok bool
		m, i, ok = n.find(prefix, from)
		return ok
	})
	return m, i
}

// lastStatus is the newest STATUS= value.
func (n *notifySocket) lastStatus() string {
	msgs := n.all()
	for i := len(msgs) - 1; i >= 0; i-- {
		if s, ok := strings.CutPrefix(msgs[i].line, "STATUS="); ok {
			return s
		}
	}
	return ""
}

func (n *notifySocket) dump() string {
	var b strings.Builder
	for _, m := range n.all() {
		b.WriteString(m.at.Format("15:04:05.000") + " " + m.line + "\n")
	}
	return b.String()
}

var logTime = regexp.MustCompile(`^time=(\S+)`)

// logLineTime is the time of the first log line containing s and also.
func logLineTime(t *testing.T, log, s, also string) time.Time {
	t.Helper()
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, s) && strings.Contains(l, also) {
			m := logTime.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("no time in %q", l)
			}
			at, err := time.Parse(time.RFC3339Nano, m[1])
			if err != nil {
				t.Fatal(err)
			}
			return at
		}
	}
	t.Fatalf("no log line with %q and %q", s, also)
	return time.Time{}
}

// Under a fake service manager the daemon says READY=1 only once both
// mailboxes have logged in, with a STATUS= line saying so; it keeps STATUS=
// current and pings the watchdog; the pings stop while the database takes
// no write (its files made immutable) and resume once it does again; a
// reload says RELOADING=1 and READY=1 again; it says STOPPING=1 at SIGTERM.
func TestBinaryNotifySocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	sd := listenNotify(t)
	p := startProc(t, e.cfgPath, sd.env("2000000")) // WatchdogSec=2s: a ping every second

	ready, ri := sd.waitMsg(t, "READY=1", 0, 30*time.Second)
	if !slicesContain(ready.datagram, "STATUS=2 of 2 mailboxes up; outbox 0 pending") {
		t.Errorf("READY=1 came with %q, want the status of 2 of 2 mailboxes up", ready.datagram)
	}
	// The log comes through a pipe and may lag the socket.
	waitFor(t, "both mailboxes' login in the log", 5*time.Second, func() bool {
		return strings.Count(p.log(), `msg="mailbox connected"`) >= 2
	})
	for _, mb := range []string{"escalations", "security"} {
		in := logLineTime(t, p.log(), `msg="mailbox connected"`, " mailbox="+mb+" ")
		// The log's times have millisecond precision.
		if ready.at.Before(in.Add(-time.Millisecond)) {
			t.Errorf("READY=1 at %s, before mailbox %s logged in at %s", ready.at.Format("15:04:05.000"), mb, in.Format("15:04:05.000"))
		}
	}
	if _, _, ok := sd.find("STATUS=", 0); !ok {
		t.Error("no STATUS= at all")
	}

	waitFor(t, "watchdog pings after READY=1", 5*time.Second, func() bool { return sd.count("WATCHDOG=1", ri) >= 2 })

	// The database takes no write: the pings stop and STATUS= says why.
	writable := immutable(t, e.dbPath(), e.dbPath()+"-wal")
	waitFor(t, "STATUS= to report the database", 10*time.Second, func() bool {
		return strings.Contains(sd.lastStatus(), "not healthy") && strings.Contains(sd.lastStatus(), "database ping")
	})
	from := len(sd.all())
	time.Sleep(3 * time.Second) // three watchdog periods' worth of pings
	if n := sd.count("WATCHDOG=1", from); n != 0 {
		t.Errorf("%d watchdog pings while the database was read-only, want none:\n%s", n, sd.dump())
	}
	if !p.waitLog(`msg="not healthy: withholding the watchdog keep-alive"`, 5*time.Second) {
		t.Errorf("no log line saying the watchdog is withheld:\n%s", grepLines(p.log(), "level=ERROR"))
	}

	// Writable again: the pings resume.
	writable()
	from = len(sd.all())
	waitFor(t, "the watchdog pings to resume", 10*time.Second, func() bool { return sd.count("WATCHDOG=1", from) >= 2 })
	if s := sd.lastStatus(); s != "2 of 2 mailboxes up; outbox 0 pending" {
		t.Errorf("STATUS= after the database recovered: %q", s)
	}

	// A reload (SIGHUP, what ExecReload= sends) says RELOADING=1, then
	// READY=1 again once both mailboxes are back, and the pings go on.
	from = len(sd.all())
	p.signal(syscall.SIGHUP)
	_, rl := sd.waitMsg(t, "RELOADING=1", from, 15*time.Second)
	again, ai := sd.waitMsg(t, "READY=1", rl, 30*time.Second)
	if !slicesContain(again.datagram, "STATUS=2 of 2 mailboxes up; outbox 0 pending") {
		t.Errorf("READY=1 after the reload came with %q", again.datagram)
	}
	waitFor(t, "watchdog pings after the reload", 5*time.Second, func() bool { return sd.count("WATCHDOG=1", ai) >= 2 })

	p.signal(syscall.SIGTERM)
	if err, ok := p.wait(20 * time.Second); !ok || err != nil {
		t.Fatalf("exit after SIGTERM: %v (exited %v)\n%s", err, ok, p.log())
	}
	if _, _, ok := sd.find("STOPPING=1", ri); !ok {
		t.Errorf("no STOPPING=1:\n%s", sd.dump())
	}
}

// A mailbox whose login fails holds READY=1 back until
// gateway.start_timeout; STATUS= names it before and with READY=1, and the
// watchdog keeps pinging: a refused login is not a hang.
func TestBinaryNotifyWaitsForMailboxes(t *testing.T) {
	t.Parallel()
	// Dovecot holds back further logins from an address after a failed
	// one (its auth penalty, 2 s and up), so the right password of
	// escalations may wait that long behind security's wrong one: the
	// start timeout leaves room for it.
	const startTimeout = 8 * time.Second
	e := newEnv(t, envOptions{edit: func(doc string) string {
		doc = strings.Replace(doc, "  shutdown_timeout: 10s\n", "  shutdown_timeout: 10s\n  start_timeout: "+startTimeout.String()+"\n", 1)
		// The second mailbox (security) reads a wrong password.
		head := strings.Index(doc, "\nsmtp:")
		i := strings.LastIndex(doc[:head], "password_file: imap.pass")
		return doc[:i] + "password_file: wrong.pass" + doc[i+len("password_file: imap.pass"):]
	}})
	if err := os.WriteFile(filepath.Join(e.dir, "wrong.pass"), []byte("not-the-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sd := listenNotify(t)
	p := startProc(t, e.cfgPath, sd.env("2000000"))

	ready, ri := sd.waitMsg(t, "READY=1", 0, 30*time.Second)
	if took := ready.at.Sub(p.start); took < startTimeout-500*time.Millisecond {
		t.Errorf("READY=1 after %s although security cannot log in; start_timeout is %s:\n%s", took, startTimeout, sd.dump())
	}
	before := sd.all()[:ri]
	named := false
	for _, m := range before {
		if strings.HasPrefix(m.line, "STATUS=starting: ") && strings.Contains(m.line, "security: login as") {
			named = true
		}
	}
	if !named {
		t.Errorf("no STATUS= before READY=1 names the mailbox that is not up:\n%s\n%s", sd.dump(), grepLines(p.log(), "component=inbound"))
	}
	var status string
	for _, l := range ready.datagram {
		if s, ok := strings.CutPrefix(l, "STATUS="); ok {
			status = s
		}
	}
	if !strings.HasPrefix(status, "1 of 2 mailboxes up (security: ") || !strings.Contains(status, "outbox 0 pending") {
		t.Errorf("READY=1 came with STATUS=%q, want it to name security", status)
	}
	if !p.waitLog(`not every mailbox is up after gateway.start_timeout`, 5*time.Second) {
		t.Errorf("no warning about the mailbox that is not up:\n%s", grepLines(p.log(), "level=WARN"))
	}
	waitFor(t, "watchdog pings with a mailbox down", 5*time.Second, func() bool { return sd.count("WATCHDOG=1", ri) >= 2 })
	if s := sd.lastStatus(); !strings.Contains(s, "security: login as") {
		t.Errorf("STATUS= after READY=1 does not say why security is down: %q", s)
	}
	p.signal(syscall.SIGTERM)
	if err, ok := p.wait(20 * time.Second); !ok || err != nil {
		t.Fatalf("exit after SIGTERM: %v (exited %v)\n%s", err, ok, p.log())
	}
}

func slicesContain(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

package mailtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Paths of the Debian dovecot-core package.
const (
	dovecotBin = "/usr/sbin/dovecot"
	doveadmBin = "/usr/bin/doveadm"
)

// DovecotOptions configure a Dovecot instance. The zero value gives an
// instance without users.
type DovecotOptions struct {
	// Users are created with DefaultPassword.
	Users []string
	// DisableMove leaves MOVE out of the capabilities announced after login,
	// so go-imap's Client.Move falls back to COPY + STORE \Deleted + UID
	// EXPUNGE. Dovecot has no switch to refuse the command itself: a client
	// that sends MOVE anyway still gets it executed. Use IMAPMem with
	// DisableMove to check that a client never sends MOVE.
	DisableMove bool
	// Config is appended verbatim to the generated dovecot.conf.
	Config string
}

// Dovecot is a Dovecot IMAP server run by a test: a self-contained config in
// its own directory, Maildir storage, plaintext LOGIN on 127.0.0.1.
// Mailboxes other than INBOX (Processed, Rejected, ...) do not exist until
// someone creates them.
type Dovecot struct {
	dir    string
	port   int
	opts   DovecotOptions
	shared bool

	mu    sync.Mutex
	users map[string]string
	proc  *process
}

// requireDovecot skips or fails (CI=true) the test when Dovecot cannot run.
func requireDovecot(t testing.TB) {
	t.Helper()
	Require(t, "Dovecot", dovecotInstalled(), InstallDovecot)
	// Dovecot must switch to the user nobody for mail access.
	Require(t, "Root privileges for the Dovecot harness", os.Geteuid() == 0, "run the tests as root")
}

// dovecotUsable is requireDovecot for programs: an error saying what is
// missing and how to fix it.
func dovecotUsable() error {
	if !dovecotInstalled() {
		return fmt.Errorf("dovecot: not installed (%s, %s); to fix: %s", dovecotBin, doveadmBin, InstallDovecot)
	}
	if os.Geteuid() != 0 {
		return errors.New("dovecot: the harness needs root (Dovecot's mail processes switch to the user nobody); to fix: run as root")
	}
	return nil
}

func dovecotInstalled() bool {
	for _, p := range []string{dovecotBin, doveadmBin} {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}

// StartDovecot starts Dovecot with the given users (password "secret") and
// stops it and deletes its files when the test ends.
func StartDovecot(t testing.TB, users ...string) *Dovecot {
	t.Helper()
	return StartDovecotWith(t, DovecotOptions{Users: users})
}

// StartDovecotWith starts Dovecot with options; see StartDovecot.
func StartDovecotWith(t testing.TB, opts DovecotOptions) *Dovecot {
	t.Helper()
	requireDovecot(t)
	d, err := newDovecot(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.shutdown(); err != nil {
			t.Error(err)
		}
	})
	return d
}

// LaunchDovecot starts Dovecot like StartDovecotWith, for a program that is
// not a test (the benchmark tool, cmd/escalationd-bench): it returns an
// error, naming the install command when Dovecot or root is missing, and
// the caller must Close the instance.
func LaunchDovecot(opts DovecotOptions) (*Dovecot, error) {
	if err := dovecotUsable(); err != nil {
		return nil, err
	}
	return newDovecot(opts)
}

// Close stops the server and deletes its files: what the test cleanup of
// StartDovecot does, for instances from LaunchDovecot. It is refused on
// the shared instance (StopShared stops that one).
func (d *Dovecot) Close() error {
	if d.shared {
		return errors.New("dovecot: Close on the shared instance; StopShared stops it")
	}
	return d.shutdown()
}

// Version returns what dovecot --version prints ("2.3.19.1 (9b53102964)").
func (d *Dovecot) Version() (string, error) {
	out, err := exec.Command(dovecotBin, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("dovecot --version: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func newDovecot(opts DovecotOptions) (*Dovecot, error) {
	dir, err := makeServerDir("mailtest-dovecot-")
	if err != nil {
		return nil, fmt.Errorf("dovecot dir: %w", err)
	}
	d := &Dovecot{dir: dir, opts: opts, users: map[string]string{}}
	for _, u := range opts.Users {
		d.users[u] = DefaultPassword
	}
	if err := d.setup(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Another process may take the free port before Dovecot binds it.
	for attempt := 1; ; attempt++ {
		if d.port, err = freePort(); err != nil {
			break
		}
		if err = d.start(); err == nil || attempt == 5 || !errors.Is(err, errPortTaken) {
			break
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return d, nil
}

func (d *Dovecot) setup() error {
	for _, sub := range []string{"run", "state", "mail", "passwd"} {
		if err := os.Mkdir(filepath.Join(d.dir, sub), 0o755); err != nil {
			return err
		}
	}
	uid, gid, err := nobody()
	if err != nil {
		return err
	}
	if err := os.Chown(filepath.Join(d.dir, "mail"), uid, gid); err != nil {
		return err
	}
	for name := range d.users {
		if err := d.writeUser(name); err != nil {
			return err
		}
	}
	return nil
}

// nobody returns the ids mail processes run as (mail_uid, mail_gid).
func nobody() (uid, gid int, err error) {
	u, err := user.Lookup("nobody")
	if err != nil {
		return 0, 0, err
	}
	g, err := user.LookupGroup("nogroup")
	if err != nil {
		return 0, 0, err
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(g.Gid)
	return uid, gid, nil
}

func (d *Dovecot) confPath() string { return filepath.Join(d.dir, "dovecot.conf") }

// writeUser writes the user's passwd-file, which Dovecot reads on the
// user's next login. The caller holds d.mu or owns d exclusively.
func (d *Dovecot) writeUser(name string) error {
	if name == "" || strings.ContainsAny(name, "/:\n") || name[0] == '.' {
		return fmt.Errorf("invalid user name %q", name)
	}
	line := fmt.Sprintf("%s:{PLAIN}%s\n", name, d.users[name])
	tmp := filepath.Join(d.dir, "passwd", "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(line), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(d.dir, "passwd", name))
}

// start writes the config for d.port, runs Dovecot in the foreground and
// waits until it sends its IMAP greeting.
func (d *Dovecot) start() error {
	if err := os.WriteFile(d.confPath(), []byte(dovecotConfig(d.dir, d.port, d.opts)), 0o644); err != nil {
		return err
	}
	mark := markLogs(d.logPaths()...)
	p, err := startProcess("dovecot", filepath.Join(d.dir, "stderr.log"), dovecotBin, "-F", "-c", d.confPath())
	if err != nil {
		return err
	}
	if err := waitReady(p, readyTimeout, func() error { return checkGreeting(d.Addr(), "* OK") }); err != nil {
		_ = p.stop(syscall.SIGKILL)
		if mark.portTaken() {
			err = fmt.Errorf("%w: %w", errPortTaken, err)
		}
		return fmt.Errorf("%w\n%s", err, readLogs(logTailLines, d.logPaths()...))
	}
	d.mu.Lock()
	d.proc = p
	d.mu.Unlock()
	return nil
}

// Addr returns "127.0.0.1:port" of the IMAP listener (plaintext, no TLS).
func (d *Dovecot) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(d.port)) }

// Port returns the IMAP port.
func (d *Dovecot) Port() int { return d.port }

// Dir returns the instance's directory: dovecot.conf, the logs, and each
// user's Maildir under mail/USER/Maildir.
func (d *Dovecot) Dir() string { return d.dir }

// Log returns Dovecot's log and anything it printed to stderr.
func (d *Dovecot) Log() string { return readLogs(0, d.logPaths()...) }

func (d *Dovecot) logPaths() []string {
	return []string{filepath.Join(d.dir, "stderr.log"), filepath.Join(d.dir, "dovecot.log")}
}

// AddUser adds (or changes the password of) a user of the running server.
func (d *Dovecot) AddUser(t testing.TB, name, password string) {
	t.Helper()
	if err := d.SetUser(name, password); err != nil {
		t.Fatal(err)
	}
}

// SetUser is AddUser returning an error, for programs.
func (d *Dovecot) SetUser(name, password string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.users[name] = password
	if err := d.writeUser(name); err != nil {
		return fmt.Errorf("dovecot: add user %s: %w", name, err)
	}
	return nil
}

// NewUser adds a user with a name unique to this instance (derived from the
// test's name) and DefaultPassword, and returns the name. Tests sharing an
// instance use it so that they never see each other's mail.
func (d *Dovecot) NewUser(t testing.TB) string {
	t.Helper()
	base := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return '-'
	}, t.Name())
	base = strings.Trim(base, "-")
	if len(base) > 40 {
		base = base[:40]
	}
	d.mu.Lock()
	name := base
	for i := 2; d.users[name] != ""; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	d.users[name] = DefaultPassword
	err := d.writeUser(name)
	d.mu.Unlock()
	if err != nil {
		t.Fatalf("dovecot: add user %s: %v", name, err)
	}
	return name
}

func (d *Dovecot) password(t testing.TB, name string) string {
	t.Helper()
	pw, err := d.passwordOf(name)
	if err != nil {
		t.Fatal(err)
	}
	return pw
}

func (d *Dovecot) passwordOf(name string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	pw, ok := d.users[name]
	if !ok {
		return "", fmt.Errorf("dovecot: no user %q (add it with AddUser or NewUser)", name)
	}
	return pw, nil
}

// Stop stops the server with SIGTERM and waits for it (1–3 s), keeping the
// port and all mail for Restart. It is for outage tests and is refused on
// the shared instance.
func (d *Dovecot) Stop(t testing.TB) {
	t.Helper()
	if d.shared {
		t.Fatal("dovecot: Stop on the shared instance would break other tests; start your own with StartDovecot")
	}
	d.mu.Lock()
	p := d.proc
	d.proc = nil
	d.mu.Unlock()
	if p == nil {
		return
	}
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Errorf("dovecot: %v\n%s", err, readLogs(logTailLines, d.logPaths()...))
	}
}

// Restart stops the server if it runs and starts it again on the same port
// with the same mail.
func (d *Dovecot) Restart(t testing.TB) {
	t.Helper()
	d.Stop(t)
	// The port is ours, but if something grabbed it meanwhile keep trying:
	// the client under test must find the server where it was.
	var err error
	ok := poll(readyTimeout, func() bool {
		err = d.start()
		return !errors.Is(err, errPortTaken)
	})
	if !ok {
		err = fmt.Errorf("port %d stayed in use: %w", d.port, err)
	}
	if err != nil {
		t.Fatalf("dovecot: restart: %v", err)
	}
}

// shutdown stops the server (SIGTERM, wait) and deletes its directory.
func (d *Dovecot) shutdown() error {
	d.mu.Lock()
	p := d.proc
	d.proc = nil
	d.mu.Unlock()
	var err error
	if p != nil {
		if err = p.stop(syscall.SIGTERM); err != nil {
			err = fmt.Errorf("dovecot: %w\n%s", err, readLogs(logTailLines, d.logPaths()...))
		}
	}
	return errors.Join(err, os.RemoveAll(d.dir))
}

// doveadm runs doveadm with this instance's config.
func (d *Dovecot) doveadm(args ...string) (string, error) {
	cmd := exec.Command(doveadmBin, append([]string{"-c", d.confPath()}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("doveadm %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

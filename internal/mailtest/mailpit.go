package mailtest

import (
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Mailpit is a Mailpit process run by a test: an SMTP server that accepts
// everything (any AUTH, no TLS) and keeps it, with a REST API to read it.
// Its database lives in the instance's directory, so mail survives Restart.
//
// Mailpit rewrites what it stores: a message without Message-ID gets one
// ("…@mailpit"), and envelope recipients that are not in To or Cc are
// added as a Bcc header. Raw shows the stored, rewritten message.
type Mailpit struct {
	dir                string
	bin                string
	smtpPort, httpPort int
	http               *http.Client

	mu   sync.Mutex
	proc *process
}

// Address is a mail address as Mailpit reports it.
type Address struct {
	Name    string
	Address string
}

// MailpitMessage is the summary Mailpit lists for a message.
type MailpitMessage struct {
	ID string // Mailpit's ID, for Headers and Raw
	// MessageID without angle brackets.
	MessageID string
	From      Address
	To        []Address
	Cc        []Address
	Bcc       []Address // envelope recipients not named in To or Cc
	Subject   string
	Created   time.Time
	// Size is the stored message's size in bytes; Attachments counts its
	// attached parts.
	Size        int64
	Attachments int
}

func mailpitBin() string {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	p := filepath.Join(build.Default.GOPATH, "bin", "mailpit")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// StartMailpit starts Mailpit on free ports and kills it and deletes its
// files when the test ends.
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	Require(t, "Mailpit", mailpitBin() != "", InstallMailpit)
	m, err := LaunchMailpit()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	return m
}

// LaunchMailpit starts Mailpit like StartMailpit, for a program that is not
// a test (the benchmark tool, cmd/escalationd-bench): it returns an error,
// naming the install command when Mailpit is missing, and the caller must
// Close the instance.
func LaunchMailpit() (*Mailpit, error) {
	bin := mailpitBin()
	if bin == "" {
		return nil, fmt.Errorf("mailpit: not installed (not on PATH nor in $GOPATH/bin); to fix: %s", InstallMailpit)
	}
	dir, err := makeServerDir("mailtest-mailpit-")
	if err != nil {
		return nil, fmt.Errorf("mailpit dir: %w", err)
	}
	m := &Mailpit{dir: dir, bin: bin, http: &http.Client{Timeout: 10 * time.Second}}
	// Another process may take one of the free ports before Mailpit binds it.
	for attempt := 1; ; attempt++ {
		if m.smtpPort, err = freePort(); err == nil {
			m.httpPort, err = freePort()
		}
		if err == nil && m.smtpPort != m.httpPort {
			if err = m.start(); err == nil || attempt == 5 || !errors.Is(err, errPortTaken) {
				break
			}
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("mailpit: %w", err)
	}
	return m, nil
}

// Close kills Mailpit and deletes its files: what the test cleanup of
// StartMailpit does, for instances from LaunchMailpit.
func (m *Mailpit) Close() error {
	// SIGKILL: a graceful stop takes ~2 s and the database is deleted
	// anyway.
	m.mu.Lock()
	p := m.proc
	m.proc = nil
	m.mu.Unlock()
	if p != nil {
		_ = p.stop(syscall.SIGKILL)
	}
	return os.RemoveAll(m.dir)
}

func (m *Mailpit) logPath() string { return filepath.Join(m.dir, "mailpit.log") }

func (m *Mailpit) start() error {
	mark := markLogs(m.logPath())
	p, err := startProcess("mailpit", m.logPath(), m.bin,
		"--smtp", m.SMTPAddr(),
		"--listen", net.JoinHostPort("127.0.0.1", strconv.Itoa(m.httpPort)),
		"--max", "0", // the default of 500 silently deletes older mail
		"--disable-version-check",
		"--smtp-disable-rdns",
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
		"--database", filepath.Join(m.dir, "mailpit.db"),
		"--quiet")
	if err != nil {
		return err
	}
	ready := func() error {
		if err := m.readyz(); err != nil {
			return err
		}
		return checkGreeting(m.SMTPAddr(), "220")
	}
	if err := waitReady(p, readyTimeout, ready); err != nil {
		_ = p.stop(syscall.SIGKILL)
		if mark.portTaken() {
			err = fmt.Errorf("%w: %w", errPortTaken, err)
		}
		return fmt.Errorf("%w\n%s", err, readLogs(logTailLines, m.logPath()))
	}
	m.mu.Lock()
	m.proc = p
	m.mu.Unlock()
	return nil
}

func (m *Mailpit) readyz() error {
	resp, err := m.http.Get(m.APIURL() + "/readyz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /readyz: %s", resp.Status)
	}
	return nil
}

// SMTPAddr returns "127.0.0.1:port" of the SMTP listener (no TLS; AUTH
// accepts any credentials).
func (m *Mailpit) SMTPAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(m.smtpPort))
}

// SMTPPort returns the SMTP port.
func (m *Mailpit) SMTPPort() int { return m.smtpPort }

// APIURL returns the base URL of the web UI and REST API.
func (m *Mailpit) APIURL() string { return fmt.Sprintf("http://127.0.0.1:%d", m.httpPort) }

// Log returns what Mailpit printed (errors only: it runs with --quiet).
func (m *Mailpit) Log() string { return readLogs(0, m.logPath()) }

// Stop stops Mailpit gracefully (SIGTERM, ~2 s), keeping ports and mail for
// Restart: from now on SMTP connections are refused.
func (m *Mailpit) Stop(t testing.TB) {
	t.Helper()
	m.mu.Lock()
	p := m.proc
	m.proc = nil
	m.mu.Unlock()
	if p == nil {
		return
	}
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Errorf("mailpit: %v\n%s", err, readLogs(logTailLines, m.logPath()))
	}
}

// Restart stops Mailpit if it runs and starts it again on the same ports
// with the same mail.
func (m *Mailpit) Restart(t testing.TB) {
	t.Helper()
	m.Stop(t)
	var err error
	ok := poll(readyTimeout, func() bool {
		err = m.start()
		return !errors.Is(err, errPortTaken)
	})
	if !ok {
		err = fmt.Errorf("ports %d/%d stayed in use: %w", m.smtpPort, m.httpPort, err)
	}
	if err != nil {
		t.Fatalf("mailpit: restart: %v", err)
	}
}

// api performs one REST call and returns the body of a 2xx answer.
func (m *Mailpit) api(method, path string) ([]byte, error) {
	req, err := http.NewRequest(method, m.APIURL()+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
}

func (m *Mailpit) apiJSON(t testing.TB, path string, v any) {
	t.Helper()
	if err := m.getJSON(path, v); err != nil {
		t.Fatal(err)
	}
}

func (m *Mailpit) getJSON(path string, v any) error {
	body, err := m.api(http.MethodGet, path)
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		return fmt.Errorf("mailpit: %w\n%s", err, readLogs(logTailLines, m.logPath()))
	}
	return nil
}

type mailpitList struct {
	Total    int              `json:"total"`
	Messages []MailpitMessage `json:"messages"`
}

// Messages returns all stored messages, oldest first.
func (m *Mailpit) Messages(t testing.TB) []MailpitMessage {
	t.Helper()
	return m.list(t, "/api/v1/messages?")
}

// Search returns the messages matching a Mailpit search query, oldest first,
// e.g. `subject:"ESC-11"`, `to:oncall@example.com`, `message-id:x@y`. There
// is no header filter: read custom headers with Headers.
func (m *Mailpit) Search(t testing.TB, query string) []MailpitMessage {
	t.Helper()
	return m.list(t, "/api/v1/search?query="+url.QueryEscape(query)+"&")
}

// list reads every page of a listing. Mailpit lists newest first, so mail
// arriving meanwhile shifts the pages: duplicates are dropped.
func (m *Mailpit) list(t testing.TB, path string) []MailpitMessage {
	t.Helper()
	const limit = 500
	var all []MailpitMessage
	seen := map[string]bool{}
	for start := 0; ; start += limit {
		var page mailpitList
		m.apiJSON(t, fmt.Sprintf("%sstart=%d&limit=%d", path, start, limit), &page)
		for _, msg := range page.Messages {
			if !seen[msg.ID] {
				seen[msg.ID] = true
				all = append(all, msg)
			}
		}
		if len(page.Messages) < limit || start+limit >= page.Total {
			break
		}
	}
	slices.Reverse(all)
	slices.SortStableFunc(all, func(a, b MailpitMessage) int { return a.Created.Compare(b.Created) })
	return all
}

// Count returns how many messages Mailpit holds.
func (m *Mailpit) Count(t testing.TB) int {
	t.Helper()
	return m.count(t)
}

func (m *Mailpit) count(t testing.TB) int {
	t.Helper()
	n, err := m.Total()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Total is Count returning an error, for programs.
func (m *Mailpit) Total() (int, error) {
	var page mailpitList
	if err := m.getJSON("/api/v1/messages?limit=1", &page); err != nil {
		return 0, err
	}
	return page.Total, nil
}

// Version returns the version Mailpit reports in its API (/api/v1/info),
// or for a build that calls itself "dev" (go install) the module version
// stamped in the binary.
func (m *Mailpit) Version() (string, error) {
	var info struct{ Version string }
	if err := m.getJSON("/api/v1/info", &info); err != nil {
		return "", err
	}
	if info.Version == "" || info.Version == "dev" {
		if bi, err := buildinfo.ReadFile(m.bin); err == nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version, nil
		}
	}
	return info.Version, nil
}

// WaitForCount waits until Mailpit holds at least n messages and returns
// them all. On timeout it fails the test, listing what did arrive.
func (m *Mailpit) WaitForCount(t testing.TB, n int, timeout time.Duration) []MailpitMessage {
	t.Helper()
	if !poll(timeout, func() bool { return m.count(t) >= n }) {
		var b strings.Builder
		msgs := m.Messages(t)
		for _, msg := range msgs {
			fmt.Fprintf(&b, "\n  %s from %s to %v: %q", msg.Created.Format(time.StampMilli), msg.From.Address, msg.To, msg.Subject)
		}
		t.Fatalf("mailpit: waited %s for %d messages, have %d:%s", timeout, n, len(msgs), b.String())
	}
	return m.Messages(t)
}

// Headers returns the headers of a stored message by canonical name
// ("Message-Id", "X-Escalation-Id", "Auto-Submitted", "In-Reply-To").
func (m *Mailpit) Headers(t testing.TB, id string) map[string][]string {
	t.Helper()
	var h map[string][]string
	m.apiJSON(t, "/api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h
}

// Raw returns a stored message as Mailpit keeps it (see Mailpit).
func (m *Mailpit) Raw(t testing.TB, id string) []byte {
	t.Helper()
	body, err := m.api(http.MethodGet, "/api/v1/message/"+url.PathEscape(id)+"/raw")
	if err != nil {
		t.Fatalf("mailpit: %v", err)
	}
	return body
}

// DeleteAll deletes every stored message.
func (m *Mailpit) DeleteAll(t testing.TB) {
	t.Helper()
	if err := m.Clear(); err != nil {
		t.Fatal(err)
	}
}

// Clear is DeleteAll returning an error, for programs.
func (m *Mailpit) Clear() error {
	if _, err := m.api(http.MethodDelete, "/api/v1/messages"); err != nil {
		return fmt.Errorf("mailpit: %w", err)
	}
	return nil
}

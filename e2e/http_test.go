package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"escalationd/internal/mailtest"
)

// freeLoopbackPort is a port nothing listens on right now.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// httpGet returns the status and body, or 0 when nothing answers.
func httpGet(url string) (int, string) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func seriesValue(body, series string) string {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// The real binary with the HTTP listener on, against Dovecot and Mailpit:
// /readyz is 503 while a mailbox's password is wrong and 200 once it is
// fixed and the config reloaded; /metrics shows the documented series
// move as an escalation is handled.
func TestHTTPListener(t *testing.T) {
	t.Parallel()
	port := freeLoopbackPort(t)
	e := newEnv(t, envOptions{extra: fmt.Sprintf("http:\n  listen: \"%d\"\n", port)})
	pass := filepath.Join(e.dir, "imap.pass")
	if err := os.WriteFile(pass, []byte("wrong-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startProc(t, e.cfgPath, nil)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	var body string
	waitFor(t, "/readyz to report the mailboxes down", 20*time.Second, func() bool {
		var code int
		code, body = httpGet(base + "/readyz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "mailbox escalations: not connected")
	})
	if code, b := httpGet(base + "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz with the database up: %d %s", code, b)
	}
	_, metrics := httpGet(base + "/metrics")
	if v := seriesValue(metrics, `escalationd_mailbox_connected{mailbox="escalations"}`); v != "0" {
		t.Errorf("connected with a wrong password = %q, want 0\n%s", v, metrics)
	}

	if err := os.WriteFile(pass, []byte(mailtest.DefaultPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.signal(syscall.SIGHUP)
	waitFor(t, "/readyz to become ready after the reload", 30*time.Second, func() bool {
		var code int
		code, body = httpGet(base + "/readyz")
		return code == http.StatusOK
	})

	const handled = `escalationd_messages_handled_total{disposition="case",mailbox="escalations"}`
	_, metrics = httpGet(base + "/metrics")
	if v := seriesValue(metrics, handled); v != "" && v != "0" {
		t.Fatalf("%s = %s before any mail", handled, v)
	}
	for _, name := range []string{`escalationd_mailbox_connected{mailbox="escalations"} 1`, "escalationd_build_info{", "escalationd_outbox_pending "} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	e.dove.Append(t, e.escUser, "INBOX", escalation("HTTP-1", "High"))
	waitFor(t, handled+" to reach 1", 20*time.Second, func() bool {
		_, metrics = httpGet(base + "/metrics")
		return seriesValue(metrics, handled) == "1"
	})
	waitFor(t, "the routed mail to be sent", 20*time.Second, func() bool {
		_, metrics = httpGet(base + "/metrics")
		return seriesValue(metrics, `escalationd_mails_sent_total{event="routed"}`) == "1"
	})
	for series, want := range map[string]string{
		`escalationd_messages_fetched_total{mailbox="escalations"}`:        "1",
		`escalationd_cases_opened_total{kind="escalation",urgency="high"}`: "1",
		`escalationd_cases_open{urgency="high"}`:                           "1",
	} {
		if got := seriesValue(metrics, series); got != want {
			t.Errorf("%s = %q, want %s", series, got, want)
		}
	}
	if code, page := httpGet(base + "/"); code != http.StatusOK || !strings.Contains(page, "HTTP-1") {
		t.Errorf("dashboard: %d, HTTP-1 shown: %v", code, strings.Contains(page, "HTTP-1"))
	}
	p.signal(syscall.SIGTERM)
	if err, ok := p.wait(20 * time.Second); !ok || err != nil {
		t.Fatalf("exit after SIGTERM: %v (exited %v)\n%s", err, ok, p.log())
	}
	if t.Failed() {
		t.Log(p.log())
	}
}

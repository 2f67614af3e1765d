package e2e

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"escalationd/internal/mailtest"
	"escalationd/store"
)

// routedTo waits for the routed mail of ticket and returns its envelope
// recipients as Mailpit shows them (To).
func (e *env) routedTo(ticket string, timeout time.Duration) []string {
	e.t.Helper()
	var to []string
	waitFor(e.t, "the routed mail of "+ticket, timeout, func() bool {
		for _, m := range e.pit.Search(e.t, `subject:"`+ticket+`"`) {
			if e.logicalKey(m) == "routed/"+ticket {
				for _, a := range m.To {
					to = append(to, a.Address)
				}
				return true
			}
		}
		return false
	})
	return to
}

// SIGHUP with a valid changed config applies it to the next mail; with an
// invalid one the reload is refused, logged, and the running config goes
// on routing.
func TestBinarySIGHUPReload(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	p := startProc(t, e.cfgPath, nil)
	e.dove.Append(t, e.escUser, "INBOX", validMail("HUP-1", "High"))
	if to := e.routedTo("HUP-1", 15*time.Second); len(to) != 1 || to[0] != "senior-support@craudiovizai.com" {
		t.Fatalf("HUP-1 routed to %v", to)
	}

	e.edit = func(doc string) string {
		return strings.Replace(doc, "addresses: [senior-support@craudiovizai.com]", "addresses: [tier2@craudiovizai.com]", 1)
	}
	e.writeConfig(e.extra)
	p.signal(syscall.SIGHUP)
	if !p.waitLog(`msg="configuration reloaded"`, 15*time.Second) {
		t.Fatalf("no reload logged:\n%s", p.log())
	}
	e.dove.Append(t, e.escUser, "INBOX", validMail("HUP-2", "High"))
	if to := e.routedTo("HUP-2", 15*time.Second); len(to) != 1 || to[0] != "tier2@craudiovizai.com" {
		t.Fatalf("after the reload HUP-2 was routed to %v, want the new address", to)
	}

	valid := e.edit
	e.edit = func(doc string) string { return valid(doc) + "\nno_such_setting: true\n" }
	e.writeConfig(e.extra)
	p.signal(syscall.SIGHUP)
	if !p.waitLog(`reload refused`, 15*time.Second) {
		t.Fatalf("the invalid config was not refused:\n%s", p.log())
	}
	if !strings.Contains(p.log(), "no_such_setting") {
		t.Errorf("the refusal does not name the problem:\n%s", grepLines(p.log(), "reload refused"))
	}
	e.dove.Append(t, e.escUser, "INBOX", validMail("HUP-3", "High"))
	if to := e.routedTo("HUP-3", 15*time.Second); len(to) != 1 || to[0] != "tier2@craudiovizai.com" {
		t.Fatalf("after a refused reload HUP-3 was routed to %v, want the running config's address", to)
	}
	if strings.Count(p.log(), `msg="configuration reloaded"`) != 1 {
		t.Errorf("the invalid config was applied:\n%s", p.log())
	}
	p.signal(syscall.SIGTERM)
	if err, ok := p.wait(20 * time.Second); !ok || err != nil {
		t.Fatalf("exit after SIGTERM: %v (exited %v)\n%s", err, ok, p.log())
	}
	e.checkMailbox(3)
}

// SIGTERM in the middle of a backlog: the daemon finishes the message in
// hand, sends what is queued and exits 0 within gateway.shutdown_timeout;
// the next run finishes the backlog, and nothing is lost or sent twice
// (each escalation: one routed mail, one receipt to the agent).
func TestBinarySIGTERMDrainsBacklog(t *testing.T) {
	t.Parallel()
	const timeout = 5 * time.Second
	e := newEnv(t, envOptions{edit: func(doc string) string {
		return strings.Replace(doc, "shutdown_timeout: 10s", "shutdown_timeout: "+timeout.String(), 1)
	}})
	tks := e.tickets("TERM", 150)
	p := startProc(t, e.cfgPath, nil)
	waitFor(t, "the backlog to be under way", 20*time.Second, func() bool { return p.work.Load() >= 30 })
	p.signal(syscall.SIGTERM)
	sent := time.Now()
	err, ok := p.wait(timeout + 5*time.Second)
	took := time.Since(sent)
	if !ok || err != nil {
		t.Fatalf("exit after SIGTERM: %v (exited %v after %s)\n%s", err, ok, took, p.log())
	}
	if took > timeout+2*time.Second {
		t.Errorf("SIGTERM took %s, shutdown_timeout is %s", took, timeout)
	}
	if !strings.Contains(p.log(), `msg="gateway stopped"`) || strings.Contains(p.log(), "outbox drain incomplete") {
		t.Errorf("no complete drain in the log:\n%s", grepLines(p.log(), "level=WARN"))
	}
	st, serr := store.Open(context.Background(), e.dbPath())
	if serr != nil {
		t.Fatal(serr)
	}
	counts, _ := st.MessageCounts(context.Background())
	outbox, _ := st.OutboxCounts(context.Background())
	st.Close()
	if counts["new:"] != 0 || outbox[store.MailPending] != 0 {
		t.Errorf("work left half done after SIGTERM: messages %v, outbox %v", counts, outbox)
	}
	handled := e.handledCount()
	t.Logf("SIGTERM after %d of 150 mails: exit 0 in %s (shutdown_timeout %s)", handled, took.Round(time.Millisecond), timeout)

	p = startProc(t, e.cfgPath, nil)
	e.waitFolder(e.escUser, "Processed", 150, 30*time.Second)
	e.pit.WaitForCount(t, 300, 15*time.Second)
	time.Sleep(500 * time.Millisecond)
	p.signal(syscall.SIGTERM)
	if err, ok := p.wait(20 * time.Second); !ok || err != nil {
		t.Fatalf("second run: %v %v", err, ok)
	}
	if n := e.routedOnce(tks); n != 300 {
		t.Errorf("Mailpit holds %d mails, want 300: 150 routed, 150 receipts (a graceful stop may not duplicate)", n)
	}
	e.checkMailbox(150)
	e.checkCases(tks)
}

// SIGTERM while the SMTP server hangs: the daemon still exits within
// shutdown_timeout (the mail stays in the outbox for the next run) instead
// of waiting out the SMTP timeout.
func TestBinarySIGTERMWithHangingSMTP(t *testing.T) {
	t.Parallel()
	const timeout = 3 * time.Second
	e := newEnv(t, envOptions{edit: func(doc string) string {
		return strings.Replace(doc, "shutdown_timeout: 10s", "shutdown_timeout: "+timeout.String(), 1)
	}})
	proxy := mailtest.StartProxy(t, e.pit.SMTPAddr())
	e.pointSMTPAt(proxy.Port())
	proxy.SetMode(mailtest.ProxyHang)
	tks := e.tickets("HANG", 3)
	p := startProc(t, e.cfgPath, nil)
	e.waitFolder(e.escUser, "Processed", 3, 15*time.Second)
	time.Sleep(time.Second) // the worker is waiting for a greeting that never comes
	p.signal(syscall.SIGTERM)
	sent := time.Now()
	err, ok := p.wait(40 * time.Second)
	took := time.Since(sent)
	if !ok || err != nil {
		t.Fatalf("exit after SIGTERM: %v (exited %v after %s)\n%s", err, ok, took, p.log())
	}
	if took > timeout+2*time.Second {
		t.Errorf("SIGTERM with a hanging SMTP server took %s, shutdown_timeout is %s\n%s", took.Round(time.Millisecond), timeout, p.log())
	}
	proxy.SetMode(mailtest.ProxyForward)
	p = startProc(t, e.cfgPath, nil)
	e.pit.WaitForCount(t, 6, 20*time.Second) // routed and receipt each
	time.Sleep(500 * time.Millisecond)
	p.signal(syscall.SIGTERM)
	if err, ok := p.wait(20 * time.Second); !ok || err != nil {
		t.Fatalf("second run: %v %v", err, ok)
	}
	e.routedOnce(tks)
	t.Logf("SIGTERM with a hanging SMTP server: exit 0 in %s (shutdown_timeout %s)", took.Round(time.Millisecond), timeout)
}

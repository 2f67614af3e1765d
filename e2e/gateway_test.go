package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"escalationd/internal/mailtest"
)

// expected is what one escalation must produce in Mailpit.
type expected struct {
	ticket  string
	routed  []string // envelope recipients of the routed mail
	receipt string   // the escalating agent, who gets one receipt ("" for none)
	extra   int      // other mails (incident notices)
}

// count is how many mails the escalation must produce.
func (w expected) count() int {
	n := 1 + w.extra
	if w.receipt != "" {
		n++
	}
	return n
}

// fifty returns 50 escalations from an internal agent (a receipt to
// jordan.lee each): every fifth Critical (on-call, management and an
// incident notice), the rest High (senior support).
func fifty(prefix string) ([][]byte, []expected) {
	var raws [][]byte
	var want []expected
	for i := 1; i <= 50; i++ {
		ticket := fmt.Sprintf("%s-%03d", prefix, i)
		if i%5 == 0 {
			raws = append(raws, escalation(ticket, "Critical"))
			want = append(want, expected{ticket: ticket, routed: []string{"oncall"}, receipt: "jordan.lee@craudiovizai.com", extra: 1})
		} else {
			raws = append(raws, escalation(ticket, "High"))
			want = append(want, expected{ticket: ticket, routed: []string{"senior-support@craudiovizai.com"}, receipt: "jordan.lee@craudiovizai.com"})
		}
	}
	return raws, want
}

// checkDelivered asserts each escalation's mails (routed, the agent's
// receipt, incident notice) arrived exactly once, to the right people,
// with the gateway's headers.
func (e *env) checkDelivered(want []expected) {
	e.t.Helper()
	msgs := e.pit.Messages(e.t)
	byTicket := map[string][]mailtest.MailpitMessage{}
	ids := map[string]bool{}
	for _, m := range msgs {
		if ids[m.MessageID] {
			e.t.Errorf("Message-ID %s delivered twice", m.MessageID)
		}
		ids[m.MessageID] = true
		for _, w := range want {
			if strings.Contains(m.Subject, "["+w.ticket+"]") {
				byTicket[w.ticket] = append(byTicket[w.ticket], m)
			}
		}
	}
	total := 0
	for _, w := range want {
		got := byTicket[w.ticket]
		total += w.count()
		if len(got) != w.count() {
			e.t.Errorf("%s: %d mails, want %d", w.ticket, len(got), w.count())
			continue
		}
		var routed *mailtest.MailpitMessage
		receipts := 0
		for i := range got {
			switch e.header(got[i].ID, "X-Escalation-Event") {
			case "routed":
				routed = &got[i]
			case "receipt":
				receipts++
				if len(got[i].To) != 1 || got[i].To[0].Address != w.receipt || len(got[i].Cc) != 0 {
					e.t.Errorf("%s: receipt to %v cc %v, want only %s", w.ticket, got[i].To, got[i].Cc, w.receipt)
				}
			}
		}
		if want := min(1, len(w.receipt)); receipts != want {
			e.t.Errorf("%s: %d receipts, want %d", w.ticket, receipts, want)
		}
		if routed == nil {
			e.t.Errorf("%s: no routed mail", w.ticket)
			continue
		}
		var to []string
		for _, a := range routed.To {
			to = append(to, a.Address)
		}
		if w.routed[0] == "oncall" {
			// Whoever is on call now, and management in copy.
			if len(to) != 1 || !strings.HasSuffix(to[0], "@craudiovizai.com") || len(routed.Cc) != 1 || routed.Cc[0].Address != "roy@craudiovizai.com" {
				e.t.Errorf("%s: critical routed to %v cc %v", w.ticket, to, routed.Cc)
			}
		} else if !slices.Equal(to, w.routed) {
			e.t.Errorf("%s: routed to %v, want %v", w.ticket, to, w.routed)
		}
		for h, v := range map[string]string{"X-Escalation-Ticket": w.ticket, "Auto-Submitted": "auto-generated", "Reply-To": "escalations@craudiovizai.com"} {
			if got := e.header(routed.ID, h); !strings.Contains(got, v) {
				e.t.Errorf("%s: %s = %q, want %q", w.ticket, h, got, v)
			}
		}
	}
	if len(msgs) != total {
		e.t.Errorf("Mailpit holds %d mails, want %d", len(msgs), total)
	}
}

// checkMailbox asserts every source message ended in Processed, \Seen, and
// nothing is left in INBOX.
func (e *env) checkMailbox(n int) {
	e.t.Helper()
	processed := e.dove.Messages(e.t, e.escUser, "Processed")
	if len(processed) != n {
		e.t.Errorf("Processed holds %d, want %d", len(processed), n)
	}
	for _, m := range processed {
		if !m.HasFlag(imap.FlagSeen) {
			e.t.Errorf("%s in Processed is not \\Seen", m.Subject)
		}
	}
	// Another session may see Dovecot's MOVE (copy, then expunge) a moment
	// late; give the expunge a few seconds to show.
	deadline := time.Now().Add(5 * time.Second)
	for {
		inbox := e.dove.Messages(e.t, e.escUser, "INBOX")
		if len(inbox) == 0 {
			break
		}
		if time.Now().After(deadline) {
			e.t.Errorf("INBOX still holds %d messages: %+v", len(inbox), inbox)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Fifty escalations appended while the daemon runs are all delivered to
// the right addresses within 10 s of the last append (the routed mail, the
// agent's receipt and, for Critical ones, the incident notice), each
// exactly once,
// and each source message ends in Processed and \Seen.
func TestFiftyEscalationsWhileRunning(t *testing.T) {
	e := newEnv(t, envOptions{})
	d := e.start()
	raws, want := fifty("LIVE")
	for _, raw := range raws {
		e.dove.Append(t, e.escUser, "INBOX", raw)
	}
	last := time.Now()
	total := 0
	for _, w := range want {
		total += w.count()
	}
	e.pit.WaitForCount(t, total, 10*time.Second)
	t.Logf("all %d mails delivered %.2fs after the last append", total, time.Since(last).Seconds())
	e.waitFolder(e.escUser, "Processed", 50, 10*time.Second)
	d.stop(t)
	e.checkDelivered(want)
	e.checkMailbox(50)
}

// Stopping the daemon half-way through a backlog and starting it again
// sends nothing twice and loses nothing.
func TestStopHalfWayAndRestart(t *testing.T) {
	e := newEnv(t, envOptions{})
	raws, want := fifty("HALF")
	for _, raw := range raws {
		e.dove.Append(t, e.escUser, "INBOX", raw)
	}
	d := e.start()
	e.waitFolder(e.escUser, "Processed", 15, 20*time.Second)
	d.stop(t)
	if n := len(e.dove.Messages(t, e.escUser, "Processed")); n >= 50 {
		t.Logf("the daemon finished the backlog before the stop (%d moved)", n)
	}
	e.start()
	total := 0
	for _, w := range want {
		total += w.count()
	}
	e.pit.WaitForCount(t, total, 20*time.Second)
	e.waitFolder(e.escUser, "Processed", 50, 10*time.Second)
	time.Sleep(500 * time.Millisecond) // nothing more may arrive
	e.checkDelivered(want)
	e.checkMailbox(50)
}

// A malformed escalation produces exactly one reply, to its sender, and
// lands in Rejected.
func TestMalformedEscalationGetsOneReply(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.start()
	bad := mailtest.Escalation(mailtest.EscalationOpts{Ticket: "BAD-1", Subject: "ESCALATION: [BAD-1]", Omit: []string{"Customer", "Urgency"},
		From: "Jordan Lee <jordan.lee@craudiovizai.com>", Date: time.Now()})
	e.dove.Append(t, e.escUser, "INBOX", bad)
	rejected := e.waitFolder(e.escUser, "Rejected", 1, 10*time.Second)
	if !rejected[0].HasFlag(imap.FlagSeen) {
		t.Error("rejected mail is not \\Seen")
	}
	e.pit.WaitForCount(t, 1, 10*time.Second)
	time.Sleep(time.Second) // a second reply would come now
	msgs := e.pit.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want exactly one reply", len(msgs))
	}
	r := msgs[0]
	if len(r.To) != 1 || r.To[0].Address != "jordan.lee@craudiovizai.com" {
		t.Fatalf("reply went to %v", r.To)
	}
	raw := string(e.pit.Raw(t, r.ID))
	for _, want := range []string{"Auto-Submitted: auto-replied", "X-Escalation-Event: rejection", "customer", "urgency", "Urgency: [Low/Medium/High/Critical]"} {
		if !strings.Contains(raw, want) {
			t.Errorf("reply lacks %q", want)
		}
	}
	// The null reverse-path (<>) of auto-replies is asserted against the
	// in-process sink (outbound.TestSMTPSenderEnvelopeAndBytes): Mailpit
	// reports the From address as Return-Path when the envelope is <>.
}

// The real binary: SIGTERM finishes in-flight work and exits 0.
func TestBinarySIGTERMExitsCleanly(t *testing.T) {
	e := newEnv(t, envOptions{})
	cmd := exec.Command(binary, "run", "--config", e.cfgPath)
	var out mailtest.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e.dove.Append(t, e.escUser, "INBOX", escalation("SIG-1", "High"))
	e.pit.WaitForCount(t, 1, 15*time.Second)
	e.waitFolder(e.escUser, "Processed", 1, 10*time.Second)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("no exit within 30s of SIGTERM\n%s", out.String())
	}
	if !strings.Contains(out.String(), "gateway stopped") {
		t.Errorf("no orderly stop in the log:\n%s", out.String())
	}
	if fi, err := os.Stat(filepath.Join(e.dir, "escalationd.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("database file mode: %v %v", fi, err)
	}
}

// check-config names the file and line of each problem, and exits 2.
func TestCheckConfigExitCodes(t *testing.T) {
	e := newEnv(t, envOptions{})
	out, err := exec.Command(binary, "check-config", "--config", e.cfgPath).CombinedOutput()
	if err != nil {
		t.Fatalf("valid config refused: %v\n%s", err, out)
	}
	bad := filepath.Join(e.dir, "bad.yaml")
	doc, _ := os.ReadFile(e.cfgPath)
	doc = []byte(strings.Replace(string(doc), "    password_file: imap.pass\n", "    pasword_file: imap.pass\n", 1))
	_ = os.WriteFile(bad, doc, 0o600)
	out, err = exec.Command(binary, "check-config", "--config", bad).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("bad config: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `bad.yaml:12: unknown key "pasword_file" in mailboxes[0]`) {
		t.Fatalf("output does not name the line:\n%s", out)
	}
}

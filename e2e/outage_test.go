package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"escalationd/internal/mailtest"
	"escalationd/store"
)

// Outage tests: the daemon against real servers that go away, hang, refuse
// mail or change under it. Timings are asserted with generous bounds.

// retryMax is the outbox's retry cap in the outage tests.
const retryMax = 4 * time.Second

// fastRetries caps outbox retries at retryMax (the harness already starts
// them at 1 s).
func fastRetries(doc string) string {
	return strings.Replace(doc, "retry_max: 30m", "retry_max: "+retryMax.String(), 1)
}

// tickets appends n valid High escalations PREFIX-001... and returns their
// tickets.
func (e *env) tickets(prefix string, n int) []string {
	out, _ := e.ticketMails(prefix, n)
	return out
}

// ticketMails is tickets that also returns the mails as appended.
func (e *env) ticketMails(prefix string, n int) ([]string, [][]byte) {
	var out []string
	var raws [][]byte
	for i := 1; i <= n; i++ {
		tk := fmt.Sprintf("%s-%03d", prefix, i)
		out = append(out, tk)
		raws = append(raws, validMail(tk, "High"))
	}
	e.dove.AppendMany(e.t, e.escUser, "INBOX", raws)
	return out, raws
}

// routedOnce asserts each ticket's routed mail and its receipt to the
// escalating agent (validMail's sender, an internal address) arrived
// exactly once, that no mail of these tickets arrived twice, and returns
// how many mails Mailpit holds.
func (e *env) routedOnce(tickets []string) int {
	e.t.Helper()
	msgs := e.pit.Messages(e.t)
	seen := map[string]int{}
	ours := map[string]bool{}
	for _, tk := range tickets {
		ours[tk] = true
	}
	for _, m := range msgs {
		key := e.logicalKey(m)
		seen[key]++
		_, tk, _ := strings.Cut(key, "/")
		if strings.HasPrefix(key, "receipt/") && ours[tk] && (len(m.To) != 1 || m.To[0].Address != "jordan.lee@craudiovizai.com" || len(m.Cc) != 0) {
			e.t.Errorf("%s: receipt to %v cc %v, want only the agent", tk, m.To, m.Cc)
		}
	}
	for _, tk := range tickets {
		for _, ev := range []string{"routed", "receipt"} {
			if n := seen[ev+"/"+tk]; n != 1 {
				e.t.Errorf("%s: %s mail arrived %d times, want once", tk, ev, n)
			}
		}
	}
	for key, n := range seen {
		ev, tk, _ := strings.Cut(key, "/")
		if ours[tk] && n > 1 && ev != "routed" && ev != "receipt" {
			e.t.Errorf("%s arrived %d times", key, n)
		}
	}
	return len(msgs)
}

// deferral is one "mail deferred" log line.
type deferral struct {
	mail    int64
	attempt int
	at      time.Time
	next    time.Time
}

var (
	logTimeRe = regexp.MustCompile(`^time=(\S+)`)
	mailRe    = regexp.MustCompile(` mail=(\d+)`)
	attemptRe = regexp.MustCompile(` attempt=(\d+)`)
	nextRe    = regexp.MustCompile(` next_attempt=(\S+)`)
)

func deferrals(log string) []deferral {
	var out []deferral
	for _, l := range strings.Split(log, "\n") {
		if !strings.Contains(l, `msg="mail deferred"`) {
			continue
		}
		var d deferral
		d.at, _ = time.Parse(time.RFC3339Nano, logTimeRe.FindStringSubmatch(l)[1])
		d.next, _ = time.Parse(time.RFC3339Nano, nextRe.FindStringSubmatch(l)[1])
		d.mail, _ = strconv.ParseInt(mailRe.FindStringSubmatch(l)[1], 10, 64)
		d.attempt, _ = strconv.Atoi(attemptRe.FindStringSubmatch(l)[1])
		out = append(out, d)
	}
	return out
}

// checkBackoff asserts every deferral waited initial·2^(attempt-1), capped
// at max, scaled by the jitter factor in [0.8, 1.2], and that the jitter
// actually varies.
func checkBackoff(t *testing.T, ds []deferral, initial, maxDelay time.Duration) {
	t.Helper()
	factors := map[string]bool{}
	for _, d := range ds {
		base := initial
		for i := 1; i < d.attempt && base < maxDelay; i++ {
			base *= 2
		}
		base = min(base, maxDelay)
		got := d.next.Sub(d.at)
		const slack = 5 * time.Millisecond // log times are in milliseconds
		if got < time.Duration(0.8*float64(base))-slack || got > time.Duration(1.2*float64(base))+slack {
			t.Errorf("mail %d attempt %d: retry in %s, want %s ±20%%", d.mail, d.attempt, got, base)
		}
		factors[fmt.Sprintf("%.2f", float64(got)/float64(base))] = true
	}
	if len(ds) >= 4 && len(factors) < 2 {
		t.Errorf("every retry delay had the same jitter factor %v", factors)
	}
}

// SMTP server down (connections refused) for a while: the mail (each
// escalation's routed mail and its receipt to the agent) stays in the
// outbox, is retried with capped exponential backoff and jitter, and is
// delivered once the server is back, once.
func TestOutageSMTPRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{edit: fastRetries})
	d := e.start()
	e.pit.Stop(t)
	down := time.Now()
	tks := e.tickets("SMTPDOWN", 5)
	// Intake goes on: the mails are handled and acknowledged, their
	// answers wait in the outbox.
	e.waitFolder(e.escUser, "Processed", 5, 15*time.Second)
	waitFor(t, "a few retries of every mail", 30*time.Second, func() bool {
		n := map[int64]int{}
		for _, df := range deferrals(d.log.String()) {
			n[df.mail] = max(n[df.mail], df.attempt)
		}
		done := len(n) == 10 // 5 routed mails, 5 receipts
		for _, a := range n {
			done = done && a >= 4
		}
		return done
	})
	counts, err := d.gw.Load().Store.OutboxCounts(context.Background())
	if err != nil || counts[store.MailPending] != 10 {
		t.Fatalf("outbox while SMTP is down: %v %v", counts, err)
	}
	checkBackoff(t, deferrals(d.log.String()), time.Second, retryMax)
	e.pit.Restart(t)
	back := time.Now()
	e.pit.WaitForCount(t, 10, retryMax*2+5*time.Second)
	recovery := time.Since(back)
	time.Sleep(time.Second)
	d.stop(t)
	if n := e.routedOnce(tks); n != 10 {
		t.Errorf("Mailpit holds %d mails, want 10 (5 routed, 5 receipts)", n)
	}
	t.Logf("SMTP refused for %.1fs; %d deferrals; all 10 mails delivered %.1fs after it came back (retry cap %s)",
		back.Sub(down).Seconds(), len(deferrals(d.log.String())), recovery.Seconds(), retryMax)
}

// An SMTP server that accepts connections and never answers: each attempt
// times out (smtp.timeout), the mail (two escalations' routed mails and
// receipts) is deferred, and it is delivered once the server answers again.
func TestOutageSMTPHangs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{edit: func(doc string) string {
		return fastRetries(strings.Replace(doc, "  from: \"Escalation Desk", "  timeout: 2s\n  from: \"Escalation Desk", 1))
	}})
	proxy := mailtest.StartProxy(t, e.pit.SMTPAddr())
	e.pointSMTPAt(proxy.Port())
	proxy.SetMode(mailtest.ProxyHang)
	d := e.start()
	tks := e.tickets("SMTPHANG", 2)
	e.waitFolder(e.escUser, "Processed", 2, 15*time.Second)
	waitFor(t, "two timed-out attempts of each mail", 40*time.Second, func() bool {
		n := map[int64]int{}
		for _, df := range deferrals(d.log.String()) {
			n[df.mail] = max(n[df.mail], df.attempt)
		}
		done := len(n) == 4 // 2 routed mails, 2 receipts
		for _, a := range n {
			done = done && a >= 2
		}
		return done
	})
	for _, l := range strings.Split(d.log.String(), "\n") {
		if strings.Contains(l, `msg="mail deferred"`) && !strings.Contains(l, "timeout") {
			t.Errorf("deferral not by timeout: %s", l)
		}
	}
	if e.pit.Count(t) != 0 {
		t.Fatal("mail got through a hanging server")
	}
	proxy.SetMode(mailtest.ProxyForward)
	back := time.Now()
	e.pit.WaitForCount(t, 4, retryMax*2+10*time.Second)
	recovery := time.Since(back)
	time.Sleep(time.Second)
	d.stop(t)
	if n := e.routedOnce(tks); n != 4 {
		t.Errorf("Mailpit holds %d mails, want 4 (2 routed, 2 receipts)", n)
	}
	t.Logf("hanging SMTP server: attempts timed out after smtp.timeout 2s; delivered %.1fs after it answered again", recovery.Seconds())
}

// A permanent SMTP failure (550 at the end of DATA) is recorded on the
// case as delivery-failed, logged as an error, shown by `cases show`, and
// not retried; a recipient refused with 550 while the other gets the mail
// is recorded the same way. Other mail (the agents' receipts among it) is
// unaffected.
func TestOutageSMTPPermanentFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{edit: fastRetries})
	sink := mailtest.StartSMTPSinkWith(t, mailtest.SMTPSinkOptions{})
	e.pointSMTPAt(sink.Port())
	sink.FailNext(1, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Delivery not authorized"})
	d := e.start()
	e.tickets("PERM", 1)
	waitFor(t, "the permanent failure to be recorded", 15*time.Second, func() bool {
		return strings.Contains(d.log.String(), `msg="mail failed permanently"`)
	})
	// The notice of the failure and PERM-001's receipt go out before the
	// next failure is armed, or the sink would refuse the only recipient
	// of one of them instead.
	sink.WaitForCount(t, 2, 15*time.Second)
	// A Critical escalation goes to the on-call engineer with management
	// in copy: the first RCPT is refused, the copy still goes out.
	sink.FailNextAt(mailtest.StageRcpt, 1, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"})
	e.dove.Append(t, e.escUser, "INBOX", validMail("PERM-002", "Critical"))
	e.dove.Append(t, e.escUser, "INBOX", validMail("PERM-003", "High"))
	// PERM-001's receipt and undeliverable notice to its agent, PERM-002
	// routed (to management only), incident and receipt, PERM-003 routed
	// and receipt.
	sink.WaitForCount(t, 7, 15*time.Second)
	time.Sleep(2 * retryMax) // a retry of the failed mail would come now
	d.stop(t)
	if got := sink.Rejected(); got != 2 {
		t.Errorf("the sink refused %d commands, want 2 (the failed mail was retried?)", got)
	}
	if n := len(sink.Messages()); n != 7 {
		t.Errorf("%d mails delivered, want 7", n)
	}
	out, err := exec.Command(binary, "cases", "show", "--config", e.cfgPath, "PERM-001").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "delivery-failed") || !strings.Contains(string(out), "550") {
		t.Errorf("cases show PERM-001 does not report the failure (%v):\n%s", err, out)
	}
	out, err = exec.Command(binary, "cases", "show", "--config", e.cfgPath, "PERM-002").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "recipients refused") {
		t.Errorf("cases show PERM-002 does not report the refused recipient (%v):\n%s", err, out)
	}
	st, err := store.Open(context.Background(), e.dbPath())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cs, err := st.Cases(context.Background(), store.CaseFilter{Ticket: "PERM-001"})
	if err != nil || len(cs) != 1 {
		t.Fatalf("cases of PERM-001: %v %v", cs, err)
	}
	mails, _ := st.MailForCase(context.Background(), cs[0].ID)
	byEvent := map[string][]*store.Mail{}
	for _, m := range mails {
		byEvent[string(m.Event)] = append(byEvent[string(m.Event)], m)
	}
	routed, notice, receipt := byEvent["routed"], byEvent["delivery-failed"], byEvent["receipt"]
	if len(mails) != 3 || len(routed) != 1 || routed[0].State != store.MailFailed || routed[0].Attempts != 1 ||
		len(notice) != 1 || notice[0].State != store.MailSent || len(notice[0].RcptTo) != 1 || notice[0].RcptTo[0] != cs[0].Agent ||
		len(receipt) != 1 || receipt[0].State != store.MailSent || len(receipt[0].RcptTo) != 1 || receipt[0].RcptTo[0] != cs[0].Agent {
		t.Errorf("PERM-001's mail: %d rows, %+v; want the routed mail failed after 1 attempt, a notice and the receipt sent to the agent", len(mails), mails)
	}
}

// connects counts the escalations mailbox's successful logins in a log.
func connects(log string) int {
	return strings.Count(log, `msg="mailbox connected" component=inbound mailbox=escalations`)
}

// Dovecot restarted under the daemon: the poller reconnects with backoff,
// resumes from its cursor (mail that arrives after the restart is
// fetched, mail from before is not fetched again) and opens no case twice.
func TestOutageIMAPRestart(t *testing.T) {
	t.Parallel()
	dove := mailtest.StartDovecotWith(t, mailtest.DovecotOptions{})
	e := newEnv(t, envOptions{dovecot: dove})
	tks := e.tickets("IMAPRS-A", 30)
	d := e.start()
	e.waitFolder(e.escUser, "Processed", 30, 15*time.Second)
	dove.Stop(t)
	stopped := time.Now()
	waitFor(t, "the daemon to notice", 15*time.Second, func() bool {
		return strings.Contains(d.log.String(), `msg="mailbox connection failed, retrying" component=inbound mailbox=escalations`)
	})
	time.Sleep(2 * time.Second) // a few failed reconnects
	before := connects(d.log.String())
	dove.Restart(t)
	back := time.Now()
	waitFor(t, "a reconnect", 70*time.Second, func() bool { return connects(d.log.String()) > before })
	reconnect := time.Since(back)
	// The cursor is where it was: new mail is fetched, old mail not again.
	tks = append(tks, e.tickets("IMAPRS-B", 30)...)
	e.waitFolder(e.escUser, "Processed", 60, 30*time.Second)
	e.pit.WaitForCount(t, 120, 15*time.Second) // routed and receipt each
	time.Sleep(time.Second)
	d.stop(t)
	e.routedOnce(tks)
	e.checkMailbox(60)
	e.checkCases(tks)
	t.Logf("Dovecot down %.1fs; the poller reconnected %.1fs after it was back (backoff 1s doubling, cap 1m)",
		back.Sub(stopped).Seconds(), reconnect.Seconds())
}

// checkCases asserts the database holds exactly one case per ticket.
func (e *env) checkCases(tickets []string) {
	e.t.Helper()
	st, err := store.Open(context.Background(), e.dbPath())
	if err != nil {
		e.t.Fatal(err)
	}
	defer st.Close()
	cases, err := st.Cases(context.Background(), store.CaseFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	n := map[string]int{}
	for _, c := range cases {
		n[c.Ticket]++
	}
	for _, tk := range tickets {
		if n[tk] != 1 {
			e.t.Errorf("%s: %d cases, want 1", tk, n[tk])
		}
	}
	if len(cases) != len(tickets) {
		e.t.Errorf("%d cases, want %d", len(cases), len(tickets))
	}
}

// The connection dropped in the middle of a FETCH response, three times
// (a proxy between the daemon and Dovecot cuts it after a number of bytes
// of large messages): the poller reconnects, resumes from its cursor,
// and every message is handled exactly once.
func TestOutageIMAPCutMidFetch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	proxy := mailtest.StartProxy(t, e.dove.Addr())
	e.pointIMAPAt(proxy.Port())
	var tks []string
	var raws [][]byte
	pad := strings.Repeat("Log excerpt: request failed with status 500 after 30012 ms upstream=payments\r\n", 600) // ~48 KB
	for i := 1; i <= 80; i++ {
		tk := fmt.Sprintf("CUT-%03d", i)
		tks = append(tks, tk)
		raws = append(raws, mailtest.Escalation(mailtest.EscalationOpts{Ticket: tk, Subject: "ESCALATION: [" + tk + "]",
			From: agent, Date: time.Now(), Trailer: pad}))
	}
	e.dove.AppendMany(t, e.escUser, "INBOX", raws)
	// The first cut falls inside the first FETCH (20 messages, ~1 MB).
	proxy.CutAfter(300_000)
	d := e.start()
	for i, off := range []int64{250_000, 700_000} {
		waitFor(t, fmt.Sprintf("cut %d", i+1), 30*time.Second, func() bool { return !proxy.Armed() })
		proxy.CutAfter(off)
	}
	waitFor(t, "cut 3", 30*time.Second, func() bool { return !proxy.Armed() })
	e.waitFolder(e.escUser, "Processed", 80, 60*time.Second)
	e.pit.WaitForCount(t, 160, 20*time.Second) // routed and receipt each
	time.Sleep(time.Second)
	d.stop(t)
	if got := strings.Count(d.log.String(), "fetch uids"); got < 3 {
		t.Errorf("%d sessions ended in a FETCH, want 3:\n%s", got, grepLines(d.log.String(), "connection failed"))
	}
	e.routedOnce(tks)
	e.checkMailbox(80)
	e.checkCases(tks)
	t.Logf("3 connections cut mid-FETCH; %d logins in all; every message handled once", connects(d.log.String()))
}

// UIDVALIDITY reset under a running daemon (Dovecot ends the sessions that
// have the folder selected), and again while it is stopped with old mail
// restored into INBOX: the poller reconnects, rescans the folder under the
// new UIDVALIDITY, recognises known mail (same Message-ID, same content)
// and opens no case and sends no mail twice (each escalation: one routed
// mail, one receipt to the agent).
func TestOutageUIDValidityReset(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	d := e.start()
	first, firstRaws := e.ticketMails("UIDV-A", 5)
	e.waitFolder(e.escUser, "Processed", 5, 15*time.Second)
	e.pit.WaitForCount(t, 10, 15*time.Second)
	before := connects(d.log.String())
	old := e.dove.Status(t, e.escUser, "INBOX").UIDValidity
	e.dove.SetUIDValidity(t, e.escUser, "INBOX", old+1000)
	reset := time.Now()
	waitFor(t, "the poller to see the new UIDVALIDITY", 30*time.Second, func() bool {
		return connects(d.log.String()) > before && strings.Contains(d.log.String(), "UIDVALIDITY changed")
	})
	t.Logf("live reset: the poller resynchronised %.1fs after the UIDVALIDITY change", time.Since(reset).Seconds())
	second := e.tickets("UIDV-B", 5)
	e.waitFolder(e.escUser, "Processed", 10, 15*time.Second)
	e.pit.WaitForCount(t, 20, 15*time.Second)
	d.stop(t)

	// A restore from backup: the first five mails are back in INBOX, byte
	// for byte, with three new ones, under yet another UIDVALIDITY.
	e.dove.AppendMany(t, e.escUser, "INBOX", firstRaws)
	third := e.tickets("UIDV-C", 3)
	e.dove.SetUIDValidity(t, e.escUser, "INBOX", old+2000)
	d = e.start()
	e.waitFolder(e.escUser, "Processed", 18, 20*time.Second)
	e.pit.WaitForCount(t, 26, 15*time.Second)
	time.Sleep(time.Second)
	d.stop(t)
	if got := strings.Count(d.log.String(), "message already known"); got != 5 {
		t.Errorf("%d restored mails recognised as known, want 5", got)
	}
	all := append(append(append([]string{}, first...), second...), third...)
	if n := e.routedOnce(all); n != 26 {
		t.Errorf("Mailpit holds %d mails, want 26 (13 routed, 13 receipts)", n)
	}
	e.checkCases(all)
}

package e2e

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"escalationd/internal/mailtest"
)

// messageReasons reads, after the daemon stopped, how each stored mail was
// handled, by Message-ID: "disposition/reason".
func (e *env) messageReasons() map[string]string {
	e.t.Helper()
	db, err := sql.Open("sqlite3", "file:"+e.dbPath()+"?mode=ro")
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT message_id, disposition, reason FROM messages`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, disp, reason string
		if err := rows.Scan(&id, &disp, &reason); err != nil {
			e.t.Fatal(err)
		}
		out[id] = disp + "/" + reason
	}
	return out
}

// Mail the gateway must never answer: its own mail fed back, mail with its
// loop header, auto-replies, bounces, list mail and mail from senders who
// may not escalate. Each is kept (Rejected folder, recorded with its
// reason) and none causes any outbound mail: only the two valid
// escalations around them are routed and receipted.
func TestNeverAnswered(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	d := e.start()
	e.dove.Append(t, e.escUser, "INBOX", validMail("OWN-1", "High"))
	routed := e.firstMail("OWN-1", "routed", 15*time.Second)
	own := e.pit.Raw(t, routed.ID) // the gateway's own routed mail, as delivered

	want := map[string]string{routed.MessageID: "ignored/loop"}
	raws := [][]byte{own}
	for i, k := range ignoredKinds {
		key := fmt.Sprintf("NEVER-%d", i)
		raws = append(raws, k.build(key))
		id := strings.ToLower(key) + "@helpdesk.craudiovizai.com"
		if k.name == "bounce" {
			id = "bounce-" + strings.ToLower(key) + "@mx.craudiovizai.com"
		}
		want[id] = map[string]string{"auto-reply": "ignored/auto-reply", "mailing-list": "ignored/mailing-list", "loop": "ignored/loop",
			"outsider": "ignored/sender-not-allowed", "bounce": "ignored/bounce-unmatched"}[k.name]
	}
	e.dove.AppendMany(t, e.escUser, "INBOX", raws)
	// A valid escalation after them: once it is routed, they were handled.
	e.dove.Append(t, e.escUser, "INBOX", validMail("OWN-2", "High"))
	e.routedTo("OWN-2", 15*time.Second)
	e.waitFolder(e.escUser, "Rejected", len(raws), 10*time.Second)
	time.Sleep(time.Second)
	d.stop(t)
	// OWN-1 and OWN-2 each: the routed mail and the agent's receipt.
	if n := e.routedOnce([]string{"OWN-1", "OWN-2"}); n != 4 {
		for _, m := range e.pit.Messages(t) {
			t.Logf("mail: %q to %v", m.Subject, m.To)
		}
		t.Errorf("%d mails sent, want only the two routed ones and their two receipts", n)
	}
	got := e.messageReasons()
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: handled as %q, want %q", id, got[id], w)
		}
	}
	e.checkMailbox(2)
}

// Sender verification: an allowed agent whose mail failed DMARC at the
// trusted receiving server (authserv-id mx.craudiovizai.com) is refused as
// spoofed and not answered; the same failure claimed by any other
// authserv-id is ignored; dkim and spf both failing is spoofing too, one
// of them alone is not. Each genuine mail is routed and receipted to its
// agent; nothing at all is sent for a spoofed one.
func TestSpoofedSendersRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	cases := []struct {
		ticket, authserv, results string
		spoofed                   bool
	}{
		{"SPOOF-1", "mx.craudiovizai.com", "dmarc=fail (p=reject) header.from=craudiovizai.com", true},
		{"SPOOF-2", "MX.CRAUDIOVIZAI.COM", "spf=fail smtp.mailfrom=craudiovizai.com; dkim=fail header.d=craudiovizai.com", true},
		{"SPOOF-3", "mx.attacker.example", "dmarc=fail (p=reject) header.from=craudiovizai.com", false},
		{"SPOOF-4", "mx.craudiovizai.com", "dmarc=pass header.from=craudiovizai.com; spf=pass", false},
		{"SPOOF-5", "mx.craudiovizai.com", "spf=fail smtp.mailfrom=craudiovizai.com; dkim=pass header.d=craudiovizai.com", false},
	}
	var raws [][]byte
	spoofed := 0
	for _, c := range cases {
		raws = append(raws, authResultsMail(c.ticket, c.authserv, c.results))
		if c.spoofed {
			spoofed++
		}
	}
	e.dove.AppendMany(t, e.escUser, "INBOX", raws)
	d := e.start()
	e.pit.WaitForCount(t, 2*(len(cases)-spoofed), 15*time.Second)
	e.waitFolder(e.escUser, "Rejected", spoofed, 10*time.Second)
	time.Sleep(time.Second)
	d.stop(t)
	got := e.messageReasons()
	for _, c := range cases {
		id := strings.ToLower(c.ticket) + "@helpdesk.craudiovizai.com"
		want := "case/"
		if c.spoofed {
			want = "ignored/spoofed"
		}
		if got[id] != want {
			t.Errorf("%s (%s; %s): handled as %q, want %q", c.ticket, c.authserv, c.results, got[id], want)
		}
	}
	var genuine []string
	for _, c := range cases {
		if !c.spoofed {
			genuine = append(genuine, c.ticket)
		}
	}
	// One routed mail and one receipt per genuine mail, and nothing else.
	if n := e.routedOnce(genuine); n != 2*len(genuine) {
		for _, m := range e.pit.Messages(t) {
			t.Logf("mail: %q to %v", m.Subject, m.To)
		}
		t.Errorf("%d mails sent, want %d (nothing may answer a spoofed sender)", n, 2*len(genuine))
	}
	t.Logf("spoofed senders refused: %d of %d forged mails; %d genuine mails routed", spoofed, spoofed, len(cases)-spoofed)
}

// authResultsMail is a valid escalation whose receiving server stamped an
// Authentication-Results header from authservID with the given results.
func authResultsMail(ticket, authservID, results string) []byte {
	return withHeaders(ticket, agent, fmt.Sprintf("Authentication-Results: %s; %s", authservID, results))
}

// A sender flooding the mailbox with malformed escalations gets at most
// rate_limits.rejections_per_sender replies in the window, and the
// flood-alert team is told once; other senders still get their reply.
func TestRejectionFloodIsRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	const flood = 12
	var raws [][]byte
	for i := 1; i <= flood; i++ {
		raws = append(raws, malformedMail(fmt.Sprintf("FLOOD-%02d", i), "Flo Oder <flo.oder@craudiovizai.com>"))
	}
	raws = append(raws, malformedMail("OTHER-1", "Other Agent <other.agent@craudiovizai.com>"))
	e.dove.AppendMany(t, e.escUser, "INBOX", raws)
	d := e.start()
	e.waitFolder(e.escUser, "Rejected", flood+1, 20*time.Second)
	e.pit.WaitForCount(t, 5+1+1, 10*time.Second)
	time.Sleep(time.Second)
	d.stop(t)
	replies, alerts, other := 0, 0, 0
	for _, m := range e.pit.Messages(t) {
		switch e.logicalKey(m) {
		case "rejection/flo.oder@craudiovizai.com":
			replies++
		case "rejection/other.agent@craudiovizai.com":
			other++
		case "flood-alert/senior-support@craudiovizai.com":
			alerts++
		default:
			t.Errorf("unexpected mail %q to %v", m.Subject, m.To)
		}
	}
	if replies != 5 || alerts != 1 || other != 1 {
		t.Errorf("%d replies to the flooder (want 5), %d flood alerts (want 1), %d replies to the other sender (want 1)", replies, alerts, other)
	}
	t.Logf("flood of %d malformed mails from one sender: %d replies, %d flood alert", flood, replies, alerts)
}

// Passwords for IMAP and SMTP from password_file, password_env and
// password_credential never reach the log, at debug level, on success or
// on login failure; the database files are 0600.
func TestPasswordsNeverLogged(t *testing.T) {
	t.Parallel()
	sources := []string{"file", "env", "credential"}
	for run := range sources {
		// Each run rotates the sources over the three secrets.
		esc, sec, smtpSrc := sources[run], sources[(run+1)%3], sources[(run+2)%3]
		t.Run(fmt.Sprintf("escalations=%s,security=%s,smtp=%s", esc, sec, smtpSrc), func(t *testing.T) {
			t.Parallel()
			secrets := map[string]string{
				"escalations": "Esc-Right-" + esc + "-Pw7q",    // accepted by Dovecot
				"security":    "Sec-Wrong-" + sec + "-Pw3k",    // refused by Dovecot
				"smtp":        "Smtp-Wrong-" + smtpSrc + "-Zx", // refused by the SMTP server
			}
			e := newEnv(t, envOptions{})
			e.dove.AddUser(t, e.escUser, secrets["escalations"])
			sink := mailtest.StartSMTPSinkWith(t, mailtest.SMTPSinkOptions{Password: "Smtp-Right-Pw"})
			e.pointSMTPAt(sink.Port())
			credDir := t.TempDir()
			var env []string
			ref := func(name, source string) string {
				switch source {
				case "file":
					f := filepath.Join(e.dir, name+".pass")
					if err := os.WriteFile(f, []byte(secrets[name]+"\n"), 0o600); err != nil {
						t.Fatal(err)
					}
					return "password_file: " + f
				case "env":
					v := "ESCALATIOND_TEST_" + strings.ToUpper(name) + "_PASSWORD"
					env = append(env, v+"="+secrets[name])
					return "password_env: " + v
				default:
					if err := os.WriteFile(filepath.Join(credDir, name), []byte(secrets[name]), 0o600); err != nil {
						t.Fatal(err)
					}
					return "password_credential: " + name
				}
			}
			escRef, secRef, smtpRef := ref("escalations", esc), ref("security", sec), ref("smtp", smtpSrc)
			env = append(env, "CREDENTIALS_DIRECTORY="+credDir)
			e.edit = func(doc string) string {
				doc = strings.Replace(doc, "    password_file: imap.pass\n", "    "+escRef+"\n", 1)
				doc = strings.Replace(doc, "    password_file: imap.pass\n", "    "+secRef+"\n", 1)
				return strings.Replace(doc, "  from: \"Escalation Desk", "  username: gateway\n  "+smtpRef+"\n  from: \"Escalation Desk", 1)
			}
			e.writeConfig(e.extra)
			p := startProc(t, e.cfgPath, env, "--log-level", "debug")
			e.dove.Append(t, e.escUser, "INBOX", validMail("SECRET-1", "High"))
			for _, want := range []string{`mailbox=escalations host=`, `login as ` + e.secUser, `mail deferred`} {
				if !p.waitLog(want, 20*time.Second) {
					t.Fatalf("the log never shows %q:\n%s", want, p.log())
				}
			}
			// The database and its WAL and shared-memory files hold mail
			// and cases: readable by the daemon's user only.
			for _, f := range []string{e.dbPath(), e.dbPath() + "-wal", e.dbPath() + "-shm"} {
				if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("%s: %v %v, want mode 0600", filepath.Base(f), fi.Mode(), err)
				}
			}
			p.signal(syscall.SIGTERM)
			if err, ok := p.wait(20 * time.Second); !ok || err != nil {
				t.Fatalf("exit: %v %v", err, ok)
			}
			log := p.log()
			for name, s := range secrets {
				if strings.Contains(log, s) {
					t.Errorf("the %s password appears in the log:\n%s", name, grepLines(log, s))
				}
			}
			if !strings.Contains(log, "password [redacted]") {
				t.Errorf("the effective config does not show the SMTP password redacted:\n%s", grepLines(log, "msg=configuration"))
			}
			if len(sink.Messages()) != 0 {
				t.Error("mail was accepted without the right SMTP password")
			}
		})
	}
}

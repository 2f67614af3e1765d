package e2e

import (
	"database/sql"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Pre-empting an escalation: an outsider who knows the Message-ID the real
// escalation will carry (here the helpdesk's predictable
// <ticket@helpdesk.craudiovizai.com>) sends a mail with it first. The
// outsider's mail is refused; the real escalation, arriving after it, is
// a different mail with the same Message-ID and still opens its case and
// reaches its team (and its agent, by a receipt). Both mails fetched again under a new UIDVALIDITY (a
// restore with the same bytes) are recognised as known: nothing is
// handled twice.
func TestPreemptedMessageID(t *testing.T) {
	t.Parallel()
	const ticket = "PREEMPT-1"
	const msgID = "preempt-1@helpdesk.craudiovizai.com"
	e := newEnv(t, envOptions{})
	p := startProc(t, e.cfgPath, nil)

	forged := outsiderMail(ticket) // Mallory, same ticket and Message-ID
	if !strings.Contains(string(forged), "<"+msgID+">") {
		t.Fatalf("the outsider's mail does not carry <%s>:\n%s", msgID, forged)
	}
	e.dove.Append(t, e.escUser, "INBOX", forged)
	e.waitFolder(e.escUser, "Rejected", 1, 15*time.Second)

	real := validMail(ticket, "High")
	e.dove.Append(t, e.escUser, "INBOX", real)
	to := e.routedTo(ticket, 15*time.Second)
	if len(to) == 0 {
		t.Fatalf("the real escalation's routed mail has no recipients")
	}
	e.waitFolder(e.escUser, "Processed", 1, 10*time.Second)
	p.signal(syscall.SIGTERM)
	if err, ok := p.wait(20 * time.Second); !ok || err != nil {
		t.Fatalf("exit after SIGTERM: %v (exited %v)\n%s", err, ok, p.log())
	}

	// A restore: both mails back in INBOX byte for byte, under a new
	// UIDVALIDITY.
	e.dove.Append(t, e.escUser, "INBOX", forged)
	e.dove.Append(t, e.escUser, "INBOX", real)
	e.dove.SetUIDValidity(t, e.escUser, "INBOX", e.dove.Status(t, e.escUser, "INBOX").UIDValidity+1000)
	p = startProc(t, e.cfgPath, nil)
	waitFor(t, "both restored mails to be recognised", 20*time.Second, func() bool {
		return strings.Count(p.log(), "message already known") >= 2
	})
	e.waitFolder(e.escUser, "Rejected", 2, 10*time.Second)
	e.waitFolder(e.escUser, "Processed", 2, 10*time.Second)
	time.Sleep(time.Second)
	p.signal(syscall.SIGTERM)
	if err, ok := p.wait(20 * time.Second); !ok || err != nil {
		t.Fatalf("second run: exit after SIGTERM: %v (exited %v)\n%s", err, ok, p.log())
	}

	if n := e.routedOnce([]string{ticket}); n != 2 || mailedAnywhere(e.pit.Messages(t), "mallory@outsider.example") {
		for _, m := range e.pit.Messages(t) {
			t.Logf("mail: %q to %v", m.Subject, m.To)
		}
		t.Errorf("Mailpit holds %d mails, want the one routed mail and the agent's receipt (nothing answers the outsider)", n)
	}
	e.checkCases([]string{ticket})

	db, err := sql.Open("sqlite3", "file:"+e.dbPath()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT sender, disposition, reason FROM messages WHERE message_id = ? ORDER BY id`, msgID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var sender, disp, reason string
		if err := rows.Scan(&sender, &disp, &reason); err != nil {
			t.Fatal(err)
		}
		got = append(got, sender+" "+disp+"/"+reason)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"mallory@outsider.example ignored/sender-not-allowed", "jordan.lee@craudiovizai.com case/"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("stored mails with <%s>: %q, want %q", msgID, got, want)
	}
	t.Logf("pre-empted Message-ID: the outsider's mail refused, the real escalation routed to %v; both recognised on a rescan", to)
}

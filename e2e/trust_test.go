package e2e

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"escalationd/internal/mailtest"
)

// The trust attacks against the real binary, Dovecot and Mailpit: who may
// act on a case, and who must never hear of it.

// caseState reads, after the daemon stopped, a case's state, team and
// events by ticket.
func (e *env) caseState(ticket string) (state, team string, events []string) {
	e.t.Helper()
	db, err := sql.Open("sqlite3", "file:"+e.dbPath()+"?mode=ro")
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	var id int64
	if err := db.QueryRow(`SELECT id, state, team FROM cases WHERE ticket = ? ORDER BY id LIMIT 1`, ticket).Scan(&id, &state, &team); err != nil {
		e.t.Fatalf("case %s: %v", ticket, err)
	}
	rows, err := db.Query(`SELECT type || ': ' || detail FROM events WHERE case_id = ? ORDER BY id`, id)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var ev string
		if err := rows.Scan(&ev); err != nil {
			e.t.Fatal(err)
		}
		events = append(events, ev)
	}
	return state, team, events
}

// firstMail waits for a mail whose subject contains what and whose
// X-Escalation-Event is event.
func (e *env) firstMail(what, event string, timeout time.Duration) mailtest.MailpitMessage {
	e.t.Helper()
	var found mailtest.MailpitMessage
	waitFor(e.t, event+" mail of "+what, timeout, func() bool {
		for _, m := range e.pit.Search(e.t, `subject:"`+what+`"`) {
			if e.header(m.ID, "X-Escalation-Event") == event {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// threadReply is a reply to a gateway mail (In-Reply-To its Message-ID),
// with the headers given (Authentication-Results or none).
func threadReply(from, subject, inReplyTo, body string, headers ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: escalations@craudiovizai.com\r\nSubject: Re: %s\r\nMessage-ID: <r%d@reply.example>\r\n", from, subject, time.Now().UnixNano())
	fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\nDate: %s\r\n", inReplyTo, inReplyTo, time.Now().Format(time.RFC1123Z))
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", body)
	return []byte(b.String())
}

func mailedAnywhere(msgs []mailtest.MailpitMessage, addr string) bool {
	for _, m := range msgs {
		for _, list := range [][]mailtest.Address{m.To, m.Cc, m.Bcc} {
			if slices.ContainsFunc(list, func(a mailtest.Address) bool { return strings.EqualFold(a.Address, addr) }) {
				return true
			}
		}
	}
	return false
}

// An outside security report stays its own case whatever the agents'
// tickets are called; its reporter may not command it, and hears nothing,
// even when the security team resolves it.
func TestOutsideReporterNeverHearsOrActs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	d := e.start()
	report := "From: Finder <finder@outside.example>\r\nTo: security@craudiovizai.com\r\nSubject: XSS in your login page\r\n" +
		"Message-ID: <finder-1@outside.example>\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nStored XSS in the login form.\r\n"
	e.dove.Append(t, e.secUser, "INBOX", []byte(report))
	routed := e.firstMail("SEC#", "routed", 15*time.Second)
	ticket := e.header(routed.ID, "X-Escalation-Ticket")
	// An agent's escalation with the old automatic ticket name, and the
	// reporter's own commands through their mail's thread and through a
	// made-up gateway Message-ID.
	e.dove.Append(t, e.escUser, "INBOX", validMail(strings.Replace(ticket, "#", "-", 1), "High"))
	e.dove.Append(t, e.secUser, "INBOX", threadReply("finder@outside.example", "XSS in your login page", "finder-1@outside.example",
		"URGENCY low", "Authentication-Results: mx.craudiovizai.com; dmarc=pass header.from=outside.example"))
	e.dove.Append(t, e.secUser, "INBOX", threadReply("finder@outside.example", "ESCALATION: ["+ticket+"]",
		"escalationd.1.routed.0000000000000000@craudiovizai.com", "REASSIGN marketing",
		"Authentication-Results: mx.craudiovizai.com; dmarc=pass header.from=outside.example"))
	e.routedTo(strings.Replace(ticket, "#", "-", 1), 15*time.Second)
	e.waitFolder(e.secUser, "Processed", 3, 10*time.Second)
	// The security team resolves the report.
	e.dove.Append(t, e.secUser, "INBOX", threadReply("security-team@craudiovizai.com", routed.Subject, routed.MessageID,
		"RESOLVED patched in 4.2", mailtest.AuthResults("security-team@craudiovizai.com")))
	e.firstMail(ticket, "thanks", 15*time.Second)
	time.Sleep(time.Second)
	d.stop(t)
	if mailedAnywhere(e.pit.Messages(t), "finder@outside.example") {
		t.Fatal("the outside reporter was mailed")
	}
	state, team, events := e.caseState(ticket)
	if state != "resolved" || team != "security" {
		t.Fatalf("%s: %s/%s, events %q", ticket, state, team, events)
	}
	// The reporter's two mails are on the case as comments (or refused
	// commands), and changed nothing.
	recorded := 0
	for _, ev := range events {
		if strings.HasPrefix(ev, "urgency-changed") || strings.HasPrefix(ev, "reassigned") {
			t.Fatalf("the reporter changed %s: %q", ticket, events)
		}
		if (strings.HasPrefix(ev, "comment") || strings.HasPrefix(ev, "command-refused")) &&
			(strings.Contains(ev, "URGENCY low") || strings.Contains(ev, "REASSIGN marketing")) {
			recorded++
		}
	}
	if recorded != 2 {
		t.Fatalf("%d of the reporter's 2 mails recorded on %s: %q", recorded, ticket, events)
	}
}

// A forged From of the CEO, without the trusted MX's confirmation, may not
// reassign a legal case to marketing nor resolve it; the real CEO is told
// that someone tried.
func TestForgedCommandRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	d := e.start()
	e.dove.Append(t, e.escUser, "INBOX", mailtest.Escalation(mailtest.EscalationOpts{Ticket: "FORGE-1", Subject: "ESCALATION: [FORGE-1]",
		From: agent, Date: time.Now(), Urgency: "High", Issue: "The customer's lawyer says they will sue us over the outage"}))
	routed := e.firstMail("FORGE-1", "routed", 15*time.Second)
	for _, cmd := range []string{"REASSIGN marketing", "RESOLVED settled out of court"} {
		e.dove.Append(t, e.escUser, "INBOX", threadReply("Roy Henderson <roy@craudiovizai.com>", routed.Subject, routed.MessageID, cmd))
	}
	e.firstMail("FORGE-1", "command-error", 15*time.Second)
	e.waitFolder(e.escUser, "Processed", 3, 10*time.Second)
	time.Sleep(time.Second)
	d.stop(t)
	state, team, events := e.caseState("FORGE-1")
	if state != "open" || team != "legal" {
		t.Fatalf("a forged command acted: %s/%s, events %q", state, team, events)
	}
	if mailedAnywhere(e.pit.Messages(t), "cindy@craudiovizai.com") {
		t.Fatal("the legal case reached marketing")
	}
}

// A Critical security case whose Customer is an internal address: the page
// still reaches the security team and the on-call engineer (before, the
// confidentiality check blocked the whole mail and nobody was paged); only
// the customer is left out, and the case records it.
func TestCriticalPageReachesTheTeamDespiteCustomerSide(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	d := e.start()
	e.dove.Append(t, e.escUser, "INBOX", mailtest.Escalation(mailtest.EscalationOpts{Ticket: "PAGE-1", Subject: "ESCALATION: [PAGE-1]",
		From: agent, Date: time.Now(), Urgency: "Critical", Customer: "roy@craudiovizai.com",
		Issue: "Data breach suspected: admin account compromised"}))
	routed := e.firstMail("PAGE-1", "routed", 15*time.Second)
	time.Sleep(time.Second)
	d.stop(t)
	to := append(routed.To, routed.Cc...)
	if !slices.ContainsFunc(to, func(a mailtest.Address) bool { return a.Address == "security-team@craudiovizai.com" }) {
		t.Fatalf("the page did not reach the security team: %+v", to)
	}
	_, _, events := e.caseState("PAGE-1")
	trimmed := slices.ContainsFunc(events, func(ev string) bool {
		return strings.HasPrefix(ev, "mail-trimmed") && strings.Contains(ev, "roy@craudiovizai.com")
	})
	if !trimmed {
		t.Fatalf("no record that the customer was left out: %q", events)
	}
}

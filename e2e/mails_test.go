package e2e

import (
	"fmt"
	"strings"
	"time"

	"escalationd/internal/mailtest"
)

// Mails the gateway must handle without answering, and malformed ones it
// must answer once. Every builder takes a unique key so Message-IDs and
// tickets never collide within a test.

const agent = "Jordan Lee <jordan.lee@craudiovizai.com>"

// validMail is a well-formed escalation of the generic template.
func validMail(ticket, urgency string) []byte {
	return mailtest.Escalation(mailtest.EscalationOpts{
		Ticket: ticket, Urgency: urgency, Subject: "ESCALATION: [" + ticket + "]", Date: time.Now(), From: agent,
	})
}

// malformedMail lacks the Customer field: one rejection reply to from.
func malformedMail(ticket, from string) []byte {
	return mailtest.Escalation(mailtest.EscalationOpts{
		Ticket: ticket, Subject: "ESCALATION: [" + ticket + "]", Omit: []string{"Customer"}, From: from, Date: time.Now(),
	})
}

// withHeaders is a valid-looking escalation carrying extra header lines.
func withHeaders(ticket, from string, headers ...string) []byte {
	return mailtest.Escalation(mailtest.EscalationOpts{
		Ticket: ticket, Subject: "ESCALATION: [" + ticket + "]", From: from, Date: time.Now(), Headers: headers,
	})
}

// autoReplyMail is an out-of-office answer (RFC 3834 Auto-Submitted).
func autoReplyMail(key string) []byte {
	return withHeaders(key, agent, "Auto-Submitted: auto-replied")
}

// listMail arrived through a mailing list.
func listMail(key string) []byte {
	return withHeaders(key, agent, "List-Id: Support team <support.lists.craudiovizai.com>", "Precedence: list")
}

// loopMail carries the gateway's own loop header.
func loopMail(key string) []byte {
	return withHeaders(key, agent, "X-Escalation-Loop: craudiovizai.com")
}

// outsiderMail is a well-formed escalation from a domain that may not
// escalate.
func outsiderMail(key string) []byte {
	return withHeaders(key, "Mallory <mallory@outsider.example>")
}

// bounceMail is a delivery status notification (multipart/report).
func bounceMail(key string) []byte {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\r\n", a...) }
	w("From: Mail Delivery System <MAILER-DAEMON@mx.craudiovizai.com>")
	w("To: escalations@craudiovizai.com")
	w("Subject: Undelivered Mail Returned to Sender")
	w("Message-ID: <bounce-%s@mx.craudiovizai.com>", strings.ToLower(key))
	w("Date: %s", time.Now().Format(time.RFC1123Z))
	w("Return-Path: <>")
	w("MIME-Version: 1.0")
	w(`Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"`)
	w("")
	w("--dsn")
	w("Content-Type: text/plain; charset=us-ascii")
	w("")
	w("ESCALATION: [%s] could not be delivered to one or more recipients.", key)
	w("--dsn")
	w("Content-Type: message/delivery-status")
	w("")
	w("Reporting-MTA: dns; mx.craudiovizai.com")
	w("")
	w("Final-Recipient: rfc822; gone@example.com")
	w("Action: failed")
	w("Status: 5.1.1")
	w("--dsn--")
	return []byte(b.String())
}

// ignoredKinds are the kinds of mail that are never answered, by builder.
var ignoredKinds = []struct {
	name  string
	build func(key string) []byte
}{
	{"auto-reply", autoReplyMail},
	{"mailing-list", listMail},
	{"loop", loopMail},
	{"outsider", outsiderMail},
	{"bounce", bounceMail},
}

package cli

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

type demoMail struct {
	mailbox string // IMAP user the mail is appended for
	raw     []byte
}

// demoMails are the demo's sample mails, written the way agents fill in
// the helpdesk reference's templates.
func demoMails(now time.Time) []demoMail {
	date := now.Format(time.RFC1123Z)
	mk := func(mailbox, from, to, subject, id, body string, extra ...string) demoMail {
		h := fmt.Sprintf("From: %s\nTo: %s\nSubject: %s\nDate: %s\nMessage-ID: <%s@demo.craudiovizai.com>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n",
			from, to, subject, date, id)
		// The company's mail server confirms its own people's mail, as
		// the example config trusts it to (senders.trusted_authserv_ids).
		if addr, err := mail.ParseAddress(from); err == nil && strings.HasSuffix(addr.Address, "@craudiovizai.com") {
			h += "Authentication-Results: mx.craudiovizai.com; dkim=pass header.d=craudiovizai.com; dmarc=pass (p=reject) header.from=craudiovizai.com\n"
		}
		for _, e := range extra {
			h += e + "\n"
		}
		raw := strings.ReplaceAll(h+"\n"+body, "\n", "\r\n")
		return demoMail{mailbox: mailbox, raw: []byte(raw)}
	}
	esc := "escalations@craudiovizai.com"
	return []demoMail{
		mk("escalations", "Alice Agent <alice.agent@craudiovizai.com>", esc, "ESCALATION: [TCK-1001]", "demo-1", `ESCALATION: [TCK-1001]
Customer: jane.doe@example.com
Issue: Payment processing down for all card payments
Attempted: Checked status page, retried test payment, cleared cache
Impact: ~1,200 users
Urgency: Critical
`),
		mk("escalations", "Bob Agent <bob.agent@craudiovizai.com>", esc, "ESCALATION: [TCK-1002]", "demo-2", `ESCALATION: [TCK-1002]
Customer: sam.lee@example.org
Issue: Export tool completely broken, multiple users affected
Attempted: Reproduced in two browsers; no workaround found
Impact: 40 users
Urgency: High
`),
		mk("escalations", "Carol Support <carol.support@craudiovizai.com>", esc, "BUG - Audio upload fails above 50 MB", "demo-3", `Ticket: TCK-1003
Severity: Medium
Users Affected: 12

Description:
Uploading an audio file larger than 50 MB fails with "Network error" at 99%.

Steps to Reproduce:
1. Log in as any user
2. Upload a 60 MB WAV file
3. Watch the progress bar

Expected: The upload completes
Actual: It fails at 99% with "Network error"

Workaround: Split the file
Logs: see ticket attachment
`),
		mk("escalations", "Dan Lead <dan.lead@craudiovizai.com>", esc, "ESCALATION - Legal", "demo-4", `Ticket: TCK-1004
Customer: angry.customer@example.net
Issue Type: Legal

Summary:
The customer says their lawyer will file a lawsuit over a double charge.

Current Status:
Refund issued; customer not answered since.

Recommended Action:
Legal to review before anyone replies.

Urgency: High - legal threat received in writing
`),
		mk("security", "Researcher <researcher@outside.example>", "security@craudiovizai.com", "Stored XSS in profile page", "demo-5", `Hello,

I found a stored XSS vulnerability in the profile page: the display name is
rendered without escaping. Proof of concept available on request.

Regards,
An independent researcher
`),
		mk("escalations", "Eve Agent <eve.agent@craudiovizai.com>", esc, "ESCALATION: [TCK-1006]", "demo-6", `ESCALATION: [TCK-1006]
Issue: Customer cannot log in after password reset
Attempted: Sent reset link twice
Impact: 1 user
Urgency: ASAP
`),
		mk("escalations", "Frank Agent <frank.agent@craudiovizai.com>", esc, "Automatic reply: ESCALATION: [TCK-1001]", "demo-7", `I am out of the office until Monday.
`, "Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"),
	}
}

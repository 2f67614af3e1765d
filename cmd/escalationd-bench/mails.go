package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"escalationd/internal/mailtest"
)

// benchMail is one mail the benchmark appends.
type benchMail struct {
	raw       []byte
	ticket    string
	kind      string // template (escalation, senior_support, engineering, management) or malformed variant
	urgency   string // as written; "" for templates without one
	malformed bool
}

// The people and things the generated mail names.
var (
	agentNames = []string{
		"Jordan Lee", "Alice Agent", "Bob Martin", "Carol Diaz", "Dan Fischer", "Eve Novak", "Frank Osei",
		"Grace Kim", "Hiro Tanaka", "Ines Duarte", "Jon Berg", "Kara Singh", "Liam Walsh", "Maya Cohen",
		"Nils Lund", "Olga Petrov", "Paul Nguyen", "Quinn Avery", "Rosa Marin", "Sven Holm",
	}
	customers = []string{
		"pat.customer@example.com", "jane.doe@example.com", "sam.lee@example.org", "li.wei@example.net",
		"maria.garcia@example.com", "ahmed.khan@example.org", "olivia.brown@example.net", "noah.smith@example.com",
	}
	// plainIssues open ordinary cases; categoryIssues trigger the example
	// policy's categories (major_outage, technical, legal, media, fraud,
	// security, marketing) through their keywords.
	plainIssues = []string{
		"Payment page returns 500 after checkout",
		"Customer cannot log in after password reset",
		"Export to CSV times out for large projects",
		"Invoices show the wrong VAT rate",
		"Audio preview does not play in Safari",
		"Mobile app crashes when opening settings",
		"Notification emails from the platform land in spam",
		"Team invitations expire immediately",
	}
	categoryIssues = []string{
		"Payment processing down for all card payments",
		"API failures on the upload endpoint since the last deploy",
		"Customer says their lawyer will file a lawsuit over a double charge",
		"A journalist asks about yesterday's login problems",
		"Several orders were paid with a stolen card",
		"Customer reports unauthorized access to their account",
		"Partnership inquiry from a podcast network",
	}
	attempts = []string{
		"Cleared cache, reproduced in two browsers, checked the status page",
		"Reproduced on a test account; no workaround found",
		"Checked the logs and the known-issues page",
		"Asked the customer for screenshots and retried twice",
	}
	managementTypes = []string{"Legal", "Media", "Security", "Major Outage", "Fraud", "Marketing"}
)

// pickUrgency draws an urgency: Critical 5%, High 25%, Medium 40%, Low 30%.
func pickUrgency(rng *rand.Rand) string {
	switch x := rng.IntN(100); {
	case x < 5:
		return "Critical"
	case x < 30:
		return "High"
	case x < 70:
		return "Medium"
	}
	return "Low"
}

func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

func agent(rng *rand.Rand) string {
	name := pick(rng, agentNames)
	return fmt.Sprintf("%s <%s@craudiovizai.com>", name, strings.ToLower(strings.ReplaceAll(name, " ", ".")))
}

func issue(rng *rand.Rand) string {
	if rng.IntN(100) < 30 {
		return pick(rng, categoryIssues)
	}
	return pick(rng, plainIssues)
}

// backlogMails returns n mails with tickets PREFIX-000001..., of which
// malformedPct percent (rounded) are malformed, at random positions.
func backlogMails(rng *rand.Rand, prefix string, n int, malformedPct float64, now time.Time) []benchMail {
	bad := make([]bool, n)
	nBad := int(float64(n)*malformedPct/100 + 0.5)
	for _, i := range rng.Perm(n)[:min(nBad, n)] {
		bad[i] = true
	}
	mails := make([]benchMail, n)
	for i := range mails {
		ticket := fmt.Sprintf("%s-%06d", prefix, i+1)
		if bad[i] {
			mails[i] = malformedMail(rng, ticket, now)
		} else {
			mails[i] = validMail(rng, ticket, now)
		}
	}
	return mails
}

// validMail draws a template (generic 55%, senior support 20%, BUG 15%,
// management 10%) and fills it in.
func validMail(rng *rand.Rand, ticket string, now time.Time) benchMail {
	switch x := rng.IntN(100); {
	case x < 55:
		return genericMail(rng, ticket, pickUrgency(rng), now)
	case x < 75:
		return seniorSupportMail(rng, ticket, now)
	case x < 90:
		return engineeringMail(rng, ticket, pickUrgency(rng), now)
	}
	return managementMail(rng, ticket, pick(rng, managementTypes), now)
}

// genericMail is the generic template ("ESCALATION: [ID]" and five fields)
// in plain text (70%), HTML only (10%) or multipart/alternative (20%),
// sometimes with a sign-off.
func genericMail(rng *rand.Rand, ticket, urgency string, now time.Time) benchMail {
	format := mailtest.PlainText
	switch x := rng.IntN(10); {
	case x == 0:
		format = mailtest.HTMLOnly
	case x < 3:
		format = mailtest.Alternative
	}
	from := agent(rng)
	o := mailtest.EscalationOpts{
		Ticket: ticket, From: from, Subject: "ESCALATION: [" + ticket + "]", Date: now,
		Customer: pick(rng, customers), Issue: issue(rng), Attempted: pick(rng, attempts),
		Impact: fmt.Sprintf("%d users", 1+rng.IntN(2000)), Urgency: urgency, Format: format,
	}
	if rng.IntN(3) == 0 {
		o.Trailer = "Thanks,\r\n" + strings.SplitN(from, " <", 2)[0]
	}
	return benchMail{raw: mailtest.Escalation(o), ticket: ticket, kind: "escalation", urgency: urgency}
}

// templateMail is another template's body under mailtest's headers: the
// generic fields left out, the body as the trailer.
func templateMail(ticket, subject string, now time.Time, from string, body []string) []byte {
	return mailtest.Escalation(mailtest.EscalationOpts{
		Ticket: ticket, From: from, Subject: subject, Date: now,
		Omit: mailtest.TemplateFields, Trailer: strings.Join(body, "\r\n"),
	})
}

func seniorSupportMail(rng *rand.Rand, ticket string, now time.Time) benchMail {
	from := agent(rng)
	body := []string{
		"Hi Sam,", "",
		fmt.Sprintf("Escalating ticket %s for %s.", ticket, pick(rng, customers)), "",
		"Issue: " + issue(rng),
		"Attempted: " + pick(rng, attempts),
		"Blocker: needs admin access to the billing system", "",
		"Customer expecting update by: 5pm EST today", "",
		"Thanks!",
	}
	return benchMail{raw: templateMail(ticket, "Escalating ticket "+ticket, now, from, body), ticket: ticket, kind: "senior_support"}
}

func engineeringMail(rng *rand.Rand, ticket, severity string, now time.Time) benchMail {
	brief := pick(rng, plainIssues)
	body := []string{
		"Ticket: " + ticket,
		"Severity: " + severity,
		fmt.Sprintf("Users Affected: %d", 1+rng.IntN(500)), "",
		"Description:", brief + ", reported by several customers since this morning.", "",
		"Steps to Reproduce:", "1. Log in as any user", "2. Open the affected page", "3. Repeat the action twice", "",
		"Expected: The action completes",
		"Actual: " + brief, "",
		"Workaround: none known",
		"Logs: see ticket attachment",
	}
	return benchMail{raw: templateMail(ticket, "BUG - "+brief, now, agent(rng), body), ticket: ticket, kind: "engineering", urgency: severity}
}

func managementMail(rng *rand.Rand, ticket, issueType string, now time.Time) benchMail {
	urgency := pickUrgency(rng)
	body := []string{
		"Ticket: " + ticket,
		"Customer: " + pick(rng, customers),
		"Issue Type: " + issueType, "",
		"Summary:", pick(rng, categoryIssues) + ".", "",
		"Current Status:", "Customer informed that we are looking into it.", "",
		"Recommended Action:", "Management to decide before anyone replies.", "",
		"Urgency: " + urgency + " - the customer expects an answer today",
	}
	return benchMail{raw: templateMail(ticket, "ESCALATION - "+issueType, now, agent(rng), body), ticket: ticket, kind: "management", urgency: urgency}
}

// malformedVariants are the kinds of bad mail in the malformed backlog.
var malformedVariants = []string{
	"missing-urgency", "missing-customer", "blank-issue", "invalid-urgency",
	"bug-without-severity", "management-invalid-type", "garbage-body", "no-header", "broken-mime",
}

// malformedMail draws one malformed variant: a template missing a required
// field or with an invalid one, or garbage.
func malformedMail(rng *rand.Rand, ticket string, now time.Time) benchMail {
	v := pick(rng, malformedVariants)
	m := benchMail{ticket: ticket, kind: "malformed:" + v, malformed: true}
	from := agent(rng)
	generic := func(mod func(*mailtest.EscalationOpts)) []byte {
		o := mailtest.EscalationOpts{
			Ticket: ticket, From: from, Subject: "ESCALATION: [" + ticket + "]", Date: now,
			Customer: pick(rng, customers), Issue: issue(rng), Urgency: pickUrgency(rng),
		}
		mod(&o)
		return mailtest.Escalation(o)
	}
	switch v {
	case "missing-urgency":
		m.raw = generic(func(o *mailtest.EscalationOpts) { o.Omit = []string{"Urgency"} })
	case "missing-customer":
		m.raw = generic(func(o *mailtest.EscalationOpts) { o.Omit = []string{"Customer"} })
	case "blank-issue":
		m.raw = generic(func(o *mailtest.EscalationOpts) { o.Blank = []string{"Issue"} })
	case "invalid-urgency":
		m.raw = generic(func(o *mailtest.EscalationOpts) { o.Urgency = "ASAP" })
	case "bug-without-severity":
		raw := engineeringMail(rng, ticket, "High", now).raw
		m.raw = bytes.Replace(raw, []byte("Severity: High\r\n"), nil, 1)
	case "management-invalid-type":
		m.raw = managementMail(rng, ticket, "Billing", now).raw
	case "garbage-body":
		noise := make([]byte, 600+rng.IntN(1200))
		for i := range noise {
			noise[i] = byte(rng.IntN(256))
		}
		m.raw = generic(func(o *mailtest.EscalationOpts) {
			o.Omit = mailtest.TemplateFields
			o.Trailer = wrap(base64.StdEncoding.EncodeToString(noise), 76)
		})
	case "no-header":
		var b strings.Builder
		for range 5 + rng.IntN(20) {
			fmt.Fprintf(&b, "%x garbage line without any header %d\r\n", rng.Uint64(), rng.IntN(1e6))
		}
		m.raw = []byte(b.String())
	case "broken-mime":
		// A multipart mail whose boundary never comes, ending in the
		// middle of a base64 part.
		m.raw = []byte(strings.Join([]string{
			"From: " + from, "To: escalations@craudiovizai.com", "Subject: ESCALATION: [" + ticket + "]",
			"Date: " + now.Format(time.RFC1123Z), "Message-ID: <" + strings.ToLower(ticket) + "@helpdesk.craudiovizai.com>",
			mailtest.AuthResults(from), "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="never-seen"`, "",
			"--not-the-boundary", "Content-Type: application/octet-stream", "Content-Transfer-Encoding: base64", "",
			"SGVsbG8gd29ybGQ=!!!*** truncated", "",
		}, "\r\n"))
	}
	return m
}

func wrap(s string, width int) string {
	var b strings.Builder
	for len(s) > width {
		b.WriteString(s[:width] + "\r\n")
		s = s[width:]
	}
	b.WriteString(s)
	return b.String()
}

// bigMail is a High generic escalation with a random (incompressible)
// attachment of size bytes, base64 in a multipart/mixed mail.
func bigMail(rng *rand.Rand, ticket string, size int, now time.Time) benchMail {
	// Escalation writes a plain-text part: headers (with Content-Type and
	// Content-Transfer-Encoding last), a blank line, the body.
	head, body, ok := bytes.Cut(mailtest.Escalation(mailtest.EscalationOpts{
		Ticket: ticket, From: agent(rng), Subject: "ESCALATION: [" + ticket + "]", Date: now,
		Customer: pick(rng, customers), Issue: "Customer's recording fails to import; the file is attached",
		Attempted: pick(rng, attempts), Impact: "1 user", Urgency: "High",
	}), []byte("\r\n\r\n"))
	if !ok {
		panic("mailtest.Escalation wrote no header")
	}
	var top, part []string
	for _, l := range strings.Split(string(head), "\r\n") {
		if strings.HasPrefix(l, "Content-Type:") || strings.HasPrefix(l, "Content-Transfer-Encoding:") {
			part = append(part, l)
		} else {
			top = append(top, l)
		}
	}
	const boundary = "=_bench_attachment"
	data := make([]byte, size)
	for i := 0; i < len(data); i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8 && i+j < len(data); j++ {
			data[i+j] = byte(v >> (8 * j))
		}
	}
	var b bytes.Buffer
	b.Grow(size*4/3 + size/38 + 4096)
	b.WriteString(strings.Join(top, "\r\n") + "\r\n")
	b.WriteString(`Content-Type: multipart/mixed; boundary="` + boundary + "\"\r\n\r\n")
	b.WriteString("--" + boundary + "\r\n" + strings.Join(part, "\r\n") + "\r\n\r\n")
	b.Write(body)
	b.WriteString("\r\n--" + boundary + "\r\n")
	b.WriteString("Content-Type: audio/wav\r\nContent-Disposition: attachment; filename=\"recording.wav\"\r\n")
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--" + boundary + "--\r\n")
	return benchMail{raw: b.Bytes(), ticket: ticket, kind: "escalation", urgency: "High"}
}

package mailparse

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

const hostileTemplate = "Customer: alice@example.com\r\nIssue: Payment processing down\r\nAttempted: restarted worker\r\nImpact: ~250 users\r\nUrgency: Critical\r\n"

func hostileHeader(subject string, extra ...string) string {
	h := "From: Bob Agent <bob.agent@craudiovizai.com>\r\nTo: escalations@craudiovizai.com\r\n" +
		"Subject: " + subject + "\r\nDate: Tue, 25 Nov 2025 10:02:13 -0500\r\n" +
		"Message-ID: <hostile@mail.craudiovizai.com>\r\nMIME-Version: 1.0\r\n"
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h
}

// bigAttachmentMail is an escalation with a 6 MB base64 attachment and a
// 6 MB log pasted inline after the template (over MaxTextSize).
func bigAttachmentMail() []byte {
	var b bytes.Buffer
	b.WriteString(hostileHeader("ESCALATION: [TCK-8001]", `Content-Type: multipart/mixed; boundary="b"`))
	b.WriteString("\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(hostileTemplate)
	b.WriteString("\r\nLog:\r\n")
	line := "2025-11-25T09:41:02Z ERROR gateway timeout after 30s\r\n"
	b.WriteString(strings.Repeat(line, 6<<20/len(line)))
	b.WriteString("\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"core.dump\"\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 6<<20/4))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b--\r\n")
	return b.Bytes()
}

// nestedMail wraps junk in depth levels of multipart/mixed after a text
// part with the escalation.
func nestedMail(depth int) []byte {
	var b bytes.Buffer
	b.WriteString(hostileHeader("ESCALATION: [TCK-8002]", `Content-Type: multipart/mixed; boundary="n0"`))
	b.WriteString("\r\n--n0\r\nContent-Type: text/plain\r\n\r\n" + hostileTemplate)
	for i := 1; i <= depth; i++ {
		fmt.Fprintf(&b, "--n%d\r\nContent-Type: multipart/mixed; boundary=\"n%d\"\r\n\r\n", i-1, i)
	}
	fmt.Fprintf(&b, "--n%d\r\nContent-Type: text/plain\r\n\r\njunk\r\n", depth)
	for i := depth; i >= 0; i-- {
		fmt.Fprintf(&b, "--n%d--\r\n", i)
	}
	return b.Bytes()
}

// longHeaderMail has one header line of n characters.
func longHeaderMail(n int) []byte {
	return []byte(hostileHeader("ESCALATION: [TCK-8003]", "X-Junk: "+strings.Repeat("x", n), "Content-Type: text/plain") +
		"\r\n" + hostileTemplate)
}

func assertEscalationRead(t *testing.T, r *Result, ticket string) {
	t.Helper()
	if r.Disposition != DispositionCase || r.Ticket != ticket || r.Customer != "alice@example.com" || r.Urgency != "critical" {
		t.Fatalf("escalation not read: %s/%s ticket %q customer %q urgency %q errors %v warnings %q",
			r.Disposition, r.Reason, r.Ticket, r.Customer, r.Urgency, r.Errors, r.Warnings)
	}
}

func assertWarning(t *testing.T, r *Result, sub string) {
	t.Helper()
	if !strings.Contains(strings.Join(r.Warnings, "\n"), sub) {
		t.Errorf("warnings %q lack %q", r.Warnings, sub)
	}
}

func TestHostileBigAttachment(t *testing.T) {
	raw := bigAttachmentMail()
	r := parse(raw, Options{})
	assertEscalationRead(t, r, "TCK-8001")
	assertWarning(t, r, "decoded text larger than 2097152 bytes: truncated")
	if len(r.Attachments) != 1 || r.Attachments[0].Filename != "core.dump" || r.Attachments[0].Size != 6<<20 {
		t.Errorf("attachments %+v, want core.dump of %d bytes", r.Attachments, 6<<20)
	}
	if len(r.Text) > DefaultLimits().MaxTextSize {
		t.Errorf("text is %d bytes, over the limit", len(r.Text))
	}
	// Over a smaller message limit the same mail is rejected as too large.
	r = parse(raw, Options{Limits: Limits{MaxMessageSize: 10 << 20}})
	if r.Disposition != DispositionRejected || r.Reason != ReasonTooLarge || len(r.Errors) != 1 ||
		!strings.Contains(r.Errors[0].Message, "the limit is 10485760 bytes") {
		t.Errorf("too-large: %s/%s %+v", r.Disposition, r.Reason, r.Errors)
	}
}

func TestHostileDeepNesting(t *testing.T) {
	r := parse(nestedMail(200), Options{})
	assertEscalationRead(t, r, "TCK-8002")
	assertWarning(t, r, "MIME nesting deeper than 20")
}

func TestHostileManyParts(t *testing.T) {
	var b strings.Builder
	b.WriteString(hostileHeader("ESCALATION: [TCK-8004]", `Content-Type: multipart/mixed; boundary="p"`))
	b.WriteString("\r\n--p\r\nContent-Type: text/plain\r\n\r\n" + hostileTemplate)
	for i := 0; i < 5000; i++ {
		b.WriteString("--p\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n")
	}
	b.WriteString("--p--\r\n")
	r := parse([]byte(b.String()), Options{})
	assertEscalationRead(t, r, "TCK-8004")
	assertWarning(t, r, "more than 256 MIME parts")
	if len(r.Attachments) != 255 {
		t.Errorf("%d attachments, want 255 (256 parts with the text)", len(r.Attachments))
	}
}

func TestHostileLongHeaderLine(t *testing.T) {
	r := parse(longHeaderMail(200000), Options{})
	assertEscalationRead(t, r, "TCK-8003")
	assertWarning(t, r, `header field "X-Junk" is 200008 bytes, truncated to 65536`)
	// A long Subject is cut too, and the ticket in it still read.
	raw := []byte(hostileHeader("ESCALATION: [TCK-8005] "+strings.Repeat("long ", 40000), "Content-Type: text/plain") + "\r\n" + hostileTemplate)
	r = parse(raw, Options{})
	assertEscalationRead(t, r, "TCK-8005")
	if len(r.Subject) > 65536 {
		t.Errorf("subject is %d bytes", len(r.Subject))
	}
}

func TestHostileBrokenHeader(t *testing.T) {
	// A header that go-message's textproto would stop at, and a body that
	// is only a header block: both still yield what can be read.
	raw := []byte(" leading continuation\r\nFrom: Bob <bob.agent@craudiovizai.com>\r\nno colon here\r\n" +
		"Subject: ESCALATION: [TCK-8006]\r\n\r\n" + hostileTemplate)
	r := parse(raw, Options{})
	assertEscalationRead(t, r, "TCK-8006")
	if r.From != "bob.agent@craudiovizai.com" {
		t.Errorf("from %q", r.From)
	}
	for _, raw := range [][]byte{nil, []byte("\r\n"), []byte("Subject: x"), []byte("garbage"), {0xff, 0xfe, 0}} {
		r := parse(raw, Options{})
		if r.Disposition != DispositionIgnored || r.Reason != ReasonNotEscalation {
			t.Errorf("%q: %s/%s", raw, r.Disposition, r.Reason)
		}
	}
}

func TestHostileHTMLExpansionIsBounded(t *testing.T) {
	// Every line inside 80,000 nested blockquotes would get a prefix of
	// 160,000 bytes without the bounds in htmlToText.
	body := strings.Repeat("<blockquote>", 80000) + strings.Repeat("<br>x", 100000)
	raw := []byte(hostileHeader("ESCALATION: [TCK-8007]", "Content-Type: text/html") + "\r\n" +
		"<p>Customer: alice@example.com<br>Issue: x<br>Urgency: Critical</p>" + body)
	r := parse(raw, Options{})
	assertEscalationRead(t, r, "TCK-8007")
	if len(r.Text) > 2*len(raw) {
		t.Errorf("text is %d bytes for %d bytes of mail", len(r.Text), len(raw))
	}
}

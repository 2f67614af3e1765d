package mailparse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bounceFixture reads a bounce of testdata/bounces with the returned
// mail's Message-ID and failed recipient filled in.
func bounceFixture(t *testing.T, name, messageID, rcpt string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "bounces", name))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.NewReplacer("{{MESSAGE_ID}}", messageID, "{{RCPT}}", rcpt).Replace(string(raw)))
}

// Every MTA's bounce names the returned mail and the failed recipient, so
// the case can learn that its page did not arrive.
func TestBounceNamesMailAndRecipient(t *testing.T) {
	const id, rcpt = "esc.42.routed.abc@escalationd.craudiovizai.com", "oncall.gone@craudiovizai.com"
	for _, tc := range []struct{ file, status, diag string }{
		{"postfix.eml", "5.1.1", "User unknown"},
		{"exim.eml", "5.2.2", "Mailbox full"},
		{"exchange.eml", "5.1.10", "RecipientNotFound"},
		{"gmail-plain.eml", "", ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res := Parse(bounceFixture(t, tc.file, id, rcpt), Options{})
			if res.Disposition != DispositionIgnored || res.Reason != ReasonBounce || res.Bounce == nil {
				t.Fatalf("not read as a bounce: %s %s %+v", res.Disposition, res.Reason, res.Bounce)
			}
			b := res.Bounce
			if len(b.MessageIDs) != 1 || b.MessageIDs[0] != id {
				t.Errorf("message ids = %q, want [%s]", b.MessageIDs, id)
			}
			if len(b.Failed) != 1 || b.Failed[0].Address != rcpt || b.Failed[0].Status != tc.status || !strings.Contains(b.Failed[0].Diagnostic, tc.diag) {
				t.Errorf("failed = %+v, want %s %s %q", b.Failed, rcpt, tc.status, tc.diag)
			}
		})
	}
}

// A delay report is not a failure: nobody is told the page is lost while
// the MTA still retries it.
func TestDelayReportHasNoFailedRecipient(t *testing.T) {
	res := Parse(bounceFixture(t, "delayed.eml", "x@y", "a@b.example"), Options{})
	if res.Reason != ReasonBounce || res.Bounce == nil || len(res.Bounce.Failed) != 0 || len(res.Bounce.MessageIDs) != 1 {
		t.Fatalf("delay report read as %+v", res.Bounce)
	}
}

// A report whose parts are garbage still parses, naming nothing.
func TestBrokenBounceNamesNothing(t *testing.T) {
	raw := "From: MAILER-DAEMON@x.example\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"Z\"\r\n\r\n--Z\r\nContent-Type: message/delivery-status\r\n\r\n\x00\x01Final-Recipient\r\n--Z"
	res := Parse([]byte(raw), Options{})
	if res.Reason != ReasonBounce || res.Bounce != nil {
		t.Fatalf("broken bounce read as %+v", res.Bounce)
	}
}

// postmaster@ of a partner reporting a vulnerability to security@ is a
// report, not a bounce; the same sender elsewhere is a bounce.
func TestPostmasterReportInSecurityMailbox(t *testing.T) {
	raw := []byte("From: postmaster@partner.example\r\nTo: security@craudiovizai.com\r\nSubject: XSS in your login page\r\nMessage-ID: <v1@partner.example>\r\n\r\nThe login page reflects the next= parameter unescaped.\r\n")
	if res := Parse(raw, Options{MailboxKind: "security"}); res.Reason == ReasonBounce {
		t.Errorf("security report from postmaster@ ignored as a bounce")
	}
	if res := Parse(raw, Options{}); res.Reason != ReasonBounce {
		t.Errorf("postmaster@ mail elsewhere: %s %s", res.Disposition, res.Reason)
	}
}

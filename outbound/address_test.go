package outbound

import (
	"context"
	"escalationd/internal/mailtest"
	"strings"
	"testing"
	"time"
)

func TestAddressesThatNeedQuotes(t *testing.T) {
	for in, want := range map[string]string{
		"john doe@example.com":         `<"john doe"@example.com>`,
		`"john doe"@example.com`:       `<"john doe"@example.com>`,
		"Jane <jane@example.com>":      `"Jane" <jane@example.com>`,
		"alice@example.com":            "<alice@example.com>",
		"jörg@example.com":             "<jörg@example.com>",
		"a b@example.com, c@d.example": "",
		"a<b@example.com":              "",
		"nobody":                       "",
		"@example.com":                 "",
	} {
		got, err := address(in)
		if want == "" {
			if err == nil {
				t.Errorf("address(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("address(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"alice@example.com":      "alice@example.com",
		"john doe@example.com":   `"john doe"@example.com`,
		`"john doe"@example.com`: `"john doe"@example.com`,
		`a"b@example.com`:        `"a\"b"@example.com`,
		".a@example.com":         `".a"@example.com`,
		"":                       "",
	} {
		if got := smtpPath(in); got != want {
			t.Errorf("smtpPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// A recipient whose local part needs quotes reaches the server as one
// valid path, whichever form it is stored in.
func TestSMTPSenderQuotesLocalParts(t *testing.T) {
	sink := mailtest.StartSMTPSink(t)
	s := sinkSender(t, sink)
	raw := []byte("Subject: x\r\n\r\nbody\r\n")
	if _, err := s.Send(context.Background(), "gw@example.com", []string{"john doe@example.com", `"jane x"@example.com`}, raw); err != nil {
		t.Fatal(err)
	}
	msgs := sink.WaitForCount(t, 1, 5*time.Second)
	if got := strings.Join(msgs[0].To, ","); got != `"john doe"@example.com,"jane x"@example.com` && got != "john doe@example.com,jane x@example.com" {
		t.Fatalf("recipients = %q", got)
	}
}

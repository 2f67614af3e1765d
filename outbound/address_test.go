package outbound

import (
	"bytes"
	"context"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"escalationd/internal/mailtest"
	"escalationd/mailparse"
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

// Whatever sender mailparse reads can be answered: composed as a
// recipient and given to the server as a path.
func TestParsedSendersCanBeAnswered(t *testing.T) {
	for from, want := range map[string]string{
		`"john doe"@example.com`:                       `"john doe"@example.com`,
		`John Doe <"john doe"@example.com>`:            `"john doe"@example.com`,
		"<@relay.example:alice@example.com>":           "alice@example.com",
		"Alice <@r1.example,@r2.example:alice@x.test>": "alice@x.test",
		`"a\"b"@example.com`:                           `"a\"b"@example.com`,
		"Bob <bob@example.com":                         "bob@example.com",
	} {
		raw := "From: " + from + "\r\nTo: escalations@example.com\r\nSubject: ESCALATION: [TCK-1]\r\n\r\nCustomer: c@example.com\r\n"
		res := mailparse.Parse([]byte(raw), mailparse.Options{})
		if res.From == "" {
			t.Errorf("%s: no sender read", from)
			continue
		}
		m := sample()
		m.To, m.Cc = []string{res.From}, nil
		b, err := Compose(m)
		if err != nil {
			t.Errorf("%s: From %q cannot be composed to: %v", from, res.From, err)
			continue
		}
		parsed, err := netmail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		to, err := parsed.Header.AddressList("To")
		if err != nil || len(to) != 1 || strings.Trim(to[0].String(), "<>") != want {
			t.Errorf("%s: To = %q %v, want %s", from, parsed.Header.Get("To"), err, want)
		}
		// The engine takes net/mail's Address field for the envelope.
		if p := smtpPath(to[0].Address); p != want {
			t.Errorf("%s: path %q, want %q", from, p, want)
		}
	}
}

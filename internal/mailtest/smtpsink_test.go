package mailtest

import (
	"bytes"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// send delivers raw over one plaintext SMTP session. (go-smtp's package
// level SendMail insists on STARTTLS, which the sink does not offer.)
func send(addr, from string, to []string, raw []byte) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(from, to, bytes.NewReader(raw)); err != nil {
		return err
	}
	return c.Quit()
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestSMTPSink(t *testing.T) {
	s := StartSMTPSink(t)
	raw := Escalation(EscalationOpts{})
	if err := send(s.Addr(), "gateway@example.com", []string{"a@example.com", "b@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	// The null reverse-path of auto-replies and bounces.
	if err := send(s.Addr(), "", []string{"c@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	msgs := s.WaitForCount(t, 2, time.Second)
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	if m := msgs[0]; m.From != "gateway@example.com" || !slices.Equal(m.To, []string{"a@example.com", "b@example.com"}) ||
		!bytes.Equal(m.Data, raw) || m.Helo != "localhost" {
		t.Errorf("first message: from %q to %v helo %q, %d bytes", m.From, m.To, m.Helo, len(m.Data))
	}
	if m := msgs[1]; m.From != "" || !slices.Equal(m.To, []string{"c@example.com"}) {
		t.Errorf("null-sender message: from %q to %v", m.From, m.To)
	}
	s.Reset()
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages after Reset", n)
	}
}

func TestSMTPSinkFailNext(t *testing.T) {
	s := StartSMTPSink(t)
	raw := Escalation(EscalationOpts{})
	to := []string{"oncall@example.com"}

	s.FailNext(2, &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"})
	for i := range 2 {
		err := send(s.Addr(), "gw@example.com", to, raw)
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code != 451 || !se.Temporary() {
			t.Errorf("attempt %d: %v, want a temporary 451", i+1, err)
		}
	}
	if err := send(s.Addr(), "gw@example.com", to, raw); err != nil {
		t.Errorf("third attempt: %v", err)
	}
	if n, r := len(s.Messages()), s.Rejected(); n != 1 || r != 2 {
		t.Errorf("accepted %d, rejected %d; want 1 and 2", n, r)
	}

	s.FailNextAt(StageRcpt, 1, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})
	if err := send(s.Addr(), "gw@example.com", to, raw); smtpCode(err) != 550 {
		t.Errorf("RCPT failure: %v, want 550", err)
	}
	s.FailNextAt(StageMail, 1, nil)
	if err := send(s.Addr(), "gw@example.com", to, raw); smtpCode(err) != 451 {
		t.Errorf("MAIL failure with the default error: %v, want 451", err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages accepted, want 1", n)
	}
}

func TestSMTPSinkOutage(t *testing.T) {
	s := StartSMTPSink(t)
	raw := Escalation(EscalationOpts{})
	to := []string{"oncall@example.com"}

	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("gw.example.com"); err != nil {
		t.Fatal(err)
	}
	s.SetDown(true)
	if err := c.Noop(); err == nil {
		t.Error("NOOP on a cut connection succeeded")
	}
	err = send(s.Addr(), "gw@example.com", to, raw)
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" {
		t.Errorf("send while down: %v, want a dial error", err)
	}
	s.SetDown(false)
	if err := send(s.Addr(), "gw@example.com", to, raw); err != nil {
		t.Errorf("send after coming back: %v", err)
	}

	s.SetBusy(true)
	err = send(s.Addr(), "gw@example.com", to, raw)
	if smtpCode(err) != 421 || !strings.Contains(err.Error(), "not available") {
		t.Errorf("send while busy: %v, want 421", err)
	}
	s.SetBusy(false)
	if err := send(s.Addr(), "gw@example.com", to, raw); err != nil {
		t.Errorf("send after busy: %v", err)
	}
	if n := len(s.Messages()); n != 2 {
		t.Errorf("%d messages accepted, want 2", n)
	}
}

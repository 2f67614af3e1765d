package outbound

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"escalationd/internal/mailtest"
)

func sinkSender(t *testing.T, sink *mailtest.SMTPSink) *SMTPSender {
	t.Helper()
	s, err := NewSMTPSender(SMTPConfig{Host: "127.0.0.1", Port: sink.Port(), TLS: "none", HELO: "gateway.test", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSMTPSenderEnvelopeAndBytes(t *testing.T) {
	sink := mailtest.StartSMTPSink(t)
	s := sinkSender(t, sink)
	ctx := context.Background()
	raw := []byte("From: gw@example.com\r\nTo: a@example.com\r\nSubject: x\r\n\r\nbody\r\n")
	if _, err := s.Send(ctx, "gw@example.com", []string{"a@example.com", "b@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(ctx, "", []string{"agent@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	msgs := sink.WaitForCount(t, 2, 5*time.Second)
	if msgs[0].From != "gw@example.com" || strings.Join(msgs[0].To, ",") != "a@example.com,b@example.com" {
		t.Fatalf("envelope = %q %v", msgs[0].From, msgs[0].To)
	}
	if msgs[1].From != "" {
		t.Fatalf("null sender sent as %q", msgs[1].From)
	}
	if string(msgs[0].Data) != string(raw) {
		t.Fatalf("bytes changed on the wire:\n%q\n%q", msgs[0].Data, raw)
	}
}

func TestSMTPSenderClassifiesFailures(t *testing.T) {
	sink := mailtest.StartSMTPSink(t)
	s := sinkSender(t, sink)
	ctx := context.Background()
	raw := []byte("Subject: x\r\n\r\nbody\r\n")

	sink.FailNext(1, &smtp.SMTPError{Code: 451, Message: "try later"})
	_, err := s.Send(ctx, "gw@example.com", []string{"a@example.com"}, raw)
	if err == nil || !IsTemporary(err) {
		t.Fatalf("451: %v temporary=%v", err, IsTemporary(err))
	}
	sink.FailNext(1, &smtp.SMTPError{Code: 554, Message: "rejected"})
	_, err = s.Send(ctx, "gw@example.com", []string{"a@example.com"}, raw)
	if err == nil || IsTemporary(err) {
		t.Fatalf("554: %v temporary=%v", err, IsTemporary(err))
	}
	sink.FailNextAt(mailtest.StageRcpt, 1, &smtp.SMTPError{Code: 550, Message: "no such user"})
	rejected, err := s.Send(ctx, "gw@example.com", []string{"gone@example.com", "ok@example.com"}, raw)
	if err != nil || len(rejected) != 1 || rejected[0].Address != "gone@example.com" {
		t.Fatalf("one refused recipient: rejected=%v err=%v", rejected, err)
	}
	sink.SetDown(true)
	_, err = s.Send(ctx, "gw@example.com", []string{"a@example.com"}, raw)
	if err == nil || !IsTemporary(err) {
		t.Fatalf("server down: %v temporary=%v", err, IsTemporary(err))
	}
	sink.SetDown(false)
	if _, err := s.Send(ctx, "gw@example.com", []string{"a@example.com"}, raw); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

// A session that cannot be set up (here AUTH refused with 535) says
// nothing about the mail: it is retried, not failed for good, so a wrong
// or rotated password loses no mail.
func TestSMTPSenderSessionFailuresAreTemporary(t *testing.T) {
	sink := mailtest.StartSMTPSinkWith(t, mailtest.SMTPSinkOptions{Password: "right"})
	s, err := NewSMTPSender(SMTPConfig{Host: "127.0.0.1", Port: sink.Port(), TLS: "none", Username: "gw", Password: "wrong",
		Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(context.Background(), "gw@example.com", []string{"a@example.com"}, []byte("Subject: x\r\n\r\nx\r\n"))
	if err == nil || !IsTemporary(err) || !strings.Contains(err.Error(), "535") {
		t.Fatalf("AUTH refused: %v temporary=%v", err, IsTemporary(err))
	}
}

// A server that offers DSN is asked for failure reports with the returned
// header only (bounces reach their case by the Message-ID in that header);
// one that does not is sent no DSN parameter.
func TestSMTPSenderRequestsFailureReports(t *testing.T) {
	raw := []byte("From: gw@example.com\r\nTo: a@example.com\r\nSubject: x\r\n\r\nbody\r\n")
	for _, dsn := range []bool{true, false} {
		sink := mailtest.StartSMTPSinkWith(t, mailtest.SMTPSinkOptions{DSN: dsn})
		s := sinkSender(t, sink)
		if _, err := s.Send(context.Background(), "gw@example.com", []string{"a@example.com"}, raw); err != nil {
			t.Fatal(err)
		}
		m := sink.WaitForCount(t, 1, 5*time.Second)[0]
		wantRet, wantNotify := "", ""
		if dsn {
			wantRet, wantNotify = "HDRS", "FAILURE"
		}
		if m.Return != wantRet || len(m.Notify) != 1 || m.Notify[0] != wantNotify {
			t.Errorf("DSN offered %v: RET=%q NOTIFY=%q, want %q %q", dsn, m.Return, m.Notify, wantRet, wantNotify)
		}
	}
}

// A kept connection that the server dropped meanwhile (its idle timeout,
// a restart) costs the mail nothing: the sender dials again at once
// instead of deferring it by a retry interval.
func TestSMTPSenderRedialsADroppedConnection(t *testing.T) {
	sink := mailtest.StartSMTPSink(t)
	s := sinkSender(t, sink)
	ctx := context.Background()
	raw := []byte("From: gw@example.com\r\nTo: a@example.com\r\nSubject: x\r\n\r\nbody\r\n")
	if _, err := s.Send(ctx, "gw@example.com", []string{"a@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	sink.SetDown(true) // cuts the kept connection
	sink.SetDown(false)
	if _, err := s.Send(ctx, "gw@example.com", []string{"b@example.com"}, raw); err != nil {
		t.Fatalf("send over a dropped connection: %v", err)
	}
	if msgs := sink.WaitForCount(t, 2, 5*time.Second); msgs[1].To[0] != "b@example.com" {
		t.Fatalf("second mail went to %v", msgs[1].To)
	}
}

// A body that fails (the stored original unreadable, the mail before not
// recorded) is not a dropped connection: it is not tried again on a new
// one.
func TestSMTPSenderDoesNotRedialForAFailedBody(t *testing.T) {
	sink := mailtest.StartSMTPSink(t)
	s := sinkSender(t, sink)
	ctx := context.Background()
	raw := []byte("From: gw@example.com\r\nTo: a@example.com\r\nSubject: x\r\n\r\nbody\r\n")
	if _, err := s.Send(ctx, "gw@example.com", []string{"a@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	calls := 0
	_, err := s.SendStream(ctx, "gw@example.com", []string{"b@example.com"}, func(w io.Writer) error {
		calls++
		return errors.New("original unreadable")
	})
	if err == nil || calls != 1 {
		t.Fatalf("SendStream = %v after %d calls of the body, want its error after one", err, calls)
	}
}

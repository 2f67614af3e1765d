package mailtest

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPSink is an in-process SMTP server (go-smtp) that records every message
// it accepts, and can be told to fail: SMTP errors at a chosen command
// (FailNext, FailNextAt), refused connections (SetDown) or a 421 greeting
// (SetBusy). It offers no TLS and no AUTH.
type SMTPSink struct {
	srv *smtp.Server
	ln  *switchListener
	log *SyncBuffer

	mu       sync.Mutex
	msgs     []SinkMessage
	fail     map[Stage]*failure
	rejected int
	busy     bool
}

// SinkMessage is one accepted message.
type SinkMessage struct {
	Helo string   // the client's EHLO/HELO name
	From string   // envelope sender; "" for the null sender MAIL FROM:<>
	To   []string // envelope recipients that were accepted, in order
	Data []byte   // the message as received, CRLF line endings
	// Return and Notify are the DSN parameters of MAIL FROM (RET=) and of
	// each accepted RCPT TO (NOTIFY=, comma-joined), with DSN offered.
	Return string
	Notify []string
}

// Stage is the SMTP command at which an injected failure is returned.
type Stage int

const (
	StageMail Stage = iota // MAIL FROM
	StageRcpt              // RCPT TO: each RCPT command counts once
	StageData              // end of DATA: the message is read, then refused
)

func (s Stage) String() string {
	switch s {
	case StageMail:
		return "MAIL"
	case StageRcpt:
		return "RCPT"
	case StageData:
		return "DATA"
	}
	return fmt.Sprintf("Stage(%d)", int(s))
}

type failure struct {
	n   int
	err *smtp.SMTPError
}

// SMTPSinkOptions configure a sink; the zero value is plaintext without
// AUTH.
type SMTPSinkOptions struct {
	// TLS, if set, offers STARTTLS with this config (e.g.
	// NewSelfSigned(t).Server), or, with ImplicitTLS, speaks TLS from the
	// first byte (SMTPS).
	TLS         *tls.Config
	ImplicitTLS bool
	// Password, if set, makes the sink offer AUTH PLAIN (also without TLS)
	// and require it before MAIL: any user name with this password is
	// accepted, anything else gets 535.
	Password string
	// DSN makes the sink offer the DSN extension (RFC 3461).
	DSN bool
	// Bearer, if set, makes the sink offer only AUTH XOAUTH2 and
	// OAUTHBEARER and require one with a token it accepts before MAIL.
	Bearer Bearer
}

// StartSMTPSink starts a sink on a free 127.0.0.1 port and closes it when
// the test ends.
func StartSMTPSink(t testing.TB) *SMTPSink {
	t.Helper()
	return StartSMTPSinkWith(t, SMTPSinkOptions{})
}

// StartSMTPSinkWith starts a sink with options; see StartSMTPSink.
func StartSMTPSinkWith(t testing.TB, opts SMTPSinkOptions) *SMTPSink {
	t.Helper()
	s := &SMTPSink{log: &SyncBuffer{}, fail: map[Stage]*failure{}}
	ln, err := newSwitchListener(s.rejectBusy)
	if err != nil {
		t.Fatalf("smtp sink: %v", err)
	}
	s.ln = ln
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		ss := &sinkSession{sink: s, helo: c.Hostname()}
		if opts.Bearer != nil {
			return &bearerSinkSession{authSinkSession: &authSinkSession{sinkSession: ss}, check: opts.Bearer}, nil
		}
		if opts.Password != "" {
			return &authSinkSession{sinkSession: ss, password: opts.Password}, nil
		}
		return ss, nil
	}))
	s.srv.Domain = "sink.mailtest.invalid"
	s.srv.ErrorLog = log.New(s.log, "smtp sink: ", log.Lmicroseconds)
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.AllowInsecureAuth = true
	s.srv.EnableDSN = opts.DSN
	var serveLn net.Listener = ln
	if opts.TLS != nil {
		if opts.ImplicitTLS {
			serveLn = tls.NewListener(ln, opts.TLS)
		} else {
			s.srv.TLSConfig = opts.TLS
		}
	}
	go func() { _ = s.srv.Serve(serveLn) }()
	t.Cleanup(s.Close)
	return s
}

// Addr returns "127.0.0.1:port".
func (s *SMTPSink) Addr() string { return s.ln.Addr().String() }

// Port returns the port.
func (s *SMTPSink) Port() int { return s.ln.addr.Port }

// Close stops the server; Cleanup calls it.
func (s *SMTPSink) Close() {
	_ = s.srv.Close()
	_ = s.ln.Close() // in case Serve never ran
}

// Log returns what the server logged (connection errors).
func (s *SMTPSink) Log() string { return s.log.String() }

// Messages returns the accepted messages in the order their DATA completed.
func (s *SMTPSink) Messages() []SinkMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// Reset forgets the recorded messages and pending failures.
func (s *SMTPSink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs, s.rejected = nil, 0
	clear(s.fail)
}

// WaitForCount waits until at least n messages were accepted and returns
// them. On timeout it fails the test, listing what did arrive.
func (s *SMTPSink) WaitForCount(t testing.TB, n int, timeout time.Duration) []SinkMessage {
	t.Helper()
	if !poll(timeout, func() bool { return len(s.Messages()) >= n }) {
		var b strings.Builder
		msgs := s.Messages()
		for _, m := range msgs {
			fmt.Fprintf(&b, "\n  from <%s> to %v: %d bytes", m.From, m.To, len(m.Data))
		}
		t.Fatalf("smtp sink: waited %s for %d messages, have %d (and %d refused by injected failures):%s\n%s",
			timeout, n, len(msgs), s.Rejected(), b.String(), s.Log())
	}
	return s.Messages()
}

// FailNext makes the next n messages fail at the end of DATA with err, e.g.
// &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
// Message: "try again"} (temporary) or Code 550 (permanent). The client has
// sent the whole message; it is not recorded.
func (s *SMTPSink) FailNext(n int, err *smtp.SMTPError) { s.FailNextAt(StageData, n, err) }

// FailNextAt makes the next n commands of the given stage fail with err (a
// nil err means 451 4.3.0); it replaces what was pending for that stage.
// At StageRcpt each recipient counts: with n=1 and two recipients, the first
// is refused and the message goes to the second only.
func (s *SMTPSink) FailNextAt(stage Stage, n int, err *smtp.SMTPError) {
	if err == nil {
		err = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Injected temporary failure"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[stage] = &failure{n: n, err: err}
}

// Rejected returns how many commands were refused by injected failures.
func (s *SMTPSink) Rejected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected
}

// injected returns the error to answer at stage, if one is pending.
func (s *SMTPSink) injected(stage Stage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fail[stage]
	if f == nil || f.n <= 0 {
		return nil
	}
	f.n--
	s.rejected++
	return f.err
}

// SetDown takes the server down (the port refuses connections and open
// connections are cut, as when a relay crashes) or brings it back on the
// same port.
func (s *SMTPSink) SetDown(down bool) {
	if err := s.ln.setDown(down); err != nil {
		panic(fmt.Sprintf("smtp sink: set down %v: %v", down, err))
	}
}

// SetBusy makes new connections get "421 4.3.2 Service not available" as
// their greeting, after which the server hangs up (an overloaded relay).
func (s *SMTPSink) SetBusy(busy bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy = busy
}

func (s *SMTPSink) rejectBusy(c net.Conn) bool {
	s.mu.Lock()
	busy := s.busy
	s.mu.Unlock()
	if !busy {
		return false
	}
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = io.WriteString(c, "421 4.3.2 Service not available, try again later\r\n")
	c.Close()
	return true
}

type sinkSession struct {
	sink   *SMTPSink
	helo   string
	from   string
	to     []string
	ret    string
	notify []string
}

func (ss *sinkSession) Mail(from string, opts *smtp.MailOptions) error {
	if err := ss.sink.injected(StageMail); err != nil {
		return err
	}
	ss.from, ss.to, ss.ret, ss.notify = from, nil, "", nil
	if opts != nil {
		ss.ret = string(opts.Return)
	}
	return nil
}

func (ss *sinkSession) Rcpt(to string, opts *smtp.RcptOptions) error {
	if err := ss.sink.injected(StageRcpt); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	var notify []string
	if opts != nil {
		for _, n := range opts.Notify {
			notify = append(notify, string(n))
		}
	}
	ss.notify = append(ss.notify, strings.Join(notify, ","))
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.sink.injected(StageData); err != nil {
		return err
	}
	ss.sink.mu.Lock()
	ss.sink.msgs = append(ss.sink.msgs, SinkMessage{Helo: ss.helo, From: ss.from, To: slices.Clone(ss.to), Data: data,
		Return: ss.ret, Notify: slices.Clone(ss.notify)})
	ss.sink.mu.Unlock()
	return nil
}

func (ss *sinkSession) Reset()        { ss.from, ss.to, ss.ret, ss.notify = "", nil, "", nil }
func (ss *sinkSession) Logout() error { return nil }

// authSinkSession is a sinkSession that requires AUTH PLAIN.
type authSinkSession struct {
	*sinkSession
	password string
	authed   bool
}

func (as *authSinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (as *authSinkSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, _, password string) error {
		if password != as.password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		as.authed = true
		return nil
	}), nil
}

func (as *authSinkSession) Mail(from string, opts *smtp.MailOptions) error {
	if !as.authed {
		return smtp.ErrAuthRequired
	}
	return as.sinkSession.Mail(from, opts)
}

// bearerSinkSession is an authSinkSession that takes only OAuth2 tokens.
type bearerSinkSession struct {
	*authSinkSession
	check Bearer
}

func (bs *bearerSinkSession) AuthMechanisms() []string { return []string{"XOAUTH2", sasl.OAuthBearer} }

func (bs *bearerSinkSession) Auth(mech string) (sasl.Server, error) {
	srv, ok := bearerSASL(mech, func(user, token string) error {
		if err := bs.check(user, token); err != nil {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		return nil
	}, func(string) error { bs.authed = true; return nil })
	if !ok {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return srv, nil
}

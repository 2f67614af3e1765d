package outbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"escalationd/config"
	"escalationd/internal/oauth"
)

// SMTPConfig is how to reach the submission server.
type SMTPConfig struct {
	Host string
	Port int
	// TLS is "implicit", "starttls" or "none".
	TLS           string
	TLSSkipVerify bool
	TLSCAFile     string
	Username      string
	Password      string
	HELO          string
	Timeout       time.Duration
	// Auth is "login" or "" (the password, when Username is set),
	// "xoauth2" or "oauthbearer" (a token from Token).
	Auth  string
	Token TokenSource
}

// TokenSource hands out an OAuth2 access token valid for the next login
// (an *oauth.Source).
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// Sender delivers one message's bytes. Implementations may keep a
// connection open across Send calls until Close.
type Sender interface {
	// Send hands raw to the server for the given envelope. from "" is the
	// null reverse-path <>. Recipients the server refused permanently are
	// returned in rejected while the others still get the mail; err is set
	// when nobody got it.
	Send(ctx context.Context, from string, to []string, raw []byte) (rejected []RecipientError, err error)
	// Close ends the connection, if any.
	Close() error
}

// StreamSender is a Sender that also sends mail whose bytes body writes
// while they are sent, so that a large mail is never held whole. When
// body fails, the mail must not be delivered (the session is dropped
// before the end of DATA), and SendStream returns body's error.
type StreamSender interface {
	Sender
	SendStream(ctx context.Context, from string, to []string, body func(io.Writer) error) (rejected []RecipientError, err error)
}

// RecipientError is a recipient the server refused.
type RecipientError struct {
	Address string
	Err     error
}

// SMTPSender sends over SMTP with go-mail's client. It keeps one
// connection for a batch and redials after any error.
type SMTPSender struct {
	client  *gomail.Client
	conn    *smtp.Client
	timeout time.Duration
}

// NewSMTPSender validates cfg and prepares a client; it does not dial.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	tlsConf, err := config.ClientTLS(cfg.Host, cfg.TLSSkipVerify, cfg.TLSCAFile)
	if err != nil {
		return nil, fmt.Errorf("smtp %w", err)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{
		gomail.WithPort(cfg.Port), gomail.WithTimeout(timeout), gomail.WithTLSConfig(tlsConf),
		gomail.WithoutNoop(),
	}
	if cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(cfg.HELO))
	}
	switch cfg.TLS {
	case "implicit":
		opts = append(opts, gomail.WithSSL())
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		return nil, fmt.Errorf("smtp tls mode %q: use implicit, starttls or none", cfg.TLS)
	}
	switch cfg.Auth {
	case "", config.AuthLogin:
	case config.AuthXOAuth2, config.AuthOAuthBearer:
		if cfg.Token == nil || cfg.Username == "" {
			return nil, fmt.Errorf("smtp auth %s needs a username and a token source", cfg.Auth)
		}
		mech := oauth.MechXOAuth2
		if cfg.Auth == config.AuthOAuthBearer {
			mech = oauth.MechOAuthBearer
		}
		opts = append(opts, gomail.WithSMTPAuthCustom(&tokenAuth{mech: mech, user: cfg.Username, src: cfg.Token, timeout: timeout}),
			gomail.WithUsername(cfg.Username))
	default:
		return nil, fmt.Errorf("smtp auth %q: use login, xoauth2 or oauthbearer", cfg.Auth)
	}
	if cfg.Username != "" && (cfg.Auth == "" || cfg.Auth == config.AuthLogin) {
		auth := gomail.SMTPAuthAutoDiscover
		if cfg.TLS == "none" {
			// The operator chose plaintext explicitly for this server.
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	return &SMTPSender{client: c, timeout: timeout}, nil
}

// cancelGrace is how long a send in flight may still take once its
// context is cancelled (the worker stopping): enough for a healthy server
// to answer, so the mail is recorded instead of sent again at the next
// start; a server that hangs is abandoned.
const cancelGrace = time.Second

// attempt is the outcome of one send, reported by the goroutine that made
// it together with the connection to reuse (nil after an error).
type attempt struct {
	conn     *smtp.Client
	rejected []RecipientError
	err      error
}

// Send implements Sender. It honours ctx even when the server hangs (the
// go-mail client blocks in reads under its own lock, bounded only by the
// SMTP timeout): the conversation runs in its own goroutine, which is
// abandoned at once when ctx's deadline passes and cancelGrace after ctx
// is cancelled; it closes its connection when it ends. An abandoned send
// may still reach the server, in which case the mail goes out again later
// with the same Message-ID.
func (s *SMTPSender) Send(ctx context.Context, from string, to []string, raw []byte) ([]RecipientError, error) {
	return s.SendStream(ctx, from, to, func(w io.Writer) error {
		_, err := w.Write(raw)
		return err
	})
}

// SendStream implements StreamSender: Send with the bytes written by body
// into the DATA stream. A body that fails leaves DATA unfinished and the
// connection is closed, so the server discards what it got.
func (s *SMTPSender) SendStream(ctx context.Context, from string, to []string, body func(io.Writer) error) ([]RecipientError, error) {
	c := s.conn
	s.conn = nil // the attempt owns it until it reports back
	done := make(chan attempt, 1)
	go func() {
		a := attempt{conn: c}
		for try := 0; ; try++ {
			reused := a.conn != nil
			if a.conn == nil {
				if a.conn, a.err = s.client.DialToSMTPClientWithContext(ctx); a.err != nil {
					a.conn, a.err = nil, &connectError{a.err}
					break
				}
				requestDSN(a.conn)
			}
			a.rejected, a.err = transaction(a.conn, s.timeout, from, to, body)
			if a.err == nil {
				break
			}
			// Any failure may leave the session in an unknown state: start
			// over.
			_ = a.conn.Close()
			a.conn = nil
			// A kept connection the server has since dropped (its idle
			// timeout, a restart) says nothing about the mail: try once
			// more on a fresh one rather than defer a page by a retry
			// interval.
			if !reused || try > 0 || !connectionLost(a.err) || ctx.Err() != nil {
				break
			}
		}
		done <- a
	}()
	a, ok := waitAttempt(ctx, done)
	if !ok {
		go func() {
			if a := <-done; a.conn != nil {
				_ = a.conn.Close()
			}
		}()
		return nil, fmt.Errorf("send abandoned: %w", ctx.Err())
	}
	s.conn = a.conn
	return a.rejected, a.err
}

// requestDSN asks a server that offers DSN (RFC 3461) to report only
// failures (no delay reports: the MTA still tries), returning only the
// header of the mail: a bounce names the returned mail by its Message-ID,
// which is how it reaches its case, and does not carry a confidential
// case's text around again. go-mail sends the parameters only when the
// server offers the extension.
func requestDSN(c *smtp.Client) {
	c.SetDSNMailReturnOption(string(gomail.DSNMailReturnHeadersOnly))
	c.SetDSNRcptNotifyOption(string(gomail.DSNRcptNotifyFailure))
}

// waitAttempt waits for the attempt; ok is false when it was abandoned.
func waitAttempt(ctx context.Context, done <-chan attempt) (attempt, bool) {
	select {
	case a := <-done:
		return a, true
	case <-ctx.Done():
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return attempt{}, false
	}
	t := time.NewTimer(cancelGrace)
	defer t.Stop()
	select {
	case a := <-done:
		return a, true
	case <-t.C:
		return attempt{}, false
	}
}

func transaction(c *smtp.Client, timeout time.Duration, from string, to []string, body func(io.Writer) error) ([]RecipientError, error) {
	if err := c.UpdateDeadline(timeout); err != nil {
		return nil, err
	}
	if err := c.Mail("<" + smtpPath(from) + ">"); err != nil {
		return nil, fmt.Errorf("MAIL FROM: %w", err)
	}
	var rejected []RecipientError
	for _, rcpt := range to {
		if err := c.Rcpt("<" + smtpPath(rcpt) + ">"); err != nil {
			if IsTemporary(err) {
				// Nobody has the mail yet: retry it whole later rather than
				// deliver to some now and duplicate to them then.
				_ = c.Reset()
				return nil, fmt.Errorf("RCPT TO %s: %w", rcpt, err)
			}
			rejected = append(rejected, RecipientError{Address: rcpt, Err: err})
		}
	}
	if len(rejected) == len(to) {
		_ = c.Reset()
		return rejected, fmt.Errorf("every recipient refused: %w", rejected[0].Err)
	}
	w, err := c.Data()
	if err != nil {
		return nil, fmt.Errorf("DATA: %w", err)
	}
	out := &watchedWriter{w: w}
	if err := body(out); err != nil {
		if out.err == nil {
			err = &bodyError{err}
		}
		// Not w.Close: that would end DATA and deliver what was written.
		return nil, fmt.Errorf("DATA write: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("DATA end: %w", err)
	}
	return rejected, nil
}

// connectionLost reports whether err is the connection failing rather than
// the server answering (any SMTP reply is an answer) or the mail's own
// bytes failing to come (a bodyError: a new connection would not help).
func connectionLost(err error) bool {
	var tpe *textproto.Error
	var se *gomail.SendError
	var be *bodyError
	return !errors.As(err, &tpe) && !errors.As(err, &se) && !errors.As(err, &be)
}

// bodyError is a failure of the body function of SendStream, not of the
// connection: the stored original could not be read, or the mail before
// could not be recorded.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// watchedWriter remembers the first error of the writer it wraps, so a
// body's failure can be told from the connection's.
type watchedWriter struct {
	w   io.Writer
	err error
}

func (w *watchedWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// Close ends the session politely.
func (s *SMTPSender) Close() error {
	if s.conn == nil {
		return nil
	}
	err := s.client.CloseWithSMTPClient(s.conn)
	s.conn = nil
	return err
}

// connectError is a failure to set up the session (connect, greeting,
// EHLO, STARTTLS, AUTH): it says nothing about the mail, and the operator
// can fix it (a rotated password, a relay that refuses us), so it is
// temporary whatever the reply code.
type connectError struct{ err error }

func (e *connectError) Error() string { return "connect: " + e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

// IsTemporary reports whether a send may succeed later. SMTP 4xx replies,
// network errors, failures to set up the session (connectError) and
// anything unknown are temporary (maddy's rule: a message is never dropped
// on an error we cannot classify); SMTP 5xx replies to the mail's own
// commands are permanent. Context cancellation is neither: callers check it
// first and leave the mail untouched.
func IsTemporary(err error) bool {
	if err == nil {
		return false
	}
	var ce *connectError
	if errors.As(err, &ce) {
		return true
	}
	var tpe *textproto.Error
	if errors.As(err, &tpe) {
		return tpe.Code < 500
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		return se.IsTemp()
	}
	// Network errors, EOF, TLS trouble: the server or the path may recover.
	return true
}

// DiscardSender accepts every mail and sends nothing: for the simulator,
// which hears of each mail through the worker's Sent hook.
type DiscardSender struct{}

// Send accepts the mail.
func (DiscardSender) Send(context.Context, string, []string, []byte) ([]RecipientError, error) {
	return nil, nil
}

// SendStream accepts the mail without reading it.
func (DiscardSender) SendStream(context.Context, string, []string, func(io.Writer) error) ([]RecipientError, error) {
	return nil, nil
}

// Close does nothing.
func (DiscardSender) Close() error { return nil }

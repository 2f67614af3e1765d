// Package httpapi serves escalationd's optional HTTP listener: Prometheus
// metrics at /metrics, liveness at /healthz, readiness at /readyz and a
// read-only dashboard at /.
//
// Everything it shows is read at request time: gauges and counters come
// from the database when Prometheus scrapes (the counters are counts of
// rows that are never deleted, so they only grow), and mailbox health from
// a small MailboxHealth interface the daemon implements over its pollers.
// Nothing in the gateway's processing path calls into this package, so a
// slow or failing scrape never holds up mail.
//
// Beyond loopback every request must carry the configured token, as a
// bearer token or as the basic-auth password; the config refuses a
// non-loopback listener without one.
package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"escalationd/internal/clock"
	"escalationd/sla"
	"escalationd/store"
)

// Mailbox is one watched mailbox's health as the listener shows it.
type Mailbox struct {
	Name         string
	Connected    bool
	LastSync     time.Time // the end of the last complete pass; zero: none yet
	LastError    string
	PollInterval time.Duration
}

// MailboxHealth reports every configured mailbox's health.
type MailboxHealth interface {
	Mailboxes() []Mailbox
}

// Token is the state of one server's OAuth2 access token.
type Token struct {
	Server  string    // "mailbox escalations", "smtp"
	Expiry  time.Time // zero before the first token
	Failing bool      // the last refresh failed
}

// TokenHealth lists the OAuth2 tokens of the servers that use them.
type TokenHealth interface {
	Tokens() []Token
}

// Schedule answers who is on call (sla.Schedule implements it).
type Schedule interface {
	Names() []string
	OnCall(rotation string, t time.Time) (sla.Shift, error)
}

// Options configure a Server. Store, Mailboxes, Clock and Logger are
// required.
type Options struct {
	Store     *store.Store
	Mailboxes MailboxHealth
	// Tokens may be nil (no server logs in with OAuth2).
	Tokens TokenHealth
	// Schedule may be nil (no rotations).
	Schedule Schedule
	Clock    clock.Clock
	Logger   *slog.Logger
	// Token, when set, is required on every request (bearer or basic-auth
	// password).
	Token string
	// OutboxStuckAfter is how old the oldest pending mail may be before
	// /readyz reports the outbox stuck (default 15m).
	OutboxStuckAfter time.Duration
	// Timezone is the zone the dashboard shows times in (default UTC).
	Timezone *time.Location
}

// Server is the HTTP listener's handler.
type Server struct {
	opt     Options
	log     *slog.Logger
	handler http.Handler
}

// New checks the options and builds the handler.
func New(o Options) (*Server, error) {
	if o.Store == nil || o.Mailboxes == nil || o.Clock == nil || o.Logger == nil {
		return nil, errors.New("httpapi: Store, Mailboxes, Clock and Logger are required")
	}
	if o.OutboxStuckAfter <= 0 {
		o.OutboxStuckAfter = 15 * time.Minute
	}
	if o.Timezone == nil {
		o.Timezone = time.UTC
	}
	s := &Server{opt: o, log: o.Logger.With("component", "http")}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler())
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /{$}", s.dashboard)
	s.handler = s.auth(mux)
	return s, nil
}

// Handler is the whole listener: every endpoint behind the token check.
func (s *Server) Handler() http.Handler { return s.handler }

// auth requires the token, when one is set, as "Authorization: Bearer T"
// or as the password of basic auth (so a browser can log in).
//
// Without a token (a loopback listener) it answers only requests whose
// Host names the loopback: a web page whose domain an attacker rebinds to
// 127.0.0.1 (DNS rebinding) would otherwise read the dashboard through
// the operator's browser.
func (s *Server) auth(next http.Handler) http.Handler {
	if s.opt.Token == "" {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !loopbackHost(r.Host) {
				http.Error(w, "this listener answers only to localhost, 127.0.0.1 or [::1] (set http.token_file to serve other names)", http.StatusMisdirectedRequest)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	want := []byte(s.opt.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var got string
		// The scheme is case-insensitive (RFC 9110).
		if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			got = strings.TrimSpace(tok)
		} else if _, p, ok := r.BasicAuth(); ok {
			got = p
		}
		if subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="escalationd"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackHost reports whether a request's Host (with or without port)
// names the loopback.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Listen opens the socket, so a taken port fails the start rather than a
// goroutine later.
func (s *Server) Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http listen %s: %w", addr, err)
	}
	return ln, nil
}

// Serve serves on ln until ctx ends, then shuts down within 5s.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	s.log.Info("http listener started", "addr", ln.Addr().String())
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	<-done
	return nil
}

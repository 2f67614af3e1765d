package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"escalationd/internal/clock"
)

// Defaults of Options.
const (
	DefaultMargin      = 5 * time.Minute
	DefaultAlertBefore = 24 * time.Hour
	// DefaultLifetime is assumed for a token endpoint's answer without
	// expires_in, so the token is still renewed now and then.
	DefaultLifetime = time.Hour
	// probeEvery spaces the extra fetches Check makes to learn whether a
	// token about to expire can be extended.
	probeEvery = time.Hour
)

// Options configure a Source. Name, Clock, Logger and either TokenURL (with
// RefreshToken) or Command are required.
type Options struct {
	// Name is the server the token is for, as logs and alerts say it
	// ("mailbox escalations", "smtp").
	Name string
	// TokenURL, ClientID, ClientSecret, RefreshToken and Scopes drive the
	// refresh-token grant.
	TokenURL     string
	ClientID     string
	ClientSecret string
	RefreshToken string
	Scopes       []string
	// Command is an argv that prints an access token, either alone or as
	// JSON {"access_token": "…", "expiry": RFC 3339, "expires_in": s}.
	Command []string
	// Margin: a cached token this close to expiry is renewed (default 5m).
	Margin time.Duration
	// AlertBefore is the lead time of the alert for a token that expires
	// and cannot be renewed (default 24h).
	AlertBefore time.Duration
	Clock       clock.Clock
	Logger      *slog.Logger
	// HTTPClient calls the token endpoint (default http.DefaultClient
	// with a 30s timeout).
	HTTPClient *http.Client
}

// Source hands out a cached access token and renews it before it expires.
// It is safe for concurrent use.
type Source struct {
	opt Options
	log *slog.Logger

	mu           sync.Mutex
	token        string
	expiry       time.Time
	refresh      string // the current refresh token (providers may rotate it)
	lastErr      error
	failingSince time.Time
	stale        bool // the last fetch did not extend the expiry
	lastProbe    time.Time
	alert        alertState
}

// New checks the options.
func New(o Options) (*Source, error) {
	if o.Name == "" || o.Clock == nil || o.Logger == nil {
		return nil, errors.New("oauth: Name, Clock and Logger are required")
	}
	switch {
	case len(o.Command) > 0 && o.TokenURL != "":
		return nil, errors.New("oauth: set either Command or TokenURL, not both")
	case len(o.Command) == 0 && (o.TokenURL == "" || o.RefreshToken == ""):
		return nil, errors.New("oauth: TokenURL and RefreshToken, or Command, are required")
	}
	if o.Margin <= 0 {
		o.Margin = DefaultMargin
	}
	if o.AlertBefore <= 0 {
		o.AlertBefore = DefaultAlertBefore
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Source{opt: o, refresh: o.RefreshToken, log: o.Logger.With("component", "oauth", "server", o.Name)}, nil
}

// Name is the server the source is for.
func (s *Source) Name() string { return s.opt.Name }

// Expiry is the cached token's expiry (zero: none cached, or unknown).
func (s *Source) Expiry() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.expiry
}

// LastError is the error of the last fetch, nil once one succeeds.
func (s *Source) LastError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

// Token returns a token valid for at least Margin, fetching a new one when
// needed. When a fetch fails but the cached token has not yet expired, the
// cached token is returned (the failure is still recorded for Check).
func (s *Source) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Clock.Now()
	if s.token != "" && !s.expiry.IsZero() && now.Before(s.expiry.Add(-s.opt.Margin)) {
		return s.token, nil
	}
	if err := s.fetch(ctx, now); err != nil {
		if s.token != "" && now.Before(s.expiry) {
			return s.token, nil
		}
		return "", err
	}
	return s.token, nil
}

// fetch gets a new token; s.mu is held.
func (s *Source) fetch(ctx context.Context, now time.Time) error {
	var (
		tok    string
		expiry time.Time
		err    error
	)
	if len(s.opt.Command) > 0 {
		tok, expiry, err = s.runCommand(ctx, now)
	} else {
		tok, expiry, err = s.refreshGrant(ctx, now)
	}
	if err != nil {
		if s.lastErr == nil {
			s.failingSince = now
		}
		s.lastErr = err
		s.log.Error("oauth token refresh failed", "err", err, "failing_since", s.failingSince)
		return err
	}
	// The same token with no later expiry: whatever issues it cannot
	// renew it (a refresh grant always issues a new one).
	s.stale = tok == s.token && !expiry.IsZero() && !expiry.After(s.expiry)
	s.token, s.expiry, s.lastErr, s.failingSince = tok, expiry, nil, time.Time{}
	s.log.Info("oauth token refreshed", "expiry", expiry)
	return nil
}

// refreshGrant runs the refresh-token grant. x/oauth2's TokenSource sends
// no scope on refresh, which Microsoft's v2 endpoint wants, so the grant
// goes through Exchange with its parameters replaced (RFC 6749 §3.2: the
// empty code parameter left over is ignored by the server).
func (s *Source) refreshGrant(ctx context.Context, now time.Time) (string, time.Time, error) {
	conf := &oauth2.Config{ClientID: s.opt.ClientID, ClientSecret: s.opt.ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: s.opt.TokenURL}}
	opts := []oauth2.AuthCodeOption{
		oauth2.SetAuthURLParam("grant_type", "refresh_token"),
		oauth2.SetAuthURLParam("refresh_token", s.refresh),
	}
	if len(s.opt.Scopes) > 0 {
		opts = append(opts, oauth2.SetAuthURLParam("scope", strings.Join(s.opt.Scopes, " ")))
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.opt.HTTPClient)
	t, err := conf.Exchange(ctx, "", opts...)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("refresh token at %s: %w", s.opt.TokenURL, err)
	}
	if t.AccessToken == "" {
		return "", time.Time{}, fmt.Errorf("refresh token at %s: no access_token in the answer", s.opt.TokenURL)
	}
	if t.RefreshToken != "" {
		s.refresh = t.RefreshToken
	}
	// The expiry is taken from expires_in and the injected clock, not
	// from x/oauth2's wall-clock Expiry.
	exp := now.Add(DefaultLifetime)
	if t.ExpiresIn > 0 {
		exp = now.Add(time.Duration(t.ExpiresIn) * time.Second)
	}
	return t.AccessToken, exp, nil
}

// runCommand runs the token command and parses what it printed.
func (s *Source) runCommand(ctx context.Context, now time.Time) (string, time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.opt.Command[0], s.opt.Command[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 200 {
			msg = msg[:200]
		}
		if msg != "" {
			return "", time.Time{}, fmt.Errorf("token command %s: %w: %s", s.opt.Command[0], err, msg)
		}
		return "", time.Time{}, fmt.Errorf("token command %s: %w", s.opt.Command[0], err)
	}
	tok, exp, err := ParseCommandOutput(out, now)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token command %s: %w", s.opt.Command[0], err)
	}
	return tok, exp, nil
}

// ParseCommandOutput reads a token command's output: a bare token on one
// line, or a JSON object with access_token and optionally expiry (RFC
// 3339) or expires_in (seconds from now). The expiry is zero when the
// output gives none; such a token is fetched again for every login.
func ParseCommandOutput(out []byte, now time.Time) (string, time.Time, error) {
	text := strings.TrimSpace(string(out))
	if text == "" {
		return "", time.Time{}, errors.New("printed no token")
	}
	if !strings.HasPrefix(text, "{") {
		if strings.ContainsAny(text, " \t\r\n") {
			return "", time.Time{}, errors.New("printed more than one word: want a token or a JSON object")
		}
		return text, time.Time{}, nil
	}
	var v struct {
		AccessToken string    `json:"access_token"`
		Token       string    `json:"token"`
		Expiry      time.Time `json:"expiry"`
		ExpiresIn   int64     `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return "", time.Time{}, fmt.Errorf("printed invalid JSON: %w", err)
	}
	tok := v.AccessToken
	if tok == "" {
		tok = v.Token
	}
	if tok == "" {
		return "", time.Time{}, errors.New("printed JSON without access_token")
	}
	exp := v.Expiry
	if exp.IsZero() && v.ExpiresIn > 0 {
		exp = now.Add(time.Duration(v.ExpiresIn) * time.Second)
	}
	return tok, exp, nil
}

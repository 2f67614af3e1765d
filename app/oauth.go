package app

import (
	"context"
	"log/slog"
	"time"

	"escalationd/config"
	"escalationd/internal/clock"
	"escalationd/internal/oauth"
	"escalationd/store"
	"escalationd/templates"
)

// oauthCheckEvery is how often the token sources are checked for alerts.
const oauthCheckEvery = time.Minute

// newTokenSource builds the token source of a server whose auth is
// xoauth2 or oauthbearer; nil for auth login.
func newTokenSource(name, auth string, o *config.OAuth2, clk clock.Clock, log *slog.Logger) (*oauth.Source, error) {
	if auth == config.AuthLogin || auth == "" || o == nil {
		return nil, nil
	}
	return oauth.New(oauth.Options{Name: name, TokenURL: o.TokenURL, ClientID: o.ClientID, ClientSecret: o.ClientSecret.Reveal(),
		RefreshToken: o.RefreshToken.Reveal(), Scopes: o.Scopes, Command: o.TokenCommand, AlertBefore: o.AlertBefore.D(),
		Clock: clk, Logger: log})
}

// OAuthAlerter queues the operator's alert mail (engine.Engine).
type OAuthAlerter interface {
	OAuthAlert(ctx context.Context, a templates.OAuthAlert, notice int, now time.Time) (bool, error)
}

// CheckOAuth checks every source once and queues the alerts that are due.
func CheckOAuth(ctx context.Context, clk clock.Clock, sources []*oauth.Source, to OAuthAlerter, log *slog.Logger) {
	for _, s := range sources {
		a := s.Check(ctx)
		if a == nil {
			continue
		}
		ta := templates.OAuthAlert{Server: a.Server, Problem: a.Problem, Since: a.Since, Expiry: a.Expiry, Next: a.Next}
		if a.Err != nil {
			ta.Error = a.Err.Error()
		}
		if _, err := to.OAuthAlert(ctx, ta, a.Count, clk.Now()); err != nil {
			log.Error("cannot queue the oauth alert", "component", "oauth", "server", a.Server, "err", err)
		}
	}
}

// recordOAuth writes each source's token state to the database, where
// `escalationd status` reads it.
func recordOAuth(ctx context.Context, st *store.Store, sources []*oauth.Source, now time.Time, log *slog.Logger) {
	for _, s := range sources {
		t := store.TokenState{Server: s.Name(), Expiry: s.Expiry(), UpdatedAt: now}
		if err := s.LastError(); err != nil {
			t.LastError = err.Error()
		}
		if err := st.SaveTokenState(ctx, t); err != nil {
			log.Warn("cannot record the oauth2 token state", "component", "oauth", "server", s.Name(), "err", err)
		}
	}
}

// watchOAuth runs CheckOAuth every minute, and records the token states,
// until ctx ends.
func (g *Gateway) watchOAuth(clk clock.Clock) func(context.Context) error {
	return func(ctx context.Context) error {
		for {
			CheckOAuth(ctx, clk, g.OAuth, g.Engine, g.log)
			recordOAuth(ctx, g.Store, g.OAuth, clk.Now(), g.log)
			if !clock.Sleep(ctx, clk, oauthCheckEvery, nil) {
				return nil
			}
		}
	}
}

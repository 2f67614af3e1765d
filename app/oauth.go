package app

import (
	"context"
	"log/slog"
	"time"

	"escalationd/config"
	"escalationd/internal/clock"
	"escalationd/internal/oauth"
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

// watchOAuth runs CheckOAuth every minute until ctx ends.
func (g *Gateway) watchOAuth(clk clock.Clock) func(context.Context) error {
	return func(ctx context.Context) error {
		for {
			CheckOAuth(ctx, clk, g.OAuth, g.Engine, g.log)
			if !clock.Sleep(ctx, clk, oauthCheckEvery, nil) {
				return nil
			}
		}
	}
}

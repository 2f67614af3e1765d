package app

import (
	"context"
	"time"

	"escalationd/httpapi"
	"escalationd/inbound"
	"escalationd/internal/clock"
	"escalationd/internal/oauth"
)

// pollerHealth is httpapi.MailboxHealth over the running pollers.
type pollerHealth struct {
	pollers  []*inbound.Poller
	interval map[string]time.Duration
}

func (h pollerHealth) Mailboxes() []httpapi.Mailbox {
	out := make([]httpapi.Mailbox, 0, len(h.pollers))
	for _, p := range h.pollers {
		st := p.Status()
		out = append(out, httpapi.Mailbox{Name: st.Mailbox, Connected: st.Connected, LastSync: st.LastSuccess,
			LastError: st.LastError, PollInterval: h.interval[st.Mailbox]})
	}
	return out
}

// oauthHealth is httpapi.TokenHealth over the OAuth2 token sources.
type oauthHealth []*oauth.Source

func (h oauthHealth) Tokens() []httpapi.Token {
	out := make([]httpapi.Token, 0, len(h))
	for _, s := range h {
		out = append(out, httpapi.Token{Server: s.Name(), Expiry: s.Expiry(), Failing: s.LastError() != nil})
	}
	return out
}

// startHTTP opens the HTTP listener when http.listen is set; it runs with
// the intake, so it is the first thing to stop and never outlives the
// database it reads.
func (g *Gateway) startHTTP(ctx context.Context, c *Compiled, opt Options) error {
	cfg := c.Config
	if !cfg.HTTP.Enabled() {
		return nil
	}
	health := pollerHealth{pollers: g.Pollers, interval: map[string]time.Duration{}}
	for _, mb := range cfg.Mailboxes {
		health.interval[mb.Name] = mb.PollInterval.D()
	}
	// The outbox counts as stuck after httpapi's default of 15 minutes,
	// the bound the status-based checks in docs/operations.md use.
	o := httpapi.Options{Store: g.Store, Mailboxes: health, Tokens: oauthHealth(g.OAuth), Clock: opt.Clock, Logger: g.log, Token: cfg.HTTP.Token.Reveal()}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if c.Schedule != nil {
		o.Schedule = c.Schedule
	}
	srv, err := httpapi.New(o)
	if err != nil {
		return err
	}
	ln, err := srv.Listen(cfg.HTTP.Address())
	if err != nil {
		return err
	}
	g.HTTPAddr = ln.Addr().String()
	// Serve closes its listener when it fails; the supervisor's restart
	// then listens again on the same address.
	g.goIntake(ctx, "http", func(ctx context.Context) error {
		if ln == nil {
			l, err := srv.Listen(g.HTTPAddr)
			if err != nil {
				return err
			}
			ln = l
		}
		err := srv.Serve(ctx, ln)
		ln = nil
		return err
	})
	return nil
}

// Package app wires escalationd together and owns its lifecycle: it builds
// every part from the config, starts them in order (store, outbound worker,
// engine timers, then the IMAP pollers), and stops them in reverse, intake
// first: pollers → SLA timers → outbound drain (bounded) → database.
//
// A config file becomes a Compiled configuration in one place (LoadConfig),
// at start, on reload and for every command, and an engine is built from
// one in one place (Compiled.NewEngine). The commands themselves live in
// cmd/escalationd/cli.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"escalationd/config"
	"escalationd/engine"
	"escalationd/inbound"
	"escalationd/internal/clock"
	"escalationd/internal/oauth"
	"escalationd/internal/systemd"
	"escalationd/outbound"
	"escalationd/store"
)

// Options configure Run.
type Options struct {
	ConfigPath string
	Logger     *slog.Logger
	// Clock defaults to the real clock.
	Clock clock.Clock
	// Reload delivers SIGHUP: reload the config; an invalid one is refused
	// and the running one continues.
	Reload <-chan struct{}
	// Sender replaces SMTP delivery (tests, demo); nil uses the config.
	Sender outbound.Sender
	// Started, when set, receives the running gateway once it is up (tests
	// and the demo use it to observe state).
	Started func(*Gateway)
}

// Run runs the daemon until ctx ends, reloading on opt.Reload.
func Run(ctx context.Context, opt Options) error {
	if opt.Logger == nil {
		return errors.New("app: Logger is required")
	}
	if opt.Clock == nil {
		opt.Clock = clock.Real{}
	}
	log := opt.Logger
	c, err := LoadConfig(opt.ConfigPath, config.Options{})
	if err != nil {
		return err
	}
	// The health loop (STATUS=, the watchdog) belongs to the process, not
	// to one configuration: it keeps going through a reload.
	var cur atomic.Pointer[Gateway]
	n := &notifier{}
	if systemd.Enabled() {
		hctx, stopHealth := context.WithCancel(ctx)
		var hwg sync.WaitGroup
		hwg.Add(1)
		go func() { defer hwg.Done(); health(hctx, log, opt.Clock, &cur, n, systemd.WatchdogInterval()) }()
		defer func() { stopHealth(); hwg.Wait() }()
	}
	logEffectiveConfig(log, c.Config)
	n.status("starting")
	g, err := Start(ctx, c, opt)
	if err != nil {
		return err
	}
	// A reload asked for while the gateway waits for its mailboxes (the
	// operator fixing the password that keeps one down) is not held until
	// gateway.start_timeout: it ends the wait and is carried out at once.
	pending := false
	started := func(g *Gateway) {
		cur.Store(g)
		if opt.Started != nil {
			opt.Started(g)
		}
		pending = g.ready(ctx, opt.Clock, n, opt.Reload)
	}
	started(g)
	for {
		next, ok := g.waitForReload(ctx, opt.Reload, pending)
		if !ok {
			cur.Store(nil)
			_, _ = systemd.Notify("STOPPING=1")
			g.Stop()
			return nil
		}
		// The new config is fully checked (secrets, CA files, routes,
		// templates) before the running gateway stops.
		n.reloading()
		cur.Store(nil)
		g.Stop()
		logEffectiveConfig(log, next.Config)
		ng, err := Start(ctx, next, opt)
		if err != nil {
			log.Error("reload failed; restarting with the previous configuration", "err", err)
			if ng, err = Start(ctx, g.compiled, opt); err != nil {
				return fmt.Errorf("restart after a failed reload: %w", err)
			}
		} else {
			log.Info("configuration reloaded")
		}
		g = ng
		started(g)
	}
}

// ready waits (bounded by gateway.start_timeout) for every mailbox to log
// in and select its folder, then sends READY=1 with the status, which
// names the mailboxes that are not up.
//
// It reports whether a reload was asked for meanwhile (it then sends
// READY=1 at once: systemd waits for it before it delivers the reload).
func (g *Gateway) ready(ctx context.Context, clk clock.Clock, n *notifier, reload <-chan struct{}) (reloadPending bool) {
	up, reloadPending := g.waitUp(ctx, clk, g.Config.Gateway.StartTimeout.D(), n, reload)
	if !up {
		if ctx.Err() != nil {
			return false
		}
		var down []string
		for _, p := range g.Pollers {
			if st := p.Status(); !st.Connected {
				down = append(down, st.Mailbox)
			}
		}
		g.log.Warn("not every mailbox is up after gateway.start_timeout; ready without them, they keep retrying",
			"down", down, "start_timeout", g.Config.Gateway.StartTimeout.D())
	}
	n.ready(g.statusText(ctx))
	return reloadPending
}

// Gateway is one running configuration.
type Gateway struct {
	Config  *config.Config
	Store   *store.Store
	Engine  *engine.Engine
	Worker  *outbound.Worker
	Pollers []*inbound.Poller
	// OAuth are the token sources of the servers that log in with OAuth2,
	// for status and metrics (Expiry, LastError).
	OAuth []*oauth.Source
	// HTTPAddr is where the HTTP listener listens ("" when off).
	HTTPAddr string

	compiled *Compiled
	log      *slog.Logger
	cancelIn context.CancelFunc // stops the pollers
	cancelEn context.CancelFunc // stops the timers and the worker
	inWG     sync.WaitGroup
	enWG     sync.WaitGroup
	drain    time.Duration
}

// Start builds and starts every part for a compiled config.
func Start(ctx context.Context, c *Compiled, opt Options) (*Gateway, error) {
	cfg := c.Config
	log := opt.Logger
	clk := opt.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	g := &Gateway{Config: cfg, Store: st, compiled: c, log: log, drain: cfg.Gateway.ShutdownTimeout.D()}
	fail := func(err error) (*Gateway, error) {
		st.Close()
		return nil, err
	}
	smtpToken, err := newTokenSource("smtp", cfg.SMTP.Auth, cfg.SMTP.OAuth2, clk, log)
	if err != nil {
		return fail(&ConfigError{err})
	}
	var smtpTokens outbound.TokenSource // not a nil *oauth.Source
	if smtpToken != nil {
		g.OAuth = append(g.OAuth, smtpToken)
		smtpTokens = smtpToken
	}
	sender := opt.Sender
	if sender == nil {
		s := cfg.SMTP
		sender, err = outbound.NewSMTPSender(outbound.SMTPConfig{Host: s.Host, Port: s.Port, TLS: s.TLS, TLSSkipVerify: s.TLSSkipVerify,
			TLSCAFile: s.TLSCAFile, Username: s.Username, Password: s.Password.Reveal(), HELO: s.HELO, Timeout: s.Timeout.D(),
			Auth: s.Auth, Token: smtpTokens})
		if err != nil {
			return fail(&ConfigError{err})
		}
	}
	g.Engine, g.Worker, err = c.NewPipeline(PipelineOptions{Store: st, Sender: sender, Clock: clk, Logger: log})
	if err != nil {
		return fail(err)
	}
	for _, mb := range cfg.Mailboxes {
		tok, err := newTokenSource("mailbox "+mb.Name, mb.Auth, mb.OAuth2, clk, log)
		if err != nil {
			return fail(&ConfigError{err})
		}
		opts := inbound.Options{Mailbox: mb, Store: st, Processor: g.Engine, Clock: clk, Logger: log,
			MaxMessageSize: int64(cfg.Limits.MaxMessageSize), FetchBatch: mb.FetchBatch}
		if tok != nil {
			g.OAuth = append(g.OAuth, tok)
			opts.Token = tok
		}
		p, err := inbound.New(opts)
		if err != nil {
			return fail(err)
		}
		g.Pollers = append(g.Pollers, p)
	}
	// Start bottom-up: senders and timers first, intake last.
	enCtx, cancelEn := context.WithCancel(context.WithoutCancel(ctx))
	g.cancelEn = cancelEn
	g.goEngine(enCtx, "outbound", g.Worker.Run)
	g.goEngine(enCtx, "timers", g.Engine.RunTimers)
	g.goEngine(enCtx, "retention", func(ctx context.Context) error {
		return runRetention(ctx, st, RetentionPolicy(cfg), clk, log.With("component", "retention"))
	})
	if len(g.OAuth) > 0 {
		g.goEngine(enCtx, "oauth", g.watchOAuth(clk))
	}
	inCtx, cancelIn := context.WithCancel(ctx)
	g.cancelIn = cancelIn
	for _, p := range g.Pollers {
		g.goIntake(inCtx, "inbound "+p.Status().Mailbox, p.Run)
	}
	if err := g.startHTTP(inCtx, c, opt); err != nil {
		g.Stop()
		return nil, err
	}
	log.Info("gateway started", "mailboxes", len(g.Pollers), "database", cfg.Database)
	return g, nil
}

// goIntake and goEngine run a part in its own goroutine, owned by the
// gateway, which waits for it on Stop and recovers a panic into a log line
// (and a restart of that part: a poller or worker that died would lose the
// gateway its purpose).
func (g *Gateway) goIntake(ctx context.Context, name string, run func(context.Context) error) {
	g.inWG.Add(1)
	go func() { defer g.inWG.Done(); g.supervise(ctx, name, run) }()
}

func (g *Gateway) goEngine(ctx context.Context, name string, run func(context.Context) error) {
	g.enWG.Add(1)
	go func() { defer g.enWG.Done(); g.supervise(ctx, name, run) }()
}

func (g *Gateway) supervise(ctx context.Context, name string, run func(context.Context) error) {
	for ctx.Err() == nil {
		err := func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panic: %v", p)
				}
			}()
			return run(ctx)
		}()
		if ctx.Err() != nil {
			return
		}
		g.log.Error("component stopped unexpectedly; restarting", "component", name, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// Stop shuts down in order: intake first, then timers and the outbound
// worker, with a drain of due mail, then the database. The shutdown
// timeout counts from the start of Stop, so it bounds the whole stop, not
// only the drain.
func (g *Gateway) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), g.drain)
	defer cancel()
	g.cancelIn()
	g.inWG.Wait()
	g.cancelEn()
	g.enWG.Wait()
	if err := g.Worker.Flush(ctx); err != nil {
		g.log.Warn("outbox drain incomplete", "err", err)
	}
	if err := g.Store.Close(); err != nil {
		g.log.Error("closing database failed", "err", err)
	}
	g.log.Info("gateway stopped")
}

// waitForReload waits for ctx to end (false) or for a reload request with
// a valid new config (true); an invalid one is refused and logged.
// With pending, a reload was asked for already: it is carried out without
// waiting for another.
func (g *Gateway) waitForReload(ctx context.Context, reload <-chan struct{}, pending bool) (*Compiled, bool) {
	for {
		if !pending {
			select {
			case <-ctx.Done():
				return nil, false
			case <-reload:
			}
		}
		pending = false
		next, err := LoadConfig(g.Config.Path, config.Options{})
		if err != nil {
			g.log.Error("reload refused: the new configuration is invalid; the running one continues", "err", err)
			continue
		}
		if next.Config.Database != g.Config.Database {
			g.log.Error("reload refused: changing the database needs a restart", "old", g.Config.Database, "new", next.Config.Database)
			continue
		}
		return next, true
	}
}

// monotonicUsec is CLOCK_MONOTONIC in microseconds, which systemd wants
// with RELOADING=1.
func monotonicUsec() int64 {
	var ts syscall.Timespec
	if err := clockGettime(&ts); err != nil {
		return 0
	}
	return ts.Nano() / 1000
}

// logEffectiveConfig logs what the daemon will do, secrets redacted.
func logEffectiveConfig(log *slog.Logger, cfg *config.Config) {
	var mbs []string
	for _, m := range cfg.Mailboxes {
		mbs = append(mbs, fmt.Sprintf("%s=%s@%s:%d/%s(tls %s, auth %s)", m.Name, m.Username, m.Host, m.Port, m.Folder, m.TLS, m.Auth))
	}
	log.Info("configuration", "file", cfg.Path, "database", cfg.Database, "mailboxes", mbs,
		"smtp", fmt.Sprintf("%s:%d (tls %s, user %q, auth %s, password %s)", cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS, cfg.SMTP.Username,
			cfg.SMTP.Auth, cfg.SMTP.Password), "operator", cfg.Operator,
		"from", cfg.SMTP.From, "teams", len(cfg.Teams), "routes", len(cfg.Routes), "templates_dir", cfg.Templates.Dir)
}

// Package app wires escalationd together and owns its lifecycle: it builds
// every part from the config, starts them in order (store, outbound worker,
// engine timers, then the IMAP pollers), and stops them in reverse, intake
// first: pollers → SLA timers → outbound drain (bounded) → database. It also
// implements the CLI's commands, so cmd/escalationd only parses flags.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"escalationd/config"
	"escalationd/engine"
	"escalationd/inbound"
	"escalationd/internal/clock"
	"escalationd/internal/systemd"
	"escalationd/outbound"
	"escalationd/router"
	"escalationd/store"
	"escalationd/templates"
)

// ConfigError marks a bad configuration (exit code 2).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

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
	cfg, err := LoadConfig(opt.ConfigPath)
	if err != nil {
		return err
	}
	for {
		logEffectiveConfig(log, cfg)
		g, err := Start(ctx, cfg, opt)
		if err != nil {
			return err
		}
		if opt.Started != nil {
			opt.Started(g)
		}
		_, _ = systemd.Notify("READY=1")
		next, err := g.waitForStopOrReload(ctx, opt.Reload)
		_, _ = systemd.Notify("STOPPING=1")
		g.Stop()
		if err != nil || next == nil {
			return err
		}
		cfg = next
		_, _ = systemd.Notify("RELOADING=1")
		log.Info("configuration reloaded")
	}
}

// LoadConfig loads and validates a config file, wrapping problems in a
// ConfigError.
func LoadConfig(path string) (*config.Config, error) {
	if path == "" {
		return nil, &ConfigError{errors.New("no config file: use --config FILE")}
	}
	cfg, err := config.Load(path, config.Options{})
	if err != nil {
		return nil, &ConfigError{err}
	}
	if _, err := router.Compile(cfg); err != nil {
		return nil, &ConfigError{err}
	}
	if _, err := templates.Load(cfg.Templates.Dir); err != nil {
		return nil, &ConfigError{err}
	}
	return cfg, nil
}

// Gateway is one running configuration.
type Gateway struct {
	Config  *config.Config
	Store   *store.Store
	Engine  *engine.Engine
	Worker  *outbound.Worker
	Pollers []*inbound.Poller

	log      *slog.Logger
	cancelIn context.CancelFunc // stops the pollers
	cancelEn context.CancelFunc // stops the timers and the worker
	inWG     sync.WaitGroup
	enWG     sync.WaitGroup
	drain    time.Duration
}

// Start builds and starts every part for cfg.
func Start(ctx context.Context, cfg *config.Config, opt Options) (*Gateway, error) {
	log := opt.Logger
	clk := opt.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	g := &Gateway{Config: cfg, Store: st, log: log, drain: cfg.Gateway.ShutdownTimeout.D()}
	fail := func(err error) (*Gateway, error) {
		st.Close()
		return nil, err
	}
	tpl, err := templates.Load(cfg.Templates.Dir)
	if err != nil {
		return fail(&ConfigError{err})
	}
	rt, err := router.Compile(cfg)
	if err != nil {
		return fail(&ConfigError{err})
	}
	sender := opt.Sender
	if sender == nil {
		s := cfg.SMTP
		sender, err = outbound.NewSMTPSender(outbound.SMTPConfig{Host: s.Host, Port: s.Port, TLS: s.TLS, TLSSkipVerify: s.TLSSkipVerify,
			TLSCAFile: s.TLSCAFile, Username: s.Username, Password: s.Password.Reveal(), HELO: s.HELO, Timeout: s.Timeout.D()})
		if err != nil {
			return fail(&ConfigError{err})
		}
	}
	g.Worker, err = outbound.NewWorker(outbound.WorkerOptions{
		Store: st, Sender: sender, Clock: clk, Logger: log,
		Guard: outbound.ConfidentialGuard(st, internalDomains(cfg)),
		Retry: outbound.RetryPolicy{Initial: cfg.Outbox.RetryInitial.D(), Max: cfg.Outbox.RetryMax.D()},
	})
	if err != nil {
		return fail(err)
	}
	g.Engine, err = engine.New(engine.Options{Config: cfg, Store: st, Router: rt, Templates: tpl, Clock: clk, Logger: log, Wake: g.Worker.Wake})
	if err != nil {
		return fail(err)
	}
	for _, mb := range cfg.Mailboxes {
		p, err := inbound.New(inbound.Options{Mailbox: mb, Store: st, Processor: g.Engine, Clock: clk, Logger: log})
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
	inCtx, cancelIn := context.WithCancel(ctx)
	g.cancelIn = cancelIn
	for _, p := range g.Pollers {
		g.goIntake(inCtx, "inbound "+p.Status().Mailbox, p.Run)
	}
	if iv := systemd.WatchdogInterval(); iv > 0 {
		g.goEngine(enCtx, "watchdog", func(ctx context.Context) error { return watchdog(ctx, clk, iv) })
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

// waitForStopOrReload returns (nil, nil) when ctx ends, or the new config
// on a valid reload request.
func (g *Gateway) waitForStopOrReload(ctx context.Context, reload <-chan struct{}) (*config.Config, error) {
	for {
		select {
		case <-ctx.Done():
			return nil, nil
		case <-reload:
			next, err := LoadConfig(g.Config.Path)
			if err != nil {
				g.log.Error("reload refused: the new configuration is invalid; the running one continues", "err", err)
				continue
			}
			if next.Database != g.Config.Database {
				g.log.Error("reload refused: changing the database needs a restart", "old", g.Config.Database, "new", next.Database)
				continue
			}
			return next, nil
		}
	}
}

func watchdog(ctx context.Context, clk clock.Clock, every time.Duration) error {
	for {
		_, _ = systemd.Notify("WATCHDOG=1")
		t := clk.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

// internalDomains are the company's own domains: mail there is never
// "customer-side" for the confidentiality guard.
func internalDomains(cfg *config.Config) []string {
	out := append([]string{cfg.Gateway.Domain}, cfg.Senders.AllowDomains...)
	for _, a := range cfg.OwnAddresses() {
		if i := strings.LastIndexByte(a, '@'); i >= 0 {
			out = append(out, a[i+1:])
		}
	}
	return out
}

// logEffectiveConfig logs what the daemon will do, secrets redacted.
func logEffectiveConfig(log *slog.Logger, cfg *config.Config) {
	var mbs []string
	for _, m := range cfg.Mailboxes {
		mbs = append(mbs, fmt.Sprintf("%s=%s@%s:%d/%s(tls %s)", m.Name, m.Username, m.Host, m.Port, m.Folder, m.TLS))
	}
	log.Info("configuration", "file", cfg.Path, "database", cfg.Database, "mailboxes", mbs,
		"smtp", fmt.Sprintf("%s:%d (tls %s, user %q, password %s)", cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS, cfg.SMTP.Username, cfg.SMTP.Password),
		"from", cfg.SMTP.From, "teams", len(cfg.Teams), "routes", len(cfg.Routes), "templates_dir", cfg.Templates.Dir)
}

package app

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"escalationd/config"
	"escalationd/engine"
	"escalationd/internal/clock"
	"escalationd/outbound"
	"escalationd/router"
	"escalationd/sla"
	"escalationd/store"
	"escalationd/templates"
)

// ConfigError marks a bad configuration (exit code 2).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Compiled is a configuration loaded, validated and compiled: the one form
// in which the daemon, a reload, check-config and every command use a
// config file, so the routing tree and the templates are built once.
// Nothing in it may be changed after Compile except Config.Database (a
// command may point the same policy at another database).
type Compiled struct {
	Config    *config.Config
	Router    *router.Router
	Templates *templates.Set
	// Schedule is every rotation, for questions about who is on call.
	Schedule *sla.Schedule
	// Policy is the SLA policy: response targets, chains, rhythm.
	Policy sla.Policy
}

// DefaultConfigPath is where the daemon and the commands look for the
// config file when --config is not given.
const DefaultConfigPath = "/etc/escalationd/escalationd.yaml"

// LoadConfig reads, validates and compiles the config file at path. Every
// problem (YAML, validation, secrets, CA files, routing, rotations, SLA,
// templates) comes back at once, in file order, in one ConfigError. The
// router and the SLA policy are compiled as the config's checks, so each is
// built once. Commands that only use the policy pass
// config.Options{SkipSecrets: true}.
func LoadConfig(path string, opts config.Options) (*Compiled, error) {
	if path == "" {
		return nil, &ConfigError{errors.New("no config file: use --config FILE")}
	}
	c := &Compiled{}
	opts.Checks = append(opts.Checks, c.checks()...)
	cfg, err := config.Load(path, opts)
	if err != nil {
		if cfg == nil {
			if path == DefaultConfigPath && errors.Is(err, fs.ErrNotExist) {
				return nil, &ConfigError{fmt.Errorf("no config file at %s (the default): use --config FILE", path)}
			}
			return nil, &ConfigError{err}
		}
		// Report template problems with the config's own: one pass shows
		// the operator everything.
		problems := []error{err}
		if _, terr := templates.Load(cfg.Templates.Dir); terr != nil {
			problems = append(problems, terr)
		}
		return nil, &ConfigError{errors.Join(problems...)}
	}
	return c.finish(cfg)
}

// Compile compiles a validated config: routing tree, rotations, SLA policy
// and templates. The demo uses it for a config it built itself; everything
// else goes through LoadConfig.
func Compile(cfg *config.Config) (*Compiled, error) {
	c := &Compiled{}
	var problems []error
	for _, check := range c.checks() {
		if err := check(cfg); err != nil {
			problems = append(problems, err)
		}
	}
	if len(problems) > 0 {
		return nil, &ConfigError{errors.Join(problems...)}
	}
	return c.finish(cfg)
}

// checks compile the parts other packages own into c, as config checks.
func (c *Compiled) checks() []func(*config.Config) error {
	return []func(*config.Config) error{
		func(cfg *config.Config) (err error) { c.Router, err = router.Compile(cfg); return err },
		func(cfg *config.Config) (err error) { c.Policy, err = sla.NewPolicy(cfg); return err },
	}
}

// finish loads the templates of a config whose checks passed.
func (c *Compiled) finish(cfg *config.Config) (*Compiled, error) {
	c.Config, c.Schedule = cfg, c.Router.Schedule()
	var err error
	if c.Templates, err = templates.Load(cfg.Templates.Dir); err != nil {
		return nil, &ConfigError{err}
	}
	return c, nil
}

// EngineOptions are what an engine needs besides the compiled config.
type EngineOptions struct {
	Store  *store.Store
	Clock  clock.Clock
	Logger *slog.Logger
	// Wake is the outbound worker's Wake; nil when nothing sends (a
	// command that only queues mail for the running daemon).
	Wake func()
}

// NewEngine is the one place an engine is built: the daemon, the demo,
// the simulator and `cases resolve` all get theirs here.
func (c *Compiled) NewEngine(o EngineOptions) (*engine.Engine, error) {
	return engine.New(engine.Options{Config: c.Config, Store: o.Store, Router: c.Router, Templates: c.Templates, Policy: c.Policy,
		Clock: o.Clock, Logger: o.Logger, Wake: o.Wake})
}

// PipelineOptions are what an engine and its outbound worker need besides
// the compiled config.
type PipelineOptions struct {
	Store  *store.Store
	Sender outbound.Sender
	Clock  clock.Clock
	Logger *slog.Logger
	// Sent and Refused, when set, hear of every mail sent (with its
	// envelope recipients) and every mail the confidentiality check
	// refused (the simulator prints them).
	Sent    func(m *store.Mail, rcpt []string, at time.Time)
	Refused func(m *store.Mail, at time.Time)
}

// NewPipeline is the one place an engine and the outbound worker that
// sends what it queues are wired together, as the daemon, the demo and the
// simulator run them: every mail passes the confidentiality guard; the
// worker has the engine queue the notice of undeliverable or blocked mail
// in the transaction that records it; the engine wakes the worker when it
// queues mail.
func (c *Compiled) NewPipeline(o PipelineOptions) (*engine.Engine, *outbound.Worker, error) {
	cfg := c.Config
	var w *outbound.Worker
	eng, err := c.NewEngine(EngineOptions{Store: o.Store, Clock: o.Clock, Logger: o.Logger, Wake: func() { w.Wake() }})
	if err != nil {
		return nil, nil, err
	}
	w, err = outbound.NewWorker(outbound.WorkerOptions{
		Store: o.Store, Sender: o.Sender, Clock: o.Clock, Logger: o.Logger,
		Guard:         outbound.ConfidentialGuard(o.Store, cfg.InternalDomains(), cfg.PublicDomains()),
		Retry:         outbound.RetryPolicy{Initial: cfg.Outbox.RetryInitial.D(), Max: cfg.Outbox.RetryMax.D()},
		Undeliverable: eng.Undeliverable,
		Blocked:       eng.Blocked,
		Sent:          o.Sent,
		Refused:       o.Refused,
	})
	if err != nil {
		return nil, nil, err
	}
	return eng, w, nil
}

package app

import (
	"errors"
	"log/slog"

	"escalationd/config"
	"escalationd/engine"
	"escalationd/internal/clock"
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

// LoadConfig reads, validates and compiles the config file at path. Every
// problem (YAML, validation, secrets, CA files, routing, templates) comes
// back at once in one ConfigError. Commands that only use the policy pass
// config.Options{SkipSecrets: true}.
func LoadConfig(path string, opts config.Options) (*Compiled, error) {
	if path == "" {
		return nil, &ConfigError{errors.New("no config file: use --config FILE")}
	}
	cfg, err := config.Load(path, opts)
	if err != nil {
		if cfg == nil {
			return nil, &ConfigError{err}
		}
		// Report template problems with the config's own: one pass
		// shows the operator everything. The router trusts a validated
		// config, so it is compiled only then.
		problems := []error{err}
		if _, terr := templates.Load(cfg.Templates.Dir); terr != nil {
			problems = append(problems, terr)
		}
		return nil, &ConfigError{errors.Join(problems...)}
	}
	return Compile(cfg)
}

// Compile compiles a validated config: routing tree, rotations and
// templates. The demo uses it for a config it built itself; everything
// else goes through LoadConfig.
func Compile(cfg *config.Config) (*Compiled, error) {
	c := &Compiled{Config: cfg, Policy: sla.NewPolicy(cfg)}
	var problems []error
	var err error
	if c.Templates, err = templates.Load(cfg.Templates.Dir); err != nil {
		problems = append(problems, err)
	}
	if c.Router, err = router.Compile(cfg); err != nil {
		problems = append(problems, err)
	} else if c.Schedule, err = sla.NewSchedule(cfg); err != nil {
		// The router compiled the same rotations without complaint, so
		// this is not expected; report it all the same.
		problems = append(problems, err)
	}
	if len(problems) > 0 {
		return nil, &ConfigError{errors.Join(problems...)}
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

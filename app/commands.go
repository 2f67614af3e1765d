package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"escalationd/config"
	"escalationd/engine"
	"escalationd/mailparse"
	"escalationd/router"
	"escalationd/sla"
)

// UsageError marks a wrong command line (exit code 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// CheckConfig validates a config file completely (secrets, routing,
// templates) and reports every problem at once.
func CheckConfig(w io.Writer, path string) error {
	cfg, err := LoadConfig(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: OK: %d mailboxes, %d teams, %d rotations, %d categories, %d top-level routes\n",
		path, len(cfg.Mailboxes), len(cfg.Teams), len(cfg.Rotations), len(cfg.Categories), len(cfg.Routes))
	return nil
}

// policyConfig loads a config for the commands that only use the policy
// (parse, route, oncall, simulate): secrets are not needed.
func policyConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path, config.Options{SkipSecrets: true, Checks: configChecks()})
	if err != nil {
		return nil, &ConfigError{err}
	}
	return cfg, nil
}

// readInput reads FILE, or standard input for "-".
func readInput(stdin io.Reader, file string) ([]byte, error) {
	if file == "" {
		return nil, &UsageError{"missing input: give a FILE or - for standard input"}
	}
	if file == "-" {
		return io.ReadAll(stdin)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	return b, nil
}

// mailboxFor picks the mailbox a mail is treated as arriving in.
func mailboxFor(cfg *config.Config, name string) (config.Mailbox, error) {
	if name == "" {
		if len(cfg.Mailboxes) > 0 {
			return cfg.Mailboxes[0], nil
		}
		return config.Mailbox{Name: "escalations", Kind: config.MailboxEscalations}, nil
	}
	if mb, ok := cfg.Mailbox(name); ok {
		return mb, nil
	}
	return config.Mailbox{}, &UsageError{fmt.Sprintf("unknown mailbox %q", name)}
}

// ParseOptions are the inputs of `escalationd parse`.
type ParseOptions struct {
	ConfigPath string // optional: without it, built-in defaults
	Mailbox    string
	File       string
}

// Parse prints the parse result of one mail as JSON. It fails only when
// the input cannot be read or the config is broken.
func Parse(w io.Writer, stdin io.Reader, o ParseOptions) error {
	raw, err := readInput(stdin, o.File)
	if err != nil {
		return err
	}
	var opts mailparse.Options
	if o.ConfigPath != "" {
		cfg, err := policyConfig(o.ConfigPath)
		if err != nil {
			return err
		}
		mb, err := mailboxFor(cfg, o.Mailbox)
		if err != nil {
			return err
		}
		opts = engine.ParseOptions(cfg, mb.Name)
	} else if o.Mailbox == config.MailboxSecurity {
		opts.MailboxKind = config.MailboxSecurity
	}
	return writeJSON(w, mailparse.Parse(raw, opts))
}

// RouteOptions are the inputs of `escalationd route`.
type RouteOptions struct {
	ConfigPath string
	Mailbox    string
	At         time.Time // zero: now
	File       string
	Explain    bool // print the explanation as text instead of JSON
}

// RouteOutput is the JSON contract of `escalationd route`.
type RouteOutput struct {
	Parse      *mailparse.Result  `json:"parse"`
	To         []string           `json:"to"`
	Cc         []string           `json:"cc"`
	Teams      []string           `json:"teams"`
	Rule       string             `json:"rule"`
	Explain    string             `json:"explain"`
	Categories []router.Category  `json:"categories"`
	Flags      router.Flags       `json:"flags"`
	Notes      []string           `json:"notes"`
	Actions    []string           `json:"actions"`
	Incident   []string           `json:"incident,omitempty"`
	Recipients []router.Recipient `json:"recipients,omitempty"`
	At         time.Time          `json:"at"`
}

// Route prints the routing decision for one mail at a time.
func Route(w io.Writer, stdin io.Reader, o RouteOptions) error {
	if o.ConfigPath == "" {
		return &UsageError{"route needs --config FILE"}
	}
	cfg, err := policyConfig(o.ConfigPath)
	if err != nil {
		return err
	}
	rt, err := router.Compile(cfg)
	if err != nil {
		return &ConfigError{err}
	}
	mb, err := mailboxFor(cfg, o.Mailbox)
	if err != nil {
		return err
	}
	raw, err := readInput(stdin, o.File)
	if err != nil {
		return err
	}
	at := o.At
	if at.IsZero() {
		at = time.Now()
	}
	res := mailparse.Parse(raw, engine.ParseOptions(cfg, mb.Name))
	out := RouteOutput{Parse: res, To: []string{}, Cc: []string{}, Teams: []string{}, Categories: []router.Category{},
		Notes: []string{}, Actions: []string{}, At: at}
	if res.Disposition == mailparse.DispositionCase {
		d := rt.Route(engine.RouterInput(res, mb.Name, mb.Kind), at)
		out.To, out.Cc, out.Teams, out.Rule, out.Explain = nonNil(d.To), nonNil(d.Cc), nonNil(d.Teams), d.Rule, d.Explain
		out.Categories, out.Flags, out.Notes, out.Actions = d.Categories, d.Flags, nonNil(d.Notes), nonNil(d.Actions)
		out.Incident, out.Recipients = d.Incident, d.Recipients
		if out.Categories == nil {
			out.Categories = []router.Category{}
		}
	} else {
		out.Explain = fmt.Sprintf("not routed: the mail is %s", res.Disposition)
		if res.Reason != "" {
			out.Explain += " (" + res.Reason + ")"
		}
	}
	if o.Explain {
		_, err := fmt.Fprintln(w, strings.TrimRight(out.Explain, "\n"))
		return err
	}
	return writeJSON(w, out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// OnCallOptions are the inputs of `escalationd oncall`.
type OnCallOptions struct {
	ConfigPath string
	Rotation   string // default: the first rotation
	At         time.Time
	JSON       bool
}

// OnCall prints who is on call at a time and until when.
func OnCall(w io.Writer, o OnCallOptions) error {
	if o.ConfigPath == "" {
		return &UsageError{"oncall needs --config FILE"}
	}
	cfg, err := policyConfig(o.ConfigPath)
	if err != nil {
		return err
	}
	sched, err := sla.NewSchedule(cfg)
	if err != nil {
		return &ConfigError{err}
	}
	name := o.Rotation
	if name == "" {
		names := sched.Names()
		if len(names) == 0 {
			return &ConfigError{errors.New("the config has no rotations")}
		}
		name = names[0]
	}
	at := o.At
	if at.IsZero() {
		at = time.Now()
	}
	shift, err := sched.OnCall(name, at)
	if err != nil {
		return &UsageError{err.Error()}
	}
	if o.JSON {
		return writeJSONCompact(w, struct {
			Name    string `json:"name"`
			Address string `json:"address"`
			Until   string `json:"until"`
		}{shift.Name, shift.Address, shift.Until.Format(time.RFC3339)})
	}
	extra := ""
	if shift.Override {
		extra = " (override"
		if shift.Reason != "" {
			extra += ": " + shift.Reason
		}
		extra += ")"
	}
	_, err = fmt.Fprintf(w, "%s <%s> is on call in %s until %s%s\n", shift.Name, shift.Address, name, shift.Until.Format(time.RFC3339), extra)
	return err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSONCompact writes v as one line of JSON.
func writeJSONCompact(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

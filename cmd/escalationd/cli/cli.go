// Package cli implements escalationd's commands other than the daemon
// itself: check-config, parse, route, oncall, cases, simulate, stats,
// review, status, outbox, prune, backup, demo and version. Each command parses its
// own flags, which may come before, between or after its arguments and
// subcommand, and refuses stray arguments with a UsageError.
// cmd/escalationd maps the errors to exit codes; package app provides the
// compiled config and the engine.
package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"escalationd/app"
	"escalationd/config"
)

// Usage is the program's help text.
const Usage = `escalationd: email-driven escalation gateway

Usage:
  escalationd run --config FILE                 run the daemon
  escalationd check-config [--config FILE] [--offline | --connect]
                                                validate a config (every problem, with line numbers);
                                                --offline without passwords, --connect logs in to each server
  escalationd parse [--config FILE] [--mailbox NAME] FILE|-
                                                print how a mail is read, as JSON
  escalationd route --config FILE [--mailbox NAME] [--at RFC3339] [--explain] FILE|-
                                                print where a mail would go and why
  escalationd oncall --config FILE [--rotation NAME] [--at RFC3339] [--json]
                                                print who is on call and until when
  escalationd cases --config FILE [--open] [--json]
  escalationd cases show --config FILE TICKET [--json | --mail N]
  escalationd cases resolve --config FILE TICKET --note TEXT
                                                inspect and resolve cases without mail
  escalationd simulate --config FILE --start RFC3339 --for DURATION [--reply OFFSET:FROM:TEXT]... [--mail-dir DIR] FILE...
                                                preview every mail a policy sends, on a virtual clock
  escalationd stats --config FILE [--since T] [--until T] [--by urgency|kind|category|team|agent] [--tickets N] [--json]
                                                escalation metrics: volume, time to acknowledge and resolve, breaches
  escalationd report --config FILE [--period week|month] [--at T]
                                                the weekly trends or monthly root-cause review, as mailed to management
  escalationd review --config FILE [--since RFC3339] [--json]
                                                mail that opened no case (unknown or spoofed senders, rejects, parked)
  escalationd status --config FILE [--json]    mailboxes, parked mail, outbox and timers due, from the database
  escalationd outbox list --config FILE [--state STATE] [--json]
  escalationd outbox retry --config FILE ID [--force]
  escalationd outbox drop --config FILE ID --reason TEXT
                                                inspect the outbox, send failed mail again, give up on mail
  escalationd prune --config FILE [--dry-run] [--json]
                                                apply retention: now (the daemon does it daily)
  escalationd backup --config FILE FILE         copy the live database (SQLite online backup)
  escalationd demo [-v]                         run the gateway against built-in servers and sample mail
  escalationd version [--json]                  print the version, commit and Go version (also --version)

--config defaults to ` + app.DefaultConfigPath + ` (parse: built-in defaults).
Flags may come before or after a command's arguments. Run "escalationd COMMAND -h" for a command's flags.
`

// UsageError marks a wrong command line (exit code 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Env is what a command reads and writes besides its arguments.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Now is the clock of relative times ("--since 7d"); nil is the real
	// clock.
	Now func() time.Time
}

func (e Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

// commands are the commands Run knows; "run" (the daemon) is
// cmd/escalationd's own, as it owns the signals.
var commands = map[string]func(ctx context.Context, env Env, args []string) error{
	"check-config": checkConfigCmd,
	"parse":        parseCmd,
	"route":        routeCmd,
	"oncall":       onCallCmd,
	"cases":        casesCmd,
	"simulate":     simulateCmd,
	"stats":        statsCmd,
	"report":       reportCmd,
	"review":       reviewCmd,
	"demo":         demoCmd,
	"status":       statusCmd,
	"outbox":       outboxCmd,
	"prune":        pruneCmd,
	"backup":       backupCmd,
	"version":      versionCmd,
}

// Run runs the command name with its arguments. An unknown command, an
// unknown flag or a stray argument is a *UsageError; a bad config is an
// *app.ConfigError.
func Run(ctx context.Context, env Env, name string, args []string) error {
	cmd, ok := commands[name]
	if !ok {
		return &UsageError{Msg: fmt.Sprintf("unknown command %q\n\n%s", name, Usage)}
	}
	return cmd(ctx, env, args)
}

// policyConfig loads a config for the commands that only use the policy
// (parse, route, oncall, simulate, the reports): secrets are not needed.
func policyConfig(path string) (*app.Compiled, error) {
	return app.LoadConfig(path, config.Options{SkipSecrets: true})
}

// readInput reads FILE, or standard input for "-".
func readInput(stdin io.Reader, file string) ([]byte, error) {
	if file == "" {
		return nil, &UsageError{Msg: "missing input: give a FILE or - for standard input"}
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
	return config.Mailbox{}, &UsageError{Msg: fmt.Sprintf("unknown mailbox %q", name)}
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

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

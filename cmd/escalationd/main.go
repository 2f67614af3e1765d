// Command escalationd is the email-driven escalation gateway. This file only
// parses the command line, builds the logger, turns signals into a context
// and maps errors to exit codes (0 ok, 1 runtime failure, 2 bad usage or
// config); the work is done in package app.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	// Rotations and business hours name IANA zones; carry the database so
	// the binary works on hosts without /usr/share/zoneinfo.
	_ "time/tzdata"

	"escalationd/app"
)

const usage = `escalationd: email-driven escalation gateway

Usage:
  escalationd run --config FILE                 run the daemon
  escalationd check-config --config FILE        validate a config (every problem, with line numbers)
  escalationd parse [--config FILE] [--mailbox NAME] FILE|-
                                                print how a mail is read, as JSON
  escalationd route --config FILE [--mailbox NAME] [--at RFC3339] [--explain] FILE|-
                                                print where a mail would go and why
  escalationd oncall --config FILE [--rotation NAME] [--at RFC3339] [--json]
                                                print who is on call and until when
  escalationd cases --config FILE [--open] [--json]
  escalationd cases show --config FILE TICKET
  escalationd cases resolve --config FILE TICKET --note TEXT
                                                inspect and resolve cases without mail
  escalationd simulate --config FILE --start RFC3339 --for DURATION [--reply OFFSET:FROM:TEXT]... FILE...
                                                preview every mail a policy sends, on a virtual clock
  escalationd stats --config FILE [--since RFC3339] [--json]
                                                escalation metrics: volume, time to acknowledge and resolve, breaches
  escalationd review --config FILE [--since RFC3339] [--json]
                                                mail that opened no case (unknown or spoofed senders, rejects, parked)
  escalationd demo                              run the gateway against built-in servers and sample mail

Run "escalationd COMMAND -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "run":
		err = runDaemon(ctx, rest, stderr)
	case "check-config":
		err = checkConfig(rest, stdout)
	case "parse":
		err = parse(rest, stdin, stdout)
	case "route":
		err = route(rest, stdin, stdout)
	case "oncall":
		err = oncall(rest, stdout)
	case "cases":
		err = cases(ctx, rest, stdout)
	case "simulate":
		err = simulate(ctx, rest, stdout)
	case "stats":
		err = stats(ctx, rest, stdout)
	case "review":
		err = review(ctx, rest, stdout)
	case "demo":
		err = demo(ctx, rest, stdout, stderr)
	default:
		err = &app.UsageError{Msg: fmt.Sprintf("unknown command %q\n\n%s", cmd, usage)}
	}
	return exitCode(err, stderr)
}

// exitCode prints err and maps it to 0, 1 or 2.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue *app.UsageError
	var ce *app.ConfigError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "escalationd:", err)
		return 2
	case errors.As(err, &ce):
		fmt.Fprintln(stderr, "escalationd: invalid configuration:")
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(stderr, "  "+line)
		}
		return 2
	}
	fmt.Fprintln(stderr, "escalationd:", err)
	return 1
}

// flags builds a FlagSet whose errors come back as usage errors.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	// Allow flags after positional arguments too (route --config F FILE --at T).
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return &app.UsageError{Msg: err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &app.UsageError{Msg: fmt.Sprintf("invalid time %q: use RFC 3339, e.g. 2026-11-29T03:00:00-05:00", s)}
	}
	return t, nil
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, &app.UsageError{Msg: fmt.Sprintf("invalid --log-level %q: use debug, info, warn or error", level)}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, &app.UsageError{Msg: fmt.Sprintf("invalid --log-format %q: use text or json", format)}
}

func runDaemon(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flags("run")
	cfgPath := fs.String("config", "", "config `FILE`")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logger, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	reload := make(chan struct{}, 1)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()
	return app.Run(ctx, app.Options{ConfigPath: *cfgPath, Logger: logger, Reload: reload})
}

func checkConfig(args []string, stdout io.Writer) error {
	fs := flags("check-config")
	cfgPath := fs.String("config", "", "config `FILE`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cfgPath == "" && fs.NArg() == 1 {
		*cfgPath = fs.Arg(0)
	}
	return app.CheckConfig(stdout, *cfgPath)
}

func parse(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flags("parse")
	cfgPath := fs.String("config", "", "config `FILE` (limits, own addresses, mailbox kinds, sender policy); default: built-in defaults")
	mailbox := fs.String("mailbox", "", "mailbox `NAME` the mail arrived in")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &app.UsageError{Msg: "parse takes one FILE (or - for standard input)"}
	}
	return app.Parse(stdout, stdin, app.ParseOptions{ConfigPath: *cfgPath, Mailbox: *mailbox, File: fs.Arg(0)})
}

func route(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flags("route")
	cfgPath := fs.String("config", "", "config `FILE`")
	mailbox := fs.String("mailbox", "", "mailbox `NAME` the mail arrived in (default: the first)")
	at := fs.String("at", "", "route as of this RFC 3339 `time` (default: now)")
	explain := fs.Bool("explain", false, "print the explanation as text instead of JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &app.UsageError{Msg: "route takes one FILE (or - for standard input)"}
	}
	t, err := parseTime(*at)
	if err != nil {
		return err
	}
	return app.Route(stdout, stdin, app.RouteOptions{ConfigPath: *cfgPath, Mailbox: *mailbox, At: t, File: fs.Arg(0), Explain: *explain})
}

func oncall(args []string, stdout io.Writer) error {
	fs := flags("oncall")
	cfgPath := fs.String("config", "", "config `FILE`")
	rotation := fs.String("rotation", "", "rotation `NAME` (default: the first)")
	at := fs.String("at", "", "RFC 3339 `time` (default: now)")
	asJSON := fs.Bool("json", false, `print {"name", "address", "until"} as JSON`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	t, err := parseTime(*at)
	if err != nil {
		return err
	}
	return app.OnCall(stdout, app.OnCallOptions{ConfigPath: *cfgPath, Rotation: *rotation, At: t, JSON: *asJSON})
}

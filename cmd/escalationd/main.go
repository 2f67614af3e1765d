// Command escalationd is the email-driven escalation gateway. This file only
// picks the command, builds the daemon's logger, turns signals into a
// context and maps errors to exit codes (0 ok, 1 runtime failure, 2 bad
// usage or config); the daemon is package app, the other commands are
// package cli.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	// Rotations and business hours name IANA zones; carry the database so
	// the binary works on hosts without /usr/share/zoneinfo.
	_ "time/tzdata"

	"escalationd/app"
	"escalationd/cmd/escalationd/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, cli.Usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = append([]string{"version"}, args[1:]...)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if args[0] == "run" {
		f, _ := stderr.(*os.File)
		err = runDaemon(ctx, args[1:], stderr, toJournal(os.Getenv("JOURNAL_STREAM"), f))
	} else {
		err = cli.Run(ctx, cli.Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}, args[0], args[1:])
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
	var ue *cli.UsageError
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

// runDaemon runs the daemon; journal says stderr goes to journald.
func runDaemon(ctx context.Context, args []string, stderr io.Writer, journal bool) error {
	fs := cli.NewFlagSet("run", stderr)
	cfgPath := fs.String("config", app.DefaultConfigPath, "config `FILE`")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	pos, err := cli.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := cli.NoArgs("run", pos); err != nil {
		return err
	}
	logger, err := newLogger(stderr, *logFormat, *logLevel, journal)
	if err != nil {
		return err
	}
	logger.Info("escalationd starting", cli.Version().LogAttrs()...)
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

package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"escalationd/app"
	"escalationd/config"
)

func cases(ctx context.Context, args []string, stdout io.Writer) error {
	sub := "list"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	fs := flags("cases " + sub)
	cfgPath := fs.String("config", "", "config `FILE` (its database is read)")
	asJSON := fs.Bool("json", false, "print JSON")
	switch sub {
	case "list":
		open := fs.Bool("open", false, "only cases not yet resolved")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		return app.Cases(ctx, stdout, app.CasesOptions{ConfigPath: *cfgPath, OpenOnly: *open, JSON: *asJSON})
	case "show":
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return &app.UsageError{Msg: "cases show takes one TICKET"}
		}
		return app.CaseShow(ctx, stdout, app.CaseShowOptions{ConfigPath: *cfgPath, Ticket: fs.Arg(0), JSON: *asJSON})
	case "resolve":
		note := fs.String("note", "", "resolution `TEXT`")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return &app.UsageError{Msg: "cases resolve takes one TICKET"}
		}
		return app.CaseResolve(ctx, stdout, app.CaseResolveOptions{ConfigPath: *cfgPath, Ticket: fs.Arg(0), Note: *note})
	}
	return &app.UsageError{Msg: fmt.Sprintf("unknown cases command %q (use list, show, resolve)", sub)}
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ", ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func simulate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags("simulate")
	cfgPath := fs.String("config", "", "config `FILE`")
	mailbox := fs.String("mailbox", "", "mailbox `NAME` the mails arrive in (default: the first)")
	start := fs.String("start", "", "virtual start `time` (RFC 3339)")
	span := fs.String("for", "", "how long to simulate (`DURATION`, e.g. 36h or 7d)")
	var replies repeated
	fs.Var(&replies, "reply", "inject a reply `OFFSET:FROM:TEXT` to the first mail's case, OFFSET after start (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	t, err := parseTime(*start)
	if err != nil {
		return err
	}
	var d time.Duration
	if *span != "" {
		if d, err = config.ParseDuration(*span); err != nil {
			return &app.UsageError{Msg: "--for: " + err.Error()}
		}
	}
	return app.Simulate(ctx, stdout, app.SimulateOptions{ConfigPath: *cfgPath, Mailbox: *mailbox, Start: t, For: d,
		Replies: replies, Files: fs.Args()})
}

func demo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("demo")
	verbose := fs.Bool("v", false, "show the daemon's log")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	o := app.DemoOptions{}
	if *verbose {
		o.Log = stderr
	}
	return app.Demo(ctx, stdout, o)
}

// reportFlags parses the flags shared by the database reports.
func reportFlags(name string, args []string) (cfgPath string, since time.Time, asJSON bool, err error) {
	fs := flags(name)
	c := fs.String("config", "", "config `FILE` (its database is read)")
	s := fs.String("since", "", "only since this RFC 3339 `time`")
	j := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return "", time.Time{}, false, err
	}
	since, err = parseTime(*s)
	return *c, since, *j, err
}

func stats(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, since, asJSON, err := reportFlags("stats", args)
	if err != nil {
		return err
	}
	return app.PrintStats(ctx, stdout, app.StatsOptions{ConfigPath: cfg, Since: since, JSON: asJSON})
}

func review(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, since, asJSON, err := reportFlags("review", args)
	if err != nil {
		return err
	}
	return app.Review(ctx, stdout, app.ReviewOptions{ConfigPath: cfg, Since: since, JSON: asJSON})
}

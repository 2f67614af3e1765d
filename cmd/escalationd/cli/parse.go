package cli

import (
	"context"
	"io"

	"escalationd/config"
	"escalationd/engine"
	"escalationd/mailparse"
)

func parseCmd(_ context.Context, env Env, args []string) error {
	fs := NewFlagSet("parse", env.Stderr)
	cfgPath := fs.String("config", "", "config `FILE` (limits, own addresses, mailbox kinds, sender policy); default: built-in defaults")
	mailbox := fs.String("mailbox", "", "mailbox `NAME` the mail arrived in")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	file, err := oneArg("parse", "FILE (or - for standard input)", pos)
	if err != nil {
		return err
	}
	return Parse(env.Stdout, env.Stdin, ParseOptions{ConfigPath: *cfgPath, Mailbox: *mailbox, File: file})
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
		c, err := policyConfig(o.ConfigPath)
		if err != nil {
			return err
		}
		mb, err := mailboxFor(c.Config, o.Mailbox)
		if err != nil {
			return err
		}
		opts = engine.ParseOptions(c.Config, mb.Name)
	} else if o.Mailbox == config.MailboxSecurity {
		opts.MailboxKind = config.MailboxSecurity
	}
	return writeJSON(w, mailparse.Parse(raw, opts))
}

package cli

import (
	"context"
	"fmt"
	"io"

	"escalationd/app"
	"escalationd/config"
)

// check-config takes the file as --config FILE or as its one argument.
func checkConfigCmd(ctx context.Context, env Env, args []string) error {
	fs := NewFlagSet("check-config", env.Stderr)
	cfgPath := configFlag(fs, "")
	offline := fs.Bool("offline", false, "check everything but the secrets and the servers (no password is read)")
	connect := fs.Bool("connect", false, "also log in to every mailbox and the SMTP server and report each")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	path := *cfgPath
	switch {
	case isSet(fs, "config"):
		if err := NoArgs("check-config --config FILE", pos); err != nil {
			return err
		}
	case len(pos) == 1:
		path = pos[0]
	case len(pos) > 1:
		return strayArgs("check-config takes one config FILE", pos[1:])
	}
	if *offline && *connect {
		return &UsageError{Msg: "check-config: --offline and --connect exclude each other"}
	}
	return CheckConfig(ctx, env.Stdout, CheckOptions{Path: path, Offline: *offline, Connect: *connect})
}

// CheckOptions are the inputs of `escalationd check-config`.
type CheckOptions struct {
	Path string
	// Offline leaves the secrets unread: the config can be checked on a
	// machine without the daemon's password files.
	Offline bool
	// Connect logs in to every server after the config passed.
	Connect bool
}

// CheckConfig validates a config file completely (secrets unless offline,
// CA files, routing, templates) and reports every problem at once; with
// Connect it then logs in to every server and reports each result.
func CheckConfig(ctx context.Context, w io.Writer, o CheckOptions) error {
	c, err := app.LoadConfig(o.Path, config.Options{SkipSecrets: o.Offline, SecretSources: o.Offline})
	if err != nil {
		return err
	}
	cfg := c.Config
	note := ""
	if o.Offline {
		note = " (offline: passwords and servers not checked)"
	}
	fmt.Fprintf(w, "%s: OK%s: %d mailboxes, %d teams, %d rotations, %d categories, %d top-level routes\n",
		o.Path, note, len(cfg.Mailboxes), len(cfg.Teams), len(cfg.Rotations), len(cfg.Categories), len(cfg.Routes))
	if o.Connect {
		return checkServers(ctx, w, cfg)
	}
	return nil
}

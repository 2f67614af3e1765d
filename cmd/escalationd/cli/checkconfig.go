package cli

import (
	"context"
	"fmt"
	"io"

	"escalationd/app"
	"escalationd/config"
)

// check-config takes the file as --config FILE or as its one argument.
func checkConfigCmd(_ context.Context, env Env, args []string) error {
	fs := NewFlagSet("check-config", env.Stderr)
	cfgPath := fs.String("config", "", "config `FILE`")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	path := *cfgPath
	if path == "" && len(pos) == 1 {
		path = pos[0]
	}
	return CheckConfig(env.Stdout, path)
}

// CheckConfig validates a config file completely (secrets, routing,
// templates) and reports every problem at once.
func CheckConfig(w io.Writer, path string) error {
	c, err := app.LoadConfig(path, config.Options{})
	if err != nil {
		return err
	}
	cfg := c.Config
	fmt.Fprintf(w, "%s: OK: %d mailboxes, %d teams, %d rotations, %d categories, %d top-level routes\n",
		path, len(cfg.Mailboxes), len(cfg.Teams), len(cfg.Rotations), len(cfg.Categories), len(cfg.Routes))
	return nil
}

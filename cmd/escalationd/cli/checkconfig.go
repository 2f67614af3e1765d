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
	switch {
	case path == "" && len(pos) == 1:
		path = pos[0]
	case path == "" && len(pos) > 1:
		return strayArgs("check-config takes one config FILE", pos[1:])
	case path != "":
		if err := NoArgs("check-config --config FILE", pos); err != nil {
			return err
		}
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

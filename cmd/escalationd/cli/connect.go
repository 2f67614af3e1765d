package cli

import (
	"context"
	"fmt"
	"io"

	"escalationd/app"
	"escalationd/config"
)

// checkServers logs in to every server of cfg and prints one line per
// server, in config order; it fails when any did.
func checkServers(ctx context.Context, w io.Writer, cfg *config.Config) error {
	checks := app.CheckServers(ctx, cfg)
	failed := 0
	for _, c := range checks {
		if c.Err != nil {
			failed++
			fmt.Fprintf(w, "%s (%s): FAILED: %v\n", c.Name, c.Addr, c.Err)
			continue
		}
		fmt.Fprintf(w, "%s (%s): OK: %s\n", c.Name, c.Addr, c.Detail)
	}
	if failed > 0 {
		return fmt.Errorf("check-config --connect: %d of %d servers failed", failed, len(checks))
	}
	return nil
}

package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"escalationd/app"
	"escalationd/store"
)

func pruneCmd(ctx context.Context, env Env, args []string) error {
	fs := NewFlagSet("prune", env.Stderr)
	cfgPath := configFlag(fs, "its database and retention: are used")
	dryRun := fs.Bool("dry-run", false, "only print what would be removed")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := NoArgs("prune", pos); err != nil {
		return err
	}
	return Prune(ctx, env.Stdout, PruneOptions{ConfigPath: *cfgPath, DryRun: *dryRun, JSON: *asJSON})
}

// PruneOptions are the inputs of `escalationd prune`.
type PruneOptions struct {
	ConfigPath string
	DryRun     bool
	JSON       bool
	Now        time.Time
}

// PruneJSON is `escalationd prune --json`.
type PruneJSON struct {
	DryRun bool `json:"dry_run"`
	store.PruneResult
	RawMailDays     int `json:"raw_mail_days"`     // the policy applied; 0 keeps mail forever
	IgnoredMailDays int `json:"ignored_mail_days"` // likewise
}

// Prune applies the config's retention policy now, as the daemon does
// daily: the raw bytes of old finished mail are removed, the cases, the
// rows and the audit trail stay. It works on the live database.
func Prune(ctx context.Context, w io.Writer, o PruneOptions) error {
	if o.ConfigPath == "" {
		return &UsageError{Msg: "prune needs --config FILE"}
	}
	c, st, err := openConfigured(ctx, o.ConfigPath, store.Open)
	if err != nil {
		return err
	}
	defer st.Close()
	now := orNow(o.Now)
	policy := app.RetentionPolicy(c.Config)
	r, err := st.Prune(ctx, policy, now, o.DryRun)
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(w, PruneJSON{DryRun: o.DryRun, PruneResult: r, RawMailDays: days(policy.RawMail), IgnoredMailDays: days(policy.IgnoredMail)})
	}
	verb := "removed"
	if o.DryRun {
		verb = "would remove"
	}
	_, err = fmt.Fprintf(w, "%s the raw bytes of %d stored mails (%s) and %d sent mails (%s)\nretention: case mail %s after resolution, ignored mail %s\n",
		verb, r.Messages, byteSize(r.MessageBytes), r.Outbox, byteSize(r.OutboxBytes), keepFor(policy.RawMail), keepFor(policy.IgnoredMail))
	return err
}

func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

func keepFor(d time.Duration) string {
	if d <= 0 {
		return "kept forever"
	}
	return fmt.Sprintf("kept %dd", days(d))
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

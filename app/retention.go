package app

import (
	"context"
	"log/slog"
	"time"

	"escalationd/config"
	"escalationd/internal/clock"
	"escalationd/store"
)

// pruneEvery is how often the daemon applies the retention policy.
const pruneEvery = 24 * time.Hour

// RetentionPolicy is the config's retention: as the store applies it.
func RetentionPolicy(cfg *config.Config) store.RetentionPolicy {
	var p store.RetentionPolicy
	if d := cfg.Retention.RawMail; d != nil {
		p.RawMail = d.D()
	}
	if d := cfg.Retention.IgnoredMail; d != nil {
		p.IgnoredMail = d.D()
	}
	return p
}

// runRetention applies the retention policy when the gateway starts and
// then once a day, until ctx ends. A failed run is logged and tried again
// the next day: pruning is never urgent.
func runRetention(ctx context.Context, st *store.Store, policy store.RetentionPolicy, clk clock.Clock, log *slog.Logger) error {
	for {
		now := clk.Now()
		r, err := st.Prune(ctx, policy, now, false)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Error("applying retention failed", "err", err)
		case r.Messages > 0 || r.Outbox > 0:
			log.Info("retention applied", "messages", r.Messages, "message_bytes", r.MessageBytes, "outbox", r.Outbox, "outbox_bytes", r.OutboxBytes)
		}
		t := clk.NewTimer(pruneEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"escalationd/internal/clock"
	"escalationd/store"
)

// The daemon prunes when it starts and again each day.
func TestRetentionRunsAtStartAndDaily(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Date(2026, 6, 1, 3, 0, 0, 0, time.UTC)
	ignored := func(uid uint32, at time.Time) int64 {
		in, err := st.Ingest(ctx, store.Incoming{Mailbox: "esc", UIDValidity: 1, UID: uid, Raw: []byte("auto-reply " + at.String())}, at)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.InTx(ctx, func(tx *store.Tx) error {
			return tx.MarkHandled(in.ID, "ignored", "auto-reply", store.OutcomeRejected, 0, at)
		}); err != nil {
			t.Fatal(err)
		}
		return in.ID
	}
	old := ignored(1, start.Add(-31*24*time.Hour))
	young := ignored(2, start.Add(-29*24*time.Hour-time.Hour))
	clk := clock.NewVirtual(start)
	done := make(chan error, 1)
	go func() {
		done <- runRetention(ctx, st, store.RetentionPolicy{IgnoredMail: 30 * 24 * time.Hour}, clk, slog.New(slog.DiscardHandler))
	}()
	pruned := func(id int64) bool {
		m, err := st.Message(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return len(m.Raw) == 0
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting: %s", what)
			}
		}
	}
	waitFor("the first run", func() bool { return pruned(old) && clk.Pending() == 1 })
	if pruned(young) {
		t.Fatal("mail younger than the period was pruned")
	}
	clk.Advance(24 * time.Hour)
	waitFor("the daily run", func() bool { return pruned(young) })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

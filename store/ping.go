package store

import (
	"context"
	"fmt"
)

// Ping checks that the database takes a write, for the daemon's watchdog:
// a read would still answer with the file read-only or its disk full,
// while the gateway could store no mail. It commits a transaction that
// rewrites the header's user_version with its own value (unused by the
// migrations, which keep their own table), so the commit writes a page to
// the WAL and syncs it, and changes nothing.
func (s *Store) Ping(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("database ping: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var v int64
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("database ping: %w", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v)); err != nil {
		return fmt.Errorf("database ping: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("database ping: %w", err)
	}
	return nil
}

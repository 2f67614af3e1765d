package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mattn/go-sqlite3"
)

// backupPagesPerStep bounds how long one backup step holds the database's
// read lock: writers (the daemon) wait at most for one step, and a step
// that sees a change restarts only the copy, never blocks it.
const backupPagesPerStep = 256

// Backup writes a consistent copy of the open database to path with
// SQLite's online backup API, while the daemon keeps writing. The copy is
// written to a temporary file (mode 0600) next to path, synced, and
// renamed over path, so path is never a half-written database.
func (s *Store) Backup(ctx context.Context, path string) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	defer func() {
		if err != nil {
			os.Remove(tmpPath)
		}
	}()
	if err := os.Chmod(tmpPath, 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	dst, err := openPlain(ctx, tmpPath)
	if err != nil {
		return err
	}
	defer dst.Close()
	src, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer src.Close()
	dconn, err := dst.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer dconn.Close()
	err = dconn.Raw(func(dc any) error {
		return src.Raw(func(sc any) error {
			d, ok1 := dc.(*sqlite3.SQLiteConn)
			sconn, ok2 := sc.(*sqlite3.SQLiteConn)
			if !ok1 || !ok2 {
				return errors.New("not a SQLite connection")
			}
			b, err := d.Backup("main", sconn, "main")
			if err != nil {
				return err
			}
			for {
				if err := ctx.Err(); err != nil {
					b.Close()
					return err
				}
				done, err := b.Step(backupPagesPerStep)
				if err != nil {
					b.Close()
					return err
				}
				if done {
					return b.Finish()
				}
			}
		})
	})
	if err != nil {
		return fmt.Errorf("backup %s: %w", s.path, err)
	}
	// The copy is a plain rollback-journal database: one file, nothing
	// beside it to forget.
	if _, err := dconn.ExecContext(ctx, `PRAGMA journal_mode = DELETE`); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	dconn.Close()
	if err := dst.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncFile(tmpPath); err != nil {
		return err
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return syncFile(dir)
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: sync %s: %w", path, err)
	}
	return nil
}

// openPlain opens a database file without migrating it (the backup copy
// is overwritten page by page).
func openPlain(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		return nil, fmt.Errorf("backup: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("backup: open %s: %w", path, err)
	}
	return db, nil
}

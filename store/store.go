// Package store owns escalationd's SQLite database: opening it with the
// right pragmas, the embedded numbered migrations, and typed queries for
// mailbox cursors, stored mail, cases, events, the outbox and SLA timers.
//
// The store never reads the clock: every write that records a time takes
// now as a parameter, so the engine stamps one now per cycle and tests and
// `escalationd simulate` run on virtual time.
//
// Durability: the database runs in WAL mode with synchronous=FULL, because
// the gateway acknowledges mail on the IMAP server (moves it to Processed)
// right after a commit; a commit that a power cut could undo would lose an
// escalation. One connection serialises writers, which is ample for mail
// rates and avoids SQLITE_BUSY between the daemon's own goroutines.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Store is an open database.
type Store struct {
	db *sql.DB
	// reader serves the reads other goroutines make outside transactions
	// while the one writing connection may be busy: the outbound worker's
	// due mail and confidentiality check, the engine's read of a stored
	// mail. In WAL mode they read the last commit without waiting for a
	// writer (the engine's batch), so the worker sends on.
	reader *sql.DB
	path   string
}

// Open opens (creating when missing, mode 0600) and migrates the database.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open store: empty database path")
	}
	if err := ensureFile(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	// Keep prepared statements: the gateway runs the same few dozen
	// statements for every message, and preparing them again took a fifth
	// of its CPU while it worked through a backlog.
	q.Set("_stmt_cache_size", "256")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db, path: path}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		var tooNew *SchemaTooNewError
		if errors.As(err, &tooNew) {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
		return nil, fmt.Errorf("migrate store %s: %w", path, err)
	}
	r := url.Values{}
	r.Set("_query_only", "true")
	r.Set("_busy_timeout", "10000")
	r.Set("_stmt_cache_size", "64")
	if s.reader, err = sql.Open("sqlite3", "file:"+path+"?"+r.Encode()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s for reading: %w", path, err)
	}
	s.reader.SetMaxOpenConns(2)
	return s, nil
}

// OpenReadOnly opens an existing database without write access: for
// commands that only look (cases, cases show) while the daemon runs.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", "10000")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, reader: db, path: path}
	if err := s.checkSchemaVersion(ctx, KnownSchemaVersion()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// ensureFile creates the database file with mode 0600 so cases and mail
// are never world-readable; SQLite gives its -wal and -shm files the same
// mode.
func ensureFile(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("create database directory: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open database file: %w", err)
	}
	return f.Close()
}

// Close closes the database.
func (s *Store) Close() error {
	if s.reader != nil && s.reader != s.db {
		s.reader.Close()
	}
	return s.db.Close()
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Tx is one write transaction. Its methods are the only way to change the
// database, so everything one event changes commits or fails together.
type Tx struct {
	tx  *sql.Tx
	ctx context.Context
	db  *sql.DB
	// waits is the database's count of waits for its connection when the
	// transaction began (see Contended).
	waits int64
}

// InTx runs fn in a transaction, committing when fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(&Tx{tx: sqlTx, ctx: ctx, db: s.db, waits: s.db.Stats().WaitCount}); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Savepoint runs fn under a savepoint: when fn fails, what it wrote is
// undone and the transaction carries on without it, so one bad item of a
// batch does not cost the others their commit. It returns fn's error, or
// the savepoint's own (a database error) when it could not be set or
// undone, after which the transaction must be abandoned.
func (tx *Tx) Savepoint(fn func() error) error {
	if _, err := tx.tx.ExecContext(tx.ctx, `SAVEPOINT item`); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	ferr := fn()
	if ferr != nil {
		if _, err := tx.tx.ExecContext(tx.ctx, `ROLLBACK TO item`); err != nil {
			return fmt.Errorf("roll back to savepoint after %v: %w", ferr, err)
		}
	}
	if _, err := tx.tx.ExecContext(tx.ctx, `RELEASE item`); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return ferr
}

// Contended reports whether someone has been waiting for the database
// since the transaction began: the store has one connection, which the
// transaction holds, so any wait counted since then is still waiting. A
// long batch (a backlog's handling) commits early then, so that the
// outbound worker's one-row "sent" marks, each of which holds up the next
// mail, do not wait for a whole batch.
func (tx *Tx) Contended() bool { return tx.db.Stats().WaitCount != tx.waits }

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// IsDatabaseError reports whether err came from the database itself (as
// opposed to the work done inside a transaction), so callers can tell "the
// disk is full, try later" from "this item cannot be done".
func IsDatabaseError(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, sql.ErrTxDone)
}

// timeLayout is fixed-width UTC so stored times sort as text and read well
// in the sqlite3 shell.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func ts(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTS(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

func parseNullTS(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	return parseTS(s.String)
}

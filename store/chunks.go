package store

import (
	"context"
	"database/sql"
	"fmt"
)

// rawChunk is the most bytes of a stored mail one SQLite value holds
// (migration 10): messages.raw holds its first rawChunk bytes and
// message_chunks the rest, in order. A large mail is then written, read
// and sent a chunk at a time: the database driver copies every value it
// binds or reads whole, and SQLite reads a value whole too.
var rawChunk = 1 << 20

// storedLength is the SQL for how many bytes a message row stores: raw
// and its chunks (length() of a blob does not read it).
const storedLength = `length(raw) + coalesce((SELECT sum(length(data)) FROM message_chunks WHERE message = messages.id), 0)`

// querier is what reads run on: the database, or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// insertChunks stores the bytes of message id after its first rawChunk.
func (tx *Tx) insertChunks(id int64, rest []byte) error {
	if len(rest) == 0 {
		return nil
	}
	stmt, err := tx.tx.PrepareContext(tx.ctx, `INSERT INTO message_chunks (message, seq, data) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for seq := 1; len(rest) > 0; seq++ {
		n := min(len(rest), rawChunk)
		if _, err := stmt.ExecContext(tx.ctx, id, seq, rest[:n]); err != nil {
			return fmt.Errorf("store chunk %d of message %d: %w", seq, id, err)
		}
		rest = rest[n:]
	}
	return nil
}

// EachRawChunk calls fn with the stored bytes of message id in order, a
// chunk at a time, holding the database's connection only while it reads
// each chunk (see eachRawChunk): for sending a large stored mail without
// holding it whole.
func (s *Store) EachRawChunk(ctx context.Context, id int64, fn func([]byte) error) error {
	return eachRawChunk(ctx, s.db, id, fn)
}

// eachRawChunk calls fn with the stored bytes of message id in order, a
// value at a time (raw, then each chunk), each read by its own query that
// is over before fn runs: fn may take its time (write to the network)
// without holding the database's connection. The bytes are valid only
// during the call. The stored bytes of a mail never change once
// committed, except that retention empties them.
func eachRawChunk(ctx context.Context, q querier, id int64, fn func([]byte) error) error {
	var buf []byte
	read := func(query string, args ...any) (bool, error) {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return false, err
		}
		defer rows.Close()
		if !rows.Next() {
			return false, rows.Err()
		}
		var b sql.RawBytes // the driver's own copy, not copied again
		if err := rows.Scan(&b); err != nil {
			return false, err
		}
		buf = append(buf[:0], b...)
		return true, rows.Close()
	}
	ok, err := read(`SELECT raw FROM messages WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("read message %d: %w", id, err)
	}
	if !ok {
		return fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	for seq := 1; ; seq++ {
		if len(buf) > 0 {
			if err := fn(buf); err != nil {
				return err
			}
		}
		ok, err := read(`SELECT data FROM message_chunks WHERE message = ? AND seq = ?`, id, seq)
		if err != nil {
			return fmt.Errorf("read chunk %d of message %d: %w", seq, id, err)
		}
		if !ok {
			return nil
		}
	}
}

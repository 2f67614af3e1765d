package store

import (
	"context"
	"fmt"
	"time"
)

// TokenState is the state of one server's OAuth2 access token, as the
// daemon last recorded it.
type TokenState struct {
	Server    string
	Expiry    time.Time // zero before the first token
	LastError string    // "" when the last refresh worked
	UpdatedAt time.Time
}

// SaveTokenState records a server's token state.
func (s *Store) SaveTokenState(ctx context.Context, t TokenState) error {
	expiry := ""
	if !t.Expiry.IsZero() {
		expiry = ts(t.Expiry)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO oauth_tokens (server, expiry, last_error, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (server) DO UPDATE SET expiry = excluded.expiry, last_error = excluded.last_error, updated_at = excluded.updated_at`,
		t.Server, expiry, t.LastError, ts(t.UpdatedAt))
	if err != nil {
		return fmt.Errorf("record the oauth2 token of %s: %w", t.Server, err)
	}
	return nil
}

// TokenStates lists the recorded token states by server.
func (s *Store) TokenStates(ctx context.Context) ([]TokenState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT server, expiry, last_error, updated_at FROM oauth_tokens ORDER BY server`)
	if err != nil {
		return nil, fmt.Errorf("read oauth2 token states: %w", err)
	}
	defer rows.Close()
	var out []TokenState
	for rows.Next() {
		var t TokenState
		var expiry, updated string
		if err := rows.Scan(&t.Server, &expiry, &t.LastError, &updated); err != nil {
			return nil, err
		}
		if expiry != "" {
			t.Expiry = parseTS(expiry)
		}
		t.UpdatedAt = parseTS(updated)
		out = append(out, t)
	}
	return out, rows.Err()
}

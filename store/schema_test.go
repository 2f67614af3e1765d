package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// A database migrated by a newer escalationd is refused with a message
// that says what to do, by Open and OpenReadOnly alike, and is left as it
// was.
func TestNewerSchemaIsRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	known := KnownSchemaVersion()
	if v, err := s.SchemaVersion(ctx); err != nil || v != known {
		t.Fatalf("schema version = %d, %v; want %d", v, err, known)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (?, 'from-the-future.sql')`, known+3); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for name, open := range map[string]func(context.Context, string) (*Store, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		_, err := open(ctx, path)
		var tooNew *SchemaTooNewError
		if !errors.As(err, &tooNew) || tooNew.Database != known+3 || tooNew.Known != known {
			t.Fatalf("%s: err = %v, want SchemaTooNewError", name, err)
		}
		want := fmt.Sprintf("database schema version %d is newer than this escalationd (knows up to %d): upgrade escalationd or restore a backup",
			known+3, known)
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %q does not say %q", name, err, want)
		}
	}
}

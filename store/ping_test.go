package store

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"escalationd/internal/mailtest"
)

// Ping writes: it fails once the database file and its WAL are immutable
// (chattr +i, refused even to root) and works again when they are not.
func TestPingNeedsAWritableDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping of a healthy database: %v", err)
	}
	_, err = exec.LookPath("chattr")
	mailtest.Require(t, "root and chattr (to make the database immutable)", err == nil && os.Geteuid() == 0,
		"run the tests as root with e2fsprogs installed")
	files := []string{path, path + "-wal"}
	undo := func() {
		for _, f := range files {
			_ = exec.Command("chattr", "-i", f).Run()
		}
	}
	t.Cleanup(undo)
	for _, f := range files {
		out, err := exec.Command("chattr", "+i", f).CombinedOutput()
		mailtest.Require(t, "chattr +i on the test's file system", err == nil, "run the tests as root on ext4 ("+strings.TrimSpace(string(out))+")")
	}
	if err := s.Ping(ctx); err == nil {
		t.Fatal("ping of a read-only database succeeded")
	} else if !IsDatabaseError(err) {
		t.Errorf("ping error %v is not a database error", err)
	}
	undo()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping after the database is writable again: %v", err)
	}
}

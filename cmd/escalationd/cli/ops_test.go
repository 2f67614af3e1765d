package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"escalationd/config"
	"escalationd/store"
)

func TestStatusReadsTheDatabase(t *testing.T) {
	ctx := context.Background()
	cfg := casesConfig(t)
	var out bytes.Buffer
	if err := Status(ctx, &out, StatusOptions{ConfigPath: cfg, JSON: true, Now: simStart.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	var s StatusJSON
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.SchemaVersion != store.KnownSchemaVersion() || len(s.Mailboxes) < 2 {
		t.Fatalf("status: %s", out.String())
	}
	esc := s.Mailboxes[0]
	if esc.Name != "escalations" || !esc.Configured || esc.LastUID != 1 || esc.LastActivityAge != 60 || esc.Parked != 0 {
		t.Fatalf("escalations mailbox: %+v", esc)
	}
	if s.Mailboxes[1].LastActivityAge != -1 {
		t.Fatalf("a mailbox without mail has an age: %+v", s.Mailboxes[1])
	}
	if o := s.Outbox; o.Pending != 2 || o.Due != 2 || o.OldestPendingAge != 60 || !o.OldestPendingAt.Equal(simStart) {
		t.Fatalf("outbox: %+v", o)
	}
	if len(s.TimersDue) == 0 || s.TimersDue[0].Ticket != "TCK-77" || s.TimersOverdue != 0 {
		t.Fatalf("timers due: %+v", s.TimersDue)
	}
	// The field names monitoring reads are there however empty.
	for _, key := range []string{`"parked"`, `"oldest_pending_age_seconds"`, `"timers_overdue"`, `"last_activity_age_seconds"`, `"due"`} {
		if !strings.Contains(out.String(), key) {
			t.Errorf("status --json lacks %s", key)
		}
	}
	out.Reset()
	if err := Status(ctx, &out, StatusOptions{ConfigPath: cfg, Now: simStart.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"escalations", "2 pending (2 due)", "oldest pending queued 2026-11-28T08:00:00Z (3h00m ago)", "overdue"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status text lacks %q:\n%s", want, out.String())
		}
	}
}

func TestOutboxCommands(t *testing.T) {
	ctx := context.Background()
	cfg := casesConfig(t)
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := Run(ctx, Env{Stdout: &out, Stderr: io.Discard}, "outbox", append(args, "--config", cfg))
		return out.String(), err
	}
	list, err := run("list", "--state", "pending", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []OutboxMailJSON
	if err := json.Unmarshal([]byte(list), &rows); err != nil || len(rows) != 2 || rows[0].Ticket != "TCK-77" || rows[0].NextAttemptAt.IsZero() {
		t.Fatalf("outbox list: %v %s", err, list)
	}
	var usage *UsageError
	for _, args := range [][]string{
		{"retry", "1"},                // pending: nothing to retry
		{"retry", "x"},                // not an ID
		{"retry", "99"},               // no such mail
		{"drop", "1"},                 // no reason
		{"list", "--state", "queued"}, // no such state
		{"list", "--force"},           // a flag of retry
		{"purge", "1"},                // no such subcommand
	} {
		if _, err := run(args...); !errors.As(err, &usage) {
			t.Errorf("outbox %v: %v, want a usage error", args, err)
		}
	}
	out, err := run("drop", "2", "--reason", "agent asked for no receipt")
	if err != nil || !strings.Contains(out, "mail 2 (receipt") {
		t.Fatalf("drop: %q %v", out, err)
	}
	if _, err := run("drop", "2", "--reason", "again"); !errors.As(err, &usage) {
		t.Fatalf("dropping twice: %v", err)
	}
	var shown bytes.Buffer
	if err := CaseShow(ctx, &shown, CaseShowOptions{ConfigPath: cfg, Ticket: "TCK-77", JSON: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(shown.String(), `"mail-dropped"`) || !strings.Contains(shown.String(), "agent asked for no receipt") {
		t.Fatalf("the drop is not on the case:\n%s", shown.String())
	}
	text, err := run("list")
	if err != nil || !strings.Contains(text, "dropped") {
		t.Fatalf("list: %q %v", text, err)
	}
}

func TestBackupAndPrune(t *testing.T) {
	ctx := context.Background()
	cfg := casesConfig(t)
	copyPath := filepath.Join(t.TempDir(), "escalationd-backup.db")
	var out bytes.Buffer
	if err := Run(ctx, Env{Stdout: &out, Stderr: io.Discard}, "backup", []string{copyPath, "--config", cfg}); err != nil {
		t.Fatal(err)
	}
	cp, err := store.OpenReadOnly(ctx, copyPath)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := cp.Cases(ctx, store.CaseFilter{})
	cp.Close()
	if err != nil || len(cases) != 1 || cases[0].Ticket != "TCK-77" {
		t.Fatalf("backup holds %d cases: %v", len(cases), err)
	}
	var usage *UsageError
	if err := Run(ctx, Env{Stdout: io.Discard, Stderr: io.Discard}, "backup", []string{"--config", cfg}); !errors.As(err, &usage) {
		t.Fatalf("backup without FILE: %v", err)
	}

	if err := CaseResolve(ctx, io.Discard, CaseResolveOptions{ConfigPath: cfg, Ticket: "TCK-77", Note: "done", Now: simStart.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	later := simStart.Add(181 * 24 * time.Hour)
	out.Reset()
	if err := Prune(ctx, &out, PruneOptions{ConfigPath: cfg, DryRun: true, JSON: true, Now: later}); err != nil {
		t.Fatal(err)
	}
	var dry PruneJSON
	if err := json.Unmarshal(out.Bytes(), &dry); err != nil {
		t.Fatal(err)
	}
	// Nothing: no daemon ran, so the case's mail is still queued, queued
	// mail is never pruned, and the routed mail attaches the escalation.
	if !dry.DryRun || dry.Messages != 0 || dry.Outbox != 0 || dry.RawMailDays != 180 || dry.IgnoredMailDays != 30 {
		t.Fatalf("dry run: %s", out.String())
	}
	if err := Run(ctx, Env{Stdout: io.Discard, Stderr: io.Discard}, "outbox", []string{"drop", "1", "--reason", "test", "--config", cfg}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := Prune(ctx, &out, PruneOptions{ConfigPath: cfg, DryRun: true, JSON: true, Now: later}); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &dry); err != nil {
		t.Fatal(err)
	}
	// The escalation, once the routed mail is dropped; the dropped mail
	// itself (the receipt is still queued).
	if dry.Messages != 1 || dry.Outbox != 1 {
		t.Fatalf("dry run after the routed mail was dropped: %s", out.String())
	}
	out.Reset()
	if err := Prune(ctx, &out, PruneOptions{ConfigPath: cfg, Now: later}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "removed the raw bytes of 1 stored mails") {
		t.Fatalf("prune: %s", out.String())
	}
	if _, err := os.Stat(copyPath); err != nil {
		t.Fatal(err)
	}
}

// The OAuth2 token states the daemon records show in status: when each
// expires, and a failing refresh in capitals.
func TestStatusShowsOAuthTokens(t *testing.T) {
	ctx := context.Background()
	cfg := casesConfig(t)
	c, err := config.Load(cfg, config.Options{SkipSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, c.Database)
	if err != nil {
		t.Fatal(err)
	}
	now := simStart.Add(time.Hour)
	for _, ts := range []store.TokenState{
		{Server: "mailbox escalations", Expiry: now.Add(50 * time.Minute), UpdatedAt: now},
		{Server: "smtp", Expiry: now.Add(-time.Minute), LastError: "oauth2: \"invalid_grant\"", UpdatedAt: now},
	} {
		if err := st.SaveTokenState(ctx, ts); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	var out bytes.Buffer
	if err := Status(ctx, &out, StatusOptions{ConfigPath: cfg, JSON: true, Now: now}); err != nil {
		t.Fatal(err)
	}
	var s StatusJSON
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.OAuthTokens) != 2 || s.OAuthTokens[0].ExpiresInSeconds != 3000 || s.OAuthTokens[1].RefreshError == "" || s.OAuthTokens[1].ExpiresInSeconds != -60 {
		t.Fatalf("oauth tokens: %s", out.String())
	}
	out.Reset()
	if err := Status(ctx, &out, StatusOptions{ConfigPath: cfg, Now: now}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mailbox escalations: token expires", "(in 50m0s)", "smtp: token EXPIRED", "REFRESH FAILING: oauth2"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status text lacks %q:\n%s", want, out.String())
		}
	}
}

// A command run before the daemon ever ran (or with the wrong config)
// says there is no database, and creates none.
func TestCommandsDoNotCreateADatabase(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile(helpdesk)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "never.db")
	cfg := filepath.Join(dir, "helpdesk.yaml")
	doc := strings.Replace(string(raw), "database: /var/lib/escalationd/escalationd.db", "database: "+db, 1)
	if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"outbox", "retry", "9"}, {"outbox", "drop", "9", "--reason", "x"}, {"prune", "--dry-run"}, {"status"}, {"cases"}} {
		err := Run(context.Background(), Env{Stdout: io.Discard, Stderr: io.Discard}, args[0], append(args[1:], "--config", cfg))
		if err == nil || !strings.Contains(err.Error(), "no database at "+db) {
			t.Errorf("%v: %v", args, err)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("a command created the database")
	}
}

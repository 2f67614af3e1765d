package app

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"escalationd/config"
	"escalationd/internal/clock"
	"escalationd/store"
)

const helpdesk = "../examples/helpdesk.yaml"

func TestLoadConfigCompilesEverythingOnce(t *testing.T) {
	c, err := LoadConfig(helpdesk, config.Options{SkipSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Config == nil || c.Router == nil || c.Templates == nil || c.Schedule == nil {
		t.Fatalf("incomplete compiled config: %+v", c)
	}
	if names := c.Schedule.Names(); len(names) == 0 {
		t.Fatal("no rotations compiled")
	}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := c.NewEngine(EngineOptions{Store: st, Clock: clock.NewVirtual(time.Now()), Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
}

// A config whose secrets are missing and whose template override is broken
// reports both in one ConfigError: the operator fixes everything in one
// pass. (The example's password files are not on a test machine.)
func TestLoadConfigReportsConfigAndTemplateProblemsTogether(t *testing.T) {
	dir := t.TempDir()
	tpl := filepath.Join(dir, "tpl")
	if err := os.Mkdir(tpl, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tpl, "nonsense.tmpl"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(helpdesk)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw) + "\ntemplates:\n  dir: " + tpl + "\n"
	path := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadConfig(path, config.Options{Env: func(string) (string, bool) { return "", false }})
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "password_file") || !strings.Contains(err.Error(), "nonsense") {
		t.Fatalf("want one ConfigError naming the secret and the template, got %v", err)
	}
	if _, err := LoadConfig("", config.Options{}); !errors.As(err, &ce) {
		t.Fatalf("no path: %v", err)
	}
}

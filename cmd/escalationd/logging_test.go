package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

// typedDuration stands for config.Duration, which main does not import.
type typedDuration time.Duration

func (d typedDuration) D() time.Duration { return time.Duration(d) }

func TestLogDurationsAreStrings(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log, err := newLogger(&buf, format, "info", false)
		if err != nil {
			t.Fatal(err)
		}
		log.With("poll", 30*time.Second).WithGroup("retry").Info("waiting", "delay", 90*time.Second, "give_up", typedDuration(24*time.Hour))
		out := buf.String()
		if format == "text" {
			for _, want := range []string{"poll=30s", "retry.delay=1m30s", "retry.give_up=24h0m0s"} {
				if !strings.Contains(out, want) {
					t.Errorf("text lacks %s: %s", want, out)
				}
			}
			if strings.HasPrefix(out, "<") {
				t.Errorf("priority prefix outside journald: %s", out)
			}
			continue
		}
		var rec struct {
			Poll  any `json:"poll"`
			Retry struct {
				Delay  any `json:"delay"`
				GiveUp any `json:"give_up"`
			} `json:"retry"`
		}
		if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if rec.Poll != "30s" || rec.Retry.Delay != "1m30s" || rec.Retry.GiveUp != "24h0m0s" {
			t.Errorf("json durations: %s", out)
		}
	}
}

// Under journald each line starts with its syslog priority, whichever
// logger derived from the root wrote it, also from many goroutines.
func TestJournalPriorityPrefix(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log, err := newLogger(&buf, format, "debug", true)
		if err != nil {
			t.Fatal(err)
		}
		scoped := log.With("component", "inbound")
		log.Debug("d")
		scoped.Info("i")
		log.WithGroup("g").Warn("w", "k", 1)
		scoped.Error("e", "err", "boom")
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		want := []string{"<7>", "<6>", "<4>", "<3>"}
		if len(lines) != len(want) {
			t.Fatalf("%s: %d lines:\n%s", format, len(lines), buf.String())
		}
		for i, p := range want {
			rest, ok := strings.CutPrefix(lines[i], p)
			if !ok || strings.HasPrefix(rest, "<") {
				t.Errorf("%s line %d: want prefix %s: %s", format, i, p, lines[i])
			}
			if format == "json" && !json.Valid([]byte(rest)) {
				t.Errorf("json line %d after the prefix is not JSON: %s", i, rest)
			}
		}
	}

	var buf bytes.Buffer
	log, _ := newLogger(&buf, "text", "info", true)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				if i%2 == 0 {
					log.Warn("w")
				} else {
					log.With("n", i).Info("i")
				}
			}
		})
	}
	wg.Wait()
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if (strings.HasPrefix(line, "<4>") && !strings.Contains(line, "level=WARN")) ||
			(strings.HasPrefix(line, "<6>") && !strings.Contains(line, "level=INFO")) ||
			(!strings.HasPrefix(line, "<4>") && !strings.HasPrefix(line, "<6>")) {
			t.Fatalf("line with the wrong priority: %q", line)
		}
	}
}

func TestLoggerRefusesBadFlags(t *testing.T) {
	if _, err := newLogger(&bytes.Buffer{}, "xml", "info", false); err == nil {
		t.Error("format xml accepted")
	}
	if _, err := newLogger(&bytes.Buffer{}, "text", "loud", false); err == nil {
		t.Error("level loud accepted")
	}
}

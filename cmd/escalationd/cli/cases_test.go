package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"escalationd/app"
	"escalationd/config"
	"escalationd/internal/clock"
	"escalationd/store"
)

// casesConfig writes the example config with its database in a temp dir and
// opens one case in it through the engine.
func casesConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	raw, err := os.ReadFile(helpdesk)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "cases.db")
	doc := strings.Replace(string(raw), "database: /var/lib/escalationd/escalationd.db", "database: "+db, 1)
	path := filepath.Join(dir, "helpdesk.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := app.LoadConfig(path, config.Options{SkipSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := c.NewEngine(app.EngineOptions{Store: st, Clock: clock.NewVirtual(simStart), Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	mail, _ := os.ReadFile(generic(t, "TCK-77", "High", "Export broken"))
	ing, err := st.Ingest(ctx, store.Incoming{Mailbox: "escalations", UIDValidity: 1, UID: 1, MessageID: "TCK-77@agent.craudiovizai.com", Raw: mail}, simStart)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Process(ctx, ing.ID); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCasesListShowResolve(t *testing.T) {
	ctx := context.Background()
	cfg := casesConfig(t)
	var out bytes.Buffer
	if err := Cases(ctx, &out, CasesOptions{ConfigPath: cfg, OpenOnly: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "TCK-77") || !strings.Contains(out.String(), "senior_support") {
		t.Fatalf("cases --open:\n%s", out.String())
	}
	out.Reset()
	if err := CaseShow(ctx, &out, CaseShowOptions{ConfigPath: cfg, Ticket: "tck-77", JSON: true}); err != nil {
		t.Fatal(err)
	}
	var shown struct {
		Case   CaseJSON
		Events []struct{ Type string }
		Mail   []struct{ Event, State string }
		Timers []struct{ Kind, State string }
	}
	if err := json.Unmarshal(out.Bytes(), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.Case.Ticket != "TCK-77" || len(shown.Mail) != 2 || shown.Mail[0].Event != "routed" || shown.Mail[1].Event != "receipt" || len(shown.Timers) != 3 {
		t.Fatalf("cases show: %+v", shown)
	}
	out.Reset()
	if err := CaseResolve(ctx, &out, CaseResolveOptions{ConfigPath: cfg, Ticket: "TCK-77", Note: "fixed by hand", Now: simStart.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	_ = CaseShow(ctx, &out, CaseShowOptions{ConfigPath: cfg, Ticket: "TCK-77", JSON: true})
	shown.Mail, shown.Timers = nil, nil
	_ = json.Unmarshal(out.Bytes(), &shown)
	var events []string
	for _, m := range shown.Mail {
		events = append(events, m.Event)
	}
	if shown.Case.State != "resolved" || shown.Case.Resolution != "fixed by hand" || strings.Join(events, ",") != "routed,receipt,resolved,thanks" {
		t.Fatalf("after resolve: %+v mail %v", shown.Case, events)
	}
	for _, tm := range shown.Timers {
		if tm.State == "pending" {
			t.Fatalf("a timer survived the resolution: %+v", shown.Timers)
		}
	}
	// Resolving again: a clear error.
	if err := CaseResolve(ctx, &out, CaseResolveOptions{ConfigPath: cfg, Ticket: "TCK-77", Note: "x"}); err == nil || !strings.Contains(err.Error(), "no open case") {
		t.Fatalf("second resolve: %v", err)
	}
	if err := CaseResolve(ctx, &out, CaseResolveOptions{ConfigPath: cfg, Ticket: "TCK-77"}); err == nil {
		t.Fatal("resolve without a note accepted")
	}
}

func TestStats(t *testing.T) {
	ctx := context.Background()
	cfg := casesConfig(t)
	if err := CaseResolve(ctx, io.Discard, CaseResolveOptions{ConfigPath: cfg, Ticket: "TCK-77", Note: "done", Now: simStart.Add(90 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := PrintStats(ctx, &out, StatsOptions{ConfigPath: cfg, JSON: true}); err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s["cases"] != float64(1) || s["open"] != float64(0) || s["time_to_resolve_median"] != "1h30m0s" || s["by_urgency"].(map[string]any)["high"] != float64(1) {
		t.Fatalf("stats = %s", out.String())
	}
}

func TestReviewListsUnroutedMail(t *testing.T) {
	ctx := context.Background()
	cfg := casesConfig(t)
	c, _ := config.Load(cfg, config.Options{SkipSecrets: true})
	st, err := store.Open(ctx, c.Database)
	if err != nil {
		t.Fatal(err)
	}
	_ = st.InTx(ctx, func(tx *store.Tx) error {
		return tx.AddEvent(store.Event{At: simStart, Type: "ignored", Actor: "stranger@outside.example", Detail: "sender-not-allowed: hello"})
	})
	st.Close()
	var out bytes.Buffer
	if err := Review(ctx, &out, ReviewOptions{ConfigPath: cfg}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "stranger@outside.example") || !strings.Contains(out.String(), "sender-not-allowed") {
		t.Fatalf("review:\n%s", out.String())
	}
}

// cases show --mail N prints the Nth mail of the case as stored, 1-based
// in the order show lists (and numbers) them; out of range is a usage
// error (exit 2).
func TestCaseShowMail(t *testing.T) {
	cfg := casesConfig(t)
	listing, err := runArgs(t, "", "cases", "show", "TCK-77", "--config", cfg)
	if err != nil || !strings.Contains(listing, "\n   1  ") || !strings.Contains(listing, "\n   2  ") {
		t.Fatalf("show does not number its mail (%v):\n%s", err, listing)
	}
	for n, event := range map[string]string{"1": "routed", "2": "receipt"} {
		out, err := runArgs(t, "", "cases", "show", "TCK-77", "--config", cfg, "--mail", n)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Summarize([]byte(out), simStart)
		if err != nil || s.Event != event || s.Ticket != "TCK-77" || !strings.Contains(out, "\r\n\r\n") {
			t.Errorf("--mail %s: %+v, %v:\n%s", n, s, err, out)
		}
		// The routed mail with the escalation it attaches (held by
		// reference in the outbox), as sent.
		if n == "1" && !strings.Contains(out, "Message-ID: <TCK-77@agent.craudiovizai.com>\r\nDate: Sat, 28 Nov 2026 03:00:00 -0500\r\n") {
			t.Errorf("--mail 1 lacks the attached escalation:\n%s", out)
		}
	}
	var usage *UsageError
	for _, args := range [][]string{
		{"cases", "show", "TCK-77", "--config", cfg, "--mail", "3"},
		{"cases", "show", "TCK-77", "--config", cfg, "--mail", "0"},
		{"cases", "show", "TCK-77", "--config", cfg, "--mail", "1", "--json"},
		{"cases", "list", "--config", cfg, "--mail", "1"},
	} {
		out, err := runArgs(t, "", args...)
		if !errors.As(err, &usage) || out != "" {
			t.Errorf("%v: %v, printed %q; want a usage error", args, err, out)
		}
	}
	_, err = runArgs(t, "", "cases", "show", "TCK-77", "--config", cfg, "--mail", "3")
	if err == nil || !strings.Contains(err.Error(), "case TCK-77 has 2 mails; --mail 3 is out of range (1-2)") {
		t.Errorf("out of range: %v", err)
	}
}

// The percentiles are nearest-rank: with few cases the p90 is the slowest,
// never an interpolation between two cases that did not happen.
func TestPercentileNearestRank(t *testing.T) {
	ds := []time.Duration{3 * time.Hour, time.Hour, 2 * time.Hour}
	if got := percentile(ds, 90); got == nil || *got != Duration(3*time.Hour) {
		t.Errorf("p90 = %v, want 3h", got)
	}
	if got := percentile(ds, 50); got == nil || *got != Duration(2*time.Hour) {
		t.Errorf("median = %v, want 2h", got)
	}
	if got := percentile(nil, 90); got != nil {
		t.Errorf("p90 of nothing = %v, want none", got)
	}
}

// stats --by agent --tickets gives each agent's figures and the escalation
// rate against the reference's 10% target; --since as a span counts back
// from the injected clock.
func TestStatsByAgentAndRate(t *testing.T) {
	cfg := casesConfig(t)
	var out bytes.Buffer
	env := Env{Stdout: &out, Stderr: io.Discard, Now: func() time.Time { return simStart.Add(24 * time.Hour) }}
	if err := Run(context.Background(), env, "stats", []string{"--config", cfg, "--by", "agent", "--tickets", "5", "--since", "2d", "--json"}); err != nil {
		t.Fatal(err)
	}
	var s Stats
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Cases != 1 || s.EscalationRate != 0.2 || s.RateTarget != 0.1 || len(s.By) != 1 {
		t.Fatalf("stats = %s", out.String())
	}
	for agent, f := range s.By {
		if !strings.Contains(agent, "@") || f.Cases != 1 {
			t.Errorf("by agent: %q %+v", agent, f)
		}
	}
	// A window that ends before the case opened counts nothing.
	out.Reset()
	if err := Run(context.Background(), env, "stats", []string{"--config", cfg, "--until", "2d", "--json"}); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &s); err != nil || s.Cases != 0 {
		t.Fatalf("stats --until 2d = %s", out.String())
	}
	if s.AckMedian != nil || !strings.Contains(out.String(), `"time_to_acknowledge_median": null`) {
		t.Errorf("no case acknowledged, yet a time to acknowledge: %s", out.String())
	}
	if err := Run(context.Background(), env, "stats", []string{"--config", cfg, "--by", "moon"}); err == nil {
		t.Fatal("--by moon accepted")
	}
	if err := Run(context.Background(), env, "stats", []string{"--config", cfg, "--since", "2026-11-30", "--until", "2026-11-23"}); err == nil {
		t.Fatal("a window that ends before it starts accepted")
	}
}

// cases show says what the resolution taught: the root cause and the
// customer's satisfaction, in text and JSON.
func TestCaseShowRootCauseAndCSAT(t *testing.T) {
	ctx := context.Background()
	cfg := casesConfig(t)
	if err := CaseResolve(ctx, io.Discard, CaseResolveOptions{ConfigPath: cfg, Ticket: "TCK-77", Note: "fixed", Now: simStart.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c, _ := config.Load(cfg, config.Options{SkipSecrets: true})
	db, err := sql.Open("sqlite3", c.Database)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE cases SET root_cause = 'training', csat = 4`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var out bytes.Buffer
	if err := CaseShow(ctx, &out, CaseShowOptions{ConfigPath: cfg, Ticket: "TCK-77"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "root cause: training; customer satisfaction: 4 of 5") {
		t.Errorf("cases show:\n%s", out.String())
	}
	out.Reset()
	if err := CaseShow(ctx, &out, CaseShowOptions{ConfigPath: cfg, Ticket: "TCK-77", JSON: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"root_cause": "training"`) || !strings.Contains(out.String(), `"csat": 4`) {
		t.Errorf("cases show --json:\n%s", out.String())
	}
}

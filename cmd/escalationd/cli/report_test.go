package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// report prints the weekly review of the last complete week before --at,
// over a database the engine wrote.
func TestReportPrintsTheWeeklyReview(t *testing.T) {
	cfg := casesConfig(t) // TCK-77, High, opened Saturday 28 November
	var out, errOut bytes.Buffer
	env := Env{Stdout: &out, Stderr: &errOut, Now: func() time.Time { return simStart.Add(72 * time.Hour) }}
	if err := Run(context.Background(), env, "report", []string{"--config", cfg, "--period", "week", "--at", "2026-11-30T15:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	want := `Weekly escalation review: Mon 23 Nov - Sun 29 Nov 2026
NOT ACKNOWLEDGED, past their response time: TCK-77 (High, senior support, overdue 2 days).
1 escalation (last week 0), 0 breached (last week 0), 1 still open.
None acknowledged or resolved yet.

By urgency (this / last week):
  Critical         0 / 0
  High             1 / 0
  Medium           0 / 0
  Low              0 / 0
`
	if got := out.String(); !strings.HasPrefix(strings.TrimLeft(got, "\n"), want) {
		t.Fatalf("report:\n%s\nwant it to begin:\n%s", got, want)
	}
	if !strings.Contains(out.String(), "Breaches: 0") || !strings.Contains(out.String(), "By team (this / last week):\n  senior support   1 / 0") {
		t.Errorf("report lacks its sections:\n%s", out.String())
	}
	// The month before 1 December: November, against October.
	out.Reset()
	if err := Run(context.Background(), env, "report", []string{"--config", cfg, "--period", "month", "--at", "2026-12-01T15:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(strings.TrimLeft(out.String(), "\n"), "Monthly root-cause review: November 2026\nNOT ACKNOWLEDGED, past their response time: TCK-77 (High, senior support, overdue 3 days).\n1 escalation (October 0)") {
		t.Errorf("monthly report:\n%s", out.String())
	}
	if err := Run(context.Background(), env, "report", []string{"--config", cfg, "--period", "year"}); err == nil {
		t.Error("--period year accepted")
	}
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const helpdesk = "../../../examples/helpdesk.yaml"

// Saturday 2026-11-28 03:00 in New York: after hours.
var simStart = time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)

func writeMail(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(body, "\n", "\r\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func generic(t *testing.T, ticket, urgency, issue string) string {
	return writeMail(t, ticket+".eml", fmt.Sprintf(`Authentication-Results: mx.craudiovizai.com; dmarc=pass header.from=craudiovizai.com
From: Alice Agent <alice.agent@craudiovizai.com>
To: escalations@craudiovizai.com
Subject: ESCALATION: [%s]
Message-ID: <%s@agent.craudiovizai.com>
Date: Sat, 28 Nov 2026 03:00:00 -0500
Content-Type: text/plain; charset=utf-8

ESCALATION: [%s]
Customer: jane.doe@example.com
Issue: %s
Attempted: Restarted checkout
Impact: ~1,200 users
Urgency: %s
`, ticket, ticket, ticket, issue, urgency))
}

// simulate runs the command and returns its JSON lines.
func simulate(t *testing.T, cfg string, span time.Duration, replies []string, files ...string) []SimulatedMail {
	t.Helper()
	var out bytes.Buffer
	err := Simulate(context.Background(), &out, SimulateOptions{ConfigPath: cfg, Start: simStart, For: span, Replies: replies, Files: files})
	if err != nil {
		t.Fatal(err)
	}
	var mails []SimulatedMail
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if line == "" {
			continue
		}
		var m SimulatedMail
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		mails = append(mails, m)
	}
	return mails
}

// timeline renders mails as "+offset event" for compact assertions.
func timeline(mails []SimulatedMail) []string {
	var out []string
	for _, m := range mails {
		out = append(out, fmt.Sprintf("+%s %s", m.At.Sub(simStart), m.Event))
	}
	return out
}

func TestCriticalWithoutReplyBreachesAt15And30Minutes(t *testing.T) {
	mails := simulate(t, helpdesk, 45*time.Minute, nil, generic(t, "TCK-1", "Critical", "Payment processing down"))
	got := timeline(mails)
	// The agent gets a receipt at once and word of the first breach.
	want := []string{"+0s routed", "+0s incident", "+0s receipt", "+15m0s breach", "+15m0s agent-update", "+30m0s breach", "+45m0s breach"}
	if !slices.Equal(got, want) {
		t.Fatalf("timeline %v, want %v", got, want)
	}
	// Every breach is to the on-call engineer, who must act, with
	// management (the chain) copied.
	for _, i := range []int{3, 5} {
		if !slices.Equal(mails[i].To, []string{"alex.rivera@craudiovizai.com"}) || !slices.Equal(mails[i].Cc, []string{"roy@craudiovizai.com"}) {
			t.Errorf("breach %d to %v cc %v", i, mails[i].To, mails[i].Cc)
		}
	}
	for _, m := range mails {
		if m.Ticket != "TCK-1" {
			t.Errorf("mail without its ticket: %+v", m)
		}
	}
}

func TestBreachesStopAfterTheTopReminders(t *testing.T) {
	mails := simulate(t, helpdesk, 6*time.Hour, nil, generic(t, "TCK-2", "High", "Export broken for all users"))
	breaches := 0
	for _, m := range mails {
		if m.Event == "breach" {
			breaches++
			// A High case stays in its tier (issue 12): senior support,
			// then its lead, never management.
			if slices.Contains(append(m.To, m.Cc...), "roy@craudiovizai.com") {
				t.Errorf("breach at %s reaches management: %+v", m.At.Sub(simStart), m)
			}
			if breaches == 2 && !slices.Equal(m.To, []string{"riley.brooks@craudiovizai.com"}) {
				t.Errorf("second breach to %v, want senior support's lead", m.To)
			}
		}
	}
	// Two chain steps (senior support, its lead) plus top_reminders (3):
	// never a storm.
	if breaches != 5 {
		t.Fatalf("%d breach mails in 6h, want 5: %v", breaches, timeline(mails))
	}
}

// Critical never goes quiet: unacknowledged for six hours, the owning team
// (on call) and management hear of it at least every 30 minutes.
func TestCriticalNeverGoesQuiet(t *testing.T) {
	mails := simulate(t, helpdesk, 6*time.Hour, nil, generic(t, "TCK-5", "Critical", "Payment processing down"))
	last := simStart
	for _, m := range mails {
		if m.Event != "breach" && m.Event != "routed" {
			continue
		}
		if gap := m.At.Sub(last); gap > 30*time.Minute {
			t.Fatalf("%s of silence before %s: %v", gap, m.At.Sub(simStart), timeline(mails))
		}
		if m.Event == "breach" && !slices.Contains(append(m.To, m.Cc...), "roy@craudiovizai.com") {
			t.Fatalf("breach at %s not to management: %+v", m.At.Sub(simStart), m)
		}
		last = m.At
	}
	if end := simStart.Add(6 * time.Hour); end.Sub(last) > 30*time.Minute {
		t.Fatalf("quiet for the last %s", end.Sub(last))
	}
}

func TestAckStopsBreachStatusChecksEveryFourHours(t *testing.T) {
	mails := simulate(t, helpdesk, 13*time.Hour, []string{"10m:alex.rivera@craudiovizai.com:ACK"}, generic(t, "TCK-3", "Critical", "Payment processing down"))
	got := timeline(mails)
	want := []string{"+0s routed", "+0s incident", "+0s receipt", "+10m0s agent-update", "+4h0m0s status-check", "+8h0m0s status-check",
		"+12h0m0s status-check"}
	if !slices.Equal(got, want) {
		t.Fatalf("timeline %v, want %v", got, want)
	}
}

func TestResolvedStopsEverythingAndClosesTheLoop(t *testing.T) {
	mails := simulate(t, helpdesk, 3*24*time.Hour, []string{
		"10m:alex.rivera@craudiovizai.com:ACK",
		"5h:alex.rivera@craudiovizai.com:RESOLVED card processor restarted",
	}, generic(t, "TCK-4", "Critical", "Payment processing down"))
	got := timeline(mails)
	// Monday 09:00 brings the weekly review (to management, not the case).
	want := []string{"+0s routed", "+0s incident", "+0s receipt", "+10m0s agent-update", "+4h0m0s status-check", "+5h0m0s resolved",
		"+5h0m0s thanks", "+54h0m0s weekly-review"}
	if !slices.Equal(got, want) {
		t.Fatalf("timeline %v, want %v", got, want)
	}
	if !slices.Equal(mails[5].To, []string{"alice.agent@craudiovizai.com"}) {
		t.Errorf("resolution mail to %v, want the escalating agent", mails[5].To)
	}
	if !slices.Contains(mails[6].To, "alex.rivera@craudiovizai.com") || slices.Contains(mails[6].To, "jane.doe@example.com") {
		t.Errorf("thank-you to %v", mails[6].To)
	}
}

// Low is a backlog: from Saturday 03:00 nothing reaches the team before
// Monday's digest at 09:00 (with the case's routed mail), and the case
// breaches 24 hours after that, not on the weekend.
func TestLowBreachesAt24Hours(t *testing.T) {
	mails := simulate(t, helpdesk, 80*time.Hour, nil, generic(t, "TCK-5", "Low", "Feature request: dark mode"))
	monday := 54 * time.Hour // Sat 03:00 to Mon 09:00 New York
	var got []string
	for _, m := range mails {
		got = append(got, fmt.Sprintf("+%s %s", m.At.Sub(simStart), m.Event))
	}
	// The weekly review is due at the same Monday 09:00; the monthly one
	// on Tuesday 1 December, the month's first working day.
	want := []string{"+0s receipt", fmt.Sprintf("+%s weekly-review", monday), fmt.Sprintf("+%s routed", monday), fmt.Sprintf("+%s backlog-digest", monday),
		fmt.Sprintf("+%s monthly-review", monday+24*time.Hour), fmt.Sprintf("+%s breach", monday+24*time.Hour), fmt.Sprintf("+%s agent-update", monday+24*time.Hour),
		fmt.Sprintf("+%s backlog-digest", monday+24*time.Hour)}
	if !slices.Equal(got, want) {
		t.Fatalf("timeline %v, want %v", got, want)
	}
	for _, m := range mails {
		if m.Event == "breach" && !slices.Contains(m.To, "senior-support@craudiovizai.com") {
			t.Errorf("low breach to %v, want senior support", m.To)
		}
	}
}

// directCustomerUpdates is the example config with customer updates sent
// to the customer directly: the confidentiality rule must still hold.
func directCustomerUpdates(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(helpdesk)
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(raw), "customer_updates: agent", "customer_updates: customer", 1)
	path := filepath.Join(t.TempDir(), "direct.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLegalCaseNeverMailsTheCustomer(t *testing.T) {
	cfg := directCustomerUpdates(t)
	legal := writeMail(t, "legal.eml", `From: Dan Lead <dan.lead@craudiovizai.com>
To: escalations@craudiovizai.com
Subject: ESCALATION - Legal
Message-ID: <legal-1@agent.craudiovizai.com>
Date: Sat, 28 Nov 2026 03:00:00 -0500

Ticket: TCK-6
Customer: angry.customer@example.net
Issue Type: Legal

Summary:
The customer's lawyer threatens a lawsuit over a double charge.

Current Status:
Refund issued.

Recommended Action:
Legal to review.

Urgency: High - written legal threat
`)
	mails := simulate(t, cfg, 7*24*time.Hour, nil, legal)
	if len(mails) == 0 {
		t.Fatal("no mail at all: the case was not routed")
	}
	for _, m := range mails {
		for _, a := range append(append([]string{}, m.To...), m.Cc...) {
			if strings.HasSuffix(a, "@example.net") {
				t.Fatalf("confidential case mailed the customer side: %+v", m)
			}
		}
	}
	// The control: a non-confidential case does get the direct update.
	// (Saturday 03:00 + 24h is a Sunday: the reminder waits for Monday 08:00.)
	plain := simulate(t, cfg, 60*time.Hour, nil, generic(t, "TCK-7", "Medium", "Export to PDF fails for one user"))
	var direct bool
	for _, m := range plain {
		if m.Event == "customer-update" && slices.Equal(m.To, []string{"jane.doe@example.com"}) {
			direct = true
		}
	}
	if !direct {
		t.Fatalf("the control case got no direct customer update: %v", timeline(plain))
	}
}

func TestSimulateRejectsBadArguments(t *testing.T) {
	var out bytes.Buffer
	err := Simulate(context.Background(), &out, SimulateOptions{ConfigPath: helpdesk, Start: simStart, For: time.Hour,
		Replies: []string{"soon:a@b"}, Files: []string{"x.eml"}})
	if err == nil || !strings.Contains(err.Error(), "OFFSET:FROM:TEXT") {
		t.Fatalf("bad --reply: %v", err)
	}
}

// --mail-dir writes every mail as NNN-TICKET-EVENT.eml, the bytes the
// worker sends, named in the JSON line; an earlier run's files go.
func TestSimulateMailDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mails")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "042-OLD-1-routed.eml")
	keep := filepath.Join(dir, "notes.txt")
	for _, f := range []string{stale, keep} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mail := generic(t, "TCK-1", "Critical", "Payment processing down")
	out, err := runArgs(t, "", "simulate", "--config", helpdesk, "--start", simStart.Format(time.RFC3339), "--for", "20m", "--mail-dir", dir, mail)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m SimulatedMail
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		want := MailFileName(i+1, m.Ticket, m.Event)
		if m.File != want || !strings.HasPrefix(m.File, fmt.Sprintf("%03d-TCK-1-", i+1)) {
			t.Errorf("line %d: file %q, want %q", i, m.File, want)
		}
		raw, err := os.ReadFile(filepath.Join(dir, m.File))
		if err != nil {
			t.Fatal(err)
		}
		if s, err := Summarize(raw, m.At); err != nil || s.Subject != m.Subject || s.Event != m.Event {
			t.Errorf("%s: %+v, %v; want the line's mail %+v", m.File, s, err, m)
		}
		// The routed mail's file has the escalation it attaches.
		if m.Event == "routed" && !strings.Contains(string(raw), "\r\nMessage-ID: <TCK-1@agent.craudiovizai.com>\r\n") {
			t.Errorf("%s lacks the attached escalation", m.File)
		}
		files = append(files, m.File)
	}
	if len(files) < 3 || !slices.Contains(files, "001-TCK-1-routed.eml") {
		t.Fatalf("files %v", files)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(left) != len(files)+1 || slices.Contains(left, stale) || !slices.Contains(left, keep) {
		t.Errorf("dir holds %v", left)
	}
	// Without the flag the JSON lines are as before: no file.
	if strings.Contains(fmt.Sprint(simulate(t, helpdesk, 20*time.Minute, nil, mail)), ".eml") {
		t.Error("a file named without --mail-dir")
	}
}

func TestMailFileName(t *testing.T) {
	for _, tc := range []struct {
		n             int
		ticket, event string
		want          string
	}{
		{1, "TCK-1234", "routed", "001-TCK-1234-routed.eml"},
		{12, "SEC#3", "incident", "012-SEC-3-incident.eml"},
		{3, "", "flood-alert", "003-no-ticket-flood-alert.eml"},
		{4, "../../etc/passwd", "", "004-etc-passwd-mail.eml"},
		{1000, "a b/c\\d", "x y", "1000-a-b-c-d-x-y.eml"},
	} {
		if got := MailFileName(tc.n, tc.ticket, tc.event); got != tc.want {
			t.Errorf("MailFileName(%d, %q, %q) = %q, want %q", tc.n, tc.ticket, tc.event, got, tc.want)
		}
	}
}

// Eight days of simulation show the weekly review once, on Monday 09:00,
// to management and the team leads.
func TestSimulateShowsTheWeeklyReview(t *testing.T) {
	mails := simulate(t, helpdesk, 8*24*time.Hour, nil, generic(t, "TCK-6", "High", "Export broken"))
	var reviews []int
	for i, m := range mails {
		if m.Event == "weekly-review" {
			reviews = append(reviews, i)
		}
	}
	if len(reviews) != 1 {
		t.Fatalf("%d weekly reviews in 8 days, want 1", len(reviews))
	}
	m := mails[reviews[0]]
	if got := m.At.Sub(simStart); got != 54*time.Hour || !slices.Contains(m.To, "riley.brooks@craudiovizai.com") {
		t.Fatalf("weekly review at +%s to %v", got, m.To)
	}
}

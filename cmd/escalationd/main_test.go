package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const example = "../../examples/helpdesk.yaml"

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

const mail = "From: Alice Agent <alice.agent@craudiovizai.com>\r\nTo: escalations@craudiovizai.com\r\nSubject: ESCALATION: [TCK-42]\r\n" +
	"Message-ID: <tck-42@agent.craudiovizai.com>\r\n\r\nCustomer: Jane.Doe@Example.com\r\nIssue: Payment processing down\r\n" +
	"Attempted: restart\r\nImpact: 1,200 users\r\nUrgency: Critical - payments down\r\n"

func TestExitCodes(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
	}{
		{nil, 2},
		{[]string{"frobnicate"}, 2},
		{[]string{"help"}, 0},
		{[]string{"parse"}, 2},
		{[]string{"parse", "/does/not/exist.eml"}, 1},
		{[]string{"route", "-"}, 2}, // no --config
		{[]string{"route", "--config", example, "--at", "tomorrow", "-"}, 2},
		{[]string{"check-config", "--config", "/does/not/exist.yaml"}, 2},
		{[]string{"check-config", "--offline", "--config", example}, 0},
		{[]string{"check-config", "--offline", example}, 0},
		{[]string{"check-config", "--offline", "--connect", example}, 2},
		// Not bare "run": on a host with the default config it would start.
		{[]string{"run", "--config", "/does/not/exist.yaml"}, 2},
		{[]string{"run", "--config", ""}, 2},
		{[]string{"oncall", "--config", example, "--rotation", "nope"}, 2},
		{[]string{"cases", "frob", "--config", example}, 2},
		// Stray arguments are refused, wherever the flags stand.
		{[]string{"run", "--config", example, "extra"}, 2},
		{[]string{"oncall", "--config", example, "extra"}, 2},
		{[]string{"cases", "--config", example, "show"}, 2},
		{[]string{"cases", "--config", example, "show", "TCK-1", "extra"}, 2},
		{[]string{"cases", "--config", example, "TCK-1"}, 2},
		{[]string{"stats", "extra", "--config", example}, 2},
		{[]string{"demo", "extra"}, 2},
		{[]string{"parse", "-", "-"}, 2},
	} {
		code, _, stderr := runCLI(t, "", tt.args...)
		if code != tt.code {
			t.Errorf("escalationd %v: exit %d, want %d (%s)", tt.args, code, tt.code, stderr)
		}
	}
}

func TestParseContract(t *testing.T) {
	code, out, stderr := runCLI(t, mail, "parse", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"disposition": "case", "kind": "escalation", "ticket": "TCK-42", "customer": "jane.doe@example.com",
		"urgency": "critical", "users_affected": float64(1200), "from": "alice.agent@craudiovizai.com", "message_id": "tck-42@agent.craudiovizai.com"} {
		if res[k] != want {
			t.Errorf("%s = %v, want %v", k, res[k], want)
		}
	}
	// A rejected mail still exits 0: the input could be read.
	code, out, _ = runCLI(t, strings.Replace(mail, "Urgency: Critical - payments down", "Urgency: ASAP", 1), "parse", "-")
	if code != 0 || !strings.Contains(out, `"disposition": "rejected"`) {
		t.Fatalf("rejected mail: exit %d\n%s", code, out)
	}
}

func TestRouteContract(t *testing.T) {
	code, out, stderr := runCLI(t, mail, "route", "--config", example, "--at", "2026-11-29T03:00:00-05:00", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Parse      map[string]any
		To, Cc     []string
		Teams      []string
		Rule       string
		Explain    string
		Categories []map[string]any
		Flags      map[string]bool
		Notes      []string
		Actions    []string
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Parse["ticket"] != "TCK-42" || len(res.To) != 1 || res.To[0] != "alex.rivera@craudiovizai.com" ||
		len(res.Cc) != 1 || res.Cc[0] != "roy@craudiovizai.com" || !strings.Contains(res.Rule, "critical") || res.Explain == "" {
		t.Fatalf("decision: %+v", res)
	}
	for _, k := range []string{"confidential", "approval_required", "suspend_account"} {
		if _, ok := res.Flags[k]; !ok {
			t.Errorf("flags lack %s", k)
		}
	}
	// Not routed: empty to.
	code, out, _ = runCLI(t, "From: a@craudiovizai.com\r\nSubject: hello\r\nAuto-Submitted: auto-replied\r\n\r\nhi\r\n", "route", "--config", example, "-")
	if code != 0 || !strings.Contains(out, `"to": []`) {
		t.Fatalf("ignored mail: exit %d\n%s", code, out)
	}
}

func TestOnCallJSON(t *testing.T) {
	code, out, stderr := runCLI(t, "", "oncall", "--config", example, "--at", "2026-12-25T10:00:00-05:00", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := `{"name":"Blake Chen","address":"blake.chen@craudiovizai.com","until":"2027-01-04T09:00:00-05:00"}` + "\n"
	if out != want {
		t.Fatalf("oncall --json = %s want %s", out, want)
	}
}

func TestCheckConfigReportsLines(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	doc := "database: /tmp/x.db\nmailboxes:\n  - name: e\n    address: e@example.com\n    host: h\n    username: u\n    pasword: x\n"
	if err := os.WriteFile(bad, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "", "check-config", "--config", bad)
	if code != 2 || !strings.Contains(stderr, "bad.yaml:7: unknown key \"pasword\" in mailboxes[0]") {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
}

func TestVersionFlagAndStartLog(t *testing.T) {
	code, out, stderr := runCLI(t, "", "--version")
	if code != 0 || !strings.HasPrefix(out, "escalationd ") {
		t.Fatalf("--version: exit %d\n%s%s", code, out, stderr)
	}
	code, jsonOut, _ := runCLI(t, "", "--version", "--json")
	if code != 0 || !strings.HasPrefix(jsonOut, `{"version":`) {
		t.Fatalf("--version --json: exit %d\n%s", code, jsonOut)
	}
	// The daemon's first line says which build it is, even when the
	// config then fails.
	code, _, stderr = runCLI(t, "", "run", "--config", "/does/not/exist.yaml")
	if code != 2 || !strings.Contains(stderr, `msg="escalationd starting" version=`) || !strings.Contains(stderr, " go=go") {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
}

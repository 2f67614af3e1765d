package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func env(vars map[string]string) Env {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func load(t *testing.T, file string, e Env) (*Config, error) {
	t.Helper()
	return Load(filepath.Join("testdata", "gateway", file), Options{Env: e})
}

func TestGatewayProblemsCarryFileAndLine(t *testing.T) {
	tests := []struct {
		file string
		want []string // every line of the error, in order
	}{
		{"unknown-key.yaml", []string{`testdata/gateway/unknown-key.yaml:7: unknown key "pasword_file" in mailboxes[0]`}},
		{"missing-password.yaml", []string{
			`testdata/gateway/missing-password.yaml:3: mailboxes[0]: missing password: set password_file, password_env or password_credential`,
			`testdata/gateway/missing-password.yaml:7: smtp: missing password: set password_file, password_env or password_credential`,
		}},
		{"route-to-watched.yaml", []string{
			`testdata/gateway/route-to-watched.yaml:19: teams[0].addresses[0]: address "security@example.com" is a mailbox the gateway watches: routing to it would loop`,
		}},
		{"many-problems.yaml", []string{
			`testdata/gateway/many-problems.yaml:1: database: missing database: the SQLite file path is required`,
			`testdata/gateway/many-problems.yaml:4: mailboxes[0].address: invalid address "not-an-address"`,
			`testdata/gateway/many-problems.yaml:6: mailboxes[0].port: port 99999 out of range`,
			`testdata/gateway/many-problems.yaml:7: mailboxes[0].tls: tls must be implicit, starttls or none; got "ssl"`,
			`testdata/gateway/many-problems.yaml:10: mailboxes[0].poll_interval: poll_interval must be at least 1s`,
			`testdata/gateway/many-problems.yaml:16: sla.urgencies.urgent: unknown urgency "urgent" (use low, medium, high, critical)`,
			`testdata/gateway/many-problems.yaml:17: sla.customer_updates: customer_updates must be agent or customer; got "sometimes"`,
		}},
		{"bad-types.yaml", []string{
			// A wrong type names its key path, as every other problem does.
			`testdata/gateway/bad-types.yaml:6: mailboxes[0].port: cannot unmarshal !!str ` + "`nine-ni...`" + ` into int`,
			`testdata/gateway/bad-types.yaml:9: mailboxes[0].poll_interval: invalid duration "often" (use e.g. 30s, 15m, 4h, 1d)`,
			`testdata/gateway/bad-types.yaml:14: limits.max_message_size: invalid size "25 parsecs": unknown unit "PARSECS"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := load(t, tt.file, env(nil))
			if err == nil {
				t.Fatal("loaded without error")
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestSecretsFromEverySource(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "imap.pass"), []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "smtp"), []byte("from-credential"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := `database: /tmp/x.db
mailboxes:
  - {name: a, address: a@example.com, host: h, username: u, password_file: imap.pass}
  - {name: b, address: b@example.com, host: h, username: u, password_env: B_PASS}
smtp: {host: h, from: "x@example.com", username: s, password_credential: smtp}
`
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, Options{Env: env(map[string]string{"B_PASS": "from-env", "CREDENTIALS_DIRECTORY": dir})})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{cfg.Mailboxes[0].Password.Reveal(), cfg.Mailboxes[1].Password.Reveal(), cfg.SMTP.Password.Reveal()}
	if strings.Join(got, ",") != "from-file,from-env,from-credential" {
		t.Fatalf("secrets = %v", got)
	}
	// Unset env: a clear error at the key's line.
	_, err = Load(path, Options{Env: env(map[string]string{"CREDENTIALS_DIRECTORY": dir})})
	if err == nil || !strings.Contains(err.Error(), "c.yaml:4: mailboxes[1].password_env: environment variable B_PASS is not set") {
		t.Fatalf("missing env: %v", err)
	}
}

// A secret must never reach a log line, a printed config or JSON.
func TestSecretsNeverPrint(t *testing.T) {
	cfg, err := load(t, "base.yaml", env(map[string]string{"ESC_IMAP_PASSWORD": "hunter2-very-secret"}))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	log := slog.New(slog.NewTextHandler(&sb, nil))
	log.Info("config", "mailbox", cfg.Mailboxes[0], "password", cfg.Mailboxes[0].Password)
	slog.New(slog.NewJSONHandler(&sb, nil)).Info("config", "cfg", cfg)
	fmt.Fprintf(&sb, "%v %+v %#v %s", cfg.Mailboxes[0], cfg.Mailboxes[0], cfg.Mailboxes[0].Password, cfg.Mailboxes[0].Password)
	y, _ := yaml.Marshal(cfg)
	j, _ := json.Marshal(cfg)
	sb.Write(y)
	sb.Write(j)
	if strings.Contains(sb.String(), "hunter2") {
		t.Fatalf("secret printed:\n%s", sb.String())
	}
	if !strings.Contains(sb.String(), "[redacted]") {
		t.Fatal("no redaction marker: the test did not print the secret's place at all")
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := load(t, "base.yaml", env(map[string]string{"ESC_IMAP_PASSWORD": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	m := cfg.Mailboxes[0]
	if m.TLS != TLSImplicit || m.Port != 993 || m.Folder != "INBOX" || m.ProcessedFolder != "Processed" ||
		m.RejectedFolder != "Rejected" || m.PollInterval.D() != 30*time.Second || m.Kind != MailboxEscalations {
		t.Errorf("mailbox defaults: %+v", m)
	}
	if cfg.SMTP.TLS != TLSStartTLS || cfg.SMTP.Port != 587 || cfg.Gateway.Domain != "example.com" || cfg.SMTP.HELO != "example.com" {
		t.Errorf("smtp defaults: %+v %+v", cfg.SMTP, cfg.Gateway)
	}
	if cfg.Limits.MaxMessageSize != 25<<20 || cfg.SLA.Urgencies["critical"].Response.D() != 15*time.Minute ||
		cfg.SLA.Urgencies["low"].Response.D() != 24*time.Hour || cfg.SLA.TopReminders != 3 {
		t.Errorf("limits/sla defaults: %+v %+v", cfg.Limits, cfg.SLA)
	}
	if r := cfg.Retention; r.RawMail.D() != 180*24*time.Hour || r.IgnoredMail.D() != 30*24*time.Hour {
		t.Errorf("retention defaults: raw_mail %s, ignored_mail %s", r.RawMail.D(), r.IgnoredMail.D())
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"escalations.pass", "security.pass", "smtp.pass"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile("../examples/helpdesk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.ReplaceAll(string(raw), "/etc/escalationd/", dir+"/")
	if _, err := Parse([]byte(doc), "helpdesk.yaml", Options{Env: env(nil)}); err != nil {
		t.Fatalf("the shipped example is invalid:\n%v", err)
	}
}

func TestDurationsAndSizes(t *testing.T) {
	for in, want := range map[string]time.Duration{"30s": 30 * time.Second, "1d": 24 * time.Hour, "1d12h": 36 * time.Hour, "7d": 168 * time.Hour} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "-5m", "1x", "d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	for in, want := range map[string]int64{"1024": 1024, "25MB": 25 << 20, "64 KiB": 64 << 10, "1g": 1 << 30} {
		if got, err := ParseByteSize(in); err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %v, %v", in, got, err)
		}
	}
}

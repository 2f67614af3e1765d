package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"escalationd/app"
	"escalationd/internal/mailtest"
)

// The shipped example passes offline on a machine without its password
// files, given as --config or as the argument.
func TestCheckConfigOfflineExample(t *testing.T) {
	for _, args := range [][]string{
		{"check-config", "--offline", "--config", helpdesk},
		{"check-config", helpdesk, "--offline"},
	} {
		out, err := runArgs(t, "", args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.Contains(out, "OK (offline") {
			t.Fatalf("%v: %s", args, out)
		}
	}
	// Without --offline the missing password files are problems.
	_, err := runArgs(t, "", "check-config", "--config", helpdesk)
	var ce *app.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "password_file") {
		t.Fatalf("online check of the example: %v", err)
	}
}

// Offline still refuses a password without a source, or with two.
func TestCheckConfigOfflineChecksSecretSources(t *testing.T) {
	raw := readFile(t, helpdesk)
	doc := strings.Replace(raw, "    password_file: /etc/escalationd/security.pass\n", "", 1)
	doc = strings.Replace(doc, "  password_file: /etc/escalationd/smtp.pass\n", "  password_file: /etc/escalationd/smtp.pass\n  password_env: SMTP_PASS\n", 1)
	path := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, path, doc)
	_, err := runArgs(t, "", "check-config", "--offline", path)
	var ce *app.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "mailboxes[1]: missing password") ||
		!strings.Contains(err.Error(), "smtp.password_file: set only one of") {
		t.Fatalf("err = %v", err)
	}
}

func TestCheckConfigUsage(t *testing.T) {
	for _, args := range [][]string{
		{"check-config", "--offline", "--connect", helpdesk},
		{"check-config", "--config", helpdesk, "extra"},
		{"check-config", helpdesk, "extra"},
	} {
		_, err := runArgs(t, "", args...)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

// Without --config the default path is used, and its absence is named.
func TestCheckConfigDefaultPath(t *testing.T) {
	if _, err := os.Stat(app.DefaultConfigPath); err == nil {
		t.Skip(app.DefaultConfigPath + " exists on this machine")
	}
	_, err := runArgs(t, "", "check-config")
	var ce *app.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "no config file at "+app.DefaultConfigPath) {
		t.Fatalf("err = %v", err)
	}
}

// connectConfig is the example pointed at the in-process servers, with
// password files next to it: the security mailbox's is wrong when
// badSecurity.
func connectConfig(t *testing.T, imapPort, smtpPort int, badSecurity bool) string {
	t.Helper()
	dir := t.TempDir()
	doc := readFile(t, helpdesk)
	doc = strings.ReplaceAll(doc, "host: imap.craudiovizai.com\n    port: 993\n    tls: implicit",
		"host: 127.0.0.1\n    port: "+strconv.Itoa(imapPort)+"\n    tls: none")
	doc = strings.Replace(doc, "host: smtp.craudiovizai.com\n  port: 587\n  tls: starttls",
		"host: 127.0.0.1\n  port: "+strconv.Itoa(smtpPort)+"\n  tls: none", 1)
	doc = strings.ReplaceAll(doc, "password_file: /etc/escalationd/", "password_file: ")
	path := filepath.Join(dir, "helpdesk.yaml")
	writeFile(t, path, doc)
	security := mailtest.DefaultPassword
	if badSecurity {
		security = "wrong"
	}
	writeFile(t, filepath.Join(dir, "escalations.pass"), mailtest.DefaultPassword+"\n")
	writeFile(t, filepath.Join(dir, "security.pass"), security+"\n")
	writeFile(t, filepath.Join(dir, "smtp.pass"), "smtp-secret\n")
	return path
}

func TestCheckConfigConnect(t *testing.T) {
	imap := mailtest.StartIMAPMem(t, mailtest.IMAPMemOptions{Users: []string{"escalations", "security"}})
	imap.Append(t, "escalations", "INBOX", []byte("From: a@example.com\r\nSubject: hi\r\n\r\nhi\r\n"))
	sink := mailtest.StartSMTPSinkWith(t, mailtest.SMTPSinkOptions{Password: "smtp-secret"})

	out, err := runArgs(t, "", "check-config", "--connect", connectConfig(t, imap.Port(), sink.Port(), false))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"mailbox escalations (127.0.0.1:" + strconv.Itoa(imap.Port()) + "): OK: INBOX has 1 messages",
		"mailbox security (127.0.0.1:",
		"smtp (127.0.0.1:" + strconv.Itoa(sink.Port()) + "): OK: logged in as escalations",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Nothing was changed on the server: no folders created, nothing sent.
	if got := imap.Mailboxes(t, "escalations"); len(got) != 1 {
		t.Errorf("mailboxes after the check: %v", got)
	}
	if n := len(sink.Messages()); n != 0 {
		t.Errorf("%d mails sent", n)
	}
}

// Each server gets its own line; one failure fails the command (exit 1)
// and the password never shows.
func TestCheckConfigConnectReportsEachFailure(t *testing.T) {
	imap := mailtest.StartIMAPMem(t, mailtest.IMAPMemOptions{Users: []string{"escalations", "security"}})
	sink := mailtest.StartSMTPSinkWith(t, mailtest.SMTPSinkOptions{Password: "other"})

	out, err := runArgs(t, "", "check-config", "--connect", connectConfig(t, imap.Port(), sink.Port(), true))
	var ue *UsageError
	var ce *app.ConfigError
	if err == nil || errors.As(err, &ue) || errors.As(err, &ce) || !strings.Contains(err.Error(), "2 of 3 servers failed") {
		t.Fatalf("err = %v\n%s", err, out)
	}
	for _, want := range []string{"mailbox escalations (127.0.0.1:", "): OK: INBOX has 0 messages",
		"mailbox security (", "): FAILED: login as security", "smtp (", "): FAILED: connect:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "wrong") || strings.Contains(out, "smtp-secret") {
		t.Errorf("a password reached the output:\n%s", out)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

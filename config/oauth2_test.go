package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const oauthBase = `database: /tmp/escalationd-test.db
operator: ops@example.com
mailboxes:
  - name: escalations
    address: escalations@example.com
    host: outlook.office365.com
    username: escalations@example.com
`

func parseOAuth(t *testing.T, yaml string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{"rt": "refresh-1\n", "cs": "client-secret\n", "empty": "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return Parse([]byte(yaml), filepath.Join(dir, "gw.yaml"), Options{Env: env(nil)})
}

func TestOAuth2Config(t *testing.T) {
	cfg, err := parseOAuth(t, oauthBase+`    auth: xoauth2
    oauth2:
      provider: microsoft
      tenant: contoso.onmicrosoft.com
      client_id: app-id
      client_secret_file: cs
      refresh_token_file: rt
smtp:
  host: smtp.office365.com
  username: escalations@example.com
  from: "Escalation Desk <escalations@example.com>"
  auth: xoauth2
  oauth2:
    token_command: [/usr/local/bin/get-token, --smtp]
    alert_before: 48h
`)
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.Mailboxes[0].OAuth2
	if o.TokenURL != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token" ||
		o.ClientSecret.Reveal() != "client-secret" || o.RefreshToken.Reveal() != "refresh-1" ||
		strings.Join(o.Scopes, " ") != "https://outlook.office.com/IMAP.AccessAsUser.All offline_access" ||
		o.AlertBefore.D() != 24*time.Hour {
		t.Fatalf("mailbox oauth2 = %+v", o)
	}
	if s := cfg.SMTP.OAuth2; s.AlertBefore.D() != 48*time.Hour || s.TokenURL != "" || len(s.TokenCommand) != 2 {
		t.Fatalf("smtp oauth2 = %+v", s)
	}
	if strings.Contains(strings.Join([]string{o.ClientSecret.String(), o.RefreshToken.String()}, ""), "refresh-1") {
		t.Fatal("secret printed")
	}
}

func TestOAuth2ConfigProblems(t *testing.T) {
	smtp := `smtp:
  host: smtp.example.com
  from: "Escalation Desk <escalations@example.com>"
`
	for _, tc := range []struct {
		name, mailbox string
		top           string
		want          []string
	}{
		{"login stays the default", `    password: secret
`, "", nil},
		{"unknown auth", `    password: secret
    auth: ntlm
`, "", []string{"mailboxes[0].auth: auth must be login, xoauth2 or oauthbearer"}},
		{"oauth2 without a block", `    auth: xoauth2
`, "", []string{"mailboxes[0]: auth: xoauth2 needs an oauth2 block"}},
		{"password with oauth", `    auth: oauthbearer
    password_file: rt
    oauth2: {token_command: [get-token]}
`, "", []string{"mailboxes[0]: a password is not used with auth: oauthbearer"}},
		{"generic without token_url", `    auth: xoauth2
    oauth2: {provider: generic, client_id: x, refresh_token_file: rt}
`, "", []string{"mailboxes[0].oauth2: missing token_url (required for provider: generic)"}},
		{"missing pieces", `    auth: xoauth2
    oauth2: {provider: google}
`, "", []string{"mailboxes[0].oauth2: missing client_id", "mailboxes[0].oauth2: missing refresh_token_file"}},
		{"bad provider", `    auth: xoauth2
    oauth2: {provider: yahoo, client_id: x, refresh_token_file: rt}
`, "", []string{`mailboxes[0].oauth2.provider: provider must be microsoft, google or generic; got "yahoo"`}},
		{"command and refresh token", `    auth: xoauth2
    oauth2: {token_command: [get-token], provider: google, client_id: x}
`, "", []string{"mailboxes[0].oauth2.token_command: token_command replaces provider"}},
		{"unreadable files", `    auth: xoauth2
    oauth2: {provider: google, client_id: x, refresh_token_file: nope, client_secret_file: empty}
`, "", []string{"mailboxes[0].oauth2.client_secret_file: file is empty", "mailboxes[0].oauth2.refresh_token_file: cannot read"}},
		{"oauth2 with login", `    password: secret
    oauth2: {token_command: [get-token]}
`, "", []string{"mailboxes[0].oauth2: oauth2 is only used with auth: xoauth2 or oauthbearer"}},
		{"no operator", `    auth: xoauth2
    oauth2: {token_command: [get-token]}
`, "operator: \"\"\n", []string{"operator: missing operator: OAuth2 logins need an address"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yaml := oauthBase + tc.mailbox + smtp
			if tc.top != "" {
				yaml = strings.Replace(yaml, "operator: ops@example.com\n", tc.top, 1)
			}
			_, err := parseOAuth(t, yaml)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

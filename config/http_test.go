package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The HTTP token is read from token_file (relative to the config), must
// be long enough, and a problem names the key at its line; beyond
// loopback the listener needs one.
func TestHTTPToken(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("imap.pass", "x\n")
	write("good.token", "0123456789abcdef0123\n")
	write("short.token", "short\n")
	doc := func(http string) string {
		return write("c.yaml", `database: /tmp/x.db
mailboxes:
  - {name: a, address: a@example.com, host: h, username: u, password_file: imap.pass}
smtp: {host: h, from: "x@example.com"}
http:
`+http)
	}
	cfg, err := Load(doc("  listen: 0.0.0.0:9469\n  token_file: good.token\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Token.Reveal() != "0123456789abcdef0123" || cfg.HTTP.Loopback() || cfg.HTTP.Token.String() == cfg.HTTP.Token.Reveal() {
		t.Fatalf("token %q (printed %q), loopback %v", cfg.HTTP.Token.Reveal(), cfg.HTTP.Token, cfg.HTTP.Loopback())
	}
	for _, tc := range []struct{ http, want string }{
		{"  listen: 0.0.0.0:9469\n  token_file: short.token\n", "c.yaml:7: http.token_file: "},
		{"  listen: 0.0.0.0:9469\n  token_file: missing.token\n", "c.yaml:7: http.token_file: cannot read the token"},
		{"  listen: 0.0.0.0:9469\n", "c.yaml:6: http.listen: "},
		{"  listen: \"a:b:c\"\n", "http.listen \"a:b:c\" is not host:port"},
		{"  token_file: good.token\n", "http.listen is not: the listener is off"},
	} {
		_, err := Load(doc(tc.http), Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("http:\n%s→ %v, want %q", tc.http, err, tc.want)
		}
	}
	// Offline checks read no secret: a missing token file is no problem.
	if _, err := Load(doc("  listen: 0.0.0.0:9469\n  token_file: missing.token\n"), Options{SkipSecrets: true}); err != nil {
		t.Errorf("offline: %v", err)
	}
}

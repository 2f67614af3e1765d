package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"escalationd/internal/mailtest"
	"escalationd/internal/oauth"
)

// identityProvider is a token endpoint (refresh-token grant) and the
// token introspection endpoint Dovecot's oauth2 passdb asks (RFC 7662).
type identityProvider struct {
	srv *httptest.Server

	mu     sync.Mutex
	user   string          // the account the refresh token is for
	issued map[string]bool // access tokens issued and not revoked
	n      int
	fail   bool // the token endpoint refuses the refresh token
	asked  int  // introspection requests
}

func newIdentityProvider(t *testing.T, user string) *identityProvider {
	p := &identityProvider{user: user, issued: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if p.fail || r.PostFormValue("grant_type") != "refresh_token" || r.PostFormValue("refresh_token") != "rt-escalations" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"refresh token revoked"}`)
			return
		}
		p.n++
		tok := fmt.Sprintf("at-%d", p.n)
		p.issued[tok] = true
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, tok)
	})
	mux.HandleFunc("POST /introspect", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.asked++
		w.Header().Set("Content-Type", "application/json")
		if tok := r.PostFormValue("token"); p.issued[tok] {
			fmt.Fprintf(w, `{"active":true,"username":%q}`, p.user)
			return
		}
		fmt.Fprint(w, `{"active":false}`)
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// oauthDovecot is a Dovecot whose oauth2 passdb accepts the tokens p
// issued (XOAUTH2 and OAUTHBEARER), besides the usual passwords.
func oauthDovecot(t *testing.T, p *identityProvider) *mailtest.Dovecot {
	t.Helper()
	// Read by Dovecot's auth process: a world-traversable directory.
	dir, err := os.MkdirTemp("", "escalationd-e2e-oauth-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ext := filepath.Join(dir, "dovecot-oauth2.conf.ext")
	conf := fmt.Sprintf(`introspection_mode = post
introspection_url = %s/introspect
username_attribute = username
active_attribute = active
active_value = true
`, p.srv.URL)
	if err := os.WriteFile(ext, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return mailtest.StartDovecotWith(t, mailtest.DovecotOptions{Config: fmt.Sprintf(`auth_mechanisms = plain login xoauth2 oauthbearer
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = %s
}
`, ext)})
}

// useOAuth gives the escalations mailbox an OAuth2 login instead of its
// password, with the refresh token from p, and names an operator.
func useOAuth(dir string, p *identityProvider) func(string) string {
	return func(doc string) string {
		if err := os.WriteFile(filepath.Join(dir, "escalations.refresh"), []byte("rt-escalations\n"), 0o600); err != nil {
			panic(err)
		}
		doc = strings.Replace(doc, "    password_file: imap.pass\n", fmt.Sprintf(`    auth: xoauth2
    oauth2:
      provider: generic
      token_url: %s/token
      client_id: escalationd-test
      refresh_token_file: escalations.refresh
`, p.srv.URL), 1)
		return strings.Replace(doc, "gateway:\n", "operator: it-ops@craudiovizai.com\ngateway:\n", 1)
	}
}

// The escalations mailbox logs in to Dovecot with XOAUTH2 and a token from
// the refresh-token grant, which Dovecot checks at the introspection
// endpoint: escalations arrive and are routed as with a password.
func TestOAuth2MailboxAgainstDovecot(t *testing.T) {
	p := newIdentityProvider(t, "")
	dove := oauthDovecot(t, p)
	e := newEnv(t, envOptions{dovecot: dove})
	p.mu.Lock()
	p.user = e.escUser
	p.mu.Unlock()
	e.edit = useOAuth(e.dir, p)
	e.writeConfig("")
	d := e.start()
	dove.Append(t, e.escUser, "INBOX", escalation("OAUTH-1", "High"))
	e.waitFolder(e.escUser, "Processed", 1, 20*time.Second)
	msgs := e.pit.WaitForCount(t, 2, 20*time.Second) // routed + receipt
	for _, m := range msgs {
		if strings.Contains(m.Subject, "OAuth") {
			t.Fatalf("unexpected operator alert: %s", m.Subject)
		}
	}
	p.mu.Lock()
	asked := p.asked
	p.mu.Unlock()
	if asked == 0 {
		t.Fatal("Dovecot never asked the introspection endpoint: the login did not use the token")
	}
	if log := d.log.String(); !strings.Contains(log, "oauth token refreshed") || strings.Contains(log, "at-1") {
		t.Fatalf("log lacks the refresh or shows the token:\n%s", log)
	}

	// Both mechanisms, straight at Dovecot: an issued token logs in, any
	// other is refused.
	for _, mech := range []string{oauth.MechXOAuth2, oauth.MechOAuthBearer} {
		for tok, ok := range map[string]bool{"at-1": true, "forged": false} {
			c, err := imapclient.DialInsecure(dove.Addr(), nil)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Authenticate(oauth.NewSASLClient(mech, e.escUser, tok))
			c.Close()
			if (err == nil) != ok {
				t.Errorf("%s with token %s: err = %v, want success %v", mech, tok, err, ok)
			}
		}
	}
}

// A refresh token the provider refuses: the mailbox cannot log in, and the
// operator gets the oauth-alert mail (through SMTP, which still works).
func TestOAuth2RefreshFailureMailsOperator(t *testing.T) {
	p := newIdentityProvider(t, "")
	p.fail = true
	dove := oauthDovecot(t, p)
	e := newEnv(t, envOptions{dovecot: dove})
	e.edit = useOAuth(e.dir, p)
	e.writeConfig("")
	d := e.start()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.log.String())
		}
	})
	msgs := e.pit.WaitForCount(t, 1, 20*time.Second)
	m := msgs[0]
	if !strings.Contains(m.Subject, "OAuth login for mailbox escalations failing") {
		t.Fatalf("subject %q", m.Subject)
	}
	if got := e.header(m.ID, "X-Escalation-Event"); got != "oauth-alert" {
		t.Fatalf("X-Escalation-Event %q", got)
	}
	if len(m.To) != 1 || m.To[0].Address != "it-ops@craudiovizai.com" {
		t.Fatalf("to %+v", m.To)
	}
	if log := d.log.String(); !strings.Contains(log, "oauth token alert") || !strings.Contains(log, "invalid_grant") {
		t.Fatalf("log:\n%s", log)
	}
}

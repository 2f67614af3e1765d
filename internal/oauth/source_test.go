package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"escalationd/internal/clock"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// tokenEndpoint is a refresh-token grant endpoint that issues tok-1,
// tok-2, … and rotates the refresh token, or fails while fail is set.
type tokenEndpoint struct {
	mu       sync.Mutex
	calls    int
	fail     bool
	refresh  string
	scopes   []string
	lifetime int
}

func (e *tokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if e.fail || r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") != e.refresh {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_grant","error_description":"AADSTS70008: The refresh token has expired"}`)
		return
	}
	e.scopes = append(e.scopes, r.PostForm.Get("scope"))
	e.calls++
	e.refresh = fmt.Sprintf("rt-%d", e.calls)
	json.NewEncoder(w).Encode(map[string]any{"access_token": fmt.Sprintf("tok-%d", e.calls), "token_type": "Bearer",
		"expires_in": e.lifetime, "refresh_token": e.refresh})
}

func newRefreshSource(t *testing.T, clk clock.Clock) (*Source, *tokenEndpoint) {
	t.Helper()
	ep := &tokenEndpoint{refresh: "rt-initial", lifetime: 3600}
	srv := httptest.NewServer(ep)
	t.Cleanup(srv.Close)
	s, err := New(Options{Name: "mailbox escalations", TokenURL: srv.URL, ClientID: "id", ClientSecret: "s3cr3t-value",
		RefreshToken: "rt-initial", Scopes: []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"},
		Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return s, ep
}

func mustToken(t *testing.T, s *Source, want string) {
	t.Helper()
	got, err := s.Token(context.Background())
	if err != nil || got != want {
		t.Fatalf("Token() = %q, %v; want %q", got, err, want)
	}
}

func TestRefreshBeforeExpiry(t *testing.T) {
	clk := clock.NewVirtual(t0)
	s, ep := newRefreshSource(t, clk)
	mustToken(t, s, "tok-1")
	if got := s.Expiry(); !got.Equal(t0.Add(time.Hour)) {
		t.Fatalf("Expiry = %v, want %v", got, t0.Add(time.Hour))
	}
	clk.Advance(54 * time.Minute)
	mustToken(t, s, "tok-1") // cached: 6 minutes left, more than the margin
	clk.Advance(time.Minute + time.Second)
	mustToken(t, s, "tok-2") // within 5 minutes of expiry: renewed with the rotated refresh token
	if got, want := s.Expiry(), clk.Now().Add(time.Hour); !got.Equal(want) {
		t.Fatalf("Expiry = %v, want %v", got, want)
	}
	if ep.calls != 2 || s.LastError() != nil {
		t.Fatalf("calls = %d, LastError = %v", ep.calls, s.LastError())
	}
	if ep.scopes[0] != "https://outlook.office.com/IMAP.AccessAsUser.All offline_access" {
		t.Fatalf("scope sent = %q", ep.scopes[0])
	}
	if a := s.Check(context.Background()); a != nil {
		t.Fatalf("healthy source alerted: %+v", a)
	}
}

func TestRefreshFailureAlertsAtSlowingRate(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewVirtual(t0)
	s, ep := newRefreshSource(t, clk)
	mustToken(t, s, "tok-1")

	ep.mu.Lock()
	ep.fail = true
	ep.mu.Unlock()
	clk.Advance(56 * time.Minute)
	failedAt := clk.Now()
	// The refresh fails, but the cached token has 4 minutes left.
	mustToken(t, s, "tok-1")
	if s.LastError() == nil || !strings.Contains(s.LastError().Error(), "invalid_grant") {
		t.Fatalf("LastError = %v", s.LastError())
	}
	a := s.Check(ctx)
	if a == nil || a.Problem != ProblemRefreshFailed || a.Count != 1 || !a.Since.Equal(failedAt) {
		t.Fatalf("first alert = %+v", a)
	}
	if msg := a.Err.Error(); strings.Contains(msg, "s3cr3t") || strings.Contains(msg, "rt-") {
		t.Errorf("the error shows a secret: %s", msg)
	}
	// Later notices after 1h, 2h, 4h, 8h, 16h, then every 24h.
	var got []time.Duration
	for range 60 * 24 * 4 / 5 { // four days in 5-minute checks
		clk.Advance(5 * time.Minute)
		if a := s.Check(ctx); a != nil {
			got = append(got, clk.Now().Sub(failedAt))
		}
	}
	want := []time.Duration{1, 3, 7, 15, 31, 55, 79}
	if len(got) != len(want) {
		t.Fatalf("alerts at %v, want at %v hours", got, want)
	}
	for i := range want {
		if got[i] != want[i]*time.Hour {
			t.Fatalf("alerts at %v, want at %v hours", got, want)
		}
	}
	if _, err := s.Token(ctx); err == nil {
		t.Fatal("Token succeeded with an expired token and a failing refresh")
	}

	// Recovery resets the rate: the next failure is reported at once.
	ep.mu.Lock()
	ep.fail = false
	ep.mu.Unlock()
	clk.Advance(5 * time.Minute)
	if a := s.Check(ctx); a != nil || s.LastError() != nil {
		t.Fatalf("after recovery: alert %+v, LastError %v", a, s.LastError())
	}
	mustToken(t, s, "tok-2")
	ep.mu.Lock()
	ep.fail = true
	ep.mu.Unlock()
	clk.Advance(58 * time.Minute)
	if _, err := s.Token(ctx); err != nil {
		t.Fatal(err) // still the cached tok-2
	}
	if a := s.Check(ctx); a == nil || a.Count != 1 {
		t.Fatalf("new failure: alert %+v", a)
	}
}

func TestParseCommandOutput(t *testing.T) {
	now := t0
	for _, tc := range []struct {
		out     string
		tok     string
		exp     time.Time
		wantErr string
	}{
		{out: "ya29.abc\n", tok: "ya29.abc"},
		{out: `{"access_token":"a","expires_in":600}`, tok: "a", exp: now.Add(10 * time.Minute)},
		{out: `{"access_token":"a","expiry":"2026-03-03T10:00:00Z"}`, tok: "a", exp: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)},
		{out: `{"token":"b"}`, tok: "b"},
		{out: "", wantErr: "printed no token"},
		{out: "two words", wantErr: "more than one word"},
		{out: `{"expires_in":5}`, wantErr: "without access_token"},
		{out: `{"access_token":`, wantErr: "invalid JSON"},
	} {
		tok, exp, err := ParseCommandOutput([]byte(tc.out), now)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: err = %v, want %q", tc.out, err, tc.wantErr)
			}
			continue
		}
		if err != nil || tok != tc.tok || !exp.Equal(tc.exp) {
			t.Errorf("%q: got %q %v %v, want %q %v", tc.out, tok, exp, err, tc.tok, tc.exp)
		}
	}
}

func TestCommandTokenThatCannotBeRenewed(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewVirtual(t0)
	exp := t0.Add(30 * time.Hour)
	out := fmt.Sprintf(`{"access_token":"static","expiry":%q}`, exp.Format(time.RFC3339))
	s, err := New(Options{Name: "smtp", Command: []string{"printf", "%s", out}, Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mustToken(t, s, "static")
	if a := s.Check(ctx); a != nil {
		t.Fatalf("30h left, 24h lead: alert %+v", a)
	}
	clk.Advance(7 * time.Hour) // 23h left: Check runs the command again, which cannot do better
	a := s.Check(ctx)
	if a == nil || a.Problem != ProblemExpiring || !a.Expiry.Equal(exp) {
		t.Fatalf("alert = %+v", a)
	}
	clk.Advance(30 * time.Minute)
	if a := s.Check(ctx); a != nil {
		t.Fatalf("repeated within the hour: %+v", a)
	}
}

func TestCommandFailure(t *testing.T) {
	clk := clock.NewVirtual(t0)
	s, err := New(Options{Name: "smtp", Command: []string{"sh", "-c", "echo no credentials >&2; exit 3"}, Clock: clk,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "no credentials") {
		t.Fatalf("err = %v", err)
	}
	if a := s.Check(context.Background()); a == nil || a.Problem != ProblemRefreshFailed {
		t.Fatalf("alert = %+v", a)
	}
}

func TestXOAuth2Response(t *testing.T) {
	c := NewSASLClient(MechXOAuth2, "ops@example.com", "tok")
	mech, ir, err := c.Start()
	if err != nil || mech != "XOAUTH2" || string(ir) != "user=ops@example.com\x01auth=Bearer tok\x01\x01" {
		t.Fatalf("Start = %q %q %v", mech, ir, err)
	}
	if resp, err := c.Next([]byte(`{"status":"401"}`)); err != nil || len(resp) != 0 {
		t.Fatalf("Next = %q %v", resp, err)
	}
}

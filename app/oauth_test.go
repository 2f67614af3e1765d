package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"escalationd/config"
	"escalationd/internal/clock"
	"escalationd/internal/oauth"
	"escalationd/store"
	"escalationd/templates"
)

type alertRecorder struct {
	got []templates.OAuthAlert
	at  []time.Time
}

func (r *alertRecorder) OAuthAlert(_ context.Context, a templates.OAuthAlert, notice int, now time.Time) (bool, error) {
	r.got = append(r.got, a)
	r.at = append(r.at, now)
	return true, nil
}

// A refresh token the provider no longer accepts: the operator hears at
// once, then after 1h and 2h more, not at every check.
func TestRefreshFailureAlertsTheOperator(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_grant","error_description":"token revoked"}`)
	}))
	defer srv.Close()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clk := clock.NewVirtual(t0)
	log := slog.New(slog.DiscardHandler)
	src, err := newTokenSource("mailbox escalations", config.AuthXOAuth2, &config.OAuth2{Provider: config.ProviderGeneric,
		TokenURL: srv.URL, ClientID: "id", RefreshToken: "rt"}, clk, log)
	if err != nil {
		t.Fatal(err)
	}
	rec := &alertRecorder{}
	for clk.Now().Before(t0.Add(3*time.Hour + 30*time.Minute)) {
		CheckOAuth(context.Background(), clk, []*oauth.Source{src}, rec, log)
		clk.Advance(oauthCheckEvery)
	}
	want := []time.Time{t0, t0.Add(time.Hour), t0.Add(3 * time.Hour)}
	if len(rec.at) != len(want) {
		t.Fatalf("alerts at %v, want %v", rec.at, want)
	}
	for i := range want {
		if !rec.at[i].Equal(want[i]) {
			t.Fatalf("alerts at %v, want %v", rec.at, want)
		}
	}
	a := rec.got[0]
	if a.Server != "mailbox escalations" || a.Problem != oauth.ProblemRefreshFailed || !a.Since.Equal(t0) || a.Error == "" {
		t.Fatalf("alert = %+v", a)
	}
	if src.LastError() == nil || !src.Expiry().IsZero() {
		t.Fatalf("LastError %v, Expiry %v", src.LastError(), src.Expiry())
	}
}

// The daemon records each token's state where `escalationd status` reads
// it: a failing refresh is there with its error.
func TestTokenStateIsRecorded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_grant"}`)
	}))
	defer srv.Close()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clk := clock.NewVirtual(t0)
	log := slog.New(slog.DiscardHandler)
	src, err := newTokenSource("smtp", config.AuthXOAuth2, &config.OAuth2{Provider: config.ProviderGeneric,
		TokenURL: srv.URL, ClientID: "id", RefreshToken: "rt"}, clk, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	CheckOAuth(ctx, clk, []*oauth.Source{src}, &alertRecorder{}, log)
	recordOAuth(ctx, st, []*oauth.Source{src}, clk.Now(), log)
	got, err := st.TokenStates(ctx)
	if err != nil || len(got) != 1 || got[0].Server != "smtp" || got[0].LastError == "" || !got[0].UpdatedAt.Equal(t0) {
		t.Fatalf("token states %+v, %v", got, err)
	}
}

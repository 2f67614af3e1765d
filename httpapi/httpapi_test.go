package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"escalationd/app"
	"escalationd/config"
	"escalationd/engine"
	"escalationd/examples"
	"escalationd/httpapi"
	"escalationd/internal/clock"
	"escalationd/internal/mailtest"
	"escalationd/store"
)

// Monday 2025-11-24 14:30 UTC, when the fixtures are dated.
var t0 = time.Date(2025, 11, 24, 14, 31, 0, 0, time.UTC)

type fakeHealth struct {
	mu  sync.Mutex
	mbs []httpapi.Mailbox
}

func (f *fakeHealth) Mailboxes() []httpapi.Mailbox {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]httpapi.Mailbox(nil), f.mbs...)
}

type fakeTokens []httpapi.Token

func (f fakeTokens) Tokens() []httpapi.Token { return f }

type env struct {
	t      *testing.T
	st     *store.Store
	eng    *engine.Engine
	clk    *clock.Virtual
	health *fakeHealth
	srv    *httpapi.Server
	sched  httpapi.Schedule
	uid    uint32
}

func newEnv(t *testing.T, token string) *env {
	t.Helper()
	cfg, err := config.Parse(examples.Helpdesk, "helpdesk.yaml", config.Options{SkipSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = filepath.Join(t.TempDir(), "h.db")
	c, err := app.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clock.NewVirtual(t0)
	log := slog.New(slog.DiscardHandler)
	eng, err := c.NewEngine(app.EngineOptions{Store: st, Clock: clk, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	health := &fakeHealth{mbs: []httpapi.Mailbox{{Name: "escalations", Connected: true, LastSync: t0, PollInterval: time.Minute}}}
	tokens := fakeTokens{{Server: "mailbox escalations", Expiry: t0.Add(50 * time.Minute)}, {Server: "smtp", Failing: true}}
	srv, err := httpapi.New(httpapi.Options{Store: st, Mailboxes: health, Tokens: tokens, Schedule: c.Schedule, Clock: clk, Logger: log, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, st: st, eng: eng, clk: clk, health: health, srv: srv, sched: c.Schedule}
}

func (e *env) deliver(o mailtest.EscalationOpts) {
	e.t.Helper()
	ctx := context.Background()
	e.uid++
	ing, err := e.st.Ingest(ctx, store.Incoming{Mailbox: "escalations", UIDValidity: 1, UID: e.uid, Raw: mailtest.Escalation(o)}, e.clk.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.eng.Process(ctx, ing.ID); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) get(path string, hdr ...string) (int, string) {
	e.t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	r.Host = "127.0.0.1:9469"
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			r.Host = hdr[i+1]
			continue
		}
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

// sample returns the value of one series line, or "" when absent.
func sample(body, series string) string {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestTokenRequired(t *testing.T) {
	e := newEnv(t, "0123456789abcdef-token")
	for _, path := range []string{"/metrics", "/healthz", "/readyz", "/"} {
		if code, _ := e.get(path); code != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d, want 401", path, code)
		}
		if code, _ := e.get(path, "Authorization", "Bearer wrong"); code != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: %d, want 401", path, code)
		}
	}
	if code, _ := e.get("/healthz", "Authorization", "Bearer 0123456789abcdef-token"); code != http.StatusOK {
		t.Errorf("bearer token: %d, want 200", code)
	}
	if code, _ := e.get("/healthz", "Authorization", "bearer 0123456789abcdef-token", "Host", "gateway.example:9469"); code != http.StatusOK {
		t.Errorf("lower-case bearer scheme with a token: %d, want 200", code)
	}
	r := httptest.NewRequest("GET", "/healthz", nil)
	r.SetBasicAuth("ops", "0123456789abcdef-token")
	w := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Errorf("basic auth: %d, want 200", w.Code)
	}
}

// Beyond loopback the config refuses to start without a token, naming the
// key; on loopback (and for a bare port) none is needed.
func TestConfigRefusesOpenListener(t *testing.T) {
	base := string(examples.Helpdesk)
	for _, tc := range []struct {
		listen string
		ok     bool
	}{{"127.0.0.1:9469", true}, {"9469", true}, {":9469", true}, {"localhost:9469", true}, {"[::1]:9469", true},
		{"0.0.0.0:9469", false}, {"192.0.2.7:9469", false}, {"[::]:9469", false}} {
		cfg, err := config.Parse([]byte(base+"\nhttp:\n  listen: \""+tc.listen+"\"\n"), "x.yaml", config.Options{SkipSecrets: true})
		if tc.ok && err != nil {
			t.Errorf("listen %s: %v", tc.listen, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "http.token_file") || !strings.Contains(err.Error(), "http.listen")) {
			t.Errorf("listen %s: err %v, want one naming http.listen and http.token_file", tc.listen, err)
		}
		if tc.ok && cfg != nil && !strings.HasPrefix(cfg.HTTP.Address(), "127.0.0.1:") && !strings.HasPrefix(cfg.HTTP.Address(), "localhost:") && !strings.HasPrefix(cfg.HTTP.Address(), "[::1]") {
			t.Errorf("listen %s: address %s is not loopback", tc.listen, cfg.HTTP.Address())
		}
	}
}

func TestMetricsMoveWithEngineWork(t *testing.T) {
	e := newEnv(t, "")
	code, body := e.get("/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for _, name := range []string{"escalationd_build_info{", "escalationd_outbox_pending ", "escalationd_outbox_oldest_pending_age_seconds ",
		`escalationd_mailbox_connected{mailbox="escalations"} 1`, `escalationd_mailbox_last_sync_timestamp_seconds{mailbox="escalations"}`,
		"escalationd_scrape_error 0", "escalationd_process_start_time_seconds", "go_goroutines",
		`escalationd_oauth_token_refresh_failing{server="smtp"} 1`, `escalationd_oauth_token_refresh_failing{server="mailbox escalations"} 0`,
		fmt.Sprintf(`escalationd_oauth_token_expiry_timestamp_seconds{server="mailbox escalations"} %g`, float64(t0.Add(50*time.Minute).Unix()))} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if v := sample(body, `escalationd_messages_handled_total{disposition="case",mailbox="escalations"}`); v != "" {
		t.Fatalf("handled before any mail: %s", v)
	}
	e.deliver(mailtest.EscalationOpts{Ticket: "TICKET-1", Urgency: "Critical"})
	e.deliver(mailtest.EscalationOpts{Ticket: "TICKET-2", Urgency: "Low"})
	e.deliver(mailtest.EscalationOpts{Ticket: "TICKET-3", Urgency: "High", Issue: "Customer reports ransomware on the file share"})
	_, body = e.get("/metrics")
	want := map[string]string{
		`escalationd_messages_fetched_total{mailbox="escalations"}`:                    "3",
		`escalationd_messages_handled_total{disposition="case",mailbox="escalations"}`: "3",
		`escalationd_cases_open{urgency="critical"}`:                                   "1",
		`escalationd_cases_open{urgency="low"}`:                                        "1",
		`escalationd_cases_opened_total{kind="escalation",urgency="critical"}`:         "1",
		`escalationd_cases_opened_by_category_total{category=""}`:                      "2",
		`escalationd_cases_opened_by_category_total{category="security"}`:              "1",
	}
	for series, v := range want {
		if got := sample(body, series); got != v {
			t.Errorf("%s = %q, want %s", series, got, v)
		}
	}
	if got := sample(body, "escalationd_outbox_pending"); got == "0" || got == "" {
		t.Errorf("outbox pending %q after two cases, want mail queued", got)
	}
	if t.Failed() {
		t.Log(body)
	}
}

func TestReadyz(t *testing.T) {
	e := newEnv(t, "")
	if code, body := e.get("/readyz"); code != 200 {
		t.Fatalf("/readyz with a synced mailbox: %d %s", code, body)
	}
	if code, body := e.get("/healthz"); code != 200 || !strings.Contains(body, `"ok":true`) {
		t.Fatalf("/healthz: %d %s", code, body)
	}
	e.health.mu.Lock()
	e.health.mbs[0].Connected = false
	e.health.mbs[0].LastError = "LOGIN failed"
	e.health.mu.Unlock()
	code, body := e.get("/readyz")
	var got struct {
		OK       bool
		Problems []string
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if code != 503 || got.OK || len(got.Problems) != 1 || !strings.Contains(got.Problems[0], "mailbox escalations: not connected: LOGIN failed") {
		t.Fatalf("/readyz with a mailbox down: %d %s", code, body)
	}
	// Connected again but silent for more than twice the poll interval.
	e.health.mu.Lock()
	e.health.mbs[0].Connected = true
	e.health.mu.Unlock()
	e.clk.Advance(3 * time.Minute)
	if code, body := e.get("/readyz"); code != 503 || !strings.Contains(body, "twice the poll interval") {
		t.Fatalf("/readyz with a stale mailbox: %d %s", code, body)
	}
	// A pending mail older than the bound makes the outbox stuck.
	e.health.mu.Lock()
	e.health.mbs[0].LastSync = e.clk.Now()
	e.health.mu.Unlock()
	e.deliver(mailtest.EscalationOpts{})
	e.clk.Advance(20 * time.Minute)
	e.health.mu.Lock()
	e.health.mbs[0].LastSync = e.clk.Now()
	e.health.mu.Unlock()
	if code, body := e.get("/readyz"); code != 503 || !strings.Contains(body, "outbox stuck") {
		t.Fatalf("/readyz with old pending mail: %d %s", code, body)
	}
}

func TestDashboard(t *testing.T) {
	e := newEnv(t, "")
	e.deliver(mailtest.EscalationOpts{Ticket: "TICKET-7", Urgency: "Critical", Customer: "<script>x@example.com"})
	// A security case is confidential: ticket and urgency, nothing else.
	e.deliver(mailtest.EscalationOpts{Ticket: "TICKET-8", Urgency: "High", Customer: "secret.customer@example.com",
		Issue: "Customer reports ransomware on the file share"})
	code, body := e.get("/")
	if !strings.Contains(body, "TICKET-8") || !strings.Contains(body, "confidential") {
		t.Error("dashboard does not show the confidential case as such")
	}
	if strings.Contains(body, "secret.customer@") || strings.Contains(body, "ransomware") {
		t.Error("dashboard shows a confidential case's customer or summary")
	}
	if code != 200 {
		t.Fatalf("/: %d", code)
	}
	for _, want := range []string{"TICKET-7", "critical", "data-deadline=", "<svg", "Cases opened per day by urgency", "On call"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>x@") {
		t.Error("dashboard did not escape a customer address")
	}
	if strings.Contains(body, "http://") && !strings.Contains(body, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Error("dashboard refers to an external asset")
	}
}

// Without a token the listener is loopback only, and answers only to
// loopback names: a page whose domain was rebound to 127.0.0.1 (DNS
// rebinding) cannot read the dashboard through the operator's browser.
func TestLoopbackListenerRefusesOtherHosts(t *testing.T) {
	e := newEnv(t, "")
	for host, want := range map[string]int{"127.0.0.1:9469": 200, "localhost:9469": 200, "[::1]:9469": 200, "localhost": 200,
		"evil.example:9469": http.StatusMisdirectedRequest, "10.0.0.5:9469": http.StatusMisdirectedRequest} {
		if code, _ := e.get("/healthz", "Host", host); code != want {
			t.Errorf("Host %s: %d, want %d", host, code, want)
		}
	}
}

package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	gomail "github.com/wneessen/go-mail"

	"escalationd/internal/mailtest"
)

func msd(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	ten := msd(10, 1, 9, 2, 8, 3, 7, 4, 6, 5) // 1..10 ms, shuffled
	orig := slices.Clone(ten)
	for _, c := range []struct {
		s    []time.Duration
		p    float64
		want int
	}{
		{ten, 50, 5}, {ten, 90, 9}, {ten, 99, 10}, {ten, 100, 10}, {ten, 10, 1}, {ten, 11, 2}, {ten, 0, 1},
		{msd(42), 50, 42}, {msd(42), 99, 42},
		{msd(100, 200), 50, 100}, {msd(100, 200), 51, 200},
		{nil, 50, 0},
	} {
		if got := Percentile(c.s, c.p); got != time.Duration(c.want)*time.Millisecond {
			t.Errorf("Percentile(%v, %v) = %v, want %d ms", c.s, c.p, got, c.want)
		}
	}
	if !slices.Equal(ten, orig) {
		t.Errorf("Percentile sorted its input: %v", ten)
	}
	// 200 samples: p99 is the 198th smallest, not the maximum.
	var many []time.Duration
	for i := 200; i >= 1; i-- {
		many = append(many, time.Duration(i)*time.Millisecond)
	}
	if got := Percentile(many, 99); got != 198*time.Millisecond {
		t.Errorf("p99 of 1..200 ms = %v, want 198ms", got)
	}
}

func TestSummarize(t *testing.T) {
	d := Summarize(msd(500, 510, 520, 530, 1000))
	want := Dist{Samples: 5, MinMS: 500, MeanMS: 612, P50MS: 520, P90MS: 1000, P99MS: 1000, MaxMS: 1000}
	if d != want {
		t.Errorf("Summarize = %+v, want %+v", d, want)
	}
	if d := Summarize(nil); d != (Dist{}) {
		t.Errorf("Summarize(nil) = %+v", d)
	}
	if got := Summarize([]time.Duration{1234567 * time.Nanosecond}).P50MS; got != 1.2 {
		t.Errorf("1.234567 ms rounds to %v, want 1.2", got)
	}
}

// figures is a complete report's measurements.
func figures() *Report {
	return &Report{
		Tool: "escalationd-bench", FormatVersion: formatVersion, Started: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC),
		Raw: Raw{
			Idle:   &Dist{Samples: 20, P50MS: 502, P99MS: 510},
			Fetch:  &RateResult{Count: 10000, Seconds: 2, PerSecond: 5000},
			Sender: &SenderResult{RateResult: RateResult{Count: 2000, Seconds: 4.65, PerSecond: 430}, MessageBytes: 4000, Recipients: 1},
			SQLite: &SQLiteResult{RateResult: RateResult{Count: 2000, Seconds: 2, PerSecond: 1000}, Settings: sqliteSettings},
		},
		Latency: &LatencyResult{Escalations: 200, Latency: Dist{Samples: 200, P50MS: 515, P90MS: 560, P99MS: 621, MaxMS: 700}},
		Backlog: &BacklogResult{Escalations: 10000, EscalationsPerSecond: 20, Mails: 18000, MailsPerSecond: 36,
			MailsByEvent: map[string]int{"routed": 8000, "receipt": 10000}, PeakRSS: 23},
		BacklogMalformed: &BacklogResult{Escalations: 10000, Malformed: 500, EscalationsPerSecond: 25, MailsPerSecond: 344, PeakRSS: 120},
		BigMail:          &BigResult{AttachmentBytes: 20 << 20, MessageBytes: 28 << 20, RoutedAfterS: 3, PeakRSS: 209},
	}
}

func ratio(t *testing.T, r *Report, name string) Ratio {
	t.Helper()
	for _, ra := range r.Ratios {
		if ra.Name == name {
			return ra
		}
	}
	t.Fatalf("no ratio %s in %+v", name, r.Ratios)
	return Ratio{}
}

func TestEvaluate(t *testing.T) {
	r := figures()
	r.evaluate()
	for _, c := range []struct {
		name   string
		value  float64
		target string
		met    *bool // nil: no verdict
	}{
		{"backlog_mails_vs_sender", 0.0837, ">= 0.7", ptr(false)},
		{"backlog_escalations_vs_fetch", 0.004, "", nil},
		{"backlog_sqlite_tx_per_escalation", 50, "", nil},
		{"backlog_peak_rss", 23, "<= 100", ptr(true)},
		{"backlog_malformed_mails_vs_sender", 0.8, ">= 0.7", ptr(true)},
		{"backlog_malformed_peak_rss", 120, "<= 100", ptr(false)},
		{"latency_p50_over_idle", 13, "<= 100", ptr(true)},
		{"latency_p99_over_idle", 119, "<= 300", ptr(true)},
		{"latency_p50_vs_idle", 1.03, "", nil},
		{"big_mail_peak_rss", 209, "<= 120", ptr(false)},
	} {
		ra := ratio(t, r, c.name)
		if ra.Value == nil || *ra.Value != c.value || ra.Target != c.target {
			t.Errorf("%s: value %v target %q, want %v %q", c.name, deref(ra.Value), ra.Target, c.value, c.target)
		}
		if (ra.Met == nil) != (c.met == nil) || (ra.Met != nil && *ra.Met != *c.met) {
			t.Errorf("%s: met %v, want %v", c.name, deref(ra.Met), deref(c.met))
		}
	}
	if r.TargetsMet != 4 || r.TargetsMissed != 3 {
		t.Errorf("targets met %d, missed %d; want 4 and 3", r.TargetsMet, r.TargetsMissed)
	}
	// A target exactly on its bound is met.
	r = figures()
	r.Latency.Latency.P50MS = 602
	r.evaluate()
	if ra := ratio(t, r, "latency_p50_over_idle"); ra.Met == nil || !*ra.Met {
		t.Errorf("p50 exactly 100 ms over IDLE: %+v", ra)
	}
}

func TestEvaluateMissingFigures(t *testing.T) {
	// -only latency: no raw IDLE figure, no backlog, no big mail.
	r := &Report{Latency: &LatencyResult{Latency: Dist{Samples: 3, P50MS: 500}}}
	r.evaluate()
	if len(r.Ratios) != 3 {
		t.Fatalf("ratios %+v, want the three latency ones", r.Ratios)
	}
	ra := ratio(t, r, "latency_p50_over_idle")
	if ra.Value != nil || ra.Met != nil || ra.Target != "<= 100" {
		t.Errorf("without IDLE figures: %+v", ra)
	}
	if r.TargetsMet != 0 || r.TargetsMissed != 0 {
		t.Errorf("verdicts without figures: %d met, %d missed", r.TargetsMet, r.TargetsMissed)
	}
	// A backlog without the raw sender: the ratio has no value.
	r = &Report{Backlog: &BacklogResult{MailsPerSecond: 10, PeakRSS: 50}}
	r.evaluate()
	if ra := ratio(t, r, "backlog_mails_vs_sender"); ra.Value != nil || ra.Met != nil {
		t.Errorf("backlog without sender: %+v", ra)
	}
	if ra := ratio(t, r, "backlog_peak_rss"); ra.Met == nil || !*ra.Met {
		t.Errorf("backlog RSS: %+v", ra)
	}
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestJSONShape pins the JSON file's layout: keys that scripts read.
func TestJSONShape(t *testing.T) {
	r := figures()
	r.evaluate()
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	get := func(path string) any {
		var cur any = doc
		for _, k := range strings.Split(path, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("%s: %v is not an object", path, cur)
			}
			if cur, ok = m[k]; !ok {
				t.Fatalf("%s: no key %q in %v", path, k, keys(m))
			}
		}
		return cur
	}
	for path, want := range map[string]any{
		"tool": "escalationd-bench", "format_version": 1.0,
		"raw.imap_idle.p50_ms": 502.0, "raw.imap_uid_fetch.per_s": 5000.0, "raw.smtp_sender.per_s": 430.0,
		"raw.smtp_sender.message_bytes": 4000.0, "raw.sqlite.per_s": 1000.0, "raw.sqlite.settings": sqliteSettings,
		"latency.latency.p50_ms": 515.0, "latency.latency.p99_ms": 621.0, "latency.latency.p90_ms": 560.0,
		"backlog.escalations_per_s": 20.0, "backlog.mails_per_s": 36.0, "backlog.peak_rss_mib": 23.0,
		"backlog.mails_by_event.routed": 8000.0, "backlog_malformed.malformed": 500.0,
		"big_mail.peak_rss_mib": 209.0, "big_mail.attachment_bytes": float64(20 << 20), "big_mail.routed_after_s": 3.0,
		"targets_met": 4.0, "targets_missed": 3.0,
	} {
		if got := get(path); got != want {
			t.Errorf("%s = %v (%T), want %v", path, got, got, want)
		}
	}
	for _, path := range []string{"started", "elapsed_s", "settings.seed", "settings.phases", "machine.cpu_model", "machine.cores",
		"machine.kernel", "machine.go_version", "machine.dovecot_version", "machine.mailpit_version", "machine.git_revision"} {
		get(path)
	}
	if _, ok := doc["error"]; ok {
		t.Error("error is set in a run without error")
	}
	ratios := get("ratios").([]any)
	first := ratios[0].(map[string]any)
	for _, k := range []string{"name", "description", "value", "unit", "target", "met"} {
		if _, ok := first[k]; !ok {
			t.Errorf("ratio without %q: %v", k, first)
		}
	}
	// Phases not run are null, not missing.
	data, _ = json.Marshal(&Report{})
	doc = nil
	_ = json.Unmarshal(data, &doc)
	for _, k := range []string{"latency", "backlog", "backlog_malformed", "big_mail"} {
		if v, ok := doc[k]; !ok || v != nil {
			t.Errorf("%s of an empty report: %v (present %v), want null", k, v, ok)
		}
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestPrintTable(t *testing.T) {
	r := figures()
	r.evaluate()
	var b strings.Builder
	r.PrintTable(&b)
	out := b.String()
	for _, want := range []string{"RAW LIMITS", "p50 502 ms", "430 msg/s", "latency, 200 appends", "p50 515 ms",
		"backlog, 10000 mails", "20.0 esc/s", "NOT MET", "targets: 4 met, 3 not met", "20 MiB attachment"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestRoundSig(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{
		{0.000401906, 0.000402}, {0.0491, 0.0491}, {1.0259, 1.03}, {209.12, 209}, {3568.4, 3570}, {0, 0}, {-0.01234, -0.0123},
	} {
		if got := roundSig(c.in, 3); got != c.want {
			t.Errorf("roundSig(%v, 3) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int{"20MB": 20 << 20, "5MiB": 5 << 20, "512KB": 512 << 10, "300B": 300, "1000": 1000,
		"1.5MB": 3 << 19, "20mb": 20 << 20} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "x", "-1MB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-quick", "-backlog", "1000"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.backlog != 1000 || o.latency != 20 || o.bigSize != 5<<20 || o.sender != 300 || len(o.only) != len(allPhases) {
		t.Errorf("-quick -backlog 1000: %+v", o)
	}
	o, err = parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.backlog != 10000 || o.latency != 200 || o.bigSize != 20<<20 || o.malformedPct != 5 || o.out != "bench.json" {
		t.Errorf("defaults: %+v", o)
	}
	o, err = parseFlags([]string{"-only", "latency, backlog"}, io.Discard)
	if err != nil || len(o.only) != 2 || !o.only["latency"] || !o.only["backlog"] {
		t.Errorf("-only: %+v, %v", o, err)
	}
	if _, err := parseFlags([]string{"-only", "speed"}, io.Discard); err == nil {
		t.Error("-only speed accepted")
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP escalationd_outbox_pending mail waiting
# TYPE escalationd_outbox_pending gauge
escalationd_outbox_pending 3
escalationd_messages_pending{mailbox="escalations",state="new"} 2
escalationd_messages_pending{mailbox="security",state="new"} 1
escalationd_messages_pending{mailbox="escalations",state="failed"} 7
escalationd_mails_sent_total{event="routed"} 12
`
	m, err := parseMetrics(strings.NewReader(text), "escalationd_outbox_pending", "escalationd_messages_pending")
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 4 {
		t.Errorf("parsed %v", m)
	}
	if got := sumMetric(m, "escalationd_messages_pending", `state="new"`); got != 3 {
		t.Errorf("pending new = %v", got)
	}
	if got := sumMetric(m, "escalationd_outbox_pending"); got != 3 {
		t.Errorf("outbox pending = %v", got)
	}
}

func TestBacklogMails(t *testing.T) {
	now := time.Date(2026, 1, 5, 14, 0, 0, 0, time.UTC)
	mails := backlogMails(rand.New(rand.NewPCG(1, 2)), "T", 1000, 5, now)
	again := backlogMails(rand.New(rand.NewPCG(1, 2)), "T", 1000, 5, now)
	kinds := map[string]int{}
	urgencies := map[string]int{}
	tickets := map[string]bool{}
	bad := 0
	for i, m := range mails {
		if string(m.raw) != string(again[i].raw) {
			t.Fatalf("mail %d differs between runs with the same seed", i)
		}
		if tickets[m.ticket] {
			t.Errorf("ticket %s twice", m.ticket)
		}
		tickets[m.ticket] = true
		kinds[m.kind]++
		urgencies[m.urgency]++
		if m.malformed {
			bad++
		}
	}
	if bad != 50 {
		t.Errorf("%d malformed of 1000 at 5%%, want 50", bad)
	}
	for _, k := range []string{"escalation", "senior_support", "engineering", "management"} {
		if kinds[k] < 50 {
			t.Errorf("only %d %s mails: %v", kinds[k], k, kinds)
		}
	}
	for _, u := range []string{"Critical", "High", "Medium", "Low"} {
		if urgencies[u] < 20 {
			t.Errorf("only %d %s: %v", urgencies[u], u, urgencies)
		}
	}
	big := bigMail(rand.New(rand.NewPCG(1, 2)), "BIG-1", 1<<20, now)
	if len(big.raw) < 1<<20*4/3 || !strings.Contains(string(big.raw), "Content-Disposition: attachment") {
		t.Errorf("big mail of %d bytes", len(big.raw))
	}
}

// TestObserver sends through the relay to an SMTP sink: with go-mail as
// the daemon does, then a pipelined raw session with an AUTH challenge, a
// refused DATA, BDAT chunks and a refused mail.
func TestObserver(t *testing.T) {
	sink := mailtest.StartSMTPSinkWith(t, mailtest.SMTPSinkOptions{Password: "pw"})
	o, err := StartObserver(sink.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()

	mail := func(event, ticket, id string) string {
		return "From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\nMessage-ID: <" + id + ">\r\n" +
			"X-Escalation-Event: " + event + "\r\nX-Escalation-Ticket: " + ticket + "\r\n\r\n.hello\r\nbody\r\n"
	}
	c, err := gomail.NewClient("127.0.0.1", gomail.WithPort(o.Port()), gomail.WithTLSPolicy(gomail.NoTLS),
		gomail.WithSMTPAuth(gomail.SMTPAuthPlainNoEnc), gomail.WithUsername("u"), gomail.WithPassword("pw"), gomail.WithoutNoop())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := c.DialToSMTPClientWithContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i, rcpts := range []int{1, 3} {
		if err := sc.Mail("<gw@example.com>"); err != nil {
			t.Fatal(err)
		}
		for k := range rcpts {
			if err := sc.Rcpt(fmt.Sprintf("<r%d@example.com>", k)); err != nil {
				t.Fatal(err)
			}
		}
		w, err := sc.Data()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, mail("routed", fmt.Sprintf("T-%d", i), fmt.Sprintf("m%d@x", i)))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	sink.FailNext(1, &smtp.SMTPError{Code: 554, Message: "no"})
	_ = sc.Mail("<gw@example.com>")
	_ = sc.Rcpt("<r@example.com>")
	if w, err := sc.Data(); err == nil {
		_, _ = io.WriteString(w, mail("receipt", "T-9", "m9@x"))
		if err := w.Close(); err == nil {
			t.Error("the sink accepted a mail it was told to refuse")
		}
	}
	_ = c.CloseWithSMTPClient(sc)

	// Raw, pipelined: AUTH with a challenge, a DATA refused for lack of
	// recipients, then BDAT in two chunks.
	conn, err := net.Dial("tcp", o.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	reply := func() string {
		t.Helper()
		var last string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("reading reply: %v", err)
			}
			if len(line) < 4 || line[3] != '-' {
				return last + line
			}
			last += line
		}
	}
	send := func(s string) {
		t.Helper()
		if _, err := io.WriteString(conn, s); err != nil {
			t.Fatal(err)
		}
	}
	reply() // greeting
	send("EHLO raw\r\n")
	if ehlo := reply(); !strings.Contains(ehlo, "CHUNKING") || !strings.Contains(ehlo, "PIPELINING") {
		t.Fatalf("EHLO: %s", ehlo)
	}
	send("AUTH PLAIN\r\n")
	if got := reply(); !strings.HasPrefix(got, "334") {
		t.Fatalf("AUTH PLAIN: %s", got)
	}
	send(base64.StdEncoding.EncodeToString([]byte("\x00u\x00pw")) + "\r\n")
	if got := reply(); !strings.HasPrefix(got, "235") {
		t.Fatalf("AUTH answer: %s", got)
	}
	send("MAIL FROM:<gw@example.com>\r\nDATA\r\n") // no RCPT: DATA is refused
	reply()
	if got := reply(); strings.HasPrefix(got, "354") {
		t.Fatalf("DATA without recipients: %s", got)
	}
	send("RSET\r\n")
	reply()
	body := mail("incident", "T-7", "m7@x")
	half := len(body) / 2
	send("MAIL FROM:<gw@example.com>\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n")
	send(fmt.Sprintf("BDAT %d\r\n%s", half, body[:half]))
	send(fmt.Sprintf("BDAT %d LAST\r\n%s", len(body)-half, body[half:]))
	for i := range 4 {
		if got := reply(); !strings.HasPrefix(got, "250") {
			t.Fatalf("pipelined reply %d: %s", i, got)
		}
	}
	send("QUIT\r\n")
	reply()

	got := o.Mails()
	if len(got) != 3 {
		t.Fatalf("recorded %+v, want 3 mails", got)
	}
	for i, want := range []Accepted{
		{Event: "routed", Ticket: "T-0", MessageID: "m0@x", Recipients: 1, Bytes: len(mail("routed", "T-0", "m0@x"))},
		{Event: "routed", Ticket: "T-1", MessageID: "m1@x", Recipients: 3, Bytes: len(mail("routed", "T-1", "m1@x"))},
		{Event: "incident", Ticket: "T-7", MessageID: "m7@x", Recipients: 2, Bytes: len(body)},
	} {
		g := got[i]
		if g.At.IsZero() {
			t.Errorf("mail %d: no time", i)
		}
		g.At = time.Time{}
		if g != want {
			t.Errorf("mail %d = %+v, want %+v", i, g, want)
		}
	}
	if o.Refused() != 1 {
		t.Errorf("refused %d, want 1", o.Refused())
	}
	if n := len(sink.Messages()); n != 3 {
		t.Errorf("the sink holds %d mails, want 3", n)
	}
}

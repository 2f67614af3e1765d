package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"escalationd/store"
)

// The series, each documented in docs/operations.md. Counters are counts of
// database rows that are kept (retention drops mail bytes, not rows), so
// they survive restarts and never go down.
var (
	descFetched = prometheus.NewDesc("escalationd_messages_fetched_total",
		"Mail fetched from a mailbox and stored (persisted before it is acknowledged on the server).", []string{"mailbox"}, nil)
	descHandled = prometheus.NewDesc("escalationd_messages_handled_total",
		"Stored mail handled, by mailbox and disposition (case, reply, ignored, rejected, ...).", []string{"mailbox", "disposition"}, nil)
	descUnhandled = prometheus.NewDesc("escalationd_messages_pending",
		"Stored mail not handled yet (state new) or parked after repeated failures (state failed).", []string{"mailbox", "state"}, nil)
	descOpened = prometheus.NewDesc("escalationd_cases_opened_total",
		"Cases opened, by kind and urgency.", []string{"kind", "urgency"}, nil)
	descByCategory = prometheus.NewDesc("escalationd_cases_opened_by_category_total",
		"Cases opened, by detected category (a case with several counts under each; none: category=\"\").", []string{"category"}, nil)
	descOpen = prometheus.NewDesc("escalationd_cases_open",
		"Cases not resolved, by urgency.", []string{"urgency"}, nil)
	descBreaches = prometheus.NewDesc("escalationd_sla_breaches_total",
		"SLA breach steps fired, by the case's urgency.", []string{"urgency"}, nil)
	descSent = prometheus.NewDesc("escalationd_mails_sent_total",
		"Mail delivered to the SMTP server, by event.", []string{"event"}, nil)
	descFailed = prometheus.NewDesc("escalationd_mails_failed_total",
		"Mail given up on (permanent failure or retries exhausted), by event.", []string{"event"}, nil)
	descDepth = prometheus.NewDesc("escalationd_outbox_pending",
		"Mail waiting in the outbox.", nil, nil)
	descOldest = prometheus.NewDesc("escalationd_outbox_oldest_pending_age_seconds",
		"Age of the oldest pending mail in the outbox; 0 when it is empty.", nil, nil)
	descConnected = prometheus.NewDesc("escalationd_mailbox_connected",
		"1 while the mailbox's IMAP session is logged in, else 0.", []string{"mailbox"}, nil)
	descLastSync = prometheus.NewDesc("escalationd_mailbox_last_sync_timestamp_seconds",
		"Unix time of the mailbox's last complete pass; 0 before the first.", []string{"mailbox"}, nil)
	descTokenExpiry = prometheus.NewDesc("escalationd_oauth_token_expiry_timestamp_seconds",
		"Unix time the server's current OAuth2 access token expires; 0 before the first.", []string{"server"}, nil)
	descTokenFailing = prometheus.NewDesc("escalationd_oauth_token_refresh_failing",
		"1 while the last refresh of the server's OAuth2 token failed (the operator is mailed), else 0.", []string{"server"}, nil)
	descScrapeErr = prometheus.NewDesc("escalationd_scrape_error",
		"1 when reading the database for this scrape failed (the other series may be missing).", nil, nil)
)

// collector reads the database and the pollers at scrape time.
type collector struct{ s *Server }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFetched, descHandled, descUnhandled, descOpened, descByCategory, descOpen, descBreaches, descSent,
		descFailed, descDepth, descOldest, descConnected, descLastSync, descTokenExpiry, descTokenFailing, descScrapeErr} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, mb := range c.s.opt.Mailboxes.Mailboxes() {
		up := 0.0
		if mb.Connected {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(descConnected, prometheus.GaugeValue, up, mb.Name)
		last := 0.0
		if !mb.LastSync.IsZero() {
			last = float64(mb.LastSync.UnixNano()) / 1e9
		}
		ch <- prometheus.MustNewConstMetric(descLastSync, prometheus.GaugeValue, last, mb.Name)
	}
	if c.s.opt.Tokens != nil {
		for _, t := range c.s.opt.Tokens.Tokens() {
			exp, failing := 0.0, 0.0
			if !t.Expiry.IsZero() {
				exp = float64(t.Expiry.Unix())
			}
			if t.Failing {
				failing = 1
			}
			ch <- prometheus.MustNewConstMetric(descTokenExpiry, prometheus.GaugeValue, exp, t.Server)
			ch <- prometheus.MustNewConstMetric(descTokenFailing, prometheus.GaugeValue, failing, t.Server)
		}
	}
	failed := 0.0
	if err := c.collectStore(ctx, ch); err != nil {
		c.s.log.Warn("metrics: reading the database failed", "err", err)
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, failed)
}

func (c collector) collectStore(ctx context.Context, ch chan<- prometheus.Metric) error {
	st := c.s.opt.Store
	now := c.s.opt.Clock.Now()
	msgs, err := st.MessageGroups(ctx)
	if err != nil {
		return err
	}
	fetched, handled, pending := sum(), sum(), sum()
	for _, g := range msgs {
		mailbox, state, disp := g.Labels[0], g.Labels[1], g.Labels[2]
		fetched.add(g.N, mailbox)
		switch state {
		case "handled":
			handled.add(g.N, mailbox, disp)
		default:
			pending.add(g.N, mailbox, state)
		}
	}
	fetched.emit(ch, descFetched, prometheus.CounterValue)
	handled.emit(ch, descHandled, prometheus.CounterValue)
	pending.emit(ch, descUnhandled, prometheus.GaugeValue)

	cases, err := st.CaseCounts(ctx)
	if err != nil {
		return err
	}
	opened, open := sum(), sum()
	for _, g := range cases {
		kind, urgency, state := g.Labels[0], g.Labels[1], g.Labels[2]
		opened.add(g.N, kind, urgency)
		if state != store.CaseResolved {
			open.add(g.N, urgency)
		}
	}
	opened.emit(ch, descOpened, prometheus.CounterValue)
	open.emit(ch, descOpen, prometheus.GaugeValue)

	cats, err := st.CategoryCounts(ctx)
	if err != nil {
		return err
	}
	for _, g := range cats {
		ch <- prometheus.MustNewConstMetric(descByCategory, prometheus.CounterValue, float64(g.N), g.Labels[0])
	}

	breaches, err := st.BreachCounts(ctx)
	if err != nil {
		return err
	}
	b := sum()
	for _, g := range breaches {
		b.add(g.N, g.Labels...)
	}
	b.emit(ch, descBreaches, prometheus.CounterValue)

	mail, err := st.OutboxEventCounts(ctx, time.Time{})
	if err != nil {
		return err
	}
	sent, failedMail := sum(), sum()
	for _, g := range mail {
		switch g.Labels[1] {
		case store.MailSent:
			sent.add(g.N, g.Labels[0])
		case store.MailFailed:
			failedMail.add(g.N, g.Labels[0])
		}
	}
	sent.emit(ch, descSent, prometheus.CounterValue)
	failedMail.emit(ch, descFailed, prometheus.CounterValue)

	ob, err := st.OutboxStatus(ctx, now)
	if err != nil {
		return err
	}
	ch <- prometheus.MustNewConstMetric(descDepth, prometheus.GaugeValue, float64(ob.Counts[store.MailPending]))
	age := 0.0
	if !ob.OldestPending.IsZero() {
		age = max(now.Sub(ob.OldestPending).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, age)
	return nil
}

// sums adds counts under label values, since a query's groups can be finer
// than a series' labels.
type sums struct {
	keys [][]string
	n    map[string]int64
}

func sum() *sums { return &sums{n: map[string]int64{}} }

func (s *sums) add(n int64, labels ...string) {
	k := joinKey(labels)
	if _, ok := s.n[k]; !ok {
		s.keys = append(s.keys, labels)
	}
	s.n[k] += n
}

func (s *sums) emit(ch chan<- prometheus.Metric, d *prometheus.Desc, t prometheus.ValueType) {
	for _, l := range s.keys {
		ch <- prometheus.MustNewConstMetric(d, t, float64(s.n[joinKey(l)]), l...)
	}
}

func joinKey(l []string) string {
	k := ""
	for _, s := range l {
		k += s + "\x00"
	}
	return k
}

// metricsHandler is a registry of its own (no global default registry):
// the gateway's collector, the Go runtime and process collectors, and the
// build info.
func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{s}, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{Namespace: "escalationd"}))
	v, rev, gov := buildInfo()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "escalationd_build_info",
		Help:        "Always 1; the labels say which build is running.",
		ConstLabels: prometheus.Labels{"version": v, "revision": rev, "goversion": gov}}, func() float64 { return 1 }))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)})
}

// buildInfo is what `escalationd version` reports (cmd/escalationd/cli),
// read the same way: httpapi sits below cmd and cannot import it.
func buildInfo() (version, revision, goversion string) {
	version = "(devel)"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version, "", ""
	}
	if bi.Main.Version != "" {
		version = bi.Main.Version
	}
	for _, st := range bi.Settings {
		if st.Key == "vcs.revision" {
			revision = st.Value
		}
	}
	return version, revision, bi.GoVersion
}

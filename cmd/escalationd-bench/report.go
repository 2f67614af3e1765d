package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// formatVersion is the version of the JSON file's layout; bump it when a
// field changes meaning or moves.
const formatVersion = 1

// Report is everything one run measured: the JSON file (-out) and the
// table printed at the end. Sections of phases that did not run (-only)
// are null.
type Report struct {
	Tool          string    `json:"tool"`
	FormatVersion int       `json:"format_version"`
	Started       time.Time `json:"started"`
	ElapsedS      float64   `json:"elapsed_s"`
	// Error is set when the run failed; the figures are what was measured
	// before.
	Error    string   `json:"error,omitempty"`
	Settings Settings `json:"settings"`
	Machine  Machine  `json:"machine"`
	Raw      Raw      `json:"raw"`
	// Latency: escalations appended one at a time to an idle daemon.
	Latency *LatencyResult `json:"latency"`
	// Backlog: valid escalations waiting when the daemon starts.
	Backlog *BacklogResult `json:"backlog"`
	// BacklogMalformed: the same with MalformedPct% malformed mail.
	BacklogMalformed *BacklogResult `json:"backlog_malformed"`
	// BigMail: one escalation with a large attachment, fresh daemon.
	BigMail *BigResult `json:"big_mail"`
	// Ratios of the gateway's figures to the raw limits, with the issue's
	// targets where it sets one.
	Ratios        []Ratio `json:"ratios"`
	TargetsMet    int     `json:"targets_met"`
	TargetsMissed int     `json:"targets_missed"`
}

// Settings are the run's parameters.
type Settings struct {
	Quick          bool     `json:"quick"`
	Phases         []string `json:"phases"`
	Seed           uint64   `json:"seed"`
	LatencyN       int      `json:"latency_escalations"`
	LatencyGapMS   [2]int   `json:"latency_gap_ms"` // uniform random pause between appends
	BacklogN       int      `json:"backlog_escalations"`
	MalformedPct   float64  `json:"malformed_pct"`
	BigBytes       int      `json:"big_attachment_bytes"`
	IdleSamples    int      `json:"idle_samples"`
	SenderN        int      `json:"sender_messages"`
	SQLiteSeconds  float64  `json:"sqlite_seconds"`
	Binary         string   `json:"binary"`
	SMTPObservedAt string   `json:"smtp_observed_at"`
}

// Machine describes where the figures were measured.
type Machine struct {
	CPUModel       string `json:"cpu_model"`
	Cores          int    `json:"cores"`
	MemTotalMiB    int    `json:"mem_total_mib"`
	Kernel         string `json:"kernel"`
	GoVersion      string `json:"go_version"`        // the bench tool's
	DaemonGo       string `json:"daemon_go_version"` // the escalationd binary's
	DaemonRevision string `json:"daemon_revision"`   // vcs.revision stamped in the binary
	GitRevision    string `json:"git_revision"`      // of the working tree
	GitDirty       bool   `json:"git_dirty"`
	Dovecot        string `json:"dovecot_version"`
	Mailpit        string `json:"mailpit_version"`
	TmpDir         string `json:"tmp_dir"`
	TmpFS          string `json:"tmp_filesystem"`
}

// Raw are the raw limits: what bare clients get from the same servers and
// disk in the same run.
type Raw struct {
	// Idle: APPEND from one session returning → the untagged EXISTS seen
	// by another session in IDLE on the same mailbox.
	Idle *Dist `json:"imap_idle"`
	// Fetch: UID FETCH 1:* BODY.PEEK[] of the backlog mailbox, one session.
	Fetch *RateResult `json:"imap_uid_fetch"`
	// Sender: go-mail over one connection to the same SMTP server.
	Sender *SenderResult `json:"smtp_sender"`
	// SQLite: one small INSERT per committed transaction.
	SQLite *SQLiteResult `json:"sqlite"`
}

// RateResult is Count things in Seconds.
type RateResult struct {
	Count     int     `json:"count"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_s"`
	Bytes     int64   `json:"bytes,omitempty"`
}

// SenderResult is the bare SMTP sender's rate.
type SenderResult struct {
	RateResult
	MessageBytes int `json:"message_bytes"`
	Recipients   int `json:"recipients"`
	// SizeFrom says which mail the size was copied from.
	SizeFrom string `json:"size_from"`
}

// SQLiteResult is SQLite's committed transactions per second.
type SQLiteResult struct {
	RateResult
	Settings string `json:"settings"`
}

// LatencyResult is the latency phase.
type LatencyResult struct {
	Escalations int `json:"escalations"`
	// Lost counts escalations whose routed mail never came.
	Lost int `json:"lost"`
	// Latency: APPEND returning → the routed mail accepted by the SMTP
	// server (seen at the observation point).
	Latency Dist    `json:"latency"`
	Seconds float64 `json:"seconds"`
	PeakRSS float64 `json:"peak_rss_mib"`
}

// BacklogResult is one backlog phase.
type BacklogResult struct {
	Escalations int     `json:"escalations"` // mails in the INBOX at the start, malformed included
	Malformed   int     `json:"malformed"`
	AppendS     float64 `json:"append_s"` // filling the mailbox (before the daemon starts)
	// Seconds: daemon started → the last mail accepted by the SMTP server,
	// or the INBOX seen empty if that was later.
	Seconds              float64        `json:"seconds"`
	FirstMailS           float64        `json:"first_mail_s"`
	InboxEmptyS          float64        `json:"inbox_empty_s"` // polled every 250 ms
	EscalationsPerSecond float64        `json:"escalations_per_s"`
	Mails                int            `json:"mails"` // accepted by Mailpit
	MailsObserved        int            `json:"mails_observed"`
	MailsPerSecond       float64        `json:"mails_per_s"`
	MailsPerEscalation   float64        `json:"mails_per_escalation"`
	MailsByEvent         map[string]int `json:"mails_by_event"`
	RoutedMeanBytes      int            `json:"routed_mean_bytes"`
	Processed            int            `json:"processed_folder"`
	Rejected             int            `json:"rejected_folder"`
	PeakRSS              float64        `json:"peak_rss_mib"`
}

// BigResult is the large-attachment phase.
type BigResult struct {
	AttachmentBytes int     `json:"attachment_bytes"`
	MessageBytes    int     `json:"message_bytes"`
	AppendS         float64 `json:"append_s"`
	RoutedAfterS    float64 `json:"routed_after_s"` // APPEND returning → routed mail accepted
	PeakRSS         float64 `json:"peak_rss_mib"`
}

// Ratio is a gateway figure against its raw limit.
type Ratio struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Value       *float64 `json:"value"` // null when a figure is missing
	Unit        string   `json:"unit"`
	Target      string   `json:"target,omitempty"` // e.g. ">= 0.7"
	Met         *bool    `json:"met,omitempty"`    // null without target or value

	label string // short, for the table
}

// target is a bound on a value.
type target struct {
	op    string // ">=" or "<="
	limit float64
}

func (t target) String() string {
	if t.op == "" {
		return ""
	}
	return fmt.Sprintf("%s %s", t.op, trimFloat(t.limit))
}

// meets reports whether v satisfies t.
func (t target) meets(v float64) bool {
	switch t.op {
	case ">=":
		return v >= t.limit
	case "<=":
		return v <= t.limit
	}
	return false
}

func trimFloat(x float64) string {
	s := fmt.Sprintf("%.3f", x)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// The targets (issue 15).
const (
	targetBacklogVsSender = 0.70  // backlog mails/s ÷ bare sender's msg/s
	targetP50OverIdleMS   = 100.0 // latency p50 − raw IDLE p50
	targetP99OverIdleMS   = 300.0 // latency p99 − raw IDLE p50
	targetBacklogRSSMiB   = 100.0
	targetBigBaseMiB      = 60.0 // + 3 × the attachment size
)

// evaluate computes the ratios and targets from the figures in r and sets
// r.Ratios, r.TargetsMet and r.TargetsMissed. A missing figure (a phase
// not run) gives a null value and no verdict.
func (r *Report) evaluate() {
	var out []Ratio
	add := func(name, label, desc, unit string, v *float64, t target) {
		ra := Ratio{Name: name, Description: desc, Value: v, Unit: unit, Target: t.String(), label: label}
		if v != nil && t.op != "" {
			met := t.meets(*v)
			ra.Met = &met
		}
		out = append(out, ra)
	}
	div := func(a, b float64) *float64 {
		if b == 0 || math.IsNaN(a) {
			return nil
		}
		v := roundSig(a/b, 3)
		return &v
	}
	sub := func(a, b float64) *float64 {
		v := round1(a - b)
		return &v
	}
	none := target{}

	for _, b := range []struct {
		key, label string
		res        *BacklogResult
	}{{"backlog", "backlog", r.Backlog}, {"backlog_malformed", "malformed backlog", r.BacklogMalformed}} {
		if b.res == nil {
			continue
		}
		var vsSender, vsFetch, vsSQLite *float64
		if r.Raw.Sender != nil {
			vsSender = div(b.res.MailsPerSecond, r.Raw.Sender.PerSecond)
		}
		if r.Raw.Fetch != nil {
			vsFetch = div(b.res.EscalationsPerSecond, r.Raw.Fetch.PerSecond)
		}
		if r.Raw.SQLite != nil {
			vsSQLite = div(r.Raw.SQLite.PerSecond, b.res.EscalationsPerSecond)
		}
		add(b.key+"_mails_vs_sender", b.label+" SMTP mails/s ÷ bare sender",
			b.key+": SMTP mails/s ÷ bare go-mail sender msg/s (one connection each)",
			"ratio", vsSender, target{">=", targetBacklogVsSender})
		add(b.key+"_escalations_vs_fetch", b.label+" esc/s ÷ raw UID FETCH",
			b.key+": escalations/s ÷ bare UID FETCH msg/s", "ratio", vsFetch, none)
		add(b.key+"_sqlite_tx_per_escalation", "SQLite tx/s ÷ "+b.label+" esc/s",
			b.key+": SQLite commits/s on this disk ÷ escalations/s (the commit budget each escalation used, at most)",
			"tx", vsSQLite, none)
		rss := b.res.PeakRSS
		add(b.key+"_peak_rss", b.label+" peak RSS", b.key+": daemon peak RSS (VmHWM)", "MiB", &rss, target{"<=", targetBacklogRSSMiB})
	}
	if r.Latency != nil {
		var p50, p99, rel *float64
		if r.Raw.Idle != nil && r.Raw.Idle.Samples > 0 {
			p50 = sub(r.Latency.Latency.P50MS, r.Raw.Idle.P50MS)
			p99 = sub(r.Latency.Latency.P99MS, r.Raw.Idle.P50MS)
			rel = div(r.Latency.Latency.P50MS, r.Raw.Idle.P50MS)
		}
		add("latency_p50_over_idle", "latency p50 − raw IDLE p50",
			"latency p50 − raw IDLE p50 (the baseline: Dovecot's own notification delay)", "ms", p50, target{"<=", targetP50OverIdleMS})
		add("latency_p99_over_idle", "latency p99 − raw IDLE p50", "latency p99 − raw IDLE p50", "ms", p99, target{"<=", targetP99OverIdleMS})
		add("latency_p50_vs_idle", "latency p50 ÷ raw IDLE p50", "latency p50 ÷ raw IDLE p50", "ratio", rel, none)
	}
	if r.BigMail != nil {
		rss := r.BigMail.PeakRSS
		limit := targetBigBaseMiB + 3*float64(r.BigMail.AttachmentBytes)/(1<<20)
		add("big_mail_peak_rss", "big mail peak RSS (60 MiB + 3 × "+sizeString(r.BigMail.AttachmentBytes)+")",
			fmt.Sprintf("%s attachment: daemon peak RSS (target 60 MiB + 3 × the attachment)", sizeString(r.BigMail.AttachmentBytes)),
			"MiB", &rss, target{"<=", round1(limit)})
	}
	r.Ratios = out
	r.TargetsMet, r.TargetsMissed = 0, 0
	for _, ra := range out {
		if ra.Met != nil {
			if *ra.Met {
				r.TargetsMet++
			} else {
				r.TargetsMissed++
			}
		}
	}
}

// sizeString is a byte count as "20 MiB", "512 KiB" or "300 B".
func sizeString(n int) string {
	switch {
	case n >= 1<<20:
		return trimFloat(round1(float64(n)/(1<<20))) + " MiB"
	case n >= 1<<10:
		return trimFloat(round1(float64(n)/(1<<10))) + " KiB"
	}
	return fmt.Sprintf("%d B", n)
}

// PrintTable writes the readable summary of r.
func (r *Report) PrintTable(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "escalationd-bench, %s, %s\n", r.Started.Format("2006-01-02 15:04 MST"), dur(r.ElapsedS))
	dirty := ""
	if m.GitDirty {
		dirty = "+dirty"
	}
	fmt.Fprintf(w, "machine: %s, %d cores, %d MiB, Linux %s, %s, Dovecot %s, Mailpit %s, git %s%s\n",
		m.CPUModel, m.Cores, m.MemTotalMiB, m.Kernel, m.DaemonGo, firstWord(m.Dovecot), m.Mailpit, short(m.GitRevision), dirty)
	if r.Settings.Quick {
		fmt.Fprintln(w, "quick run (-quick): small counts, a smoke test; the figures mean little")
	}
	section := func(title string, rows [][]string) {
		if len(rows) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s\n", title)
		var buf strings.Builder
		tw := tabwriter.NewWriter(&buf, 2, 8, 2, ' ', 0)
		for _, cols := range rows {
			fmt.Fprintln(tw, "  "+strings.Join(cols, "\t"))
		}
		tw.Flush()
		for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}

	var raw [][]string
	if d := r.Raw.Idle; d != nil {
		raw = append(raw, []string{"IMAP IDLE notification", fmt.Sprintf("p50 %s ms", num(d.P50MS)),
			fmt.Sprintf("p99 %s ms, %d samples", num(d.P99MS), d.Samples)})
	}
	if f := r.Raw.Fetch; f != nil {
		raw = append(raw, []string{"IMAP UID FETCH, full bodies", fmt.Sprintf("%s msg/s", num(f.PerSecond)),
			fmt.Sprintf("%d in %s, one session", f.Count, dur(f.Seconds))})
	}
	if s := r.Raw.Sender; s != nil {
		raw = append(raw, []string{"SMTP go-mail sender", fmt.Sprintf("%s msg/s", num(s.PerSecond)),
			fmt.Sprintf("%d × %s, %d rcpt, one connection", s.Count, sizeString(s.MessageBytes), s.Recipients)})
	}
	if s := r.Raw.SQLite; s != nil {
		raw = append(raw, []string{"SQLite commits, 1 INSERT each", fmt.Sprintf("%s tx/s", num(s.PerSecond)), s.Settings})
	}
	section("RAW LIMITS (bare clients, same servers and disk)", raw)

	var gw [][]string
	if l := r.Latency; l != nil {
		d := l.Latency
		lost := ""
		if l.Lost > 0 {
			lost = fmt.Sprintf(", %d LOST", l.Lost)
		}
		gw = append(gw, []string{fmt.Sprintf("latency, %d appends", l.Escalations), fmt.Sprintf("p50 %s ms", num(d.P50MS)),
			fmt.Sprintf("p90 %s, p99 %s, max %s ms%s", num(d.P90MS), num(d.P99MS), num(d.MaxMS), lost)})
	}
	for _, b := range []struct {
		name string
		res  *BacklogResult
	}{{"backlog", r.Backlog}, {"malformed backlog", r.BacklogMalformed}} {
		if b.res == nil {
			continue
		}
		x := b.res
		label := fmt.Sprintf("%s, %d mails", b.name, x.Escalations)
		if x.Malformed > 0 {
			label += fmt.Sprintf(" (%d bad)", x.Malformed)
		}
		gw = append(gw, []string{label, fmt.Sprintf("%s esc/s", num(x.EscalationsPerSecond)),
			fmt.Sprintf("%s SMTP mails/s (%d mails, %s per esc.), %s, peak RSS %s MiB",
				num(x.MailsPerSecond), x.Mails, num(x.MailsPerEscalation), dur(x.Seconds), num(x.PeakRSS))})
	}
	if b := r.BigMail; b != nil {
		gw = append(gw, []string{fmt.Sprintf("one mail, %s attachment", sizeString(b.AttachmentBytes)),
			fmt.Sprintf("routed in %s", dur(b.RoutedAfterS)),
			fmt.Sprintf("%s mail, peak RSS %s MiB", sizeString(b.MessageBytes), num(b.PeakRSS))})
	}
	section("GATEWAY (the escalationd binary)", gw)

	var rs [][]string
	for _, ra := range r.Ratios {
		v := "n/a"
		if ra.Value != nil {
			v = num(*ra.Value)
			if ra.Unit != "ratio" {
				v += " " + ra.Unit
			}
		}
		verdict := ""
		switch {
		case ra.Met == nil && ra.Target != "":
			verdict = "target " + ra.Target + ": no figure"
		case ra.Met == nil:
		case *ra.Met:
			verdict = "target " + ra.Target + ": met"
		default:
			verdict = "target " + ra.Target + ": NOT MET"
		}
		label := ra.label
		if label == "" {
			label = ra.Name
		}
		rs = append(rs, []string{label, v, verdict})
	}
	section("RATIOS AND TARGETS", rs)
	fmt.Fprintf(w, "\ntargets: %d met, %d not met\n", r.TargetsMet, r.TargetsMissed)
}

// eventSummary lists mails by event, most first: "routed 9500, receipt 9500".
func eventSummary(m map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var list []kv
	for k, v := range m {
		list = append(list, kv{k, v})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].v != list[j].v {
			return list[i].v > list[j].v
		}
		return list[i].k < list[j].k
	})
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = fmt.Sprintf("%s %d", e.k, e.v)
	}
	return strings.Join(parts, ", ")
}

// num prints a figure with as many decimals as it deserves.
func num(x float64) string {
	switch a := math.Abs(x); {
	case a >= 100:
		return fmt.Sprintf("%.0f", x)
	case a >= 10:
		return fmt.Sprintf("%.1f", x)
	case a >= 0.1 || a == 0:
		return fmt.Sprintf("%.2f", x)
	}
	return fmt.Sprintf("%.2g", x)
}

func dur(s float64) string {
	if s >= 60 {
		return (time.Duration(s) * time.Second).Round(time.Second).String()
	}
	if s < 1 {
		return fmt.Sprintf("%.0f ms", s*1000)
	}
	return fmt.Sprintf("%.1fs", s)
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// Command escalationd-bench measures the escalationd binary against real
// Dovecot and Mailpit on loopback, next to the raw limits of the same
// servers and disk measured in the same run: latency of single
// escalations, throughput of a backlog (valid, then with malformed mail),
// peak memory, and what bare clients get (IMAP IDLE and UID FETCH, a
// go-mail sender on one connection, SQLite commits). It prints a table and
// writes every figure, the machine and the ratios to their raw limits to a
// JSON file. See docs/performance.md.
//
//	go run ./cmd/escalationd-bench [-quick] [-only latency,backlog] [-out bench.json]
//
// It needs Dovecot and Mailpit installed and root (Dovecot's mail
// processes switch to nobody); .ci/bench installs them and runs it. Missed
// targets do not fail the run: it exits 1 only when it could not measure.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"escalationd/internal/mailtest"
)

// phases in the order they run.
var allPhases = []string{"sqlite", "idle", "latency", "backlog", "sender", "malformed", "big"}

type options struct {
	backlog      int
	latency      int
	malformedPct float64
	bigSize      int
	out          string
	binary       string
	keep         bool
	quick        bool
	only         map[string]bool
	seed         uint64
	idleSamples  int
	sender       int
	sqliteTime   time.Duration
	table        string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "escalationd-bench:", err)
		return 2
	}
	if o.table != "" {
		return printSaved(o.table, stdout, stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := &bench{o: o, log: stderr, began: time.Now()}
	b.rep = &Report{Tool: "escalationd-bench", FormatVersion: formatVersion, Started: b.began}
	runErr := b.run(ctx)
	b.rep.ElapsedS = round1(time.Since(b.began).Seconds())
	if runErr != nil {
		b.rep.Error = runErr.Error()
	}
	b.rep.evaluate()
	if runErr == nil {
		fmt.Fprintln(stdout)
		b.rep.PrintTable(stdout)
	}
	if err := writeJSON(o.out, b.rep); err != nil {
		fmt.Fprintln(stderr, "escalationd-bench:", err)
		return 1
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "escalationd-bench: the run failed: %v\n(what was measured before is in %s)\n", runErr, o.out)
		return 1
	}
	fmt.Fprintf(stdout, "figures: %s\n", o.out)
	return 0
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("escalationd-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.IntVar(&o.backlog, "backlog", 10000, "escalations in the backlog phases")
	fs.IntVar(&o.latency, "latency", 200, "escalations in the latency phase")
	fs.Float64Var(&o.malformedPct, "malformed-pct", 5, "percent of malformed mail in the second backlog")
	big := fs.String("big-size", "20MB", "attachment size of the big mail (B, KB, MB; binary units)")
	fs.StringVar(&o.out, "out", "bench.json", "JSON `FILE` for the figures")
	fs.StringVar(&o.binary, "binary", "", "escalationd binary to measure (default: go build ./cmd/escalationd)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (configs, databases, daemon and server logs)")
	fs.BoolVar(&o.quick, "quick", false, "small counts for a smoke run (backlog 300, latency 20, big 5MB, sender 300, 5 IDLE samples, 0.5s of SQLite)")
	only := fs.String("only", "", "run only these phases, comma-separated: "+strings.Join(allPhases, ","))
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the random mail mix and intervals")
	fs.IntVar(&o.idleSamples, "idle-samples", 20, "raw IDLE latency samples")
	fs.IntVar(&o.sender, "sender", 2000, "messages the bare SMTP sender sends")
	fs.DurationVar(&o.sqliteTime, "sqlite-time", 2*time.Second, "how long the raw SQLite commit loop runs")
	fs.StringVar(&o.table, "table", "", "measure nothing: print the table of the run saved in JSON `FILE`, its ratios and targets evaluated again")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: escalationd-bench [flags]\n\nMeasures the escalationd binary against Dovecot and Mailpit (see docs/performance.md).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick {
		quick := map[string]func(){
			"backlog":      func() { o.backlog = 300 },
			"latency":      func() { o.latency = 20 },
			"big-size":     func() { *big = "5MB" },
			"sender":       func() { o.sender = 300 },
			"idle-samples": func() { o.idleSamples = 5 },
			"sqlite-time":  func() { o.sqliteTime = 500 * time.Millisecond },
		}
		for name, f := range quick {
			if !set[name] {
				f()
			}
		}
	}
	var err error
	if o.bigSize, err = parseSize(*big); err != nil {
		return nil, fmt.Errorf("-big-size: %w", err)
	}
	if o.backlog < 1 || o.latency < 1 || o.sender < 1 || o.idleSamples < 1 || o.bigSize < 1 {
		return nil, errors.New("-backlog, -latency, -sender, -idle-samples and -big-size must be positive")
	}
	if o.malformedPct < 0 || o.malformedPct > 100 {
		return nil, errors.New("-malformed-pct must be between 0 and 100")
	}
	o.only = map[string]bool{}
	if *only == "" {
		for _, p := range allPhases {
			o.only[p] = true
		}
	} else {
		for _, p := range strings.Split(*only, ",") {
			p = strings.TrimSpace(p)
			if !slices.Contains(allPhases, p) {
				return nil, fmt.Errorf("-only: unknown phase %q (phases: %s)", p, strings.Join(allPhases, ","))
			}
			o.only[p] = true
		}
	}
	return o, nil
}

// parseSize reads "20MB", "5MiB", "512KB", "300B" or a plain byte count;
// KB and MB are binary units, as in the daemon's config.
func parseSize(s string) (int, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int
	}{{"MiB", 1 << 20}, {"KiB", 1 << 10}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}}
	mult := 1
	for _, u := range units {
		if strings.HasSuffix(strings.ToUpper(s), strings.ToUpper(u.suffix)) {
			s, mult = strings.TrimSpace(s[:len(s)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid size %q (e.g. 20MB, 512KB)", s)
	}
	return int(n * float64(mult)), nil
}

// printSaved prints the table of an earlier run from its JSON file. The
// ratios and verdicts are computed again from the figures, so a file
// written by an older version shows today's ratios.
func printSaved(path string, stdout, stderr io.Writer) int {
	data, err := os.ReadFile(path)
	var r Report
	if err == nil {
		err = json.Unmarshal(data, &r)
	}
	if err == nil && r.Tool != "escalationd-bench" {
		err = errors.New("not a file written by escalationd-bench")
	}
	if err != nil {
		fmt.Fprintf(stderr, "escalationd-bench: -table %s: %v\n", path, err)
		return 1
	}
	r.evaluate()
	r.PrintTable(stdout)
	if r.Error != "" {
		fmt.Fprintf(stdout, "\nthat run failed: %s\n", r.Error)
	}
	return 0
}

func writeJSON(path string, r *Report) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// bench is one run.
type bench struct {
	o     *options
	log   io.Writer
	began time.Time
	rep   *Report
	rng   *rand.Rand

	repo    string
	tmp     string
	binary  string
	example []byte
	dove    *mailtest.Dovecot
	pit     *mailtest.Mailpit
	obs     *Observer

	// routed mails seen so far (size, recipients), to size the bare
	// sender's messages like them.
	routedBytes, routedRcpts, routedN int
	routedFrom                        string
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.log, "[%6.1fs] %s\n", time.Since(b.began).Seconds(), fmt.Sprintf(format, args...))
}

func (b *bench) run(ctx context.Context) (err error) {
	o := b.o
	b.rng = rand.New(rand.NewPCG(o.seed, o.seed^0x9e3779b97f4a7c15))
	var phases []string
	for _, p := range allPhases {
		if o.only[p] {
			phases = append(phases, p)
		}
	}
	b.rep.Settings = Settings{
		Quick: o.quick, Phases: phases, Seed: o.seed, LatencyN: o.latency, LatencyGapMS: [2]int{100, 700},
		BacklogN: o.backlog, MalformedPct: o.malformedPct, BigBytes: o.bigSize, IdleSamples: o.idleSamples,
		SenderN: o.sender, SQLiteSeconds: o.sqliteTime.Seconds(),
		SMTPObservedAt: "a recording TCP relay in front of Mailpit: a mail counts as accepted when Mailpit's reply to its end of data reaches the relay",
	}
	if b.repo, err = findRepo(); err != nil {
		return err
	}
	if b.example, err = os.ReadFile(filepath.Join(b.repo, "examples", "helpdesk.yaml")); err != nil {
		return err
	}
	if b.tmp, err = os.MkdirTemp("", "escalationd-bench-"); err != nil {
		return err
	}
	defer func() {
		if o.keep || err != nil {
			fmt.Fprintf(b.log, "kept %s (configs, databases, logs)\n", b.tmp)
		} else {
			os.RemoveAll(b.tmp)
		}
	}()
	if b.binary, err = b.buildBinary(ctx); err != nil {
		return err
	}
	b.rep.Settings.Binary = b.binary
	b.rep.Machine = describeMachine(b.repo, b.binary, b.tmp)

	b.progress("starting Dovecot and Mailpit")
	if b.dove, err = mailtest.LaunchDovecot(mailtest.DovecotOptions{}); err != nil {
		return fmt.Errorf("%w\n(sudo .ci/bench installs Dovecot and Mailpit and runs this tool)", err)
	}
	defer func() {
		b.saveLog("dovecot.log", b.dove.Log(), err)
		if cerr := b.dove.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if b.pit, err = mailtest.LaunchMailpit(); err != nil {
		return fmt.Errorf("%w\n(sudo .ci/bench installs Dovecot and Mailpit and runs this tool)", err)
	}
	defer func() {
		b.saveLog("mailpit.log", b.pit.Log(), err)
		if cerr := b.pit.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if b.obs, err = StartObserver(b.pit.SMTPAddr()); err != nil {
		return err
	}
	defer b.obs.Close()
	b.rep.Machine.Dovecot, _ = b.dove.Version()
	b.rep.Machine.Mailpit, _ = b.pit.Version()

	steps := map[string]func(context.Context) error{
		"sqlite": b.phaseSQLite, "idle": b.phaseIdle, "latency": b.phaseLatency, "backlog": b.phaseBacklog,
		"sender": b.phaseSender, "malformed": b.phaseMalformed, "big": b.phaseBig,
	}
	for _, p := range phases {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.progress("== %s", p)
		if err := steps[p](ctx); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

// saveLog writes a server's log into the temporary directory when it is
// kept (-keep, or after a failure).
func (b *bench) saveLog(name, text string, runErr error) {
	if (b.o.keep || runErr != nil) && b.tmp != "" {
		_ = os.WriteFile(filepath.Join(b.tmp, name), []byte(text), 0o644)
	}
}

// findRepo returns the escalationd module's root, from the working
// directory up.
func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.HasPrefix(string(data), "module escalationd\n") {
			return d, nil
		}
		if d == filepath.Dir(d) {
			return "", fmt.Errorf("run from the escalationd repository (it reads examples/helpdesk.yaml); %s is not in it", dir)
		}
	}
}

func (b *bench) buildBinary(ctx context.Context) (string, error) {
	if b.o.binary != "" {
		p, err := filepath.Abs(b.o.binary)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("-binary: %w", err)
		}
		return p, nil
	}
	out := filepath.Join(b.tmp, "escalationd")
	b.progress("building %s", out)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/escalationd")
	cmd.Dir = b.repo
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/escalationd: %w\n%s", err, msg)
	}
	return out, nil
}

// users creates the two Dovecot users of a daemon run (escalations@ and
// security@).
func (b *bench) users(phase string) (esc, sec string, err error) {
	esc, sec = phase+"-esc", phase+"-sec"
	for _, u := range []string{esc, sec} {
		if err := b.dove.SetUser(u, mailtest.DefaultPassword); err != nil {
			return "", "", err
		}
	}
	return esc, sec, nil
}

// startGateway writes a config for the phase and starts the daemon.
func (b *bench) startGateway(phase, esc, sec, maxSize string) (*daemon, error) {
	dir := filepath.Join(b.tmp, phase)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg, err := writeConfig(b.example, gatewayConfig{
		dir: dir, imapPort: b.dove.Port(), escUser: esc, secUser: sec, smtpPort: b.obs.Port(),
		httpPort: httpPort, maxMessageSize: maxSize,
	})
	if err != nil {
		return nil, err
	}
	return startDaemon(b.binary, cfg, filepath.Join(dir, "escalationd.log"), httpPort)
}

func (b *bench) phaseSQLite(ctx context.Context) error {
	r, err := sqliteRate(ctx, b.tmp, b.o.sqliteTime)
	if err != nil {
		return err
	}
	b.rep.Raw.SQLite = &SQLiteResult{RateResult: *r, Settings: sqliteSettings}
	b.progress("SQLite: %.0f committed transactions/s (%s)", r.PerSecond, sqliteSettings)
	return nil
}

func (b *bench) phaseIdle(ctx context.Context) error {
	if err := b.dove.SetUser("raw-idle", mailtest.DefaultPassword); err != nil {
		return err
	}
	samples, err := idleLatency(ctx, b.dove.Addr(), "raw-idle", b.o.idleSamples, b.rng)
	if err != nil {
		return err
	}
	d := Summarize(samples)
	b.rep.Raw.Idle = &d
	b.progress("IDLE: p50 %.0f ms, p99 %.0f ms over %d samples", d.P50MS, d.P99MS, d.Samples)
	return nil
}

// noteRouted remembers the size and recipients of routed mails, to size
// the bare sender's messages like them.
func (b *bench) noteRouted(mails []Accepted, from string) {
	bytes, rcpts, n := 0, 0, 0
	for _, m := range mails {
		if m.Event == "routed" {
			bytes += m.Bytes
			rcpts += m.Recipients
			n++
		}
	}
	if n > 0 && n >= b.routedN {
		b.routedBytes, b.routedRcpts, b.routedN, b.routedFrom = bytes/n, (rcpts+n/2)/n, n, from
	}
}

func (b *bench) phaseLatency(ctx context.Context) error {
	esc, sec, err := b.users("latency")
	if err != nil {
		return err
	}
	d, err := b.startGateway("latency", esc, sec, "")
	if err != nil {
		return err
	}
	defer d.kill()
	if err := d.waitReady(ctx, 60*time.Second); err != nil {
		return err
	}
	// Let the daemon settle into IDLE after its first pass.
	time.Sleep(time.Second)
	b.obs.Reset()
	s, err := dialIMAP(b.dove.Addr(), esc, nil)
	if err != nil {
		return err
	}
	defer s.close()
	appended := map[string]time.Time{}
	urgencies := []string{"Critical", "High", "High", "Medium", "Medium"} // Low waits for the daily digest
	start := time.Now()
	for i := range b.o.latency {
		gap := time.Duration(100+b.rng.IntN(601)) * time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(gap):
		}
		if err := d.failed(); err != nil {
			return err
		}
		ticket := fmt.Sprintf("LAT-%05d", i+1)
		m := genericMail(b.rng, ticket, pick(b.rng, urgencies), time.Now())
		if err := s.appendMail("INBOX", m.raw); err != nil {
			return fmt.Errorf("append: %w", err)
		}
		appended[ticket] = time.Now()
		if (i+1)%50 == 0 {
			b.progress("latency: %d/%d appended", i+1, b.o.latency)
		}
	}
	// Wait for the stragglers.
	routed := func() map[string]time.Time {
		got := map[string]time.Time{}
		for _, m := range b.obs.Mails() {
			if _, ok := appended[m.Ticket]; ok && m.Event == "routed" {
				if _, seen := got[m.Ticket]; !seen {
					got[m.Ticket] = m.At
				}
			}
		}
		return got
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(routed()) < len(appended) && time.Now().Before(deadline) {
		if err := d.failed(); err != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	got := routed()
	var lat []time.Duration
	for t, at := range got {
		lat = append(lat, at.Sub(appended[t]))
	}
	elapsed := time.Since(start)
	b.noteRouted(b.obs.Mails(), "the latency phase")
	res := &LatencyResult{Escalations: len(appended), Lost: len(appended) - len(got), Latency: Summarize(lat),
		Seconds: round1(elapsed.Seconds()), PeakRSS: d.PeakRSS()}
	if err := d.stop(); err != nil {
		return err
	}
	b.rep.Latency = res
	b.progress("latency: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms; %d lost", res.Latency.P50MS, res.Latency.P90MS,
		res.Latency.P99MS, res.Latency.MaxMS, res.Lost)
	if res.Lost > 0 {
		b.progress("latency: WARNING: %d escalations were not routed within 60s", res.Lost)
	}
	return b.pit.Clear()
}

func (b *bench) phaseBacklog(ctx context.Context) error {
	res, err := b.backlog(ctx, "backlog", "BKL", 0, b.o.only["backlog"])
	if err != nil {
		return err
	}
	b.rep.Backlog = res
	return nil
}

func (b *bench) phaseMalformed(ctx context.Context) error {
	res, err := b.backlog(ctx, "malformed", "BKM", b.o.malformedPct, false)
	if err != nil {
		return err
	}
	b.rep.BacklogMalformed = res
	return nil
}

// backlog fills a fresh mailbox with n mails (pct% malformed), optionally
// measures the raw UID FETCH rate on it, then starts a daemon and measures
// until every mail has left the INBOX and the last mail it caused was
// accepted.
func (b *bench) backlog(ctx context.Context, phase, prefix string, pct float64, fetch bool) (*BacklogResult, error) {
	n := b.o.backlog
	esc, sec, err := b.users(phase)
	if err != nil {
		return nil, err
	}
	mails := backlogMails(b.rng, prefix, n, pct, time.Now())
	raws := make([][]byte, len(mails))
	kinds := map[string]int{}
	malformed := 0
	for i, m := range mails {
		raws[i] = m.raw
		kinds[m.kind]++
		if m.malformed {
			malformed++
		}
	}
	b.progress("%s: appending %d mails (%s)", phase, n, eventSummary(kinds))
	t0 := time.Now()
	if _, err := b.dove.AppendAll(esc, "INBOX", raws); err != nil {
		return nil, err
	}
	appendS := time.Since(t0)
	b.progress("%s: appended in %.1fs (%.0f/s)", phase, appendS.Seconds(), float64(n)/appendS.Seconds())
	if fetch {
		r, err := fetchRate(b.dove.Addr(), esc)
		if err != nil {
			return nil, err
		}
		b.rep.Raw.Fetch = r
		b.progress("UID FETCH: %d full bodies in %.2fs, %.0f msg/s", r.Count, r.Seconds, r.PerSecond)
	}
	if err := b.pit.Clear(); err != nil {
		return nil, err
	}
	b.obs.Reset()

	obs, err := dialIMAP(b.dove.Addr(), esc, nil)
	if err != nil {
		return nil, err
	}
	defer obs.close()
	d, err := b.startGateway(phase, esc, sec, "")
	if err != nil {
		return nil, err
	}
	defer d.kill()
	b.progress("%s: daemon started", phase)

	timeout := 10*time.Minute + time.Duration(n)*200*time.Millisecond
	deadline := d.start.Add(timeout)
	var inboxEmpty time.Time
	lastReport := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if err := d.failed(); err != nil {
			return nil, err
		}
		left, err := obs.count("INBOX")
		if err != nil {
			return nil, err
		}
		now := time.Now()
		if left == 0 && inboxEmpty.IsZero() {
			inboxEmpty = now
		}
		sent, last, _ := b.obs.Count()
		if time.Since(lastReport) >= 5*time.Second {
			lastReport = now
			done := n - left
			b.progress("%s: %d/%d out of the INBOX, %d mails sent, %.1f esc/s so far", phase, done, n, sent,
				float64(done)/now.Sub(d.start).Seconds())
		}
		if now.After(deadline) {
			return nil, fmt.Errorf("not done after %s: %d mails still in the INBOX, %d mails sent", timeout, left, sent)
		}
		// Done: the INBOX is empty, nothing stored is waiting to be
		// handled and nothing is queued (the gauges are database counts:
		// a mail leaves the outbox once the server accepted it).
		if left > 0 || now.Sub(last) < 500*time.Millisecond {
			continue
		}
		m, err := d.metrics("escalationd_outbox_pending", "escalationd_messages_pending")
		if err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
		if sumMetric(m, "escalationd_outbox_pending") == 0 && sumMetric(m, "escalationd_messages_pending", `state="new"`) == 0 {
			break
		}
	}
	peak := d.PeakRSS()
	accepted := b.obs.Mails()
	if len(accepted) == 0 {
		return nil, errors.New("the daemon sent no mail")
	}
	end := accepted[len(accepted)-1].At
	if inboxEmpty.After(end) {
		end = inboxEmpty
	}
	elapsed := end.Sub(d.start)
	res := &BacklogResult{
		Escalations: n, Malformed: malformed, AppendS: round1(appendS.Seconds()),
		Seconds: round1(elapsed.Seconds()), FirstMailS: round1(accepted[0].At.Sub(d.start).Seconds()),
		InboxEmptyS: round1(inboxEmpty.Sub(d.start).Seconds()), EscalationsPerSecond: rate(n, elapsed),
		MailsObserved: len(accepted), MailsByEvent: map[string]int{}, PeakRSS: peak,
	}
	routedBytes, routedN := 0, 0
	for _, a := range accepted {
		res.MailsByEvent[a.Event]++
		if a.Event == "routed" {
			routedBytes += a.Bytes
			routedN++
		}
	}
	if routedN > 0 {
		res.RoutedMeanBytes = routedBytes / routedN
	}
	if res.Mails, err = b.pit.Total(); err != nil {
		return nil, err
	}
	res.MailsPerSecond = rate(res.Mails, elapsed)
	res.MailsPerEscalation = round3(float64(res.Mails) / float64(n))
	if res.Processed, err = obs.count("Processed"); err != nil {
		return nil, err
	}
	if res.Rejected, err = obs.count("Rejected"); err != nil {
		return nil, err
	}
	if err := d.stop(); err != nil {
		return nil, err
	}
	b.noteRouted(accepted, "the "+phase+" phase")
	b.progress("%s: %d mails in %.1fs: %.1f esc/s, %d SMTP mails (%s) at %.1f/s; Processed %d, Rejected %d; peak RSS %.1f MiB",
		phase, n, elapsed.Seconds(), res.EscalationsPerSecond, res.Mails, eventSummary(res.MailsByEvent), res.MailsPerSecond,
		res.Processed, res.Rejected, peak)
	if res.Processed+res.Rejected != n {
		b.progress("%s: WARNING: Processed + Rejected = %d, not %d", phase, res.Processed+res.Rejected, n)
	}
	if res.Mails != res.MailsObserved {
		b.progress("%s: WARNING: Mailpit holds %d mails, the relay saw %d accepted", phase, res.Mails, res.MailsObserved)
	}
	return res, b.pit.Clear()
}

func (b *bench) phaseSender(ctx context.Context) error {
	size, rcpts, from := b.routedBytes, b.routedRcpts, b.routedFrom
	if b.routedN == 0 {
		size, rcpts, from = 4096, 1, "no routed mail in this run: a 4 KiB default"
	} else {
		from = fmt.Sprintf("the mean of %d routed mails in %s", b.routedN, from)
	}
	rcpts = max(rcpts, 1)
	if err := b.pit.Clear(); err != nil {
		return err
	}
	b.obs.Reset()
	r, err := senderRate(ctx, "127.0.0.1", b.obs.Port(), b.o.sender, size, rcpts)
	if err != nil {
		return err
	}
	b.rep.Raw.Sender = &SenderResult{RateResult: *r, MessageBytes: size, Recipients: rcpts, SizeFrom: from}
	b.progress("bare sender: %d × %d bytes to %d recipients in %.2fs: %.0f msg/s", r.Count, size, rcpts, r.Seconds, r.PerSecond)
	if got := len(b.obs.Mails()); got != r.Count {
		return fmt.Errorf("the relay saw %d mails accepted, the sender sent %d", got, r.Count)
	}
	return b.pit.Clear()
}

func (b *bench) phaseBig(ctx context.Context) error {
	esc, sec, err := b.users("big")
	if err != nil {
		return err
	}
	m := bigMail(b.rng, "BIG-00001", b.o.bigSize, time.Now())
	// Above the mail's size (base64 adds a third), in whole MiB.
	maxSize := fmt.Sprintf("%dMB", len(m.raw)/(1<<20)+2)
	d, err := b.startGateway("big", esc, sec, maxSize)
	if err != nil {
		return err
	}
	defer d.kill()
	if err := d.waitReady(ctx, 60*time.Second); err != nil {
		return err
	}
	b.obs.Reset()
	s, err := dialIMAP(b.dove.Addr(), esc, nil)
	if err != nil {
		return err
	}
	defer s.close()
	t0 := time.Now()
	if err := s.appendMail("INBOX", m.raw); err != nil {
		return fmt.Errorf("append: %w", err)
	}
	appended := time.Now()
	var routedAt time.Time
	deadline := appended.Add(5 * time.Minute)
	for routedAt.IsZero() {
		if err := d.failed(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the %s mail was not routed within 5 minutes; the daemon's log:\n%s", sizeString(len(m.raw)), tail(d.logPath, 20))
		}
		for _, a := range b.obs.Mails() {
			if a.Ticket == m.ticket && a.Event == "routed" {
				routedAt = a.At
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The receipt and the move out of the INBOX follow: the peak is read
	// once the mail is handled completely (or after 30 s).
	for settle := time.Now().Add(30 * time.Second); time.Now().Before(settle); time.Sleep(100 * time.Millisecond) {
		left, err := s.count("INBOX")
		if err != nil {
			return err
		}
		receipt := slices.ContainsFunc(b.obs.Mails(), func(a Accepted) bool { return a.Ticket == m.ticket && a.Event == "receipt" })
		if left == 0 && receipt {
			break
		}
	}
	res := &BigResult{AttachmentBytes: b.o.bigSize, MessageBytes: len(m.raw), AppendS: round1(appended.Sub(t0).Seconds()),
		RoutedAfterS: round1(routedAt.Sub(appended).Seconds()), PeakRSS: d.PeakRSS()}
	if err := d.stop(); err != nil {
		return err
	}
	b.rep.BigMail = res
	b.progress("big mail (%s attachment, %s mail): routed %.1fs after the APPEND; peak RSS %.1f MiB", sizeString(res.AttachmentBytes),
		sizeString(res.MessageBytes), res.RoutedAfterS, res.PeakRSS)
	return b.pit.Clear()
}

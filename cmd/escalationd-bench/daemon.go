package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"escalationd/internal/mailtest"
)

// gatewayConfig is what a daemon run's config points at.
type gatewayConfig struct {
	dir              string // config, database, password file and log
	imapPort         int
	escUser, secUser string
	smtpPort         int
	httpPort         int
	maxMessageSize   string // "" keeps the default (25MB)
}

// writeConfig writes dir/escalationd.yaml: the shipped helpdesk policy
// (examples/helpdesk.yaml from senders: on, without reviews, as the
// end-to-end tests use it) with the gateway part pointed at the
// benchmark's servers. poll_interval is the example's 30s: new mail is
// noticed through IDLE. The HTTP listener is on (loopback) for /metrics.
func writeConfig(example []byte, c gatewayConfig) (string, error) {
	i := bytes.Index(example, []byte("\nsenders:"))
	if i < 0 {
		return "", errors.New("examples/helpdesk.yaml has no top-level senders: section to splice after")
	}
	policy := mailtest.WithoutTopLevel(string(example[i:]), "reviews")
	limits := ""
	if c.maxMessageSize != "" {
		limits = "limits:\n  max_message_size: " + c.maxMessageSize + "\n"
	}
	head := fmt.Sprintf(`database: %[1]s/escalationd.db
gateway:
  domain: craudiovizai.com
  shutdown_timeout: 10s
mailboxes:
  - name: escalations
    address: escalations@craudiovizai.com
    host: 127.0.0.1
    port: %[2]d
    tls: none
    username: %[3]s
    password_file: imap.pass
    poll_interval: 30s
  - name: security
    address: security@craudiovizai.com
    kind: security
    host: 127.0.0.1
    port: %[2]d
    tls: none
    username: %[4]s
    password_file: imap.pass
    poll_interval: 30s
smtp:
  host: 127.0.0.1
  port: %[5]d
  tls: none
  from: "Escalation Desk <escalations@craudiovizai.com>"
http:
  listen: 127.0.0.1:%[6]d
%[7]s`, c.dir, c.imapPort, c.escUser, c.secUser, c.smtpPort, c.httpPort, limits)
	doc := head + policy + "\n"
	// The example's outbox retries start at 30s: a hiccup would distort
	// the figures more than it shows anything.
	doc = strings.Replace(doc, "retry_initial: 30s", "retry_initial: 1s", 1)
	if err := os.WriteFile(filepath.Join(c.dir, "imap.pass"), []byte(mailtest.DefaultPassword+"\n"), 0o600); err != nil {
		return "", err
	}
	path := filepath.Join(c.dir, "escalationd.yaml")
	return path, os.WriteFile(path, []byte(doc), 0o600)
}

// daemon is the escalationd binary running as a child process.
type daemon struct {
	cmd      *exec.Cmd
	start    time.Time
	logPath  string
	httpPort int
	done     chan struct{}
	err      error // valid once done is closed

	mu      sync.Mutex
	peakKiB int64 // VmHWM, as last sampled
}

// startDaemon runs `binary run --config cfg`, its output to logPath, and
// samples its peak RSS every 100 ms.
func startDaemon(binary, cfg, logPath string, httpPort int) (*daemon, error) {
	out, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	d := &daemon{logPath: logPath, httpPort: httpPort, done: make(chan struct{})}
	d.cmd = exec.Command(binary, "run", "--config", cfg)
	d.cmd.Stdout, d.cmd.Stderr = out, out
	// Not under systemd: no journal prefixes, no sd_notify.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JOURNAL_STREAM=") && !strings.HasPrefix(kv, "NOTIFY_SOCKET=") {
			d.cmd.Env = append(d.cmd.Env, kv)
		}
	}
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	d.start = time.Now()
	go func() {
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			d.sampleRSS()
			select {
			case <-d.done:
				return
			case <-t.C:
			}
		}
	}()
	return d, nil
}

func (d *daemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// sampleRSS reads VmHWM (the peak resident set since the process started).
func (d *daemon) sampleRSS() {
	kib, err := vmHWM(d.cmd.Process.Pid)
	if err != nil {
		return
	}
	d.mu.Lock()
	d.peakKiB = max(d.peakKiB, kib)
	d.mu.Unlock()
}

// PeakRSS is the daemon's peak RSS so far in MiB.
func (d *daemon) PeakRSS() float64 {
	if !d.exited() {
		d.sampleRSS()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return round1(float64(d.peakKiB) / 1024)
}

// vmHWM reads VmHWM from /proc/PID/status, in KiB.
func vmHWM(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM in /proc/PID/status")
}

// failed returns an error when the daemon has exited.
func (d *daemon) failed() error {
	if !d.exited() {
		return nil
	}
	return fmt.Errorf("escalationd exited (%v); its log:\n%s", d.err, tail(d.logPath, 30))
}

// stop sends SIGTERM and waits for a clean exit.
func (d *daemon) stop() error {
	if d.exited() {
		return d.failed()
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
		return fmt.Errorf("escalationd did not stop within 30s of SIGTERM; killed. Its log:\n%s", tail(d.logPath, 30))
	}
	if d.err != nil {
		return fmt.Errorf("escalationd exited with %v at SIGTERM; its log:\n%s", d.err, tail(d.logPath, 30))
	}
	return nil
}

// kill ends the daemon at once (on the way out after an error).
func (d *daemon) kill() {
	if !d.exited() {
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// waitReady waits until /readyz answers 200: every mailbox logged in and
// through its first pass, so the daemon idles in IDLE.
func (d *daemon) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", d.httpPort)
	var last string
	for {
		if err := d.failed(); err != nil {
			return err
		}
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("escalationd not ready after %s (%s); its log:\n%s", timeout, last, tail(d.logPath, 30))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// metrics reads the daemon's /metrics and returns the value of each series
// (name with labels, as written) that starts with one of prefixes.
func (d *daemon) metrics(prefixes ...string) (map[string]float64, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", d.httpPort))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return parseMetrics(resp.Body, prefixes...)
}

// parseMetrics reads Prometheus text format: "name{labels} value" lines.
func parseMetrics(r io.Reader, prefixes ...string) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		match := len(prefixes) == 0
		for _, p := range prefixes {
			match = match || strings.HasPrefix(line, p)
		}
		if !match {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out, sc.Err()
}

// sumMetric adds the values of every series of a metric whose labels
// contain all of the given label pairs (`state="new"`).
func sumMetric(m map[string]float64, name string, labels ...string) float64 {
	var sum float64
	for k, v := range m {
		base, lbl, _ := strings.Cut(k, "{")
		if base != name {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(lbl, l)
		}
		if ok {
			sum += v
		}
	}
	return sum
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

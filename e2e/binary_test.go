package e2e

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"escalationd/internal/mailtest"
)

// proc is the real escalationd binary running as a child process: what
// crash, signal and secrets tests need (SIGKILL, SIGTERM, SIGHUP, the log
// as an operator sees it).
type proc struct {
	t     testing.TB
	cmd   *exec.Cmd
	out   *mailtest.SyncBuffer
	start time.Time
	// work counts log lines that record progress (a message stored or
	// handled, a mail sent); workCh is told of each.
	work   atomic.Int64
	workCh chan struct{}
	done   chan struct{}
	err    error // valid once done is closed
	killed bool
}

// workMarks are the log messages that record progress.
var workMarks = []string{`msg="message stored"`, `msg="message handled"`, `msg="mail sent"`}

// startProc runs `escalationd run --config cfg` plus args, with env added
// to the environment. The process is killed when the test ends, if it
// still runs.
func startProc(t testing.TB, cfg string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, out: &mailtest.SyncBuffer{}, workCh: make(chan struct{}, 1), done: make(chan struct{})}
	p.cmd = exec.Command(binary, append([]string{"run", "--config", cfg}, args...)...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.start = time.Now()
	w.Close()
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		p.scan(r)
	}()
	go func() {
		err := p.cmd.Wait()
		<-scanned // the log is complete once the pipe is drained
		p.err = err
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) scan(r io.ReadCloser) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		_, _ = p.out.Write([]byte(line + "\n"))
		for _, m := range workMarks {
			if strings.Contains(line, m) {
				p.work.Add(1)
				select {
				case p.workCh <- struct{}{}:
				default:
				}
				break
			}
		}
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// log returns everything the process printed so far.
func (p *proc) log() string { return p.out.String() }

// signal sends sig.
func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil && !p.exited() {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	p.t.Helper()
	p.killed = true
	p.signal(syscall.SIGKILL)
	<-p.done
}

// wait waits for the process to exit and returns its exit error; ok is
// false when it did not exit within timeout.
func (p *proc) wait(timeout time.Duration) (err error, ok bool) {
	select {
	case <-p.done:
		return p.err, true
	case <-time.After(timeout):
		return nil, false
	}
}

// waitLog waits until the log contains s.
func (p *proc) waitLog(s string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.log(), s) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// waitFor polls cond every 50 ms until it holds; it fails the test with
// what after timeout.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) time.Duration {
	t.Helper()
	return waitEvery(t, what, timeout, 50*time.Millisecond, cond)
}

// waitEvery is waitFor polling every interval (for conditions that cost
// the machine something to check, such as doveadm on a big mailbox).
func waitEvery(t testing.TB, what string, timeout, interval time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(interval)
	}
	return time.Since(start)
}

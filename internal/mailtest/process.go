package mailtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Timeouts of the process harnesses; generous because CI machines are slow.
const (
	readyTimeout = 15 * time.Second
	stopTimeout  = 10 * time.Second
	logTailLines = 40
)

// process is one external server: its output goes to a file, it runs in its
// own process group (so stray children can be killed) and it gets SIGTERM
// when the test binary dies before stopping it.
type process struct {
	name    string
	cmd     *exec.Cmd
	done    chan struct{} // closed once the process has exited and been reaped
	waitErr error         // valid after done is closed
}

func startProcess(name, outPath, path string, args ...string) (*process, error) {
	out, err := os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer out.Close() // the child has its own descriptor
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig and waits for the process to exit, killing its whole
// process group if it takes longer than stopTimeout. Whatever is left of
// the group afterwards is killed too, so nothing outlives the stop.
func (p *process) stop(sig syscall.Signal) error {
	pgid := p.cmd.Process.Pid
	if !p.exited() {
		_ = p.cmd.Process.Signal(sig)
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.done
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			return fmt.Errorf("%s did not stop within %s of %v; killed", p.name, stopTimeout, sig)
		}
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return nil
}

// waitReady polls check until it succeeds, the process exits or the
// deadline passes. The interval starts at 2 ms and doubles up to 100 ms.
func waitReady(p *process, timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	delay := 2 * time.Millisecond
	for {
		if p.exited() {
			return fmt.Errorf("%s exited before it was ready: %v", p.name, p.waitErr)
		}
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %w", p.name, timeout, err)
		}
		select {
		case <-p.done:
		case <-time.After(delay):
		}
		delay = min(2*delay, 100*time.Millisecond)
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago. The
// caller must cope with losing the race for it (see isAddrInUse).
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// errPortTaken marks a start that lost the race for its port to another
// process; the caller may retry (with a new port, or later).
var errPortTaken = errors.New("port already in use")

// logMark remembers how long log files were, to look only at what a
// start attempt wrote.
type logMark map[string]int64

func markLogs(paths ...string) logMark {
	m := logMark{}
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			m[p] = fi.Size()
		} else {
			m[p] = 0
		}
	}
	return m
}

// portTaken reports whether the logs, since the mark, say that the server
// could not bind its port.
func (m logMark) portTaken() bool {
	for p, off := range m {
		data, err := os.ReadFile(p)
		if err != nil || int64(len(data)) < off {
			continue
		}
		if strings.Contains(strings.ToLower(string(data[off:])), "address already in use") {
			return true
		}
	}
	return false
}

// makeServerDir creates a fresh directory that other users can traverse:
// Dovecot's unprivileged processes must reach files inside it. t.TempDir is
// no good here because it and its parent are 0700.
func makeServerDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			os.RemoveAll(dir)
			return "", err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			os.RemoveAll(dir)
			return "", fmt.Errorf("%s is not traversable by other users (mode %v): point TMPDIR at a directory such as /tmp", p, fi.Mode().Perm())
		}
		if p == filepath.Dir(p) {
			return dir, nil
		}
	}
}

// readLogs returns the named files, each under a heading; with n > 0 only
// the last n lines of each.
func readLogs(n int, paths ...string) string {
	var b strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) || len(data) == 0 {
			continue
		}
		text := strings.TrimRight(string(data), "\n")
		if lines := strings.Split(text, "\n"); n > 0 && len(lines) > n {
			text = strings.Join(lines[len(lines)-n:], "\n")
		}
		fmt.Fprintf(&b, "==> %s <==\n%s\n", filepath.Base(p), text)
	}
	return b.String()
}

package mailtest

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// poll calls cond until it returns true or timeout passes; it reports
// whether cond became true. Used by the WaitFor helpers.
func poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	delay := time.Millisecond
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(delay)
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// SyncBuffer is a concurrency-safe log buffer: server goroutines (and the
// daemon under test) outlive tests, so they must not log through t.
type SyncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// checkGreeting dials addr and reads the server's first line, which must start
// with prefix ("* OK" for IMAP, "220" for SMTP).
func checkGreeting(addr, prefix string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read greeting: %w", err)
	}
	if !strings.HasPrefix(line, prefix) {
		return fmt.Errorf("unexpected greeting %q", line)
	}
	return nil
}

// WithoutTopLevel drops a top-level key and its indented block from YAML:
// the e2e tests and the benchmark run the shipped policy without, say, its
// reviews.
func WithoutTopLevel(doc, key string) string {
	var out []string
	skip := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, key+":") {
			skip = true
			continue
		}
		if skip && (line == "" || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "#")) {
			continue
		}
		skip = false
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

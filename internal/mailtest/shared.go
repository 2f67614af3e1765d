package mailtest

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// The package's shared Dovecot, started by the first SharedDovecot call.
var shared struct {
	mu      sync.Mutex
	dovecot *Dovecot
	err     error // a failed start is not retried: every caller fails alike
}

// SharedDovecot returns a Dovecot shared by all tests of the package,
// starting it on first use; stopping Dovecot takes seconds, so a package
// pays that once instead of per test. Each test should take its own user
// from NewUser. Stop and Restart are refused on the shared instance. The
// package's TestMain must call StopShared after m.Run (see the package doc);
// if it does not, Dovecot still gets SIGTERM when the test binary exits, but
// its directory under $TMPDIR is left behind.
func SharedDovecot(t testing.TB) *Dovecot {
	t.Helper()
	requireDovecot(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.dovecot == nil && shared.err == nil {
		shared.dovecot, shared.err = newDovecot(DovecotOptions{})
		if shared.dovecot != nil {
			shared.dovecot.shared = true
		}
	}
	if shared.err != nil {
		t.Fatalf("shared dovecot: %v", shared.err)
	}
	return shared.dovecot
}

// StopShared stops the shared servers and deletes their files. Call it from
// TestMain after m.Run; it does nothing when none was started.
func StopShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.dovecot != nil {
		if err := shared.dovecot.shutdown(); err != nil {
			fmt.Fprintln(os.Stderr, "mailtest: stop shared dovecot:", err)
		}
		shared.dovecot = nil
	}
}

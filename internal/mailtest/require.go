package mailtest

import (
	"os"
	"testing"
)

// Install commands named in skip and failure messages.
const (
	InstallDovecot = "apt-get install dovecot-imapd"
	InstallMailpit = "go install github.com/axllent/mailpit@v1.33.1"
)

// Require skips the test when a server it needs is not available, saying how
// to install it (install is a command or instruction). When the environment variable CI is "true" it fails the test
// instead: in CI a missing server is a broken machine, not a reason to pass.
func Require(t testing.TB, what string, available bool, install string) {
	t.Helper()
	if available {
		return
	}
	if inCI() {
		t.Fatalf("%s: not available (CI=true turns this skip into a failure); to fix: %s", what, install)
	}
	t.Skipf("%s: not available; to fix: %s (with CI=true this fails instead)", what, install)
}

func inCI() bool { return os.Getenv("CI") == "true" }

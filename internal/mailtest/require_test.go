package mailtest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// fakeTB records how Require ended a test instead of ending the real one.
type fakeTB struct {
	testing.TB
	outcome, msg string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Skipf(format string, args ...any) {
	f.outcome, f.msg = "skip", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.outcome, f.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// runRequire calls Require in its own goroutine, as a test would be.
func runRequire(available bool) *fakeTB {
	f := &fakeTB{outcome: "pass"}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Require(f, "Frobd", available, "apt-get install frobd")
	}()
	<-done
	return f
}

func TestRequire(t *testing.T) {
	for _, tc := range []struct {
		ci        string
		available bool
		want      string
	}{
		{"", true, "pass"},
		{"true", true, "pass"},
		{"", false, "skip"},
		{"false", false, "skip"},
		{"true", false, "fatal"},
	} {
		t.Setenv("CI", tc.ci)
		f := runRequire(tc.available)
		if f.outcome != tc.want {
			t.Errorf("CI=%q available=%v: %s, want %s", tc.ci, tc.available, f.outcome, tc.want)
		}
		if f.outcome != "pass" && !strings.Contains(f.msg, "apt-get install frobd") {
			t.Errorf("CI=%q: message %q does not say how to install", tc.ci, f.msg)
		}
	}
}

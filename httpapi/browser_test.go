package httpapi_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"escalationd/internal/mailtest"
)

// chromiumPath finds Debian's chromium (or another Chrome on PATH).
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// artifactDir is $ARTIFACTS (which .ci/run sets and prints) or the test's
// temporary directory.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// The dashboard in headless Chromium on a phone-sized screen: it shows the
// open case and who is on call, the countdown runs (two reads a little
// over a second apart differ), and a screenshot is kept.
func TestDashboardInChromium(t *testing.T) {
	exe := chromiumPath()
	mailtest.Require(t, "chromium", exe != "", "apt-get install chromium")
	e := newEnv(t, "")
	e.deliver(mailtest.EscalationOpts{Ticket: "TICKET-77", Urgency: "Critical"})
	names := e.sched.Names()
	if len(names) == 0 {
		t.Fatal("the example has no rotations")
	}
	shift, err := e.sched.OnCall(names[0], e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(e.srv.Handler())
	defer ts.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("headless", true), chromedp.WindowSize(412, 915))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#cases"))); err != nil {
		t.Fatalf("chromium: load the dashboard: %v", err)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("chromium: read %s: %v", sel, err)
		}
		return s
	}
	cases, oncall := text("#cases"), text("#oncall")
	first := text("[data-deadline]")
	time.Sleep(1200 * time.Millisecond)
	second := text("[data-deadline]")
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("chromium: screenshot: %v", err)
	}
	if !strings.Contains(cases, "TICKET-77") || !strings.Contains(cases, "critical") {
		t.Errorf("cases table does not show TICKET-77 critical:\n%s", cases)
	}
	if !strings.Contains(oncall, shift.Name) {
		t.Errorf("on-call table does not show %s:\n%s", shift.Name, oncall)
	}
	if first == "" || first == second {
		t.Errorf("countdown did not change: %q then %q", first, second)
	}
	path := filepath.Join(artifactDir(t), "dashboard.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (countdown %q → %q)", path, first, second)
}

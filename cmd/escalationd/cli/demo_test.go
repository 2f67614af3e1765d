package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// The README's first command: the demo runs the real daemon against its
// built-in servers and reports every sample's fate.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := Demo(context.Background(), &out, DemoOptions{Timeout: 60 * time.Second}); err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"TCK-1001 [critical] Payment processing down",
		"incident: incidents@craudiovizai.com",
		"TCK-1002 [high] Export tool completely broken",
		"to:      senior-support@craudiovizai.com",
		"TCK-1004 [high]", "to:      legal@craudiovizai.com", "[confidential]",
		"[high] Stored XSS in profile page", "to:      security-team@craudiovizai.com",
		`rejected "ESCALATION: [TCK-1006]" from eve.agent@craudiovizai.com (missing-fields)`,
		"urgency: Urgency must be one of Low, Medium, High, Critical",
		"ignored  from frank.agent@craudiovizai.com: auto-reply",
		"The SMTP sink received 11 mails",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out.String())
	}
}

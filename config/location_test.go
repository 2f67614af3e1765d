package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gateway.timezone is the zone of every time in the gateway's mail; by
// default the first team with hours', else UTC; a bad name is reported at
// its line.
func TestGatewayTimezone(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"escalations.pass", "security.pass", "smtp.pass"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile("../examples/helpdesk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.ReplaceAll(string(raw), "/etc/escalationd/", dir+"/")
	// Without gateway.timezone (the first one of the file).
	c, err := Parse([]byte(strings.Replace(doc, "  timezone: America/New_York\n", "", 1)), "helpdesk.yaml", Options{Env: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Location().String(); got != "America/New_York" {
		t.Errorf("default zone %q, want the first team with hours' (America/New_York)", got)
	}
	if !c.Gateway.Timezone.IsZero() {
		t.Fatalf("gateway.timezone = %s, want it unset", c.Gateway.Timezone)
	}
	c.Gateway.Timezone, _ = ParseZone("Europe/Berlin")
	if got := c.Location().String(); got != "Europe/Berlin" {
		t.Errorf("zone %q, want gateway.timezone", got)
	}
	if got := (&Config{}).Location().String(); got != "UTC" {
		t.Errorf("zone without teams %q, want UTC", got)
	}
	bad := strings.Replace(doc, "timezone: America/New_York\n", "timezone: Mars/Olympus\n", 1)
	if _, err := Parse([]byte(bad), "helpdesk.yaml", Options{Env: env(nil)}); err == nil || !strings.Contains(err.Error(), "Mars/Olympus") {
		t.Errorf("a bad gateway.timezone: %v", err)
	}
}

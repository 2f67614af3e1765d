package cli

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	out, err := runArgs(t, "", "version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "escalationd ") || !strings.Contains(out, "go:") || !strings.Contains(out, runtime.Version()) {
		t.Fatalf("version:\n%s", out)
	}
	out, err = runArgs(t, "", "version", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, k := range []string{"version", "go", "platform", "modified"} {
		if _, ok := v[k]; !ok {
			t.Errorf("version --json lacks %q: %s", k, out)
		}
	}
	if _, err := runArgs(t, "", "version", "extra"); err == nil {
		t.Error("version extra: no error")
	}
}

// Each fact the build recorded shows in the text and the log attributes.
func TestVersionInfoText(t *testing.T) {
	v := VersionInfo{Version: "v1.2.3", Revision: "abc123", CommitTime: "2026-12-01T10:00:00Z", Modified: true,
		BuildTime: "2026-12-02T01:00:00Z", Go: "go1.26.0", Platform: "linux/amd64"}
	var b strings.Builder
	v.WriteText(&b)
	want := "escalationd v1.2.3\n  revision:    abc123\n  commit time: 2026-12-01T10:00:00Z\n  modified:    true\n" +
		"  built:       2026-12-02T01:00:00Z\n  go:          go1.26.0\n  platform:    linux/amd64\n"
	if b.String() != want {
		t.Fatalf("text:\n%s\nwant:\n%s", b.String(), want)
	}
	attrs := v.LogAttrs()
	if len(attrs) != 12 || attrs[0] != "version" || attrs[1] != "v1.2.3" || attrs[5] != "abc123" {
		t.Fatalf("attrs = %v", attrs)
	}
}

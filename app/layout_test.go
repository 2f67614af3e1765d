package app

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImportLadder keeps the package layout honest (docs/ARCHITECTURE.md):
// imports point down the ladder only, pure packages do no I/O, and test
// helpers never reach production code (the benchmark tool, which runs the
// daemon's binary, may use them).
func TestImportLadder(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", "escalationd/...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	type pkg struct {
		ImportPath string
		Imports    []string
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	project := func(imports []string) []string {
		var out []string
		for _, i := range imports {
			if strings.HasPrefix(i, "escalationd/") {
				out = append(out, strings.TrimPrefix(i, "escalationd/"))
			}
		}
		return out
	}
	// What each package may import from the project.
	allowed := map[string][]string{
		"config":            {},
		"store":             {},
		"internal/clock":    {},
		"internal/retry":    {},
		"internal/systemd":  {},
		"internal/oauth":    {"internal/clock"},
		"examples":          {},
		"mailparse":         {},
		"templates":         {},
		"metrics":           {"store"},
		"sla":               {"config"},
		"router":            {"config", "sla"},
		"outbound":          {"config", "internal/clock", "internal/oauth", "internal/retry", "store"},
		"inbound":           {"config", "internal/clock", "internal/oauth", "internal/retry", "store"},
		"engine":            {"config", "internal/clock", "internal/retry", "mailparse", "metrics", "outbound", "router", "sla", "store", "templates"},
		"internal/mailtest": {},
		"httpapi":           {"internal/clock", "sla", "store"},
	}
	// The wiring and the command line, which alone may import it.
	allowed["app"] = []string{"config", "engine", "httpapi", "inbound", "internal/clock", "internal/oauth", "internal/systemd", "outbound", "router", "sla", "store", "templates"}
	allowed["cmd/escalationd/cli"] = []string{"app", "config", "engine", "examples", "internal/clock", "mailparse", "metrics", "outbound", "router", "store", "templates"}
	allowed["cmd/escalationd"] = []string{"app", "cmd/escalationd/cli"}
	// The benchmark tool runs the daemon's binary, never its packages; it
	// alone outside tests starts the test servers.
	allowed["cmd/escalationd-bench"] = []string{"internal/mailtest"}
	importsApp := []string{"cmd/escalationd", "cmd/escalationd/cli"}
	importsMailtest := []string{"cmd/escalationd-bench"}
	// The vocabulary is a leaf that every package may import.
	for name := range allowed {
		allowed[name] = append(allowed[name], "vocab")
	}
	allowed["vocab"] = nil
	// Pure packages: no network, database or process I/O.
	pure := []string{"mailparse", "router", "sla", "vocab"}
	ioPkgs := []string{"net", "net/http", "database/sql", "os/exec", "github.com/mattn/go-sqlite3"}
	seen := 0
	for _, p := range pkgs {
		name := strings.TrimPrefix(p.ImportPath, "escalationd/")
		for _, imp := range project(p.Imports) {
			if imp == "internal/mailtest" && !slices.Contains(importsMailtest, name) {
				t.Errorf("%s imports internal/mailtest outside its tests (only %v may)", name, importsMailtest)
			}
			if imp == "app" && !slices.Contains(importsApp, name) {
				t.Errorf("%s imports app: only %v may", name, importsApp)
			}
		}
		want, ok := allowed[name]
		if !ok {
			continue
		}
		seen++
		for _, imp := range project(p.Imports) {
			if !slices.Contains(want, imp) {
				t.Errorf("%s imports %s, which is not below it on the ladder (allowed: %v)", name, imp, want)
			}
		}
		if slices.Contains(pure, name) {
			for _, imp := range p.Imports {
				if slices.Contains(ioPkgs, imp) {
					t.Errorf("pure package %s imports %s", name, imp)
				}
			}
		}
	}
	if seen != len(allowed) {
		t.Errorf("checked %d of %d packages: a package was renamed or removed", seen, len(allowed))
	}
}

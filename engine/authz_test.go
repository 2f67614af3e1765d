package engine

import (
	"os"
	"strings"
	"testing"
)

// docs/authorization.md shows the table the code enforces: it is
// generated from it, between the markers.
func TestAuthorizationDoc(t *testing.T) {
	const path = "../docs/authorization.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- table: generated from engine/authz.go -->\n", "<!-- end of table -->"
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no generated table between %q and %q", path, begin, end)
	}
	if got, want := doc[i+len(begin):j], AuthorizationTable(); got != want {
		if os.Getenv("UPDATE_DOCS") != "" {
			if err := os.WriteFile(path, []byte(doc[:i+len(begin)]+want+doc[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s's table differs from the code (UPDATE_DOCS=1 go test ./engine -run AuthorizationDoc rewrites it):\n%s", path, want)
	}
}

package config

import (
	"errors"
	"strings"
	"testing"
)

// Problems places the errors another package found in a section at the
// lines of their keys.
func TestProblemsPlacesFieldErrors(t *testing.T) {
	doc := `database: /tmp/x.db
rotations:
  - name: eng
    overrides:
      - start: "2026-12-24 18:00"
        person: Cy
`
	cfg, err := decode([]byte(doc), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	found := errors.Join(
		FieldErrorf("", "rotation %q has no people", "eng"),
		FieldErrorf("overrides[0].person", "unknown person %q", "Cy"),
		&FieldError{Path: "overrides[0]", Err: errors.Join(FieldErrorf("end", "missing end"), errors.New("plain"))},
	)
	var got []string
	for _, p := range cfg.Problems("rotations[0]", found) {
		got = append(got, p.Error())
	}
	want := []string{
		`p.yaml:3: rotations[0]: rotation "eng" has no people`,
		`p.yaml:6: rotations[0].overrides[0].person: unknown person "Cy"`,
		`p.yaml:5: rotations[0].overrides[0].end: missing end`,
		`p.yaml:5: rotations[0].overrides[0]: plain`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if cfg.Problems("x", nil) != nil {
		t.Error("no error, yet problems")
	}
	for _, tt := range [][3]string{{"a", "b", "a.b"}, {"a", "[1]", "a[1]"}, {"a", "", "a"}, {"", "b", "b"}} {
		if got := JoinPath(tt[0], tt[1]); got != tt[2] {
			t.Errorf("JoinPath(%q, %q) = %q", tt[0], tt[1], got)
		}
	}
}

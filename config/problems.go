package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A FieldError is a problem found by the package that compiles a section of
// the config (router.Compile, sla.NewRotation, sla.NewHours): those
// packages hold the rules that need more than one value, and name the key
// at fault by its path relative to the section they were given
// ("overrides[1].person"; "" for the section itself). Config.Problems turns
// it into a problem at the key's file and line.
type FieldError struct {
	Path string
	Err  error
}

// FieldErrorf returns a *FieldError at path.
func FieldErrorf(path, format string, args ...any) error {
	return &FieldError{Path: path, Err: fmt.Errorf(format, args...)}
}

func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

func (e *FieldError) Unwrap() error { return e.Err }

// Problems places err, found in the section at path (such as
// "rotations[0]"), in the file: every FieldError in it (errors.Join lists
// included) becomes a Problem at path + its own path; any other error is
// reported at path itself.
func (c *Config) Problems(path string, err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, c.Problems(path, e)...)
		}
		return out
	}
	var fe *FieldError
	if errors.As(err, &fe) && fe == err {
		return c.Problems(JoinPath(path, fe.Path), fe.Err)
	}
	return []error{c.Problem(path, "%v", err)}
}

// JoinPath appends a relative key path to a section's path:
// "rotations[0]" + "overrides[1]" is "rotations[0].overrides[1]".
func JoinPath(section, rel string) string {
	switch {
	case rel == "":
		return section
	case section == "", strings.HasPrefix(rel, "["):
		return section + rel
	}
	return section + "." + rel
}

// SortProblems orders problems by the line they name (file order), keeping
// the order of problems on the same line and putting those without a line
// first. Whoever gathers the problems of several packages into one report
// (check-config) calls it so the report reads top to bottom.
func (c *Config) SortProblems(problems []error) {
	line := func(err error) int {
		rest, ok := strings.CutPrefix(err.Error(), c.where()+":")
		if !ok {
			return 0
		}
		n, _, _ := strings.Cut(rest, ":")
		l, _ := strconv.Atoi(n)
		return l
	}
	slices.SortStableFunc(problems, func(a, b error) int { return line(a) - line(b) })
}

package cli

import (
	"errors"
	"escalationd/config"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// NewFlagSet returns a flag set for a command whose help and errors go to
// w; ParseArgs turns its errors into usage errors.
func NewFlagSet(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}

// ParseArgs parses flags wherever they stand among the arguments
// (route FILE --config F as well as route --config F FILE) and returns the
// other arguments in order. After "--" everything is an argument. -h
// returns flag.ErrHelp; any other error is a *UsageError.
func ParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &UsageError{Msg: err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// NoArgs refuses arguments for a command that takes none.
func NoArgs(cmd string, args []string) error {
	if len(args) > 0 {
		return strayArgs(cmd+" takes no arguments", args)
	}
	return nil
}

// oneArg returns the single argument of a command that takes exactly one;
// what names it in the message.
func oneArg(cmd, what string, args []string) (string, error) {
	switch len(args) {
	case 1:
		return args[0], nil
	case 0:
		return "", &UsageError{Msg: fmt.Sprintf("%s takes one %s", cmd, what)}
	}
	return "", strayArgs(fmt.Sprintf("%s takes one %s", cmd, what), args[1:])
}

func strayArgs(rule string, stray []string) error {
	q := make([]string, len(stray))
	for i, a := range stray {
		q[i] = fmt.Sprintf("%q", a)
	}
	return &UsageError{Msg: fmt.Sprintf("%s; unexpected %s", rule, strings.Join(q, " "))}
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ", ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func parseTime(s string) (time.Time, error) {
	return parseTimeAt(s, time.Time{})
}

// parseTimeAt reads an RFC 3339 time, a date (YYYY-MM-DD, UTC midnight), or,
// when now is set, a span back from now: "7d", "30d", "12h".
func parseTimeAt(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if !now.IsZero() {
		if d, err := config.ParseDuration(s); err == nil && d > 0 {
			return now.Add(-d), nil
		}
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &UsageError{Msg: fmt.Sprintf("invalid time %q: use RFC 3339 (2026-11-29T03:00:00-05:00), a date (2026-11-29) or a span back from now (7d)", s)}
	}
	return t, nil
}

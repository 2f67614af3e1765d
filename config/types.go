package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as "30s", "15m", "4h" or "1d12h".
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML accepts Go duration syntax plus a "d" (24h) unit.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeError(n, "expected a duration such as 30s, 15m or 4h")
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return typeError(n, err.Error())
	}
	*d = Duration(v)
	return nil
}

// typeError is how a value's own parse error joins the decoder's list, so
// one bad value does not hide the problems after it. The column lets the
// loader name the key path of the value (several can share a line).
func typeError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: column %d: %s", n.Line, n.Column, msg)}}
}

// MarshalYAML writes the Go syntax back.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// maxDays keeps a day count inside time.Duration's range (about 292 years).
const maxDays = 100 * 365

// ParseDuration is time.ParseDuration with a leading whole-day unit "Nd".
// Negative durations are refused, written in days or not: no setting means
// "before now".
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	orig := s
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		switch {
		case err != nil && strings.HasPrefix(s, "-"), err == nil && n < 0:
			return 0, fmt.Errorf("invalid duration %q: negative", orig)
		case err != nil:
			return 0, fmt.Errorf("invalid duration %q", orig)
		case n > maxDays:
			return 0, fmt.Errorf("invalid duration %q: more than %d days", orig, maxDays)
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (use e.g. 30s, 15m, 4h, 1d)", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("invalid duration %q: negative", orig)
	}
	if days+v < days {
		return 0, fmt.Errorf("invalid duration %q: too long", orig)
	}
	return days + v, nil
}

// ByteSize is a size written as 25MB, 64KiB, 1048576.
type ByteSize int64

// UnmarshalYAML accepts a plain number of bytes or a number with a unit
// (B, KB, MB, GB; KiB, MiB, GiB). KB and KiB both mean 1024: mail systems
// speak in binary units.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeError(n, "expected a size such as 25MB")
	}
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return typeError(n, err.Error())
	}
	*b = ByteSize(v)
	return nil
}

// ParseByteSize parses "25MB", "64KiB" or "1048576".
func ParseByteSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := len(s)
	for i > 0 && (s[i-1] < '0' || s[i-1] > '9') {
		i--
	}
	num, unit := strings.TrimSpace(s[:i]), strings.ToUpper(strings.TrimSpace(s[i:]))
	n, err := strconv.ParseInt(num, 10, 64)
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(num, "-") {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid size %q (use e.g. 25MB, 64KB or a byte count)", s)
	}
	mult := map[string]int64{"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10,
		"M": 1 << 20, "MB": 1 << 20, "MIB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q", s, unit)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return n * mult, nil
}

// Secret is a password. It never prints: String, GoString, slog and YAML
// output all show a redaction marker, so a secret cannot reach a log line by
// accident. Reveal returns the value for the one place that needs it.
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String redacts.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString redacts %#v too.
func (s Secret) GoString() string { return s.String() }

// LogValue redacts in slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalYAML redacts when the effective config is printed.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalJSON redacts too.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.String())), nil }

package mailparse

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanLine makes a value safe for an outbound header: invalid UTF-8 is
// replaced, every control character (CR, LF, TAB, NUL, DEL, C1) and the
// Unicode line and paragraph separators become a space, runs of spaces
// collapse, and the ends are trimmed. Values from mail (including RFC 2047
// words that decode to CR/LF) pass through it before they reach a Result
// field that may end up in a header.
func cleanLine(s string) string {
	if isCleanLine(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if isControl(r) || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isCleanLine reports whether cleanLine would return s unchanged.
func isCleanLine(s string) bool {
	if !utf8.ValidString(s) || s == "" {
		return s == ""
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for _, r := range s {
		if isControl(r) || (unicode.IsSpace(r) && r != ' ') {
			return false
		}
		if r == ' ' && prevSpace {
			return false
		}
		prevSpace = r == ' '
	}
	return true
}

func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u2028' || r == '\u2029' ||
		r == '\ufeff' || r == '\u200b'
}

// cleanText normalises decoded body text: CRLF and lone CR become LF,
// invalid UTF-8 is replaced, tabs and no-break spaces become spaces and other
// control characters are dropped. Line structure is kept.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\r':
			b.WriteByte('\n')
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t' || r == '\u00a0' || r == '\u2007' || r == '\u202f':
			b.WriteByte(' ')
		case r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case isControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// quoteValue renders a value from mail for an error or warning message:
// cleaned, shortened to 60 characters and quoted.
func quoteValue(s string) string {
	s = cleanLine(s)
	if utf8.RuneCountInString(s) > 60 {
		r := []rune(s)
		s = string(r[:57]) + "..."
	}
	return `"` + strings.ReplaceAll(s, `"`, `'`) + `"`
}

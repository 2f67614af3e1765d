package outbound

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on what Compose writes. RFC 5322 2.1.1: a line is at most 998
// bytes before its CRLF. The other limits keep every header line well
// inside that after go-mail folds the field at its spaces.
const (
	maxLine = 998
	// maxSubject is where a subject is cut (on a rune boundary, with "…").
	maxSubject = 200
	// maxHeaderValue bounds any other header value, in bytes.
	maxHeaderValue = 900
	// maxHeaderName bounds a header field name.
	maxHeaderName = 76
	// maxMsgID is the longest Message-ID written (RFC 5536 3.1.3 caps
	// netnews ids at 250 octets; nothing sane is longer). A longer id is
	// dropped from References and In-Reply-To.
	maxMsgID = 250
	// maxReferences bounds the References field, name included, so that it
	// fits on one line even unfolded.
	maxReferences = maxLine
	// maxAddress is the longest address written (RFC 5321 4.5.3.1.3: a
	// path is at most 256 octets with its angle brackets).
	maxAddress = 254
)

// truncate cuts s to at most n bytes on a rune boundary, ending it with
// "…" when anything was cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	n -= len(ellipsis)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimRight(s[:n], " ") + ellipsis
}

// references returns the References ids worth writing: ids over maxMsgID
// are dropped, and while the field would exceed maxReferences the oldest
// ids after the first are dropped (RFC 5537 3.4.4 trims the same way), so
// the thread's root and the parent are kept.
func references(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = cleanID(id); id != "" && len(id) <= maxMsgID {
			out = append(out, id)
		}
	}
	size := func() int {
		n := len("References:")
		for _, id := range out {
			n += len(" <>") + len(id)
		}
		return n
	}
	for len(out) > 2 && size() > maxReferences {
		out = append(out[:1], out[2:]...)
	}
	return out
}

// crlf returns b with every line ending (CRLF, a bare CR or a bare LF)
// written as CRLF.
func crlf(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/32)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '\r':
			out = append(out, '\r', '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}

// errUnsafeBytes is wrapped by checkBytes' errors.
var errUnsafeBytes = errors.New("unsafe message bytes")

// checkBytes is Compose's last word: the bytes go into the outbox and onto
// an SMTP session unchanged, so a bare CR or LF (which some servers take
// as a line end, letting text after ".\r" end DATA), a NUL, or a line over
// 998 bytes is refused rather than sent.
func checkBytes(b []byte) error {
	line := 1
	start := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\r':
			if i+1 >= len(b) || b[i+1] != '\n' {
				return fmt.Errorf("%w: bare CR on line %d", errUnsafeBytes, line)
			}
		case '\n':
			if i == 0 || b[i-1] != '\r' {
				return fmt.Errorf("%w: bare LF on line %d", errUnsafeBytes, line)
			}
			if n := i - 1 - start; n > maxLine {
				return fmt.Errorf("%w: line %d is %d bytes, over %d", errUnsafeBytes, line, n, maxLine)
			}
			line++
			start = i + 1
		case 0:
			return fmt.Errorf("%w: NUL on line %d", errUnsafeBytes, line)
		}
	}
	if n := len(b) - start; n > maxLine {
		return fmt.Errorf("%w: line %d is %d bytes, over %d", errUnsafeBytes, line, n, maxLine)
	}
	return nil
}

// sendableOnceCRLF reports whether data can travel as an identity-encoded
// MIME body once its line endings are CRLF, without making that copy: no NUL and
// no line over 998 bytes, a line ending at CRLF, a bare CR or a bare LF.
func sendableOnceCRLF(data []byte) bool {
	n := 0
	for _, c := range data {
		switch c {
		case 0:
			return false
		case '\r', '\n':
			n = 0
		default:
			if n++; n > maxLine {
				return false
			}
		}
	}
	return true
}

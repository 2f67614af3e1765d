package mailparse

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"escalationd/vocab"

	"golang.org/x/net/idna"
)

// unwrap strips markdown emphasis, backticks and surrounding spaces.
func unwrap(s string) string {
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "*_`"))
}

// parseTicket reads a ticket ID as agents write it: "[TCK-1234]",
// "#48213", "TCK-1234", "SUP-2026-0042", "TCK-1234 (reopened)". A value in
// brackets is the text inside them; otherwise the first word. A leading "#"
// and trailing ".,;:" are stripped. The result must be 1 to 64 of
// [A-Za-z0-9._-] and contain a digit; ok is false otherwise (the cleaned
// candidate is still returned for the error message).
func parseTicket(raw string) (id string, ok bool) {
	s := unwrap(raw)
	if strings.HasPrefix(s, "[") {
		if j := strings.IndexByte(s, ']'); j > 0 {
			s = s[1:j]
		} else {
			s = s[1:]
		}
	} else if f := strings.Fields(s); len(f) > 0 {
		s = f[0]
	}
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "#")
	s = strings.TrimRight(s, ".,;:")
	return s, validTicket(s)
}

func validTicket(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	digit := false
	for _, c := range []byte(s) {
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return digit
}

// parseLevel reads an urgency or severity: Low, Medium (Med), High or
// Critical in any case, optionally in brackets and followed by other words
// or punctuation ("Critical - payment processing down", "HIGH!!"); P1-P4
// and Sev1-Sev4 (also "Sev 1", "SEV-1") mean critical, high, medium, low.
func parseLevel(raw string) (vocab.Urgency, bool) {
	s := strings.ToLower(unwrap(raw))
	s = strings.TrimLeft(s, "[( ")
	end := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	word := s
	if end >= 0 {
		word = s[:end]
	}
	if word == "sev" {
		rest := strings.TrimLeft(s[3:], " -")
		if rest != "" && rest[0] >= '1' && rest[0] <= '4' {
			word = "sev" + rest[:1]
		}
	}
	l, ok := vocab.ParseUrgency(word)
	return l, ok
}

// parseUsers reads a number of users from free text: "~250", "1,200",
// "about 40 users", "250+", "3 accounts (~1,200 users)", "2k". When several
// numbers appear, the one followed by "user" wins, else the first. Text
// without a number ("all", "unknown") gives nil.
func parseUsers(raw string) *int {
	s := strings.ToLower(raw)
	var first *int
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' || (i > 0 && isWordByte(s[i-1])) {
			i++
			continue
		}
		j := i
		digits := make([]byte, 0, 12)
		for j < len(s) {
			c := s[j]
			if c >= '0' && c <= '9' {
				digits = append(digits, c)
				j++
			} else if c == ',' && isDigits(s, j+1, 3) {
				j++
			} else {
				break
			}
		}
		i = j
		if len(digits) > 9 {
			continue
		}
		n, err := strconv.Atoi(string(digits))
		if err != nil {
			continue
		}
		if j < len(s) && s[j] == 'k' && (j+1 == len(s) || !isWordByte(s[j+1])) {
			n *= 1000
			j++
		}
		after := strings.TrimLeft(s[j:], " +")
		if strings.HasPrefix(after, "user") {
			return &n
		}
		if first == nil {
			v := n
			first = &v
		}
	}
	return first
}

func isDigits(s string, from, n int) bool {
	if from+n > len(s) {
		return false
	}
	for i := from; i < from+n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return from+n == len(s) || s[from+n] < '0' || s[from+n] > '9'
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// parseIssueType reads the management Issue Type (vocab.ParseIssueType): case,
// brackets, "-"/"_" for spaces and trailing explanations after " - ", "(",
// ",", ":" or ";" are tolerated.
func parseIssueType(raw string) (vocab.IssueType, bool) {
	s := strings.ToLower(unwrap(raw))
	s = strings.Trim(s, "[]. ")
	try := func(v string) (vocab.IssueType, bool) {
		v = strings.NewReplacer("_", " ", "-", " ").Replace(v)
		v = strings.Join(strings.Fields(strings.Trim(v, "[]().!,;: ")), " ")
		return vocab.ParseIssueType(v)
	}
	if t, ok := try(s); ok {
		return t, true
	}
	if i := strings.IndexAny(s, "(,:;"); i > 0 {
		if t, ok := try(s[:i]); ok {
			return t, true
		}
	}
	for _, sep := range []string{" - ", " – ", " — ", " / "} {
		if i := strings.Index(s, sep); i > 0 {
			if t, ok := try(s[:i]); ok {
				return t, true
			}
		}
	}
	return "", false
}

// parseCustomer finds the customer's address in a value: "a@b.example",
// "Alice <a@b.example>", "[a@b.example]", "a@b.example<mailto:a@b.example>".
// The address is lowercased. When there is no address, name is the cleaned
// value (the management template allows a name); bad says the value holds
// something written as an address that is not a valid one (a host name
// with "%", an encoded control character, no dot): it is never a name.
func parseCustomer(raw string) (addr, name string, bad bool) {
	s := unwrap(raw)
	if a, err := mail.ParseAddress(s); err == nil && validAddress(a.Address) {
		return strings.ToLower(a.Address), "", false
	}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`<>[]()"',;`, r)
	}) {
		w = strings.TrimPrefix(strings.TrimPrefix(w, "mailto:"), "MAILTO:")
		w = strings.TrimRight(w, ".:!?")
		if validAddress(w) && !bad {
			return strings.ToLower(w), "", false
		}
		if strings.Contains(w, "@") {
			bad = true // the first address written decides
		}
	}
	return "", cleanLine(strings.Trim(s, "[]")), bad || hasControl(s)
}

// validAddress accepts a bare addr-spec whose domain is a valid host name.
func validAddress(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n<>%") || hasControl(s) {
		return false
	}
	if !validHost(s[at+1:]) {
		return false
	}
	a, err := mail.ParseAddress("<" + s + ">")
	return err == nil && a.Address == s
}

// validHost accepts a host name: labels of letters, digits and hyphens
// (no leading or trailing hyphen, 1 to 63 characters) separated by dots,
// at least two of them, the last not all digits; a name in another
// script must convert to one (IDNA), and an xn-- label must decode.
func validHost(h string) bool {
	if h == "" || strings.ContainsAny(h, "%\\") || hasControl(h) || !utf8.ValidString(h) {
		return false
	}
	ascii, err := idna.Lookup.ToASCII(h)
	if err != nil || len(ascii) > 253 {
		return false
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// hasControl reports a control character, or one written as a %XX
// escape (%0A, %00) that would decode to one.
func hasControl(s string) bool {
	for i, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return true
		}
		if r == '%' && i+2 < len(s) {
			if b, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil && (b < 0x20 || b == 0x7f) {
				return true
			}
		}
	}
	return false
}

// parseSteps splits "Steps to Reproduce" into steps: numbered ("1.", "1)",
// "Step 1:") or bulleted lines start a step and other lines continue it;
// without any numbering or bullets every line is a step.
func parseSteps(v string) []string {
	var steps []string
	marked := false
	lines := strings.Split(v, "\n")
	for _, l := range lines {
		if _, ok := stepText(l); ok {
			marked = true
			break
		}
	}
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if s, ok := stepText(t); ok || !marked || len(steps) == 0 {
			if ok {
				t = s
			}
			steps = append(steps, t)
			continue
		}
		steps[len(steps)-1] += " " + t
	}
	out := steps[:0]
	for _, s := range steps {
		if s = strings.TrimSpace(s); s != "" && !isPlaceholder(s) {
			out = append(out, s)
		}
	}
	return out
}

// stepText strips a step marker: "1.", "1)", "(1)", "Step 1:", "#1", or a
// bullet.
func stepText(l string) (string, bool) {
	t := strings.TrimSpace(l)
	if b := stripBullet(t); b != t {
		return b, true
	}
	if hasPrefixFold(t, "step ") {
		t = strings.TrimSpace(t[5:])
	}
	t = strings.TrimPrefix(t, "(")
	t = strings.TrimPrefix(t, "#")
	i := 0
	for i < len(t) && i < 3 && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 || i == len(t) {
		return l, false
	}
	switch t[i] {
	case '.', ')', ':', '-':
		if i+1 == len(t) || t[i+1] == ' ' {
			return strings.TrimSpace(t[i+1:]), true
		}
	}
	return l, false
}

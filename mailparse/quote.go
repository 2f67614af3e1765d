package mailparse

import (
	"strings"
)

// sections splits a mail's text into the newest part and the older mail
// below it.
type sections struct {
	newest string // text above the first quote, forward or signature, without ">" lines
	older  string // the quoted or forwarded mail, unquoted, its header block removed
	// forward is true when older was forwarded (a forward marker, or an
	// Outlook header block in a mail whose subject has a forward prefix).
	forward    bool
	oldSubject string // "Subject:" of the forwarded header block
	// original is true when older follows an "Original Message" marker or
	// a header block (it is a whole older mail, not ">" lines).
	original bool
}

// splitNewest finds where the newest part of a mail ends: at a signature
// separator ("-- "), a mobile signature ("Sent from my iPhone"), an Outlook
// "-----Original Message-----" line or "From:/Sent:" header block, a
// forward marker ("---------- Forwarded message ---------", "Begin
// forwarded message:") or an attribution line ("On ... wrote:") that is not
// followed by ">" lines. Lines quoted with ">" are left out of the newest
// part wherever they are (interleaved replies); an attribution followed by
// ">" lines is dropped with them.
func splitNewest(text string) sections {
	var sec sections
	lines := strings.Split(text, "\n")
	var newest, quoted []string
	cut := len(lines)
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " \r")
		t := strings.TrimSpace(l)
		switch {
		case l == "--" || lines[i] == "-- " || isMobileSignature(t):
			cut = i
		case isForwardMarker(t):
			cut, sec.forward, sec.original = i, true, true
		case isOriginalMarker(t) || isHeaderBlock(lines, i):
			cut, sec.original = i, true
		default:
			if n := attribution(lines, i); n > 0 {
				if nextQuoted(lines, i+n) {
					i += n - 1
					continue
				}
				cut, sec.original = i, true
				break
			}
			if strings.HasPrefix(t, ">") {
				quoted = append(quoted, unquote(l))
				continue
			}
			newest = append(newest, l)
			continue
		}
		break
	}
	sec.newest = trimBlock(newest)
	if cut < len(lines) && !sec.original {
		// After a signature there may still be an older mail.
		for i := cut + 1; i < len(lines); i++ {
			t := strings.TrimSpace(lines[i])
			if isForwardMarker(t) {
				cut, sec.forward, sec.original = i, true, true
				break
			}
			if isOriginalMarker(t) || isHeaderBlock(lines, i) || attribution(lines, i) > 0 {
				cut, sec.original = i, true
				break
			}
		}
	}
	if sec.original {
		rest := lines[cut:]
		if isForwardMarker(strings.TrimSpace(rest[0])) || isOriginalMarker(strings.TrimSpace(rest[0])) ||
			attribution(rest, 0) > 0 {
			rest = rest[max(1, attribution(rest, 0)):]
		}
		rest, sec.oldSubject = skipHeaderBlock(rest)
		for i, l := range rest {
			rest[i] = unquoteAll(l)
		}
		sec.older = trimBlock(rest)
	} else if len(quoted) > 0 {
		sec.older = trimBlock(quoted)
	}
	return sec
}

// trimBlock joins lines, dropping leading and trailing blank lines and
// trailing separator lines ("____", "----").
func trimBlock(lines []string) string {
	for len(lines) > 0 {
		t := strings.TrimSpace(lines[len(lines)-1])
		if t == "" || strings.Trim(t, "_-=*") == "" {
			lines = lines[:len(lines)-1]
			continue
		}
		break
	}
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	return strings.Join(lines, "\n")
}

func unquote(l string) string {
	t := strings.TrimLeft(l, " ")
	t = strings.TrimPrefix(t, ">")
	return strings.TrimPrefix(t, " ")
}

func unquoteAll(l string) string {
	t := strings.TrimLeft(l, " ")
	if !strings.HasPrefix(t, ">") {
		return l
	}
	for strings.HasPrefix(t, ">") {
		t = strings.TrimPrefix(strings.TrimPrefix(t, ">"), " ")
	}
	return t
}

func isMobileSignature(t string) bool {
	if len(t) > 60 {
		return false
	}
	l := strings.ToLower(t)
	for _, p := range []string{"sent from my ", "get outlook for ", "sent from outlook for ",
		"sent from mail for windows", "sent from yahoo mail", "sent with proton mail",
		"von meinem iphone gesendet", "envoyé de mon iphone"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

func isForwardMarker(t string) bool {
	l := strings.ToLower(t)
	if strings.HasPrefix(l, "begin forwarded message") {
		return true
	}
	if !strings.HasPrefix(l, "--") && !strings.HasPrefix(l, "__") {
		return false
	}
	for _, m := range []string{"forwarded message", "weitergeleitete nachricht", "message transféré"} {
		if strings.Contains(l, m) {
			return true
		}
	}
	return false
}

func isOriginalMarker(t string) bool {
	l := strings.ToLower(t)
	if !strings.HasPrefix(l, "--") {
		return false
	}
	for _, m := range []string{"original message", "ursprüngliche nachricht", "message d'origine",
		"oorspronkelijk bericht", "mensaje original"} {
		if strings.Contains(l, m) {
			return true
		}
	}
	return false
}

// headerLabel returns the lower-case name of a "Name: value" line of a
// quoted header block (bold markers allowed), or "".
func headerLabel(l string) string {
	t := strings.TrimLeft(strings.TrimSpace(l), "*_")
	i := strings.IndexByte(t, ':')
	if i <= 0 || i > 12 {
		return ""
	}
	return strings.ToLower(strings.TrimRight(t[:i], "*_ "))
}

var fromLabels = map[string]bool{"from": true, "von": true, "de": true, "van": true}
var sentLabels = map[string]bool{"sent": true, "date": true, "gesendet": true, "datum": true, "envoyé": true, "verzonden": true, "enviado": true}
var blockLabels = map[string]bool{"to": true, "cc": true, "subject": true, "an": true, "betreff": true,
	"objet": true, "à": true, "aan": true, "onderwerp": true, "asunto": true, "para": true,
	"reply-to": true, "importance": true, "bcc": true}

// isHeaderBlock reports whether line i starts an Outlook-style header block
// of a quoted or forwarded mail: "From:" followed within five lines by
// "Sent:" (or "Date:") and "To:" or "Subject:".
func isHeaderBlock(lines []string, i int) bool {
	if !fromLabels[headerLabel(lines[i])] {
		return false
	}
	sent, other := false, false
	for j := i + 1; j < len(lines) && j <= i+5; j++ {
		switch lb := headerLabel(lines[j]); {
		case sentLabels[lb]:
			sent = true
		case blockLabels[lb]:
			other = true
		}
	}
	return sent && other
}

// skipHeaderBlock drops a leading header block (From:, Sent:, To:,
// Subject: ... lines, and blank lines before it) and returns its Subject.
func skipHeaderBlock(lines []string) ([]string, string) {
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i >= len(lines) {
		return nil, ""
	}
	lb := headerLabel(unquoteAll(lines[i]))
	if !fromLabels[lb] && !sentLabels[lb] && !blockLabels[lb] {
		return lines[i:], ""
	}
	subject := ""
	for ; i < len(lines); i++ {
		l := unquoteAll(lines[i])
		lb := headerLabel(l)
		if !fromLabels[lb] && !sentLabels[lb] && !blockLabels[lb] {
			if strings.TrimSpace(l) == "" || !strings.HasPrefix(lines[i], " ") {
				break
			}
			continue // a wrapped header line
		}
		if lb == "subject" || lb == "betreff" || lb == "objet" || lb == "onderwerp" || lb == "asunto" {
			_, v, _ := strings.Cut(l, ":")
			subject = cleanLine(strings.Trim(strings.TrimSpace(v), "*_ "))
		}
	}
	return lines[i:], subject
}

// attribution returns the number of lines (1 or 2) of an attribution line
// such as "On Tue, 25 Nov 2025 at 10:02, Alice <a@example.com> wrote:"
// starting at line i (quoted or not), or 0.
func attribution(lines []string, i int) int {
	t := strings.TrimSpace(lines[i])
	if len(t) > 300 {
		return 0
	}
	isStart := func(s string) bool {
		return strings.HasPrefix(s, "On ") || strings.HasPrefix(s, "Am ") || strings.HasPrefix(s, "Le ") ||
			strings.HasPrefix(s, "El ") || strings.HasPrefix(s, "Op ")
	}
	isEnd := func(s string) bool {
		s = strings.TrimSpace(s)
		for _, e := range []string{"wrote:", "schrieb:", "écrit :", "écrit:", "escribió:", "geschreven:"} {
			if strings.HasSuffix(s, e) {
				return true
			}
		}
		return false
	}
	if !isStart(t) {
		return 0
	}
	if isEnd(t) {
		return 1
	}
	if i+1 < len(lines) && len(lines[i+1]) < 200 && isEnd(lines[i+1]) {
		return 2
	}
	return 0
}

// nextQuoted reports whether the next non-blank line from i is quoted.
func nextQuoted(lines []string, i int) bool {
	for ; i < len(lines); i++ {
		if t := strings.TrimSpace(lines[i]); t != "" {
			return strings.HasPrefix(t, ">")
		}
	}
	return false
}

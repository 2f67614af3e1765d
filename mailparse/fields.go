package mailparse

import (
	"strings"
)

// labelKeys maps a normalised field label (lower case, single spaces) to its
// field key. Labels of all four templates are known in every template, so a
// multi-line value always ends at the next label of any template.
var labelKeys = map[string]string{
	"escalation": "escalation", // the generic template's first line, pasted into the body
	"subject":    "subject",    // the engineering and management "Subject:" line, pasted into the body

	"ticket": "ticket", "ticket id": "ticket", "ticket #": "ticket", "ticket no": "ticket",
	"ticket number": "ticket", "ticket no.": "ticket",

	"customer": "customer", "customer email": "customer", "customer e-mail": "customer",
	"customer email address": "customer", "customer name": "customer", "email/name": "customer",

	"issue": "issue", "issue description": "issue",
	"attempted": "attempted", "tried": "attempted", "steps taken": "attempted",
	"steps already taken": "attempted", "what i tried": "attempted", "already tried": "attempted",
	"impact":  "impact",
	"urgency": "urgency", "urgency level": "urgency", "priority": "urgency",

	"blocker": "blocker", "blockers": "blocker", "blocked by": "blocker",
	"customer expecting update by":    "customer_expecting_update_by",
	"customer expects update by":      "customer_expecting_update_by",
	"customer expecting an update by": "customer_expecting_update_by",
	"expecting update by":             "customer_expecting_update_by",
	"update by":                       "customer_expecting_update_by",

	"severity":       "severity",
	"users affected": "users_affected", "affected users": "users_affected",
	"number of users affected": "users_affected", "users impacted": "users_affected",
	"description": "description", "detailed description": "description", "details": "description",
	"steps to reproduce": "steps_to_reproduce", "steps": "steps_to_reproduce",
	"reproduction steps": "steps_to_reproduce", "repro steps": "steps_to_reproduce",
	"steps to repro": "steps_to_reproduce",
	"expected":       "expected", "expected result": "expected", "expected behavior": "expected",
	"expected behaviour": "expected",
	"actual":             "actual", "actual result": "actual", "actual behavior": "actual",
	"actual behaviour": "actual",
	"workaround":       "workaround",
	"logs":             "logs", "log": "logs", "logs/attachments": "logs",

	"issue type":     "issue_type",
	"summary":        "summary",
	"current status": "current_status", "status": "current_status",
	"recommended action": "recommended_action", "recommended actions": "recommended_action",
	"recommendation": "recommended_action", "suggested action": "recommended_action",
}

// multiLine fields run until the next label, over blank lines.
var multiLine = map[string]bool{
	"description": true, "steps_to_reproduce": true, "summary": true,
	"current_status": true, "recommended_action": true, "logs": true, "attempted": true,
}

// structured fields hold one value on their line; text on the following
// lines never continues them.
var structured = map[string]bool{
	"escalation": true, "subject": true, "ticket": true, "customer": true, "urgency": true,
	"severity": true, "users_affected": true, "issue_type": true,
	"customer_expecting_update_by": true,
}

// rawField is a labelled value as written.
type rawField struct {
	label string // as written
	value string // trimmed; lines joined with "\n"
}

// scan is what was found in a text: labelled fields (the first of each
// key), the senior-support sentence and the greeting.
type scan struct {
	fields   map[string]rawField
	labels   int // distinct keys found
	senior   bool
	sTicket  string // from "Escalating ticket X for Y"
	sCust    string
	greeting string // name from "Hi Name,"
}

// templateLike reports whether the text reads like a template: two labels,
// or the senior-support sentence.
func (s *scan) templateLike() bool { return s.labels >= 2 || s.senior }

// scanText reads the labelled fields of a text, tolerating case, markdown
// emphasis, bullets, spaces around the colon and values on the next lines.
func scanText(text string) *scan {
	sc := &scan{fields: map[string]rawField{}}
	lines := strings.Split(text, "\n")
	type open struct {
		key, label string
		first      string   // value on the label line
		more       []string // following lines up to the next label
	}
	var cur *open
	finish := func() {
		if cur == nil {
			return
		}
		if _, dup := sc.fields[cur.key]; !dup {
			sc.fields[cur.key] = rawField{label: cur.label, value: fieldValue(cur.key, cur.first, cur.more)}
			sc.labels++
		}
		cur = nil
	}
	for _, line := range lines {
		if key, label, rest, ok := labelOf(line); ok {
			finish()
			cur = &open{key: key, label: label, first: rest}
			continue
		}
		if !sc.senior {
			if t, c, ok := seniorSentence(line); ok {
				finish()
				sc.senior, sc.sTicket, sc.sCust = true, t, c
				continue
			}
		}
		if cur != nil {
			cur.more = append(cur.more, line)
		} else if sc.greeting == "" && sc.labels == 0 {
			sc.greeting = greeting(line)
		}
	}
	finish()
	if f, ok := sc.fields["subject"]; ok && parseSubject(f.value).kind == "" {
		// A "Subject:" line counts only when it names a template.
		sc.labels--
	}
	return sc
}

// fieldValue assembles a field's value from its label line and the lines
// after it (see multiLine and structured).
func fieldValue(key, first string, more []string) string {
	var parts []string
	if first != "" {
		parts = append(parts, first)
	}
	switch {
	case multiLine[key]:
		parts = append(parts, more...)
		parts = trimSignOff(parts)
	case structured[key] && first != "":
	default:
		// Continuation lines up to the first blank line.
		for _, l := range more {
			if strings.TrimSpace(l) == "" {
				break
			}
			parts = append(parts, l)
		}
		if !structured[key] && len(parts) > 1 {
			// A wrapped single-line value: join the lines.
			for i := range parts {
				parts[i] = strings.TrimSpace(parts[i])
			}
			return strings.Join(parts, " ")
		}
	}
	for i := range parts {
		parts[i] = strings.TrimRight(parts[i], " ")
	}
	return strings.Trim(strings.Join(parts, "\n"), "\n ")
}

// signOffs start the closing lines of a mail ("Thanks,"), which are not
// part of the last field's value.
var signOffs = []string{"thanks", "thank you", "regards", "best", "cheers", "kind regards",
	"best regards", "many thanks", "br,", "thx", "ty,", "sent from my"}

// trimSignOff drops a closing paragraph from a multi-line value: from the
// first line after a blank line that starts with a sign-off word.
func trimSignOff(lines []string) []string {
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i-1]) != "" {
			continue
		}
		l := strings.ToLower(strings.TrimSpace(lines[i]))
		for _, s := range signOffs {
			if strings.HasPrefix(l, s) && len(l) < len(s)+30 {
				return lines[:i]
			}
		}
	}
	return lines
}

// labelOf recognises a "Label: value" line: the label may be in any case,
// in markdown emphasis (**Customer:**, *Issue*:), after a bullet, and have
// spaces before the colon.
func labelOf(line string) (key, label, rest string, ok bool) {
	s := stripBullet(strings.TrimSpace(line))
	emph := len(s) > 0 && (s[0] == '*' || s[0] == '_')
	s = strings.TrimLeft(s, "*_")
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || colon > 48 {
		return "", "", "", false
	}
	label = strings.TrimRight(s[:colon], " *_")
	norm := strings.ToLower(strings.Join(strings.Fields(label), " "))
	key, ok = labelKeys[norm]
	if !ok {
		return "", "", "", false
	}
	rest = strings.TrimSpace(s[colon+1:])
	if emph {
		rest = strings.Trim(rest, "*_ ")
	}
	return key, label, rest, true
}

// stripBullet removes one list bullet ("- ", "* ", "• ", "· ", "+ ", "– ").
func stripBullet(s string) string {
	for _, b := range []string{"- ", "* ", "• ", "· ", "+ ", "– ", "— ", "▪ ", "o "} {
		if strings.HasPrefix(s, b) {
			return strings.TrimSpace(s[len(b):])
		}
	}
	return s
}

// seniorSentence reads "Escalating ticket [ID] for [customer email]."
func seniorSentence(line string) (ticket, customer string, ok bool) {
	s := strings.Trim(strings.TrimSpace(line), "*_")
	i := indexFold(s, "escalating ticket ")
	if i < 0 {
		return "", "", false
	}
	rest := s[i+len("escalating ticket "):]
	j := indexFold(rest, " for ")
	if j < 0 {
		return strings.TrimSpace(rest), "", true
	}
	ticket = strings.TrimSpace(rest[:j])
	customer = strings.TrimSpace(rest[j+len(" for "):])
	customer = strings.TrimRight(customer, ".!,; ")
	return ticket, customer, true
}

// greeting returns the name from a "Hi Name," line.
func greeting(line string) string {
	s := strings.TrimSpace(line)
	for _, g := range []string{"hi ", "hello ", "hey ", "dear "} {
		if len(s) > len(g) && strings.EqualFold(s[:len(g)], g) {
			name := strings.TrimSpace(strings.TrimRight(s[len(g):], ",!:. "))
			return strings.Trim(name, "[]")
		}
	}
	return ""
}

// indexFold is strings.Index ignoring ASCII case; byte offsets stay valid
// in s.
func indexFold(s, sub string) int {
	n := len(sub)
	if n == 0 {
		return 0
	}
	c0, c1 := lowerASCII(sub[0]), upperASCII(sub[0])
	for i := 0; i+n <= len(s); i++ {
		if (s[i] == c0 || s[i] == c1) && strings.EqualFold(s[i:i+n], sub) {
			return i
		}
	}
	return -1
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

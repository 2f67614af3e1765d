package mailparse

import (
	"escalationd/vocab"
	"fmt"
	"strings"
)

// issueTypePlaceholder is the management template's blank Issue Type.
var issueTypePlaceholder = "[" + strings.Join(vocab.IssueTypeTitles(), "/") + "]"

// spec describes one template field for validation and rendering.
type spec struct {
	label       string // as in the template
	placeholder string // as in the template
	expect      string // what a valid value is, for error messages
}

var specs = map[string]spec{
	"ticket":      {"Ticket", "[ID]", "a ticket ID such as TCK-1234"},
	"customer":    {"Customer", "[email]", "the customer's email address"},
	"issue":       {"Issue", "[brief description]", "a brief description of the issue"},
	"urgency":     {"Urgency", vocab.UrgencyPlaceholder(), "one of " + strings.Join(vocab.UrgencyTitles(), ", ")},
	"severity":    {"Severity", vocab.UrgencyPlaceholder(), "one of " + strings.Join(vocab.UrgencyTitles(), ", ")},
	"description": {"Description", "[Detailed issue description]", "a detailed description of the issue"},
	"issue_type":  {"Issue Type", issueTypePlaceholder, "one of " + strings.Join(vocab.IssueTypeTitles(), ", ")},
	"summary":     {"Summary", "[Brief overview]", "a brief overview of the situation"},
}

// required lists the required fields per kind, in template order.
var required = map[vocab.Kind][]string{
	vocab.KindEscalation:    {"ticket", "customer", "issue", "urgency"},
	vocab.KindSeniorSupport: {"ticket", "customer", "issue"},
	vocab.KindEngineering:   {"ticket", "severity", "description"},
	vocab.KindManagement:    {"ticket", "issue_type", "summary"},
}

// ticketHint says where each template carries its ticket ID.
var ticketHint = map[vocab.Kind]string{
	vocab.KindEscalation:    ` in the subject ("ESCALATION: [TCK-1234]") or on a "Ticket:" line`,
	vocab.KindSeniorSupport: ` in "Escalating ticket [ID] for [customer email]."`,
	vocab.KindEngineering:   ` on a "Ticket:" line`,
	vocab.KindManagement:    ` on a "Ticket:" line`,
}

// placeholders are the bracketed blanks of the four templates, lower case.
// A value that is still a placeholder counts as missing.
var placeholders = map[string]bool{}

func init() {
	for _, p := range []string{"[TICKET-ID]", "[ID]", "[email]", "[brief description]",
		"[what you tried]", "[number of users]", vocab.UrgencyPlaceholder(), "[Name]",
		"[customer email]", "[what I tried]", "[why I can't resolve]", "[time]",
		"[Brief Description]", "[number]", "[Detailed issue description]", "[step]",
		"[what should happen]", "[what happens]", "[if available]", "[attach or link]",
		"[Issue Type]", "[email/name]", issueTypePlaceholder,
		"[Brief overview]", "[What's happening]", "[Your suggestion]",
		"[Why this needs attention]"} {
		placeholders[strings.ToLower(p)] = true
	}
}

func isPlaceholder(v string) bool {
	return placeholders[strings.ToLower(unwrap(v))]
}

// kindSignals are labels that only one template has.
var kindSignals = map[string]vocab.Kind{
	"customer": vocab.KindEscalation, "impact": vocab.KindEscalation, "urgency": vocab.KindEscalation,
	"blocker": vocab.KindSeniorSupport, "customer_expecting_update_by": vocab.KindSeniorSupport,
	"severity": vocab.KindEngineering, "users_affected": vocab.KindEngineering, "description": vocab.KindEngineering,
	"steps_to_reproduce": vocab.KindEngineering, "expected": vocab.KindEngineering, "actual": vocab.KindEngineering,
	"workaround": vocab.KindEngineering, "logs": vocab.KindEngineering,
	"issue_type": vocab.KindManagement, "summary": vocab.KindManagement, "current_status": vocab.KindManagement,
	"recommended_action": vocab.KindManagement,
}

// detectKind decides the template: the senior-support sentence wins
// whatever the subject; then the subject (or a "Subject:" line pasted into
// the body); then the labels found, each counting for the one template it
// belongs to (ties go to the generic escalation).
func detectKind(si subjectInfo, sc *scan) (vocab.Kind, subjectInfo) {
	if sc.senior {
		return vocab.KindSeniorSupport, si
	}
	if si.kind != "" {
		return si.kind, si
	}
	if f, ok := sc.fields["subject"]; ok {
		if bs := parseSubject(f.value); bs.kind != "" {
			return bs.kind, bs
		}
	}
	if _, ok := sc.fields["escalation"]; ok {
		return vocab.KindEscalation, si
	}
	if sc.labels < 2 {
		return "", si
	}
	score := map[vocab.Kind]int{}
	for k := range sc.fields {
		if kind := kindSignals[k]; kind != "" {
			score[kind]++
		}
	}
	best := vocab.KindEscalation
	for _, k := range []vocab.Kind{vocab.KindEngineering, vocab.KindManagement, vocab.KindSeniorSupport} {
		if score[k] > score[best] {
			best = k
		}
	}
	return best, si
}

// fieldError builds the error for a missing or invalid required field.
func fieldError(kind vocab.Kind, key, got string, placeholder bool) FieldError {
	sp := specs[key]
	expect := sp.expect
	if key == "ticket" {
		expect += ticketHint[kind]
	}
	switch {
	case placeholder:
		return FieldError{Field: key, Message: fmt.Sprintf("%s is missing (the template placeholder %s is still there): expected %s", sp.label, quoteValue(got), expect)}
	case strings.TrimSpace(got) == "":
		return FieldError{Field: key, Message: fmt.Sprintf("%s is missing: expected %s", sp.label, expect)}
	case key == "ticket":
		return FieldError{Field: key, Message: fmt.Sprintf(`Ticket must be a ticket ID such as TCK-1234 (letters, digits, ".", "_" or "-", with at least one digit, at most 64 characters); got %s`, quoteValue(got))}
	case key == "customer" && strings.Contains(got, "@"):
		return FieldError{Field: key, Message: fmt.Sprintf("%s must be %s, a mailbox at a valid host name (letters, digits, hyphens and dots); got %s", sp.label, sp.expect, quoteValue(got))}
	default:
		return FieldError{Field: key, Message: fmt.Sprintf("%s must be %s; got %s", sp.label, sp.expect, quoteValue(got))}
	}
}

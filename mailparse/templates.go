package mailparse

import (
	"fmt"
	"strings"
)

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
	"urgency":     {"Urgency", "[Low/Medium/High/Critical]", "one of Low, Medium, High, Critical"},
	"severity":    {"Severity", "[Low/Medium/High/Critical]", "one of Low, Medium, High, Critical"},
	"description": {"Description", "[Detailed issue description]", "a detailed description of the issue"},
	"issue_type":  {"Issue Type", "[Legal/Media/Security/Major Outage]", "one of Legal, Media, Security, Major Outage"},
	"summary":     {"Summary", "[Brief overview]", "a brief overview of the situation"},
}

// required lists the required fields per kind, in template order.
var required = map[string][]string{
	KindEscalation:    {"ticket", "customer", "issue", "urgency"},
	KindSeniorSupport: {"ticket", "customer", "issue"},
	KindEngineering:   {"ticket", "severity", "description"},
	KindManagement:    {"ticket", "issue_type", "summary"},
}

// ticketHint says where each template carries its ticket ID.
var ticketHint = map[string]string{
	KindEscalation:    ` in the subject ("ESCALATION: [TCK-1234]") or on a "Ticket:" line`,
	KindSeniorSupport: ` in "Escalating ticket [ID] for [customer email]."`,
	KindEngineering:   ` on a "Ticket:" line`,
	KindManagement:    ` on a "Ticket:" line`,
}

// placeholders are the bracketed blanks of the four templates, lower case.
// A value that is still a placeholder counts as missing.
var placeholders = map[string]bool{}

func init() {
	for _, p := range []string{"[TICKET-ID]", "[ID]", "[email]", "[brief description]",
		"[what you tried]", "[number of users]", "[Low/Medium/High/Critical]", "[Name]",
		"[customer email]", "[what I tried]", "[why I can't resolve]", "[time]",
		"[Brief Description]", "[number]", "[Detailed issue description]", "[step]",
		"[what should happen]", "[what happens]", "[if available]", "[attach or link]",
		"[Issue Type]", "[email/name]", "[Legal/Media/Security/Major Outage]",
		"[Brief overview]", "[What's happening]", "[Your suggestion]",
		"[Why this needs attention]"} {
		placeholders[strings.ToLower(p)] = true
	}
}

func isPlaceholder(v string) bool {
	return placeholders[strings.ToLower(unwrap(v))]
}

// kindSignals are labels that only one template has.
var kindSignals = map[string]string{
	"customer": KindEscalation, "impact": KindEscalation, "urgency": KindEscalation,
	"blocker": KindSeniorSupport, "customer_expecting_update_by": KindSeniorSupport,
	"severity": KindEngineering, "users_affected": KindEngineering, "description": KindEngineering,
	"steps_to_reproduce": KindEngineering, "expected": KindEngineering, "actual": KindEngineering,
	"workaround": KindEngineering, "logs": KindEngineering,
	"issue_type": KindManagement, "summary": KindManagement, "current_status": KindManagement,
	"recommended_action": KindManagement,
}

// detectKind decides the template: the senior-support sentence wins
// whatever the subject; then the subject (or a "Subject:" line pasted into
// the body); then the labels found, each counting for the one template it
// belongs to (ties go to the generic escalation).
func detectKind(si subjectInfo, sc *scan) (string, subjectInfo) {
	if sc.senior {
		return KindSeniorSupport, si
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
		return KindEscalation, si
	}
	if sc.labels < 2 {
		return "", si
	}
	score := map[string]int{}
	for k := range sc.fields {
		if kind := kindSignals[k]; kind != "" {
			score[kind]++
		}
	}
	best := KindEscalation
	for _, k := range []string{KindEngineering, KindManagement, KindSeniorSupport} {
		if score[k] > score[best] {
			best = k
		}
	}
	return best, si
}

// fieldError builds the error for a missing or invalid required field.
func fieldError(kind, key, got string, placeholder bool) FieldError {
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
	default:
		return FieldError{Field: key, Message: fmt.Sprintf("%s must be %s; got %s", sp.label, sp.expect, quoteValue(got))}
	}
}

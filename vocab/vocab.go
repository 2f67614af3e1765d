// Package vocab is escalationd's vocabulary: the kinds of escalation, the
// urgency levels, the reply commands, the event names (the
// X-Escalation-Event values and the audit trail's event types), the SLA
// timer kinds, the mail templates and the roles of a mail's recipients.
//
// Each word is defined here once, as a typed constant; the lists, parsers
// and messages that other packages need are derived from these
// definitions, so a word added here reaches the parser, the config checks,
// the engine and the reports together. It is a leaf: it imports nothing
// from the project, and every package may import it.
package vocab

import (
	"slices"
	"strings"
)

// Kind is the kind of an escalation: one per template of the helpdesk
// reference, plus SecurityReport for untemplated mail to a security
// mailbox.
type Kind string

// The kinds.
const (
	KindEscalation     Kind = "escalation"
	KindSeniorSupport  Kind = "senior_support"
	KindEngineering    Kind = "engineering"
	KindManagement     Kind = "management"
	KindSecurityReport Kind = "security_report"
)

// Kinds lists every kind.
var Kinds = []Kind{KindEscalation, KindSeniorSupport, KindEngineering, KindManagement, KindSecurityReport}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// KindNames lists the kinds as strings.
func KindNames() []string { return names(Kinds) }

// Join lists words for a message: "a, b, c or d" with conj "or".
func Join[T ~string](words []T, conj string) string {
	s := names(words)
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " " + conj + " " + s[len(s)-1]
}

func names[T ~string](words []T) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = string(w)
	}
	return out
}

package mailparse

import (
	"escalationd/vocab"
	"strings"
)

// RoutableDespiteErrors reports whether a rejected escalation must still
// be routed: a Critical escalation cannot wait for the agent to fix a
// name written instead of the customer's address or a missing line. It is
// true when the mail was rejected for its template fields (reason
// missing-fields or invalid-fields) and still
//
//   - has the urgency Critical (readable from its Urgency, or Severity for
//     engineering, or a level leading a management mail's Urgency),
//   - has a valid Ticket, and
//   - states what is wrong: the template's Issue (Description for
//     engineering, Summary for management) is present and not a
//     placeholder.
//
// Everything else that was understood stays in the Result: Kind, Ticket,
// Urgency, Customer when it is valid, Fields with the values as written
// (a "Jane Doe" given as the customer is Fields["customer"]), and Errors
// naming every problem, which the routed mail should state and the
// rejection-style mail to the agent should ask for. A valid escalation
// (disposition case) is routed anyway and gives false.
func (r *Result) RoutableDespiteErrors() bool {
	if r == nil || r.Disposition != DispositionRejected ||
		(r.Reason != ReasonMissingFields && r.Reason != ReasonInvalidFields) {
		return false
	}
	if r.Urgency != vocab.Critical || r.Ticket == "" {
		return false
	}
	key := issueField(r.Kind)
	if key == "" {
		return false
	}
	v, _ := r.Fields[key].(string)
	return strings.TrimSpace(v) != "" && !isPlaceholder(v)
}

// issueField is the required field that says what the problem is in a
// template of the kind: issue, description or summary; "" for a kind
// without a template.
func issueField(kind vocab.Kind) string {
	for _, key := range required[kind] {
		switch key {
		case "issue", "description", "summary":
			return key
		}
	}
	return ""
}

package mailparse

import (
	"escalationd/vocab"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoutableDespiteErrors(t *testing.T) {
	const (
		jane      = "Customer: Jane Doe\nIssue: Payment processing down\nAttempted: Restarted the worker\nImpact: ~250 users\nUrgency: Critical\n"
		noCust    = "Issue: Payment processing down\nAttempted: Restarted the worker\nImpact: ~250 users\nUrgency: Critical\n"
		noAttempt = "Customer: alice@example.com\nIssue: Payment processing down\nImpact: ~250 users\nUrgency: Critical\n"
	)
	tests := []struct {
		name        string
		subject     string
		body        string
		routable    bool
		disposition string
		errFields   []string
		rawCustomer string // Fields["customer"]
		customer    string
	}{
		{"critical, customer is a name", "ESCALATION: [TCK-1234]", jane,
			true, DispositionRejected, []string{"customer"}, "Jane Doe", ""},
		{"critical, customer line missing", "ESCALATION: [TCK-1234]", noCust,
			true, DispositionRejected, []string{"customer"}, "", ""},
		{"critical, customer placeholder", "ESCALATION: [TCK-1234]", strings.Replace(jane, "Jane Doe", "[email]", 1),
			true, DispositionRejected, []string{"customer"}, "", ""},
		{"high, customer is a name", "ESCALATION: [TCK-1234]", strings.Replace(jane, "Critical", "High", 1),
			false, DispositionRejected, []string{"customer"}, "Jane Doe", ""},
		{"high, customer line missing", "ESCALATION: [TCK-1234]", strings.Replace(noCust, "Critical", "High", 1),
			false, DispositionRejected, []string{"customer"}, "", ""},
		{"critical, no ticket", "Escalation please", "ESCALATION: [TICKET-ID]\n" + jane,
			false, DispositionRejected, []string{"ticket", "customer"}, "Jane Doe", ""},
		{"critical, invalid ticket", "ESCALATION: [tbd]", noAttempt,
			false, DispositionRejected, []string{"ticket"}, "alice@example.com", "alice@example.com"},
		{"critical, issue placeholder", "ESCALATION: [TCK-1234]", strings.Replace(jane, "Payment processing down", "[brief description]", 1),
			false, DispositionRejected, []string{"customer", "issue"}, "Jane Doe", ""},
		{"urgency unreadable", "ESCALATION: [TCK-1234]", strings.Replace(jane, "Critical", "ASAP", 1),
			false, DispositionRejected, []string{"customer", "urgency"}, "Jane Doe", ""},
		// Attempted is not a required field of the generic template: a
		// Critical escalation without it is a case, routed as any other.
		{"critical, attempted missing", "ESCALATION: [TCK-1234]", noAttempt,
			false, DispositionCase, nil, "alice@example.com", "alice@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Parse(buildMail(hdr(tt.subject), tt.body), corpusOptions())
			if res.Disposition != tt.disposition {
				t.Fatalf("disposition %s/%s, want %s", res.Disposition, res.Reason, tt.disposition)
			}
			if got := res.RoutableDespiteErrors(); got != tt.routable {
				t.Errorf("RoutableDespiteErrors %v, want %v (errors %v)", got, tt.routable, res.Errors)
			}
			var fields []string
			for _, e := range res.Errors {
				fields = append(fields, e.Field)
			}
			if strings.Join(fields, ",") != strings.Join(tt.errFields, ",") {
				t.Errorf("errors %v, want fields %v", res.Errors, tt.errFields)
			}
			// What was understood is kept.
			if res.Kind != vocab.KindEscalation {
				t.Errorf("kind %q", res.Kind)
			}
			if tt.routable && (res.Ticket != "TCK-1234" || res.Urgency != vocab.Critical) {
				t.Errorf("ticket %q urgency %q", res.Ticket, res.Urgency)
			}
			if got, _ := res.Fields["customer"].(string); got != tt.rawCustomer {
				t.Errorf("fields.customer %q, want %q", got, tt.rawCustomer)
			}
			if res.Customer != tt.customer {
				t.Errorf("customer %q, want %q", res.Customer, tt.customer)
			}
			if res.Fields["issue"] == nil && !strings.Contains(tt.name, "placeholder") {
				t.Errorf("fields.issue missing: %v", res.Fields)
			}
		})
	}
}

// TestRoutableDespiteErrorsOtherTemplates: engineering reads Description
// and Severity, management Summary and a level leading its Urgency.
func TestRoutableDespiteErrorsOtherTemplates(t *testing.T) {
	tests := []struct {
		name, subject, body string
		kind                vocab.Kind
		routable            bool
	}{
		{"engineering, critical, no description", "BUG - Checkout fails",
			"Ticket: TCK-9\nSeverity: Critical\nUsers Affected: 40\n\nSteps to Reproduce:\n1. open\n", vocab.KindEngineering, false},
		{"engineering, critical, no ticket", "BUG - Checkout fails",
			"Severity: Critical\n\nDescription:\nCheckout returns 500\n\nLogs: none\n", vocab.KindEngineering, false},
		{"engineering, critical, ticket placeholder", "BUG - Checkout fails",
			"Ticket: [ID]\nSeverity: Critical\n\nDescription:\nCheckout returns 500\n", vocab.KindEngineering, false},
		{"engineering, valid: a case, nothing to route despite", "BUG - Checkout fails",
			"Ticket: TCK-9\nSeverity: Critical\n\nDescription:\nCheckout returns 500\n", vocab.KindEngineering, false},
		{"management, critical, issue type invalid", "ESCALATION - Billing",
			"Ticket: TCK-9\nCustomer: Jane Doe\nIssue Type: Billing\n\nSummary:\nChargebacks from one merchant\n\nUrgency: Critical - money leaving now\n", vocab.KindManagement, true},
		{"management, no level, issue type invalid", "ESCALATION - Billing",
			"Ticket: TCK-9\nCustomer: Jane Doe\nIssue Type: Billing\n\nSummary:\nChargebacks from one merchant\n\nUrgency: the CFO asked\n", vocab.KindManagement, false},
		{"senior support, Urgency line critical, customer a name", "Help",
			"Hi Sam,\n\nEscalating ticket TCK-9 for Jane Doe.\n\nIssue: Payment down\nUrgency: Critical\n", vocab.KindSeniorSupport, true},
		{"senior support, no urgency, customer a name", "Help",
			"Hi Sam,\n\nEscalating ticket TCK-9 for Jane Doe.\n\nIssue: Payment down\n", vocab.KindSeniorSupport, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Parse(buildMail(hdr(tt.subject), tt.body), corpusOptions())
			if res.Kind != tt.kind {
				t.Fatalf("kind %q (%s/%s)", res.Kind, res.Disposition, res.Reason)
			}
			if got := res.RoutableDespiteErrors(); got != tt.routable {
				t.Errorf("RoutableDespiteErrors %v, want %v: %s/%s urgency %q errors %v fields %v",
					got, tt.routable, res.Disposition, res.Reason, res.Urgency, res.Errors, res.Fields)
			}
		})
	}
	if (*Result)(nil).RoutableDespiteErrors() {
		t.Error("nil result is routable")
	}
}

// TestRoutableDespiteErrorsCorpus: the corpus's Critical escalation with a
// name for the customer is routable; one without an urgency is not.
func TestRoutableDespiteErrorsCorpus(t *testing.T) {
	for name, want := range map[string]bool{
		"rejected-invalid-customer.eml":           true,
		"rejected-missing-urgency.eml":            false,
		"rejected-bad-ticket.eml":                 false,
		"rejected-placeholders.eml":               false,
		"rejected-management-missing-summary.eml": false,
		"escalation-apple-mail.eml":               false,
	} {
		path := filepath.Join(corpusDir, name)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		res := parse(raw, corpusOptionsFor(path))
		if got := res.RoutableDespiteErrors(); got != want {
			t.Errorf("%s: %v, want %v (%s/%s, urgency %q, errors %v)", name, got, want, res.Disposition, res.Reason, res.Urgency, res.Errors)
		}
	}
}

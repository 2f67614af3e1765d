package mailparse

import (
	"slices"
	"strings"
	"testing"
)

// corpusOptions are the options most corpus files and tests parse with.
func corpusOptions() Options {
	return Options{
		GatewayDomain:      "craudiovizai.com",
		OwnAddresses:       []string{"escalations@craudiovizai.com", "security@craudiovizai.com"},
		AllowDomains:       []string{"craudiovizai.com"},
		TrustedAuthservIDs: []string{"mx.craudiovizai.com"},
	}
}

// buildMail builds a message from header lines and a body, with CRLF endings.
func buildMail(headers []string, body string) []byte {
	h := strings.Join(headers, "\r\n")
	return []byte(h + "\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
}

func hdr(subject string, extra ...string) []string {
	return append([]string{
		"From: Bob Agent <bob.agent@craudiovizai.com>",
		"To: escalations@craudiovizai.com",
		"Subject: " + subject,
		"Date: Tue, 25 Nov 2025 10:00:00 -0500",
		"Message-ID: <m1@mail.craudiovizai.com>",
		"MIME-Version: 1.0",
	}, extra...)
}

const genericBody = `Customer: alice@example.com
Issue: Payment processing down
Attempted: Restarted the payment worker
Impact: ~250 users
Urgency: Critical

Thanks,
Bob`

func TestGenericTemplate(t *testing.T) {
	tests := []struct {
		name        string
		raw         []byte
		disposition string
		reason      string
		ticket      string
		customer    string
		urgency     string
		users       int // -1: nil
		errFields   []string
	}{
		{"plain", buildMail(hdr("ESCALATION: [TCK-1234]", "Content-Type: text/plain; charset=utf-8"), genericBody),
			DispositionCase, "", "TCK-1234", "alice@example.com", "critical", 250, nil},
		{"html", buildMail(hdr("ESCALATION: [TCK-1234]", "Content-Type: text/html; charset=utf-8"),
			`<html><head><style>p {margin:0}</style></head><body><p><b>Customer:</b> <a href="mailto:Alice@Example.com">Alice@Example.com</a></p>
<p>Issue: Payment processing down</p><p>Attempted: Restarted<br>the worker</p><div>Impact: 1,200 users</div><div>Urgency: HIGH!!</div></body></html>`),
			DispositionCase, "", "TCK-1234", "alice@example.com", "high", 1200, nil},
		{"body ticket line", buildMail(hdr("urgent help", "Content-Type: text/plain"), "ESCALATION: #48213\n"+genericBody),
			DispositionCase, "", "48213", "alice@example.com", "critical", 250, nil},
		{"missing urgency and customer", buildMail(hdr("ESCALATION: [TCK-1234]"), "Issue: Payment processing down\nAttempted: x\n"),
			DispositionRejected, ReasonMissingFields, "TCK-1234", "", "", -1, []string{"customer", "urgency"}},
		{"invalid urgency", buildMail(hdr("ESCALATION: [TCK-1234]"), strings.Replace(genericBody, "Critical", "ASAP", 1)),
			DispositionRejected, ReasonInvalidFields, "TCK-1234", "alice@example.com", "", 250, []string{"urgency"}},
		{"placeholder ticket", buildMail(hdr("ESCALATION: [TICKET-ID]"), genericBody),
			DispositionRejected, ReasonMissingFields, "", "alice@example.com", "critical", 250, []string{"ticket"}},
		{"not an escalation", buildMail(hdr("Lunch?"), "Pizza at noon?\n"),
			DispositionIgnored, ReasonNotEscalation, "", "", "", -1, nil},
		{"auto-reply", buildMail(hdr("Automatic reply: ESCALATION: [TCK-1234]", "Auto-Submitted: auto-replied"), "I am out."),
			DispositionIgnored, ReasonAutoReply, "", "", "", -1, nil},
		{"loop header", buildMail(hdr("ESCALATION: [TCK-1234]", "X-Escalation-Loop: 1"), genericBody),
			DispositionIgnored, ReasonLoop, "", "", "", -1, nil},
		{"own address", buildMail(append([]string{"From: escalations@craudiovizai.com"}, hdr("ESCALATION: [TCK-1234]")[1:]...), genericBody),
			DispositionIgnored, ReasonLoop, "", "", "", -1, nil},
		{"bounce", buildMail(append([]string{"From: MAILER-DAEMON@mx.example.net"}, hdr("Undelivered Mail Returned to Sender")[1:]...), "This is the mail system."),
			DispositionIgnored, ReasonBounce, "", "", "", -1, nil},
		{"mailing list", buildMail(hdr("ESCALATION: [TCK-1234]", "List-Id: <support.lists.craudiovizai.com>"), genericBody),
			DispositionIgnored, ReasonMailingList, "", "", "", -1, nil},
		{"sender not allowed", buildMail(append([]string{"From: eve@evil.example"}, hdr("ESCALATION: [TCK-1234]")[1:]...), genericBody),
			DispositionIgnored, ReasonSenderNotAllowed, "", "", "", -1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := parse(tt.raw, corpusOptions())
			if r.Disposition != tt.disposition || r.Reason != tt.reason {
				t.Fatalf("disposition %s/%s, want %s/%s; warnings %q errors %+v", r.Disposition, r.Reason, tt.disposition, tt.reason, r.Warnings, r.Errors)
			}
			if r.Ticket != tt.ticket || r.Customer != tt.customer || string(r.Urgency) != tt.urgency {
				t.Errorf("ticket %q customer %q urgency %q, want %q %q %q", r.Ticket, r.Customer, r.Urgency, tt.ticket, tt.customer, tt.urgency)
			}
			if tt.disposition == DispositionCase || tt.disposition == DispositionRejected {
				if (r.UsersAffected == nil) != (tt.users < 0) || (r.UsersAffected != nil && *r.UsersAffected != tt.users) {
					t.Errorf("users affected %v, want %d", r.UsersAffected, tt.users)
				}
			}
			var got []string
			for _, e := range r.Errors {
				got = append(got, e.Field)
				if e.Message == "" {
					t.Errorf("error for %s has no message", e.Field)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.errFields, ",") {
				t.Errorf("error fields %v, want %v (%+v)", got, tt.errFields, r.Errors)
			}
		})
	}
}

func TestUrgencyErrorMessage(t *testing.T) {
	r := Parse(buildMail(hdr("ESCALATION: [TCK-1234]"), strings.Replace(genericBody, "Critical", "ASAP", 1)), Options{})
	want := `Urgency must be one of Low, Medium, High, Critical; got "ASAP"`
	if len(r.Errors) != 1 || r.Errors[0].Message != want {
		t.Fatalf("errors %+v, want %q", r.Errors, want)
	}
	tpl := r.Template()
	for _, s := range []string{"ESCALATION: [TCK-1234]", "Customer: alice@example.com", "Urgency: [Low/Medium/High/Critical]"} {
		if !strings.Contains(tpl, s) {
			t.Errorf("template lacks %q:\n%s", s, tpl)
		}
	}
}

func TestParseEmptyInput(t *testing.T) {
	r := Parse(nil, Options{})
	if r == nil || r.Disposition != DispositionIgnored {
		t.Fatalf("empty input: %+v", r)
	}
}

// A customer address must be a mailbox at a valid host name; anything else
// written as an address is the Customer field's error, named in the
// rejection (never read as a name, not even by the management template).
func TestCustomerAddressMustHaveAValidHost(t *testing.T) {
	high := strings.Replace(genericBody, "Critical", "High", 1)
	for _, bad := range []string{"alice@exa%mple.com", "alice@example.com%0A", "alice@localhost", "alice@exam_ple.com", "Alice <alice@-example.com>"} {
		r := Parse(buildMail(hdr("ESCALATION: [TCK-1234]", "Content-Type: text/plain; charset=utf-8"),
			strings.Replace(high, "alice@example.com", bad, 1)), corpusOptions())
		if r.Disposition != DispositionRejected || r.Reason != ReasonInvalidFields || len(r.Errors) != 1 || r.Errors[0].Field != "customer" ||
			!strings.Contains(r.Errors[0].Message, "valid host name") {
			t.Errorf("%q: %s/%s %+v", bad, r.Disposition, r.Reason, r.Errors)
		}
	}
	mgmt := "Ticket: TCK-1234\nCustomer: jane@exa%mple.com\nIssue Type: Legal\n\nSummary:\nThreatens to sue\n"
	r := Parse(buildMail(hdr("ESCALATION - Legal", "Content-Type: text/plain; charset=utf-8"), mgmt), corpusOptions())
	if r.Kind != "management" || r.Customer != "" || len(r.Errors) != 0 || !slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.Contains(w, "valid host name") }) {
		t.Errorf("management: customer %q read from a bad address (%s/%s %+v)", r.Customer, r.Disposition, r.Reason, r.Errors)
	}
}

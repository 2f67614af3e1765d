package mailparse_test

import (
	"fmt"
	"strings"

	"escalationd/mailparse"
)

func ExampleParse() {
	raw := strings.ReplaceAll(`From: Bob Agent <bob.agent@craudiovizai.com>
To: escalations@craudiovizai.com
Subject: ESCALATION: [TCK-1234]
Message-ID: <m1@mail.craudiovizai.com>

**Customer:** Alice@Example.com
Issue: Payment processing down
Attempted: Restarted the payment worker
Impact: ~1,200 users
Urgency: Critical - payments fail

Thanks,
Bob
`, "\n", "\r\n")
	r := mailparse.Parse([]byte(raw), mailparse.Options{AllowDomains: []string{"craudiovizai.com"}})
	fmt.Println(r.Disposition, r.Kind, r.Ticket, r.Customer, r.Urgency, *r.UsersAffected)
	fmt.Println(r.Fields["issue"])
	// Output:
	// case escalation TCK-1234 alice@example.com critical 1200
	// Payment processing down
}

func ExampleResult_Template() {
	raw := "From: bob.agent@craudiovizai.com\r\nSubject: ESCALATION: [TCK-1234]\r\n\r\n" +
		"Customer: alice@example.com\r\nIssue: Payment processing down\r\nUrgency: ASAP\r\n"
	r := mailparse.Parse([]byte(raw), mailparse.Options{})
	fmt.Println(r.Disposition, r.Reason)
	for _, e := range r.Errors {
		fmt.Println(e.Field+":", e.Message)
	}
	fmt.Print(r.Template())
	// Output:
	// rejected invalid-fields
	// urgency: Urgency must be one of Low, Medium, High, Critical; got "ASAP"
	// ESCALATION: [TCK-1234]
	// Customer: alice@example.com
	// Issue: Payment processing down
	// Attempted: [what you tried]
	// Impact: [number of users]
	// Urgency: [Low/Medium/High/Critical]
}

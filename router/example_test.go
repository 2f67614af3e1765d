package router_test

import (
	"fmt"
	"log"
	"time"

	"escalationd/config"
	"escalationd/router"
)

// A critical escalation on a Sunday night: the on-call engineer, management
// and the incident address.
func ExampleRouter_Route() {
	cfg, err := config.Load("../examples/helpdesk.yaml", config.Options{SkipSecrets: true})
	if err != nil {
		log.Fatal(err)
	}
	r, err := router.Compile(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	d := r.Route(router.Input{
		Kind: "escalation", Urgency: "critical", Mailbox: "escalations",
		Sender:  "agent@craudiovizai.com",
		Subject: "ESCALATION: T-4821",
		Text:    "Issue: payment processing down for all EU customers",
	}, time.Date(2026, 11, 29, 3, 0, 0, 0, ny))
	fmt.Println(d.Explain)
	// Output:
	// rule: critical, major-outage, tier2 > tier2-critical
	//   critical (urgency critical)
	//   major-outage (category major_outage)
	//   tier2 > tier2-critical (tier2: matches every case; tier2-critical: urgency critical)
	// categories:
	//   major_outage: keyword "payment processing down" in text
	// to:
	//   alex.rivera@craudiovizai.com (Alex Rivera, team oncall): on call in engineering-oncall until 2026-11-30T09:00:00-05:00
	// cc:
	//   roy@craudiovizai.com (team management)
	// incident:
	//   incidents@craudiovizai.com (team incident)
	// flags: none
	// breach chain: management (route critical)
	// notes:
	//   - Major service outage: management informed
	// actions:
	//   - Acknowledge within 15 minutes: reply ACK
	//   - Create the incident channel
	//   - Update the status page
	//   - Keep management (copied) informed until it is resolved
	//   - Senior support has not been paged: the on-call engineer owns critical issues
}

// A legal threat from the management template: legal, management in Cc,
// confidential whatever route matched.
func ExampleRouter_Route_legal() {
	cfg, err := config.Load("../examples/helpdesk.yaml", config.Options{SkipSecrets: true})
	if err != nil {
		log.Fatal(err)
	}
	r, err := router.Compile(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	d := r.Route(router.Input{
		Kind: "management", IssueType: "legal", Mailbox: "escalations",
		Sender:  "lead@craudiovizai.com",
		Subject: "ESCALATION - Legal",
		Text:    "Summary: the customer's lawyer says they will file a lawsuit over the refund.",
	}, time.Date(2026, 11, 24, 10, 0, 0, 0, ny))
	fmt.Println(d.Explain)
	// Output:
	// rule: special > legal
	//   special > legal (special: category legal; legal: category legal)
	// categories:
	//   legal: issue type legal, keyword "lawyer" in text, keyword "lawsuit" in text
	// to:
	//   legal@craudiovizai.com (team legal)
	// cc:
	//   roy@craudiovizai.com (team management)
	// flags: confidential
	// breach chain: management (route special)
	// notes:
	//   - Note in ticket: Escalated to Legal
	//   - Do NOT engage with customer; let the legal team handle communication
	//   - Never admit fault, make promises or discuss legal matters
	// actions:
	//   - Handle all communication with the customer: support will not engage
	//   - Never admit fault or make promises
}

// The engineering team after hours resolves to the on-call engineer.
func ExampleRouter_ResolveTeam() {
	cfg, err := config.Load("../examples/helpdesk.yaml", config.Options{SkipSecrets: true})
	if err != nil {
		log.Fatal(err)
	}
	r, err := router.Compile(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	rcs, err := r.ResolveTeam("engineering", time.Date(2026, 11, 29, 3, 0, 0, 0, ny))
	if err != nil {
		log.Fatal(err)
	}
	for _, rc := range rcs {
		fmt.Printf("%s (%s): %s\n", rc.Address, rc.Team, rc.Why)
	}
	// Output:
	// alex.rivera@craudiovizai.com (oncall): engineering is outside its hours (Mon-Fri 09:00-18:00 America/New_York) at Sun 03:00 EST: routed to oncall; on call in engineering-oncall until 2026-11-30T09:00:00-05:00
}

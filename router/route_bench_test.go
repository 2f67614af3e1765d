package router_test

import (
	"slices"
	"testing"
	"time"

	"escalationd/config"
	"escalationd/engine"
	"escalationd/examples"
	"escalationd/internal/mailtest"
	"escalationd/mailparse"
	"escalationd/router"
)

// BenchmarkRouteParsed routes parsed escalations through the shipped
// config (examples/helpdesk.yaml) the way the daemon and `escalationd
// route` do: mailparse.Parse with engine.ParseOptions, engine.RouterInput,
// Router.Route. Only Route is timed; each decision is checked.
func BenchmarkRouteParsed(b *testing.B) {
	cfg, err := config.Parse(examples.Helpdesk, "helpdesk.yaml", config.Options{SkipSecrets: true})
	if err != nil {
		b.Fatal(err)
	}
	rt, err := router.Compile(cfg)
	if err != nil {
		b.Fatal(err)
	}
	mb, ok := cfg.Mailbox("escalations")
	if !ok {
		b.Fatal("the example config has no escalations mailbox")
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	// A Tuesday without holidays: engineering works 09:00-18:00.
	business := time.Date(2026, 12, 1, 10, 30, 0, 0, ny)
	afterHours := time.Date(2026, 12, 1, 23, 30, 0, 0, ny)
	escalation := func(o mailtest.EscalationOpts) []byte { return mailtest.Escalation(o) }
	for _, c := range []struct {
		name string
		raw  []byte
		at   time.Time
		// rule is the Decision's Rule, team that of its first recipient,
		// categories the detected ones.
		rule, team string
		categories []string
	}{
		{"escalation-high/business-hours", escalation(mailtest.EscalationOpts{}), business, "tier2 > tier2-high", "senior_support", nil},
		{"escalation-low/business-hours", escalation(mailtest.EscalationOpts{Urgency: "Low"}), business, "tier2 > tier2-low", "senior_support", nil},
		{"engineering/business-hours", []byte(benchBug), business, "engineering", "engineering", nil},
		{"engineering/after-hours", []byte(benchBug), afterHours, "engineering", "oncall", nil},
		{"critical/after-hours", escalation(mailtest.EscalationOpts{Urgency: "Critical", Issue: "Payment processing down for every EU customer"}), afterHours,
			"critical, major-outage, tier2 > tier2-critical", "oncall", []string{"major_outage"}},
		{"special/legal-and-media", escalation(mailtest.EscalationOpts{
			Issue: "Customer's lawyer threatens a lawsuit; a journalist from a newspaper called about it"}), business,
			"special > legal, special > media", "legal", []string{"legal", "media"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			res := mailparse.Parse(c.raw, engine.ParseOptions(cfg, mb.Name))
			if res.Disposition != mailparse.DispositionCase {
				b.Fatalf("parsed as %s/%s %v", res.Disposition, res.Reason, res.Errors)
			}
			in := engine.RouterInput(res, mb.Name, mb.Kind)
			var names []string
			check := func(d router.Decision) {
				if d.Rule != c.rule || len(d.To) == 0 || d.Recipients[0].Team != c.team {
					b.Fatalf("routed by %q to %v, want %q to team %s\n%s", d.Rule, d.To, c.rule, c.team, d.Explain)
				}
				names = names[:0]
				for _, cat := range d.Categories {
					names = append(names, cat.Name)
				}
				if !slices.Equal(names, c.categories) {
					b.Fatalf("categories %v, want %v", names, c.categories)
				}
			}
			check(rt.Route(in, c.at))
			b.ReportAllocs()
			for b.Loop() {
				check(rt.Route(in, c.at))
			}
		})
	}
}

// benchBug is the BUG template (engineering), as an agent writes it.
const benchBug = "From: Sam Senior <sam.senior@craudiovizai.com>\r\n" +
	"To: escalations@craudiovizai.com\r\n" +
	"Subject: BUG - Export fails for large accounts\r\n" +
	"Date: Tue, 01 Dec 2026 10:20:00 -0500\r\n" +
	"Message-ID: <tck-2001.bug@agent.craudiovizai.com>\r\n" +
	"Authentication-Results: mx.craudiovizai.com; dkim=pass header.d=craudiovizai.com; spf=pass smtp.mailfrom=sam.senior@craudiovizai.com; dmarc=pass (p=reject) header.from=craudiovizai.com\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Ticket: TCK-2001\r\n" +
	"Severity: High\r\n" +
	"Users Affected: 40\r\n" +
	"\r\n" +
	"Description:\r\n" +
	"Export fails with a timeout for accounts with more than 10,000 rows.\r\n" +
	"\r\n" +
	"Steps to Reproduce:\r\n" +
	"1. Open a large account\r\n" +
	"2. Click Export\r\n" +
	"\r\n" +
	"Expected: a CSV file\r\n" +
	"Actual: a timeout\r\n"

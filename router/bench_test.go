package router

import (
	"strings"
	"testing"
	"time"
)

// BenchmarkRoute routes a mix of cases through the example config: a plain
// escalation with a 2 KB body, an after-hours bug, a legal and media case,
// and a 200 KB body (a long quoted thread).
func BenchmarkRoute(b *testing.B) {
	r := loadExample(b)
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 11, 29, 3, 0, 0, 0, ny)
	body := strings.Repeat("The export button does nothing after the latest update; customer tried two browsers. ", 24)
	cases := []struct {
		name string
		in   Input
	}{
		{"escalation-2KB", Input{Kind: "escalation", Urgency: "high", Mailbox: "escalations", Sender: "agent@craudiovizai.com", Subject: "ESCALATION: T-1", Text: body}},
		{"bug-after-hours", Input{Kind: "engineering", Urgency: "high", Mailbox: "escalations", Subject: "BUG - Export fails", Text: body}},
		{"legal-and-media", Input{Kind: "escalation", Urgency: "critical", Mailbox: "escalations", Subject: "ESCALATION: T-2", Text: "A journalist called: the customer filed a lawsuit. " + body}},
		{"escalation-200KB", Input{Kind: "escalation", Urgency: "medium", Mailbox: "escalations", Subject: "ESCALATION: T-3", Text: strings.Repeat(body, 100)}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Route(c.in, now)
			}
		})
	}
}

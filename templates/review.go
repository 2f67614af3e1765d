package templates

// Review is a weekly trends or monthly root-cause review (weekly-review,
// monthly-review): this period against the last. Every figure is ready to
// print; the engine fills it (and `escalationd report` prints the same).
type Review struct {
	// Title names the review: "Weekly escalation review".
	Title string
	// Span is the period ("Mon 23 Nov - Sun 29 Nov 2026"), Last what it
	// is compared with ("last week").
	Span, Last string
	// Headline are the first lines: the numbers that matter most.
	Headline []string
	// Groups are the cases by urgency, category and team.
	Groups []ReviewGroup
	// Breaches are the cases that missed their response target in the
	// period.
	Breaches []ReviewCase
	// Backlog are the open Low cases at the period's end.
	Backlog []ReviewCase
	// RootCauses are the causes of the cases resolved in the period, most
	// frequent first.
	RootCauses []ReviewCause
	// Satisfaction is the CSAT line ("" when nobody reported a score).
	Satisfaction string
	// Rate is the escalation-rate line ("" without a ticket count).
	Rate string
}

// ReviewGroup is one breakdown: "By urgency".
type ReviewGroup struct {
	Name string
	Rows []ReviewRow
}

// ReviewRow is one line of a breakdown: this period's count, the last
// period's.
type ReviewRow struct {
	Name       string
	This, Last int
}

// ReviewCase is one case a review names.
type ReviewCase struct {
	Ticket  string
	Urgency string // "High"
	Team    string
	Summary string // "(confidential)" for a confidential case
	Note    string // "breached 2x", "open 9 days"
}

// ReviewCause is one root cause with the cases behind it.
type ReviewCause struct {
	Cause   string
	Count   int
	Tickets []string
}

// sampleReview is a review for Sample data and the golden files.
func sampleReview() Review {
	return Review{
		Title: "Weekly escalation review", Span: "Mon 23 Nov - Sun 29 Nov 2026", Last: "last week",
		Headline: []string{"12 escalations (last week 9), 2 breached (last week 1), 3 still open.",
			"Acknowledged in 14m median (p90 1h), resolved in 3h median (p90 1d2h)."},
		Groups: []ReviewGroup{{Name: "By urgency", Rows: []ReviewRow{{"Critical", 1, 0}, {"High", 4, 3}, {"Medium", 5, 4}, {"Low", 2, 2}}},
			{Name: "By team", Rows: []ReviewRow{{"engineering", 5, 2}, {"senior_support", 7, 7}}}},
		Breaches:     []ReviewCase{{Ticket: "TCK-4242", Urgency: "High", Team: "senior_support", Summary: "Export broken", Note: "breached 2x"}},
		Backlog:      []ReviewCase{{Ticket: "TCK-9", Urgency: "Low", Team: "senior_support", Summary: "Dark mode request", Note: "open 9 days"}},
		RootCauses:   []ReviewCause{{Cause: "product-bug", Count: 3, Tickets: []string{"TCK-4242", "TCK-4250", "TCK-4261"}}},
		Satisfaction: "Customer satisfaction: 4.3 average from 6 scores (last week 4.0 from 3).",
		Rate:         "Escalation rate: 6.0% of 200 tickets (within the 10% target).",
	}
}

package mailparse

import (
	"escalationd/vocab"
	"strconv"
	"strings"
)

// BlankTemplate returns the template of a kind as the helpdesk reference
// gives it, with every placeholder blank. Kinds other than the four
// templates (security_report, "") get the generic escalation template.
func BlankTemplate(kind vocab.Kind) string {
	return (&Result{Kind: kind}).Template()
}

// Template returns the template of r.Kind filled with what was understood
// (the normalised ticket, customer, urgency and issue type, and the other
// fields as written); missing or invalid fields keep their placeholder. It
// is what the rejection reply offers the agent to correct and resend.
func (r *Result) Template() string {
	if r == nil {
		r = &Result{}
	}
	f := func(key, placeholder string) string {
		switch v := r.Fields[key].(type) {
		case string:
			if strings.TrimSpace(v) != "" {
				return v
			}
		}
		return placeholder
	}
	line := func(key, placeholder string) string { return cleanLine(f(key, placeholder)) }
	or := func(v, placeholder string) string {
		if v == "" {
			return placeholder
		}
		return v
	}
	var b strings.Builder
	w := func(lines ...string) {
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	switch r.Kind {
	case vocab.KindSeniorSupport:
		w("Hi "+line("name", "[Name]")+",",
			"",
			"Escalating ticket "+or(r.Ticket, "[ID]")+" for "+or(r.Customer, "[customer email]")+".",
			"",
			"Issue: "+line("issue", "[brief description]"),
			"Attempted: "+line("attempted", "[what I tried]"),
			"Blocker: "+line("blocker", "[why I can't resolve]"),
			"",
			"Customer expecting update by: "+line("customer_expecting_update_by", "[time]"),
			"",
			"Thanks!")
	case vocab.KindEngineering:
		w("Subject: BUG - "+line("brief_description", "[Brief Description]"),
			"",
			"Ticket: "+or(r.Ticket, "[ID]"),
			"Severity: "+or(r.Urgency.Title(), vocab.UrgencyPlaceholder()),
			"Users Affected: "+line("users_affected", "[number]"),
			"",
			"Description:",
			f("description", "[Detailed issue description]"),
			"",
			"Steps to Reproduce:")
		steps, _ := r.Fields["steps_to_reproduce"].([]string)
		if len(steps) == 0 {
			steps = []string{"[step]", "[step]", "[step]"}
		}
		for i, s := range steps {
			w(strconv.Itoa(i+1) + ". " + cleanLine(s))
		}
		w("",
			"Expected: "+line("expected", "[what should happen]"),
			"Actual: "+line("actual", "[what happens]"),
			"",
			"Workaround: "+line("workaround", "[if available]"),
			"Logs: "+line("logs", "[attach or link]"))
	case vocab.KindManagement:
		w("Subject: ESCALATION - "+or(r.IssueType.Title(), "[Issue Type]"),
			"",
			"Ticket: "+or(r.Ticket, "[ID]"),
			"Customer: "+or(r.Customer, "[email/name]"),
			"Issue Type: "+or(r.IssueType.Title(), issueTypePlaceholder),
			"",
			"Summary:",
			f("summary", "[Brief overview]"),
			"",
			"Current Status:",
			f("current_status", "[What's happening]"),
			"",
			"Recommended Action:",
			f("recommended_action", "[Your suggestion]"),
			"",
			"Urgency: "+line("urgency_reason", "[Why this needs attention]"))
	default:
		w("ESCALATION: ["+or(r.Ticket, "TICKET-ID")+"]",
			"Customer: "+or(r.Customer, "[email]"),
			"Issue: "+line("issue", "[brief description]"),
			"Attempted: "+line("attempted", "[what you tried]"),
			"Impact: "+line("impact", "[number of users]"),
			"Urgency: "+or(r.Urgency.Title(), vocab.UrgencyPlaceholder()))
	}
	return b.String()
}

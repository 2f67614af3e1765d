package config

import (
	"fmt"
	"strings"
)

// Reviews is the reference's "Escalation Metrics": the root-cause tags a
// RESOLVED reply may name, and the weekly and monthly review mails.
//
// A config without a reviews block sends no review mail: reviews go to
// management, and the operator says so by writing the block. With the
// block and no To, the reviews go to the authorization.management teams
// and every team lead.
type Reviews struct {
	// RootCauses are the tags a "Root cause:" line may name (training,
	// product-bug, policy, outage). Another text is kept as written.
	RootCauses []string `yaml:"root_causes"`
	// To are the review mail's recipients: team names or internal
	// addresses. Default: the management teams and the team leads.
	To []string `yaml:"to"`
	// TicketsCommand is an argv that prints the helpdesk's ticket count for
	// a period (its arguments are followed by the period's start and end,
	// RFC 3339); with it the reviews show the escalation rate.
	TicketsCommand []string `yaml:"tickets_command"`
}

// ReviewsEnabled reports whether the config has a reviews block.
func (c *Config) ReviewsEnabled() bool { return c.Reviews != nil }

// RootCauseTags are the configured root-cause tags (none without a
// reviews block).
func (c *Config) RootCauseTags() []string {
	if c.Reviews == nil {
		return nil
	}
	return c.Reviews.RootCauses
}

// reviews checks the reviews block: review mail is internal, so every
// recipient is a team or an internal address.
func (v *validator) reviews() {
	r := v.c.Reviews
	if r == nil {
		return
	}
	for i, to := range r.To {
		if _, ok := v.c.Team(to); ok {
			continue
		}
		if !strings.Contains(to, "@") || !v.c.IsInternal(to) {
			v.add(fmt.Sprintf("reviews.to[%d]", i), "%q is neither a team nor an internal address: review mail stays inside the company", to)
		}
	}
	for i, tag := range r.RootCauses {
		if strings.TrimSpace(tag) == "" || strings.ContainsAny(tag, " \t") {
			v.add(fmt.Sprintf("reviews.root_causes[%d]", i), "a root-cause tag is one word (product-bug), not %q", tag)
		}
	}
	if len(r.TicketsCommand) > 0 && strings.TrimSpace(r.TicketsCommand[0]) == "" {
		v.add("reviews.tickets_command", "the command's first word is empty")
	}
}

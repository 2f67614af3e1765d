package outbound

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"escalationd/config"
	"escalationd/store"
	"escalationd/vocab"
)

// Refusal is a Guard's verdict that a mail must never be sent; any other
// Guard error means the check could not run, and the mail waits.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return r.Reason }

// ConfidentialGuard refuses mail of a confidential case (security, legal,
// fraud, media) that would reach the customer: the customer's address, or
// anyone at the customer's domain unless that domain is one of the
// company's own (internalDomains, subdomains included:
// config.IsInternalAddress), and, for an outside security report, the
// reporter. It reads the case fresh for every message, so neither a
// template, a config change nor a scheduler bug can route around it.
func ConfidentialGuard(st *store.Store, internalDomains []string) Guard {
	internal := slices.Clone(internalDomains)
	return func(ctx context.Context, m *store.Mail) error {
		if m.CaseID == 0 {
			return nil
		}
		c, err := st.Case(ctx, m.CaseID)
		if err != nil {
			return fmt.Errorf("confidentiality check: %w", err)
		}
		if !c.Confidential {
			return nil
		}
		forbidden := []string{}
		if c.Customer != "" && strings.Contains(c.Customer, "@") {
			forbidden = append(forbidden, strings.ToLower(c.Customer))
		}
		if c.Kind == vocab.KindSecurityReport && c.Agent != "" && !config.IsInternalAddress(c.Agent, internal) {
			// An outside reporter; an employee who reported to security@
			// may still hear back.
			forbidden = append(forbidden, strings.ToLower(c.Agent))
		}
		var forbiddenDomains []string
		for _, f := range forbidden {
			if d := domain(f); d != "" && !config.IsInternalDomain(d, internal) {
				forbiddenDomains = append(forbiddenDomains, d)
			}
		}
		for _, rcpt := range m.RcptTo {
			r := strings.ToLower(rcpt)
			if slices.Contains(forbidden, r) || slices.Contains(forbiddenDomains, domain(r)) {
				return &Refusal{fmt.Sprintf("case %d (%s) is confidential: refusing %s mail to customer-side address %s", c.ID, c.Ticket, m.Event, rcpt)}
			}
		}
		return nil
	}
}

func domain(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

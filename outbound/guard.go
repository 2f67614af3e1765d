package outbound

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"escalationd/config"
	"escalationd/store"
)

// Guard checks one outbox mail just before it is sent. It returns the
// recipients that must not get it; when that is every recipient it returns
// a *Refusal instead, and the mail is never sent. Any other error means the
// check could not run, and the mail waits.
type Guard func(ctx context.Context, m *store.Mail) (drop []string, err error)

// Refusal is a Guard's verdict that a mail must never be sent.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return r.Reason }

// ConfidentialGuard keeps the mail of a confidential case (security, legal,
// fraud, media) from its customer side: the addresses fixed when the case
// opened (the customer, an outside reporter) and anyone at their domains,
// unless a domain is the company's own (config.IsInternalAddress) or a
// public mail provider (publicDomains: a colleague at gmail.com is not the
// customer at gmail.com). Customer-side recipients are dropped, the others
// still get the mail; a mail with only customer-side recipients is
// refused. It reads the case fresh for every message, so neither a
// template, a config change nor a scheduler bug can route around it.
func ConfidentialGuard(st *store.Store, internalDomains, publicDomains []string) Guard {
	internal, public := slices.Clone(internalDomains), slices.Clone(publicDomains)
	return func(ctx context.Context, m *store.Mail) ([]string, error) {
		if m.CaseID == 0 {
			return nil, nil
		}
		c, err := st.Case(ctx, m.CaseID)
		if err != nil {
			return nil, fmt.Errorf("confidentiality check: %w", err)
		}
		if !c.Confidential {
			return nil, nil
		}
		var forbidden, forbiddenDomains []string
		for _, a := range c.CustomerSide {
			a = strings.ToLower(a)
			forbidden = append(forbidden, a)
			if d := domain(a); d != "" && !config.IsInternalAddress(a, internal) && !slices.Contains(public, d) {
				forbiddenDomains = append(forbiddenDomains, d)
			}
		}
		var drop []string
		for _, rcpt := range m.RcptTo {
			r := strings.ToLower(rcpt)
			if slices.Contains(forbidden, r) || slices.Contains(forbiddenDomains, domain(r)) {
				drop = append(drop, rcpt)
			}
		}
		if len(drop) > 0 && len(drop) == len(m.RcptTo) {
			return drop, &Refusal{fmt.Sprintf("case %d (%s) is confidential: refusing %s mail whose every recipient is on the customer side (%s)",
				c.ID, c.Ticket, m.Event, strings.Join(drop, ", "))}
		}
		return drop, nil
	}
}

func domain(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

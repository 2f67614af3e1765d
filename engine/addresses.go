package engine

import (
	"net/mail"
	"slices"
	"strings"
	"time"

	"escalationd/store"
)

// teamAddresses resolves a team at now (after hours, on call); an empty
// team means the addresses the case was last routed to.
func (e *Engine) teamAddresses(c *store.Case, team string, now time.Time) ([]string, error) {
	if team == "" {
		return slices.Clone(c.RoutedTo), nil
	}
	rs, err := e.rt.ResolveTeam(team, now)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Address)
	}
	return dedupe(out), nil
}

// replyAddress is where replies about a case go: the watched mailbox it
// came in through.
func (e *Engine) replyAddress(mailbox string) string {
	if mb, ok := e.cfg.Mailbox(mailbox); ok {
		return mb.Address
	}
	return e.fromAddress()
}

func (e *Engine) fromAddress() string {
	if a, err := mail.ParseAddress(e.cfg.SMTP.From); err == nil {
		return strings.ToLower(a.Address)
	}
	return ""
}

// envelopeRecipients is To and Cc, deduplicated, lowercased.
func envelopeRecipients(to, cc []string) []string {
	var out []string
	for _, a := range append(slices.Clone(to), cc...) {
		if p, err := mail.ParseAddress(a); err == nil {
			a = p.Address
		}
		a = strings.ToLower(a)
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func dedupe(list []string) []string {
	var out []string
	for _, a := range list {
		a = strings.ToLower(a)
		if a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// minus is list without the addresses in drop.
func minus(list, drop []string) []string {
	var out []string
	for _, a := range list {
		if !slices.ContainsFunc(drop, func(d string) bool { return strings.EqualFold(d, a) }) {
			out = append(out, a)
		}
	}
	return out
}

func isAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == ""
}

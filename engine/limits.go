package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"escalationd/mailparse"
	"escalationd/store"
	"escalationd/vocab"
)

// mergeable says why a new escalation of a ticket must not be merged into
// the ticket's open case c ("" when it may): a confidential case never
// takes in a non-confidential escalation, and only its own agent or the
// people who may act on it (its teams, those it was mailed to, management)
// may re-route it, and only when believed (senders.require_authentication).
func (e *Engine) mergeable(tx *store.Tx, c *store.Case, res *mailparse.Result, authenticated bool, now time.Time) (string, error) {
	sender := strings.ToLower(res.From)
	if !authenticated {
		return "its sender is not authenticated", nil
	}
	if c.Confidential {
		mb, _ := e.cfg.Mailbox(c.Mailbox)
		if !e.rt.Route(RouterInput(res, c.Mailbox, mb.Kind), now).Flags.Confidential {
			return "the open case is confidential and this escalation is not", nil
		}
	}
	if sender == c.Agent {
		return "", nil
	}
	who, err := e.actorOf(tx, c, sender, now)
	if err != nil {
		return "", err
	}
	if who == actorOwner || who == actorMailed || who == actorManagement {
		return "", nil
	}
	return fmt.Sprintf("it comes from %s, who is not on that case", sender), nil
}

// limitNewCase applies the rate limits on new cases (rate_limits): an
// outside sender's repeated security reports within the window join the
// first one's case as comments; mail over the per-sender or per-outside-
// domain limit is kept for review, never answered, and the flood-alert
// team is told once per window. limited reports that the mail opens no
// case.
func (e *Engine) limitNewCase(tx *store.Tx, msg *store.StoredMessage, res *mailparse.Result, now time.Time) (h handled, limited bool, err error) {
	sender := strings.ToLower(res.From)
	rl := e.cfg.RateLimits
	since := now.Add(-rl.Window.D())
	outside := !e.cfg.IsInternal(sender)
	if outside && res.Kind == vocab.KindSecurityReport {
		first, err := tx.RecentCaseBy(sender, vocab.KindSecurityReport, since)
		if err != nil {
			return h, true, err
		}
		if first != nil && first.IsOpen() {
			err := tx.AddEvent(store.Event{CaseID: first.ID, At: now, Type: vocab.EventComment, Actor: sender, Message: msg.ID,
				Detail: "another report from the same sender: " + oneLine(res.Subject) + ": " + truncate(oneLine(res.Text), 500)})
			return handled{disposition: mailparse.DispositionCase, reason: "grouped", outcome: store.OutcomeProcessed, caseID: first.ID}, true, err
		}
	}
	// Whether a limit is reached is read first (cheaply: see AtLeast); the
	// counts, for the log and the alert, only when one is.
	overSender := false
	if rl.CasesPerSender > 0 {
		if overSender, err = tx.AtLeast(store.RateNewCase, sender, since, rl.CasesPerSender); err != nil {
			return h, true, err
		}
	}
	overDomain := false
	if outside {
		if overDomain, err = tx.AtLeast(store.RateOutsideCase, orgDomain(sender), since, rl.CasesPerOutsideDomain); err != nil {
			return h, true, err
		}
		overAll, err := tx.AtLeast(store.RateOutsideCase, "", since, rl.OutsideCases)
		if err != nil {
			return h, true, err
		}
		overDomain = overDomain || overAll
	}
	if !overSender && !overDomain {
		return h, false, nil
	}
	perSender, err := tx.CountRate(store.RateNewCase, sender, since)
	if err != nil {
		return h, true, err
	}
	perDomain, allOutside := 0, 0
	if outside {
		if perDomain, err = tx.CountRate(store.RateOutsideCase, orgDomain(sender), since); err != nil {
			return h, true, err
		}
		if allOutside, err = tx.CountRate(store.RateOutsideCase, "", since); err != nil {
			return h, true, err
		}
	}
	e.log.Warn("new case suppressed by rate limit", "sender", sender, "sender_cases", perSender, "domain_cases", perDomain)
	h, err = e.ignore(tx, msg, res, "rate-limited", now)
	if err != nil {
		return h, true, err
	}
	// One alert per flooding sender, or per flooding outside domain.
	who, count := sender, perSender+1
	switch {
	case outside && allOutside >= rl.OutsideCases:
		who, count = "outside senders", allOutside+1
	case overDomain:
		who, count = "@"+orgDomain(sender), perDomain+1
	}
	n, err := e.floodAlert(tx, who, count, now)
	h.mails += n
	return h, true, err
}

// countNewCase counts a case its sender opened, for limitNewCase.
func (e *Engine) countNewCase(tx *store.Tx, sender string, now time.Time) error {
	if err := tx.MarkRate(store.RateNewCase, sender, now); err != nil {
		return err
	}
	if e.cfg.IsInternal(sender) || sender == "" {
		return nil
	}
	return tx.MarkRate(store.RateOutsideCase, orgDomain(sender), now)
}

// twoLevelSuffixes are public suffixes of two labels under which each
// organisation has its own third label (example.co.uk).
var twoLevelSuffixes = []string{"co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.nz", "co.jp",
	"ne.jp", "or.jp", "com.br", "com.cn", "com.mx", "co.in", "co.za", "com.tr", "com.sg", "co.kr"}

// orgDomain is the organisational domain of an address, for counting mail
// per outside sender organisation: s1.junk.example and s2.junk.example are
// one (junk.example); a.example.co.uk is example.co.uk.
func orgDomain(addr string) string {
	labels := strings.Split(domainOf(addr), ".")
	n := 2
	if len(labels) >= 3 && slices.Contains(twoLevelSuffixes, strings.Join(labels[len(labels)-2:], ".")) {
		n = 3
	}
	if len(labels) <= n {
		return strings.Join(labels, ".")
	}
	return strings.Join(labels[len(labels)-n:], ".")
}

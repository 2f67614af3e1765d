package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"escalationd/config"
	"escalationd/outbound"
	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// The reviews ("Weekly: escalation trends; Monthly: root cause analysis")
// are gateway-wide mails with no case and no timer row: each is due at a
// fixed slot of the company calendar (Monday 09:00; the first working day
// of the month, 09:00, gateway.timezone), and its outbox dedup key names
// its period, so it is queued once per period, ever, across restarts. A
// slot missed by more than reviewCatchUp (the gateway was down) is
// skipped: a stale review is noise.
const (
	reviewHour    = 9
	reviewCatchUp = 24 * time.Hour
)

// ReviewPeriod is the period a review covers and the one it is compared
// with: the complete week (Monday to Sunday) or month before at, in the
// company's time zone.
type ReviewPeriod struct {
	Event                 vocab.Event // weekly-review or monthly-review
	From, Until, LastFrom time.Time
}

// ReviewPeriodAt is the period of the review of kind ev that at falls
// after.
func ReviewPeriodAt(ev vocab.Event, at time.Time, loc *time.Location) ReviewPeriod {
	l := at.In(loc)
	if ev == vocab.EventMonthlyReview {
		until := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
		return ReviewPeriod{Event: ev, Until: until, From: until.AddDate(0, -1, 0), LastFrom: until.AddDate(0, -2, 0)}
	}
	monday := time.Date(l.Year(), l.Month(), l.Day()-(int(l.Weekday())+6)%7, 0, 0, 0, 0, loc)
	return ReviewPeriod{Event: vocab.EventWeeklyReview, Until: monday, From: monday.AddDate(0, 0, -7), LastFrom: monday.AddDate(0, 0, -14)}
}

// dedup is the review's outbox key: one per period.
func (p ReviewPeriod) dedup() string {
	if p.Event == vocab.EventMonthlyReview {
		return "review:month:" + p.From.Format("2006-01")
	}
	return "review:week:" + p.From.Format("2006-01-02")
}

// reviewSlot is when the review of the period starting at a period end
// (Monday 00:00, the 1st 00:00) is due: 09:00 that Monday, or 09:00 on the
// month's first working day (Monday to Friday, not a company holiday).
func reviewSlot(cfg *config.Config, ev vocab.Event, periodEnd time.Time) time.Time {
	day := periodEnd
	if ev == vocab.EventMonthlyReview {
		for !workingDay(cfg, day) {
			day = day.AddDate(0, 0, 1)
		}
	}
	return time.Date(day.Year(), day.Month(), day.Day(), reviewHour, 0, 0, 0, day.Location())
}

func workingDay(cfg *config.Config, day time.Time) bool {
	if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		return false
	}
	y, m, d := day.Date()
	for _, h := range cfg.CompanyHolidays() {
		if hy, hm, hd := h.YMD(); hy == y && hm == m && hd == d {
			return false
		}
	}
	return true
}

// dueReview is the period whose review is due at now (its slot passed
// within reviewCatchUp), if any.
func dueReview(cfg *config.Config, ev vocab.Event, now time.Time) (ReviewPeriod, bool) {
	p := ReviewPeriodAt(ev, now, cfg.Location())
	slot := reviewSlot(cfg, ev, p.Until)
	return p, !now.Before(slot) && now.Sub(slot) < reviewCatchUp
}

// nextReviewSlot is the first review slot after now (zero without reviews).
func (e *Engine) nextReviewSlot(now time.Time) time.Time {
	if !e.cfg.ReviewsEnabled() {
		return time.Time{}
	}
	var next time.Time
	for _, ev := range []vocab.Event{vocab.EventWeeklyReview, vocab.EventMonthlyReview} {
		p := ReviewPeriodAt(ev, now, e.cfg.Location())
		slot := reviewSlot(e.cfg, ev, p.Until)
		if !slot.After(now) {
			// This period's slot passed: the next period ends a week or a
			// month later.
			end := p.Until.AddDate(0, 1, 0)
			if ev == vocab.EventWeeklyReview {
				end = p.Until.AddDate(0, 0, 7)
			}
			slot = reviewSlot(e.cfg, ev, end)
		}
		if next.IsZero() || slot.Before(next) {
			next = slot
		}
	}
	return next
}

// fireReviews queues each review whose slot has come and that was not
// queued yet; it returns how many it queued.
func (e *Engine) fireReviews(ctx context.Context, now time.Time) (int, error) {
	if !e.cfg.ReviewsEnabled() {
		return 0, nil
	}
	sent := 0
	for _, ev := range []vocab.Event{vocab.EventWeeklyReview, vocab.EventMonthlyReview} {
		p, due := dueReview(e.cfg, ev, now)
		if !due {
			continue
		}
		queued := false
		if err := e.st.InTx(ctx, func(tx *store.Tx) (err error) { queued, err = tx.MailQueued(p.dedup()); return err }); err != nil || queued {
			if err != nil {
				return sent, err
			}
			continue
		}
		to := ReviewRecipients(e.cfg)
		if len(to) == 0 {
			e.log.Warn("review has no recipients: no management team and no team lead", "event", ev)
			continue
		}
		rv, err := BuildReview(ctx, e.st, e.cfg, p, now)
		if err != nil {
			return sent, fmt.Errorf("build %s: %w", ev, err)
		}
		chart, err := templates.ReviewChart(rv)
		if err != nil {
			return sent, fmt.Errorf("draw %s chart: %w", ev, err)
		}
		html, err := templates.ReviewHTML(rv, chart != nil)
		if err != nil {
			return sent, fmt.Errorf("render %s as HTML: %w", ev, err)
		}
		m := outMail{event: ev, role: vocab.RoleManagement, dedup: p.dedup(), to: to,
			data: templates.Data{Now: now, Review: rv}, html: html}
		if chart != nil {
			m.inline = []outbound.Inline{{ContentID: templates.ReviewChartID, Filename: "review-chart.png", ContentType: "image/png", Data: chart}}
		}
		err = e.st.InTx(ctx, func(tx *store.Tx) error {
			// Checked again in the transaction that queues it: one per
			// period, even with two engines on one database.
			if queued, err := tx.MailQueued(m.dedup); err != nil || queued {
				return err
			}
			sent++
			return e.enqueue(tx, nil, m, now)
		})
		if err != nil {
			return sent, err
		}
	}
	if sent > 0 {
		e.wake()
	}
	return sent, nil
}

// ReviewRecipients are the review mail's addresses: reviews.to (teams by
// their addresses, or members when a team has none; internal addresses as
// written), or by default the management teams and every team lead. Only
// internal addresses are kept.
func ReviewRecipients(cfg *config.Config) []string {
	var out []string
	add := func(addrs ...string) {
		for _, a := range addrs {
			// Reviews name confidential cases: they never leave the
			// company, whatever a team's list holds.
			if a = strings.ToLower(strings.TrimSpace(a)); a != "" && cfg.IsInternal(a) && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	team := func(name string) bool {
		t, ok := cfg.Team(name)
		if !ok {
			return false
		}
		if len(t.Addresses) > 0 {
			add(t.Addresses...)
		} else {
			add(t.MemberAddresses()...)
		}
		return true
	}
	if cfg.Reviews != nil && len(cfg.Reviews.To) > 0 {
		for _, to := range cfg.Reviews.To {
			if !team(to) && cfg.IsInternal(to) {
				add(to)
			}
		}
		return out
	}
	for _, name := range cfg.Authorization.Management {
		team(name)
	}
	for _, t := range cfg.Teams {
		add(t.Lead)
	}
	return out
}

// NextDue is when the next SLA step or review falls due: what a loop on a
// clock (RunTimers, simulate) sleeps until.
func (e *Engine) NextDue(ctx context.Context) (time.Time, bool, error) {
	next, ok, err := e.st.NextTimerDue(ctx)
	if err != nil {
		return next, ok, err
	}
	if slot := e.nextReviewSlot(e.clock.Now()); !slot.IsZero() && (!ok || slot.Before(next)) {
		return slot, true, nil
	}
	return next, ok, nil
}

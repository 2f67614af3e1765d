package httpapi

import (
	"bytes"
	"context"
	_ "embed"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"time"

	"escalationd/store"
	"escalationd/vocab"
)

//go:embed dashboard.html
var dashboardHTML string

var dashboardTmpl = template.Must(template.New("dashboard").Parse(dashboardHTML))

// chartDays is how many days the charts cover.
const chartDays = 14

// caseRow is one open case on the dashboard. Confidential cases carry no
// customer or summary at all, so the template cannot show them.
type caseRow struct {
	Ticket       string
	Urgency      string
	Kind         string
	Owner        string // who acknowledged, else the team
	Customer     string
	Summary      string
	Confidential bool
	Age          string
	State        string
	// DeadlineUnix is the respond-by time (Unix seconds) while the case is
	// unacknowledged; 0 once acknowledged.
	DeadlineUnix int64
	Countdown    string
	Breached     bool
}

type shiftRow struct {
	Rotation, Now, NowUntil, Next string
}

type mailRow struct {
	Event                 string
	Sent, Pending, Failed int64
	Other                 int64
}

type dashboardData struct {
	Now      string
	NowUnix  int64
	Cases    []caseRow
	OnCall   []shiftRow
	Mail     []mailRow
	Charts   []template.HTML
	Problems []string
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	d, err := s.dashboardData(ctx)
	if err != nil {
		s.log.Warn("dashboard: reading the database failed", "err", err)
		http.Error(w, "reading the database failed", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := dashboardTmpl.Execute(&buf, d); err != nil {
		s.log.Error("dashboard: template failed", "err", err)
		http.Error(w, "rendering failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// Only the page's own inline script and style; nothing external.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:")
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) dashboardData(ctx context.Context) (*dashboardData, error) {
	now := s.opt.Clock.Now()
	loc := s.opt.Timezone
	d := &dashboardData{Now: now.In(loc).Format("2006-01-02 15:04 MST"), NowUnix: now.Unix(), Problems: s.readiness(ctx)}
	cases, err := s.opt.Store.Cases(ctx, store.CaseFilter{OpenOnly: true})
	if err != nil {
		return nil, err
	}
	d.Cases = openCases(cases, now)
	d.OnCall = s.onCall(now)
	if d.Mail, err = s.lastDayMail(ctx, now); err != nil {
		return nil, err
	}
	if d.Charts, err = s.charts(ctx, now); err != nil {
		return nil, err
	}
	return d, nil
}

func openCases(cases []*store.Case, now time.Time) []caseRow {
	rows := make([]caseRow, 0, len(cases))
	for _, c := range cases {
		r := caseRow{Ticket: c.Ticket, Urgency: string(c.Urgency), Kind: string(c.Kind), Owner: c.AcknowledgedBy, State: c.State,
			Confidential: c.Confidential, Age: human(now.Sub(c.OpenedAt))}
		if r.Owner == "" {
			r.Owner = c.Team
		}
		if !c.Confidential {
			r.Customer, r.Summary = c.Customer, c.Summary
			if r.Summary == "" {
				r.Summary = c.Subject
			}
		}
		if c.AcknowledgedAt.IsZero() && !c.RespondBy.IsZero() {
			r.DeadlineUnix = c.RespondBy.Unix()
			left := c.RespondBy.Sub(now)
			r.Breached = left < 0
			r.Countdown = countdown(left)
		}
		rows = append(rows, r)
	}
	// Breached first (most overdue first), then the nearest deadline,
	// then acknowledged cases by urgency.
	rank := func(r caseRow) int {
		switch {
		case r.Breached:
			return 0
		case r.DeadlineUnix != 0:
			return 1
		}
		return 2
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if a.DeadlineUnix != b.DeadlineUnix {
			return a.DeadlineUnix < b.DeadlineUnix
		}
		return vocab.Urgency(a.Urgency).Rank() > vocab.Urgency(b.Urgency).Rank()
	})
	return rows
}

func (s *Server) onCall(now time.Time) []shiftRow {
	if s.opt.Schedule == nil {
		return nil
	}
	var out []shiftRow
	for _, name := range s.opt.Schedule.Names() {
		cur, err := s.opt.Schedule.OnCall(name, now)
		if err != nil {
			continue
		}
		r := shiftRow{Rotation: name, Now: cur.Name, NowUntil: cur.Until.In(s.opt.Timezone).Format("Mon 15:04")}
		if next, err := s.opt.Schedule.OnCall(name, cur.Until); err == nil {
			r.Next = next.Name
		}
		out = append(out, r)
	}
	return out
}

func (s *Server) lastDayMail(ctx context.Context, now time.Time) ([]mailRow, error) {
	counts, err := s.opt.Store.OutboxEventCounts(ctx, now.Add(-24*time.Hour))
	if err != nil {
		return nil, err
	}
	byEvent := map[string]*mailRow{}
	var out []mailRow
	for _, c := range counts {
		r, ok := byEvent[c.Labels[0]]
		if !ok {
			r = &mailRow{Event: c.Labels[0]}
			byEvent[c.Labels[0]] = r
		}
		switch c.Labels[1] {
		case store.MailSent:
			r.Sent += c.N
		case store.MailPending:
			r.Pending += c.N
		case store.MailFailed:
			r.Failed += c.N
		default:
			r.Other += c.N
		}
	}
	for _, r := range byEvent {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b mailRow) int { return cmpString(a.Event, b.Event) })
	return out, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// countdown is "12m 05s" left, or "-1h 02m" overdue; the page's script
// keeps it current.
func countdown(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	d = d.Truncate(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return sign + itoa(h) + "h " + pad(m) + "m " + pad(sec) + "s"
	}
	return sign + itoa(m) + "m " + pad(sec) + "s"
}

func human(d time.Duration) string {
	switch {
	case d < time.Hour:
		return itoa(int(d.Minutes())) + "m"
	case d < 48*time.Hour:
		return itoa(int(d.Hours())) + "h " + pad(int(d.Minutes())%60) + "m"
	}
	return itoa(int(d.Hours()/24)) + "d"
}

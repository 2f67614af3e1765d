package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"escalationd/store"
)

// healthBody is the JSON of /healthz and /readyz: ok, and what is wrong.
type healthBody struct {
	OK       bool     `json:"ok"`
	Problems []string `json:"problems,omitempty"`
}

func writeHealth(w http.ResponseWriter, problems []string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if len(problems) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(healthBody{OK: len(problems) == 0, Problems: problems})
}

// healthz: the process answers and the database can be read.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	var problems []string
	if err := s.opt.Store.Ping(ctx); err != nil {
		problems = append(problems, err.Error())
	}
	writeHealth(w, problems)
}

// readyz: healthz, plus every mailbox connected and synced within twice
// its poll interval, and no pending mail older than OutboxStuckAfter.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	writeHealth(w, s.readiness(ctx))
}

func (s *Server) readiness(ctx context.Context) []string {
	now := s.opt.Clock.Now()
	var problems []string
	if err := s.opt.Store.Ping(ctx); err != nil {
		return []string{err.Error()}
	}
	for _, mb := range s.opt.Mailboxes.Mailboxes() {
		switch {
		case !mb.Connected:
			p := fmt.Sprintf("mailbox %s: not connected", mb.Name)
			if mb.LastError != "" {
				p += ": " + mb.LastError
			}
			problems = append(problems, p)
		case mb.LastSync.IsZero():
			problems = append(problems, fmt.Sprintf("mailbox %s: connected, first sync not finished", mb.Name))
		case mb.PollInterval > 0 && now.Sub(mb.LastSync) > 2*mb.PollInterval:
			problems = append(problems, fmt.Sprintf("mailbox %s: last sync %s ago, more than twice the poll interval %s",
				mb.Name, now.Sub(mb.LastSync).Round(time.Second), mb.PollInterval))
		}
	}
	ob, err := s.opt.Store.OutboxStatus(ctx, now)
	if err != nil {
		return append(problems, err.Error())
	}
	if !ob.OldestPending.IsZero() && now.Sub(ob.OldestPending) > s.opt.OutboxStuckAfter {
		p := fmt.Sprintf("outbox stuck: %d pending, the oldest queued %s ago (bound %s)", ob.Counts[store.MailPending],
			now.Sub(ob.OldestPending).Round(time.Second), s.opt.OutboxStuckAfter)
		if ob.LastError != "" {
			p += "; last error: " + ob.LastError
		}
		problems = append(problems, p)
	}
	return problems
}

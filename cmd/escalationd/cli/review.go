package cli

import (
	"context"
	"escalationd/vocab"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

func reviewCmd(ctx context.Context, env Env, args []string) error {
	cfg, since, asJSON, err := reportFlags("review", env, args)
	if err != nil {
		return err
	}
	return Review(ctx, env.Stdout, ReviewOptions{ConfigPath: cfg, Since: since, JSON: asJSON})
}

// ReviewOptions are the inputs of `escalationd review`.
type ReviewOptions struct {
	ConfigPath string
	Since      time.Time
	JSON       bool
}

// ReviewItem is one mail that opened no case, or a gateway-wide warning.
type ReviewItem struct {
	At      time.Time   `json:"at"`
	Type    vocab.Event `json:"type"`             // ignored, rejected, parked, rejection-suppressed, flood, command-refused
	Ticket  string      `json:"ticket,omitempty"` // the case of a refused command
	Sender  string      `json:"sender,omitempty"`
	Message int64       `json:"message,omitempty"`
	Detail  string      `json:"detail,omitempty"`
}

// reviewed are the events review lists: mail that opened no case and
// reply commands that were refused, with the reason.
var reviewed = []vocab.Event{vocab.EventIgnored, vocab.EventRejected, vocab.EventParked, vocab.EventRejectionSuppressed,
	vocab.EventFlood, vocab.EventCommandRefused}

// Review lists what the gateway did not act on, newest first: ignored mail
// (unknown, spoofed or unauthenticated senders, auto-replies, loops, rate
// limits, ...), rejected escalations, parked mail, floods, and refused
// reply commands with the reason (not authenticated, not allowed, unknown
// thread). The mails themselves are in the mailboxes' rejected folders and
// in the database.
func Review(ctx context.Context, w io.Writer, o ReviewOptions) error {
	st, err := openStore(ctx, o.ConfigPath)
	if err != nil {
		return err
	}
	defer st.Close()
	events, err := st.EventsOfTypes(ctx, reviewed, o.Since)
	if err != nil {
		return err
	}
	tickets := map[int64]string{}
	items := []ReviewItem{}
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		it := ReviewItem{At: e.At, Type: e.Type, Sender: e.Actor, Message: e.Message, Detail: e.Detail}
		if e.CaseID != 0 {
			if _, ok := tickets[e.CaseID]; !ok {
				c, err := st.Case(ctx, e.CaseID)
				if err != nil {
					return err
				}
				tickets[e.CaseID] = c.Ticket
			}
			it.Ticket = tickets[e.CaseID]
		}
		items = append(items, it)
	}
	if o.JSON {
		return writeJSON(w, items)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tTYPE\tTICKET\tSENDER\tDETAIL")
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", it.At.Format(time.RFC3339), it.Type, orDash(it.Ticket), it.Sender, it.Detail)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

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
	Type    vocab.Event `json:"type"` // ignored, rejected, parked, rejection-suppressed, flood
	Sender  string      `json:"sender,omitempty"`
	Message int64       `json:"message,omitempty"`
	Detail  string      `json:"detail,omitempty"`
}

// Review lists what the gateway did not route, newest first: ignored mail
// (unknown or spoofed senders, auto-replies, loops, ...), rejected
// escalations, parked mail and floods. The mails themselves are in the
// mailboxes' rejected folders and in the database.
func Review(ctx context.Context, w io.Writer, o ReviewOptions) error {
	st, err := openStore(ctx, o.ConfigPath)
	if err != nil {
		return err
	}
	defer st.Close()
	events, err := st.Events(ctx, 0)
	if err != nil {
		return err
	}
	items := []ReviewItem{}
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.At.Before(o.Since) {
			continue
		}
		switch e.Type {
		case vocab.EventIgnored, vocab.EventRejected, vocab.EventParked, vocab.EventRejectionSuppressed, vocab.EventFlood:
			items = append(items, ReviewItem{At: e.At, Type: e.Type, Sender: e.Actor, Message: e.Message, Detail: e.Detail})
		}
	}
	if o.JSON {
		return writeJSON(w, items)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tTYPE\tSENDER\tDETAIL")
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", it.At.Format(time.RFC3339), it.Type, it.Sender, it.Detail)
	}
	return tw.Flush()
}

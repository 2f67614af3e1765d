package outbound_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"escalationd/config"
	"escalationd/examples"
	"escalationd/internal/mailtest"
	"escalationd/outbound"
	"escalationd/store"
	"escalationd/vocab"
)

// BenchmarkCompose composes the mail that routes a case to its team, as
// the engine does (engine/mail.go): the rendered text, the gateway's
// headers and the agent's escalation attached as message/rfc822, for a
// typical escalation and for one carrying a 1 MB attachment.
func BenchmarkCompose(b *testing.B) {
	for _, c := range []struct {
		name     string
		original []byte
	}{
		{"routed", mailtest.Escalation(mailtest.EscalationOpts{})},
		{"routed-original-1MB", mailtest.LargeEscalation(mailtest.EscalationOpts{}, 1<<20, 1)},
	} {
		b.Run(c.name, func(b *testing.B) {
			m := benchRoutedMessage(c.original)
			raw, err := outbound.Compose(m)
			if err != nil {
				b.Fatal(err)
			}
			if len(raw) < len(c.original) || !bytes.Contains(raw, []byte("Content-Type: message/rfc822")) ||
				!bytes.Contains(raw, []byte("X-Escalation-Ticket: TICKET-1042")) {
				b.Fatalf("composed %d bytes without the original (%d bytes) or the gateway's headers", len(raw), len(c.original))
			}
			b.SetBytes(int64(len(c.original)))
			b.ReportAllocs()
			for b.Loop() {
				raw, err := outbound.Compose(m)
				if err != nil || len(raw) < len(c.original) {
					b.Fatalf("Compose: %d bytes, %v", len(raw), err)
				}
			}
		})
	}
}

// BenchmarkConfidentialGuard runs the check in front of every SMTP send:
// one read of the case, then the recipients against its customer side.
func BenchmarkConfidentialGuard(b *testing.B) {
	ctx := context.Background()
	cfg, err := config.Parse(examples.Helpdesk, "helpdesk.yaml", config.Options{SkipSecrets: true})
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "escalationd.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	guard := outbound.ConfidentialGuard(st, cfg.InternalDomains(), cfg.PublicDomains())
	now := time.Date(2026, 12, 1, 15, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		name         string
		confidential bool
		rcpt         []string
		drop         int
	}{
		{"plain-case", false, []string{"senior-support@craudiovizai.com"}, 0},
		{"confidential-case", true, []string{"legal@craudiovizai.com", "roy@craudiovizai.com"}, 0},
		{"confidential-case-drops-customer", true, []string{"legal@craudiovizai.com", "pat.customer@example.com"}, 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			cs := &store.Case{Ticket: "TCK-" + c.name, Kind: vocab.KindEscalation, Mailbox: "escalations", State: store.CaseOpen,
				Urgency: vocab.High, Customer: "pat.customer@example.com", Agent: "jordan.lee@craudiovizai.com", Subject: "ESCALATION",
				Confidential: c.confidential, ParseJSON: "{}", DecisionJSON: "{}", OpenedAt: now, RespondBy: now.Add(30 * time.Minute),
				CustomerSide: []string{"pat.customer@example.com"}}
			if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCase(cs) }); err != nil {
				b.Fatal(err)
			}
			m := &store.Mail{CaseID: cs.ID, Event: vocab.EventRouted, Role: vocab.RoleTeam, RcptTo: c.rcpt}
			check := func(drop []string, err error) {
				var refusal *outbound.Refusal
				if len(drop) != c.drop || (err != nil && !errors.As(err, &refusal)) || (err != nil) != (c.drop == len(c.rcpt)) {
					b.Fatalf("guard dropped %v, %v; want %d dropped", drop, err, c.drop)
				}
			}
			check(guard(ctx, m))
			b.ReportAllocs()
			for b.Loop() {
				check(guard(ctx, m))
			}
		})
	}
}

// benchRoutedMessage is the routed mail of mailtest's default escalation
// as engine.enqueue builds it.
func benchRoutedMessage(original []byte) outbound.Message {
	now := time.Date(2025, 11, 24, 14, 30, 5, 0, time.UTC)
	subject := "ESCALATION: [TICKET-1042] [High] Payment page returns 500 after checkout"
	return outbound.Message{
		From: "Escalation Desk <escalations@craudiovizai.com>", To: []string{"senior-support@craudiovizai.com"},
		ReplyTo: "escalations@craudiovizai.com", Subject: subject, Body: benchRoutedBody,
		MessageID: "escalationd.12.routed.5f2c9a1e@craudiovizai.com", InReplyTo: "ticket-1042@helpdesk.craudiovizai.com",
		References: []string{"ticket-1042@helpdesk.craudiovizai.com"}, Date: now, AutoSubmitted: "auto-generated",
		Headers: []outbound.Header{
			{Name: "X-Escalation-Loop", Value: "craudiovizai.com"},
			{Name: "X-Escalation-Event", Value: "routed"},
			{Name: "X-Escalation-Ticket", Value: "TICKET-1042"},
			{Name: "X-Escalation-Urgency", Value: "high"},
			{Name: "X-Escalation-Case", Value: "12"},
			{Name: "Thread-Topic", Value: subject},
			{Name: "Thread-Index", Value: "AdxeYm9vAAAAAAAAAAAAAAAAAAAAAA=="},
		},
		Attachment: &outbound.Attachment{Filename: "escalation.eml", ContentType: "message/rfc822", Data: original},
	}
}

// benchRoutedBody is a routed mail's text as the templates render it.
const benchRoutedBody = `High escalation TICKET-1042: reply ACK by Mon 24 Nov 10:00 EST, in 30 minutes.
Payment page returns 500 after checkout. Customer: pat.customer@example.com. Impact: 40 users.
High escalation cases go to senior support (rule tier2 > tier2-high).

Reply to this mail with one command on the first line:
  ACK               acknowledge: you own it, the breach clock stops
  RESOLVED <note>   resolved: closes the case and the loop
  NOTE <text>       add a note to the case
  URGENCY <level>   change urgency: low, medium, high, critical
  REASSIGN <team>   hand the case to another team
  REOPEN            reopen a resolved case

What to do:
  - Acknowledge within 30 minutes: reply ACK
  - Document thoroughly
  - Provide a workaround if one is available
  - Monitor closely

The escalation
Customer: pat.customer@example.com
Issue: Payment page returns 500 after checkout
Attempted: Cleared cache, reproduced in two browsers, checked the status page
Impact: 40 users
Urgency: High

Case details
Ticket: TICKET-1042 (case 12)
Urgency: High
Escalated by: Jordan Lee <jordan.lee@craudiovizai.com>
Team: senior support (senior-support@craudiovizai.com)
Respond by: Mon 24 Nov 10:00 EST

The original escalation is attached.
`

package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"escalationd/config"
	"escalationd/engine"
	"escalationd/examples"
	"escalationd/internal/clock"
	"escalationd/internal/mailtest"
	"escalationd/router"
	"escalationd/sla"
	"escalationd/store"
	"escalationd/templates"
)

// BenchmarkProcess handles one stored mail end to end with the shipped
// config (examples/helpdesk.yaml) on a virtual clock: Engine.Process
// reads the message, parses it, and in one transaction opens and routes
// the case, renders and composes its mail into the outbox and starts its
// timers (or, for a reply, applies the command). Each mail is stored with
// Ingest, untimed, just before; the database starts empty and grows by
// one case per iteration.
func BenchmarkProcess(b *testing.B) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	// A Tuesday without holidays: engineering works 09:00-18:00.
	business := time.Date(2026, 12, 1, 10, 30, 0, 0, ny)
	afterHours := time.Date(2026, 12, 1, 23, 30, 0, 0, ny)
	escalation := func(urgency string) func(ticket string) []byte {
		return func(ticket string) []byte {
			return mailtest.Escalation(mailtest.EscalationOpts{Ticket: ticket, Urgency: urgency})
		}
	}
	for _, c := range []struct {
		name string
		at   time.Time
		mail func(ticket string) []byte
		// team owns the case; mails are the outbox rows it queues.
		team  string
		mails int
	}{
		{"escalation-high", business, escalation("High"), "senior_support", 2},
		// Low goes to the team's daily digest: no mail now.
		{"escalation-low", business, escalation("Low"), "senior_support", 1},
		{"critical/after-hours", afterHours, escalation("Critical"), "oncall", 3},
		{"engineering/business-hours", business, benchBug, "engineering", 2},
		{"engineering/after-hours", afterHours, benchBug, "oncall", 2},
		{"escalation-attachment-1MB", business, benchWithAttachment(1 << 20), "senior_support", 2},
	} {
		b.Run(c.name, func(b *testing.B) {
			env := newBenchEngine(b, c.at)
			n := 0
			next := func() int64 {
				n++
				return env.ingest(c.mail(fmt.Sprintf("TCK-%06d", n)))
			}
			// The first, checked in full.
			id := next()
			env.process(id)
			cs := env.caseOf(id)
			mails, err := env.st.MailForCase(context.Background(), cs.ID)
			if err != nil || cs.Team != c.team || len(mails) != c.mails {
				b.Fatalf("case %s of team %q with %d mails (%v), want team %q and %d mails", cs.Ticket, cs.Team, len(mails), err, c.team, c.mails)
			}
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				id := next()
				b.StartTimer()
				env.process(id)
			}
			// Every iteration opened a case of its own.
			cases, err := env.st.Cases(context.Background(), store.CaseFilter{})
			if err != nil || len(cases) != n {
				b.Fatalf("%d cases after %d mails (%v)", len(cases), n, err)
			}
		})
	}
	// An ACK from a team member, in the thread of the routed mail: the
	// case (opened untimed just before) is acknowledged.
	b.Run("reply-ack", func(b *testing.B) {
		env := newBenchEngine(b, business)
		n := 0
		next := func() (reply int64, caseID int64) {
			n++
			id := env.ingest(mailtest.Escalation(mailtest.EscalationOpts{Ticket: fmt.Sprintf("TCK-%06d", n)}))
			env.process(id)
			cs := env.caseOf(id)
			return env.ingest(benchAck(n, cs)), cs.ID
		}
		reply, caseID := next()
		env.process(reply)
		if cs, err := env.st.Case(context.Background(), caseID); err != nil || cs.State != store.CaseAcknowledged {
			b.Fatalf("case %d after ACK: %+v %v", caseID, cs, err)
		}
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			reply, _ := next()
			b.StartTimer()
			env.process(reply)
		}
		open, err := env.st.Cases(context.Background(), store.CaseFilter{OpenOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		for _, cs := range open {
			if cs.State != store.CaseAcknowledged {
				b.Fatalf("case %s is %s after its ACK", cs.Ticket, cs.State)
			}
		}
	})
}

type benchEngine struct {
	b   *testing.B
	st  *store.Store
	eng *engine.Engine
	now time.Time
	uid uint32
}

// newBenchEngine is an engine on the example config, with a fresh
// database in a temporary directory and a virtual clock at now.
func newBenchEngine(b *testing.B, now time.Time) *benchEngine {
	cfg, err := config.Parse(examples.Helpdesk, "helpdesk.yaml", config.Options{SkipSecrets: true})
	if err != nil {
		b.Fatal(err)
	}
	cfg.Database = filepath.Join(b.TempDir(), "escalationd.db")
	st, err := store.Open(context.Background(), cfg.Database)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	rt, err := router.Compile(cfg)
	if err != nil {
		b.Fatal(err)
	}
	tpl, err := templates.Load("")
	if err != nil {
		b.Fatal(err)
	}
	policy, err := sla.NewPolicy(cfg)
	if err != nil {
		b.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Config: cfg, Store: st, Router: rt, Templates: tpl, Policy: policy,
		Clock: clock.NewVirtual(now), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	return &benchEngine{b: b, st: st, eng: eng, now: now}
}

// ingest stores raw as the poller does and returns its row.
func (e *benchEngine) ingest(raw []byte) int64 {
	e.uid++
	id := ""
	if _, v, ok := bytes.Cut(raw, []byte("\nMessage-ID: <")); ok {
		id, _, _ = strings.Cut(string(v), ">")
	}
	in, err := e.st.Ingest(context.Background(), store.Incoming{Mailbox: "escalations", UIDValidity: 1, UID: e.uid, MessageID: id, Raw: raw}, e.now)
	if err != nil || in.Duplicate {
		e.b.Fatalf("ingest: %+v %v", in, err)
	}
	return in.ID
}

// process runs Process on a stored message, which must be handled as
// processed (a case or a reply).
func (e *benchEngine) process(id int64) {
	outcome, err := e.eng.Process(context.Background(), id)
	if err != nil || outcome != store.OutcomeProcessed {
		e.b.Fatalf("Process(%d) = %q, %v", id, outcome, err)
	}
}

// caseOf is the case a processed message opened or answered.
func (e *benchEngine) caseOf(id int64) *store.Case {
	msg, err := e.st.Message(context.Background(), id)
	if err != nil || msg.CaseID == 0 {
		e.b.Fatalf("message %d opened no case: %+v %v", id, msg, err)
	}
	cs, err := e.st.Case(context.Background(), msg.CaseID)
	if err != nil {
		e.b.Fatal(err)
	}
	return cs
}

// benchBug is the BUG template (engineering).
func benchBug(ticket string) []byte {
	from := "Sam Senior <sam.senior@craudiovizai.com>"
	return []byte(strings.ReplaceAll(`From: `+from+`
To: escalations@craudiovizai.com
Subject: BUG - Export fails for large accounts
Date: Tue, 01 Dec 2026 10:20:00 -0500
Message-ID: <`+strings.ToLower(ticket)+`.bug@agent.craudiovizai.com>
`+mailtest.AuthResults(from)+`
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Ticket: `+ticket+`
Severity: High
Users Affected: 40

Description:
Export fails with a timeout for accounts with more than 10,000 rows.

Steps to Reproduce:
1. Open a large account
2. Click Export

Expected: a CSV file
Actual: a timeout
`, "\n", "\r\n"))
}

// benchAck is an ACK from a senior support member in the thread of the
// case's routed mail.
func benchAck(n int, cs *store.Case) []byte {
	from := "Sam Senior <sam.senior@craudiovizai.com>"
	return []byte(strings.ReplaceAll(`From: `+from+`
To: escalations@craudiovizai.com
Subject: Re: `+cs.Subject+`
Date: Tue, 01 Dec 2026 10:35:00 -0500
Message-ID: <ack-`+fmt.Sprint(n)+`@agent.craudiovizai.com>
In-Reply-To: <`+cs.ThreadID+`>
References: <`+cs.ThreadID+`>
`+mailtest.AuthResults(from)+`
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

ACK
On it.

> High escalation `+cs.Ticket+`: reply ACK within 30 minutes.
`, "\n", "\r\n"))
}

// benchWithAttachment is mailtest's escalation with a base64 attachment
// of about size bytes on the wire.
func benchWithAttachment(size int) func(ticket string) []byte {
	return func(ticket string) []byte {
		return mailtest.LargeEscalation(mailtest.EscalationOpts{Ticket: ticket}, size, 1)
	}
}

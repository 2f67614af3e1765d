package store

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"escalationd/internal/mailtest"
	"escalationd/vocab"
)

// benchNow is the bench's clock: a Tuesday afternoon.
var benchNow = time.Date(2026, 12, 1, 15, 30, 0, 0, time.UTC)

// benchDue is how many outbox rows, timers and unmoved messages are due
// at benchNow in every bench database.
const benchDue = 10

// BenchmarkStore measures the store's hot paths on a database opened with
// Open (the daemon's settings: WAL, synchronous=FULL, so every commit is
// an fsync on the disk of the temporary directory), empty and pre-filled
// with 10,000 handled cases and their mail, events and timers, where a
// query without a fitting index degrades. Every database also holds
// benchDue due outbox rows, due timers and unmoved messages.
//
// Reads come first, then writes (which add rows). The write benchmarks
// that need a fresh row (a stored message to open a case from, a pending
// mail to mark sent) make it with the timer stopped.
func BenchmarkStore(b *testing.B) {
	for _, size := range []struct {
		name  string
		cases int
	}{{"empty", 0}, {"10k", 10000}} {
		b.Run("db="+size.name, func(b *testing.B) {
			ctx := context.Background()
			s, err := Open(ctx, filepath.Join(b.TempDir(), "escalationd.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchFill(b, s, size.cases)
			benchStore(b, s, benchDueSet(b, s))
		})
	}
}

// benchStore runs the sub-benchmarks on s; caseID is a case mail can be
// queued for.
func benchStore(b *testing.B, s *Store, caseID int64) {
	ctx := context.Background()
	b.Run("due-mail", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			due, err := s.DueMail(ctx, benchNow, benchDue)
			if err != nil || len(due) != benchDue || len(due[0].Raw) == 0 {
				b.Fatalf("DueMail: %d rows, %v", len(due), err)
			}
		}
	})
	b.Run("due-timers", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			due, err := s.DueTimers(ctx, benchNow, 100)
			if err != nil || len(due) != benchDue {
				b.Fatalf("DueTimers: %d rows, %v", len(due), err)
			}
		}
	})
	b.Run("next-timer-due", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			next, ok, err := s.NextTimerDue(ctx)
			if err != nil || !ok || next.After(benchNow) {
				b.Fatalf("NextTimerDue: %v %v %v", next, ok, err)
			}
		}
	})
	b.Run("status-timers-due", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			due, err := s.TimersDueBefore(ctx, benchNow.Add(time.Hour), 50)
			if err != nil || len(due) < benchDue {
				b.Fatalf("TimersDueBefore: %d rows, %v", len(due), err)
			}
		}
	})
	b.Run("unfinished", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			refs, err := s.Unfinished(ctx, "escalations")
			if err != nil || len(refs) != benchDue {
				b.Fatalf("Unfinished: %d rows, %v", len(refs), err)
			}
		}
	})
	// The lookup that comes first when a new escalation opens a case: is
	// its ticket's case open already? Usually not.
	b.Run("open-case-by-ticket", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			err := s.InTx(ctx, func(tx *Tx) error {
				c, err := tx.OpenCaseByTicket("TCK-NEW-1")
				if err == nil && c != nil {
					err = fmt.Errorf("found case %d", c.ID)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})

	// The lookup every reply (and every mail with References) starts with:
	// which case do its In-Reply-To and References name? Here the routed
	// mail of a due-set case, as a reply to it carries.
	b.Run("cases-by-thread", func(b *testing.B) {
		mails, err := s.MailForCase(ctx, caseID)
		if err != nil {
			b.Fatal(err)
		}
		var thread []string
		for _, m := range mails {
			thread = append(thread, m.MessageID)
		}
		if len(thread) == 0 {
			b.Fatalf("case %d has no mail", caseID)
		}
		thread = append(thread, "ticket-1042@helpdesk.craudiovizai.com")
		b.ReportAllocs()
		for b.Loop() {
			err := s.InTx(ctx, func(tx *Tx) error {
				sent, _, err := tx.CasesByThread(thread)
				if err == nil && (len(sent) != 1 || sent[0].ID != caseID) {
					err = fmt.Errorf("thread %v: cases %v, want %d", thread, sent, caseID)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})

	uid := uint32(1 << 20)
	b.Run("ingest", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			uid++
			in, err := s.Ingest(ctx, benchIncoming(uid), benchNow)
			if err != nil || in.Duplicate {
				b.Fatalf("Ingest: %+v %v", in, err)
			}
		}
	})
	// MarkMoved after the server-side move, for a message ingested
	// (untimed) just before.
	b.Run("mark-moved", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			uid++
			in, err := s.Ingest(ctx, benchIncoming(uid), benchNow)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := s.MarkMoved(ctx, benchNow, in.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The store's part of the engine opening a case (engine/open.go): the
	// queries and writes of one new escalation, in one transaction, for a
	// message ingested (untimed) just before.
	seq := 0
	b.Run("open-case-tx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			uid++
			seq++
			in, err := s.Ingest(ctx, benchIncoming(uid), benchNow)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := s.InTx(ctx, func(tx *Tx) error { return benchOpenCase(tx, in.ID, seq) }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("enqueue", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			seq++
			err := s.InTx(ctx, func(tx *Tx) error {
				added, err := tx.Enqueue(benchMail(caseID, seq, benchNow))
				if err == nil && !added {
					err = fmt.Errorf("mail %d not added", seq)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mark-sent", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			seq++
			m := benchMail(caseID, seq, benchNow.Add(time.Hour)) // not due: DueMail stays as it is
			if err := s.InTx(ctx, func(tx *Tx) error { _, err := tx.Enqueue(m); return err }); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := s.MarkSent(ctx, m.ID, benchNow); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchOpenCase does what engine.open does in the store for a new
// escalation routed to a team: look for an open case of the ticket, count
// the sender's new cases, insert the case, mark the rate, record the
// opened and routed events, queue the routed mail and the agent's
// receipt, update the case, start its clock (three timers) and mark the
// message handled.
func benchOpenCase(tx *Tx, msgID int64, seq int) error {
	msg, err := tx.Message(msgID)
	if err != nil {
		return err
	}
	ticket := fmt.Sprintf("TCK-B%06d", seq)
	if c, err := tx.OpenCaseByTicket(ticket); err != nil || c != nil {
		return fmt.Errorf("open case of %s: %v %v", ticket, c, err)
	}
	agent := benchAgents[seq%len(benchAgents)]
	if _, err := tx.CountRate(RateNewCase, agent, benchNow.Add(-time.Hour)); err != nil {
		return err
	}
	c := benchCase(ticket, agent, msg.ID, CaseOpen, benchNow)
	if err := tx.InsertCase(c); err != nil {
		return err
	}
	if err := tx.MarkRate(RateNewCase, agent, benchNow); err != nil {
		return err
	}
	if err := tx.AddEvent(Event{CaseID: c.ID, At: benchNow, Type: vocab.EventOpened, Actor: agent, Message: msg.ID, Detail: benchEventDetail}); err != nil {
		return err
	}
	routed := benchMail(c.ID, seq, benchNow)
	routed.DedupKey = fmt.Sprintf("case:%d:routed", c.ID)
	if _, err := tx.Enqueue(routed); err != nil {
		return err
	}
	if err := tx.AddEvent(Event{CaseID: c.ID, At: benchNow, Type: vocab.EventRouted, Detail: "to senior-support@craudiovizai.com"}); err != nil {
		return err
	}
	c.ThreadID = routed.MessageID
	if err := tx.UpdateCase(c, benchNow); err != nil {
		return err
	}
	receipt := benchMail(c.ID, seq, benchNow)
	receipt.Event, receipt.Role = vocab.EventReceipt, vocab.RoleAgent
	receipt.DedupKey, receipt.MessageID = fmt.Sprintf("case:%d:receipt", c.ID), "r"+routed.MessageID
	if _, err := tx.Enqueue(receipt); err != nil {
		return err
	}
	epoch, err := tx.NextTimerEpoch(c.ID)
	if err != nil {
		return err
	}
	for _, t := range []struct {
		kind vocab.TimerKind
		in   time.Duration
	}{{vocab.TimerBreach, 30 * time.Minute}, {vocab.TimerStatusCheck, 4 * time.Hour}, {vocab.TimerCustomerUpdate, 24 * time.Hour}} {
		if ok, err := tx.AddTimer(Timer{CaseID: c.ID, Kind: t.kind, Epoch: epoch, Step: 1, DueAt: benchNow.Add(t.in)}); err != nil || !ok {
			return fmt.Errorf("add %s timer: %v %v", t.kind, ok, err)
		}
	}
	return tx.MarkHandled(msg.ID, "case", "", OutcomeProcessed, c.ID, benchNow)
}

var benchAgents = func() []string {
	var out []string
	for i := range 20 {
		out = append(out, fmt.Sprintf("agent%02d@craudiovizai.com", i))
	}
	return out
}()

// benchIncoming is an escalation as the poller hands it to Ingest.
func benchIncoming(uid uint32) Incoming {
	ticket := fmt.Sprintf("TCK-%07d", uid)
	raw := mailtest.Escalation(mailtest.EscalationOpts{Ticket: ticket, From: benchAgents[int(uid)%len(benchAgents)]})
	return Incoming{Mailbox: "escalations", UIDValidity: 1, UID: uid, MessageID: strings.ToLower(ticket) + "@helpdesk.craudiovizai.com",
		Sender: benchAgents[int(uid)%len(benchAgents)], Subject: "ESCALATION: " + ticket, Raw: raw}
}

// benchRouted stands in for a composed routed mail with the original
// attached: about 5 KB.
var benchRouted = bytes.Repeat([]byte("Routed mail text and the attached original, CRLF-ended lines.\r\n"), 80)

// The parse result and routing decision a case keeps, at their usual
// sizes (about 1.5 and 2.5 KB).
var (
	benchParseJSON     = `{"disposition":"case","kind":"escalation","fields":{"issue":"` + strings.Repeat("payment page fails ", 75) + `"}}`
	benchDecisionJSON  = `{"to":["senior-support@craudiovizai.com"],"explain":"` + strings.Repeat("tier2 > tier2-high: urgency high ", 75) + `"}`
	benchEventDetail   = `{"kind":"escalation","urgency":"high","customer":"pat.customer@example.com","rule":"tier2 > tier2-high"}`
	benchCaseTimerKind = []vocab.TimerKind{vocab.TimerBreach, vocab.TimerStatusCheck, vocab.TimerCustomerUpdate}
)

func benchCase(ticket, agent string, msgID int64, state string, opened time.Time) *Case {
	return &Case{Ticket: ticket, Kind: vocab.KindEscalation, Mailbox: "escalations", State: state, Urgency: vocab.High,
		Customer: "pat.customer@example.com", Agent: agent, Subject: "ESCALATION: " + ticket, Summary: "Payment page returns 500 after checkout",
		Team: "senior_support", Teams: []string{"senior_support"}, RoutedTo: []string{"senior-support@craudiovizai.com"},
		ParseJSON: benchParseJSON, DecisionJSON: benchDecisionJSON, SourceMessage: msgID,
		SourceMessageID: strings.ToLower(ticket) + "@helpdesk.craudiovizai.com", OpenedAt: opened, RespondBy: opened.Add(30 * time.Minute),
		CustomerSide: []string{"pat.customer@example.com"}}
}

func benchMail(caseID int64, seq int, created time.Time) *Mail {
	return &Mail{CaseID: caseID, Event: vocab.EventRouted, Role: vocab.RoleTeam, DedupKey: fmt.Sprintf("bench:%d", seq),
		MessageID: fmt.Sprintf("escalationd.%d.routed.%d@craudiovizai.com", caseID, seq), MailFrom: "escalations@craudiovizai.com",
		RcptTo: []string{"senior-support@craudiovizai.com"}, Subject: "ESCALATION: [TCK-1] [High] Payment page", Raw: benchRouted,
		CreatedAt: created, GiveUpAt: created.Add(24 * time.Hour)}
}

// benchFill adds n handled cases, opened over the 90 days before benchNow
// by 20 agents: each with its stored (and moved) escalation, its opened,
// routed and resolved events, a sent routed mail and receipt, three
// timers (cancelled or fired; pending and not yet due for the open 5%)
// and a rate mark. Messages and sent marks are written with SQL, in
// batches, since Ingest and MarkSent commit (and fsync) once per row.
func benchFill(b *testing.B, s *Store, n int) {
	ctx := context.Background()
	const batch = 1000
	for start := 0; start < n; start += batch {
		err := s.InTx(ctx, func(tx *Tx) error {
			for i := start; i < min(start+batch, n); i++ {
				opened := benchNow.Add(-time.Duration(n-i) * 13 * time.Minute)
				in := benchIncoming(uint32(i + 1))
				res, err := tx.tx.ExecContext(ctx, `INSERT INTO messages (mailbox, uid_validity, uid, dedupe_key, message_id, sender, subject, raw, size,
					received_at, state, disposition, outcome, handled_at, moved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'handled', 'case', 'processed', ?, ?)`,
					in.Mailbox, in.UIDValidity, in.UID, "bench:"+in.MessageID, in.MessageID, in.Sender, in.Subject, in.Raw, len(in.Raw),
					ts(opened), ts(opened), ts(opened.Add(time.Second)))
				if err != nil {
					return err
				}
				msgID, _ := res.LastInsertId()
				state := CaseResolved
				if i%20 == 0 {
					state = CaseOpen
				}
				c := benchCase(fmt.Sprintf("TCK-%07d", i+1), in.Sender, msgID, state, opened)
				if err := tx.InsertCase(c); err != nil {
					return err
				}
				if _, err := tx.tx.ExecContext(ctx, `UPDATE messages SET case_id = ? WHERE id = ?`, c.ID, msgID); err != nil {
					return err
				}
				for _, typ := range []vocab.Event{vocab.EventOpened, vocab.EventRouted, vocab.EventResolved} {
					if err := tx.AddEvent(Event{CaseID: c.ID, At: opened, Type: typ, Actor: c.Agent, Message: msgID, Detail: benchEventDetail}); err != nil {
						return err
					}
				}
				for j, role := range []vocab.Role{vocab.RoleTeam, vocab.RoleAgent} {
					m := benchMail(c.ID, -(2*i + j + 1), opened)
					m.Role = role
					if _, err := tx.Enqueue(m); err != nil {
						return err
					}
					if _, err := tx.tx.ExecContext(ctx, `UPDATE outbox SET state = 'sent', attempts = 1, sent_at = ? WHERE id = ?`, ts(opened), m.ID); err != nil {
						return err
					}
				}
				for k, kind := range benchCaseTimerKind {
					due := opened.Add(time.Duration(k+1) * 4 * time.Hour)
					if state == CaseOpen {
						due = benchNow.Add(time.Duration(k+1) * 4 * time.Hour)
					}
					if _, err := tx.AddTimer(Timer{CaseID: c.ID, Kind: kind, Step: 1, DueAt: due}); err != nil {
						return err
					}
				}
				if state != CaseOpen {
					if err := tx.CancelTimers(c.ID); err != nil {
						return err
					}
				}
				if err := tx.MarkRate(RateNewCase, c.Agent, opened); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// benchDueSet adds benchDue open cases, each with a breach timer and a
// routed mail due a minute before benchNow, and benchDue handled but
// unmoved messages. It returns the first of the cases.
func benchDueSet(b *testing.B, s *Store) (caseID int64) {
	ctx := context.Background()
	for i := range benchDue {
		in, err := s.Ingest(ctx, benchIncoming(uint32(1<<19+i)), benchNow.Add(-time.Minute))
		if err != nil {
			b.Fatal(err)
		}
		err = s.InTx(ctx, func(tx *Tx) error {
			c := benchCase(fmt.Sprintf("DUE-%d", i), benchAgents[i], in.ID, CaseOpen, benchNow.Add(-31*time.Minute))
			if err := tx.InsertCase(c); err != nil {
				return err
			}
			if caseID == 0 {
				caseID = c.ID
			}
			if _, err := tx.AddTimer(Timer{CaseID: c.ID, Kind: vocab.TimerBreach, Step: 1, DueAt: benchNow.Add(-time.Minute)}); err != nil {
				return err
			}
			if _, err := tx.Enqueue(benchMail(c.ID, 1<<19+i, benchNow.Add(-time.Minute))); err != nil {
				return err
			}
			return tx.MarkHandled(in.ID, "case", "", OutcomeProcessed, c.ID, benchNow.Add(-time.Minute))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return caseID
}

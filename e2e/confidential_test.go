package e2e

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"escalationd/app"
	"escalationd/config"
	"escalationd/engine"
	"escalationd/examples"
	"escalationd/internal/clock"
	"escalationd/internal/mailtest"
	"escalationd/outbound"
	"escalationd/store"
	"escalationd/vocab"
)

// Point 7, confidentiality: security, legal and fraud cases are driven on
// a virtual clock through every mail the gateway can send about a case
// (routed, incident, breach and its reminders, status checks, reassign,
// resolved, thanks, reopen, and a rejection reply about a malformed one),
// with the policy set to mail customers directly (sla.customer_updates:
// customer). No mail may reach a customer address or domain: neither in
// the envelope nor in a header, neither queued nor sent.

// sentMail is what the recording sender saw.
type sentMail struct {
	from string
	rcpt []string
	raw  []byte
}

type recorder struct {
	mu   sync.Mutex
	sent []sentMail
}

func (r *recorder) Send(_ context.Context, from string, to []string, raw []byte) ([]outbound.RecipientError, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, sentMail{from, slices.Clone(to), bytes.Clone(raw)})
	return nil, nil
}

func (r *recorder) Close() error { return nil }

// sim is the engine, the outbound worker (with the production guard) and
// the store on one virtual clock.
type sim struct {
	t      *testing.T
	cfg    *config.Config
	st     *store.Store
	eng    *engine.Engine
	worker *outbound.Worker
	clk    *clock.Virtual
	rec    *recorder
	uid    uint32
}

// Friday 2026-11-27 10:00 in New York.
var simStart = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)

func newSim(t *testing.T) *sim {
	t.Helper()
	doc := strings.Replace(string(examples.Helpdesk), "customer_updates: agent", "customer_updates: customer", 1)
	if doc == string(examples.Helpdesk) {
		t.Fatal("examples/helpdesk.yaml has no customer_updates: agent to change")
	}
	cfg, err := config.Parse([]byte(doc), "helpdesk.yaml", config.Options{SkipSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = filepath.Join(t.TempDir(), "conf.db")
	st, err := store.Open(context.Background(), cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	compiled, err := app.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &sim{t: t, cfg: cfg, st: st, clk: clock.NewVirtual(simStart), rec: &recorder{}}
	log := slog.New(slog.DiscardHandler)
	s.eng, s.worker, err = compiled.NewPipeline(app.PipelineOptions{Store: st, Sender: s.rec, Clock: s.clk, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// deliver stores raw as fetched from mailbox, handles it and sends what it
// queued.
func (s *sim) deliver(mailbox string, raw []byte) *store.StoredMessage {
	s.t.Helper()
	ctx := context.Background()
	s.uid++
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		s.t.Fatal(err)
	}
	id := strings.Trim(m.Header.Get("Message-Id"), "<> ")
	ing, err := s.st.Ingest(ctx, store.Incoming{Mailbox: mailbox, UIDValidity: 1, UID: s.uid, MessageID: id, Raw: raw}, s.clk.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.eng.Process(ctx, ing.ID); err != nil {
		s.t.Fatal(err)
	}
	s.flush()
	msg, err := s.st.Message(ctx, ing.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return msg
}

func (s *sim) flush() {
	s.t.Helper()
	if _, err := s.eng.FireDue(context.Background()); err != nil {
		s.t.Fatal(err)
	}
	if err := s.worker.Flush(context.Background()); err != nil {
		s.t.Fatal(err)
	}
}

// advance moves the clock forward by d, firing every SLA step on the way
// at its own time.
func (s *sim) advance(d time.Duration) {
	s.t.Helper()
	end := s.clk.Now().Add(d)
	for {
		next, ok, err := s.st.NextTimerDue(context.Background())
		if err != nil {
			s.t.Fatal(err)
		}
		if !ok || next.After(end) {
			break
		}
		if next.After(s.clk.Now()) {
			s.clk.Set(next)
		}
		s.flush()
	}
	s.clk.Set(end)
	s.flush()
}

// reply sends a reply threaded to the case of ticket from from, whose first
// line is text.
func (s *sim) reply(ticket, from, text string) {
	s.t.Helper()
	cs, err := s.st.Cases(context.Background(), store.CaseFilter{Ticket: ticket, Limit: 1})
	if err != nil || len(cs) == 0 {
		s.t.Fatalf("no case %s: %v", ticket, err)
	}
	c := cs[0]
	s.uid++
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: escalations@craudiovizai.com\r\nSubject: Re: ESCALATION: [%s] [%s] %s\r\n", from, c.Ticket, c.Urgency, c.Summary)
	fmt.Fprintf(&b, "Message-ID: <reply-%d@craudiovizai.com>\r\nIn-Reply-To: <%s>\r\nReferences: <%s>\r\n", s.uid, c.ThreadID, c.ThreadID)
	fmt.Fprintf(&b, "%s\r\n", mailtest.AuthResults(from))
	fmt.Fprintf(&b, "Date: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", s.clk.Now().Format(time.RFC1123Z), text)
	m := s.deliver(c.Mailbox, []byte(b.String()))
	if m.Disposition != "reply" {
		s.t.Fatalf("reply %q on %s handled as %s/%s", text, ticket, m.Disposition, m.Reason)
	}
}

// confCase is one confidential case of the test and who must never hear
// from the gateway about it.
type confCase struct {
	ticket    string
	mailbox   string
	raw       []byte
	category  string
	forbidden string // an address; its whole domain is forbidden too
	team      string // replies as the team from this address
}

func TestConfidentialCasesNeverMailTheCustomer(t *testing.T) {
	s := newSim(t)
	esc := func(ticket, customer, issue, urgency string) []byte {
		return mailtest.Escalation(mailtest.EscalationOpts{Ticket: ticket, Subject: "ESCALATION: [" + ticket + "]", From: agent,
			Customer: customer, Issue: issue, Urgency: urgency, Date: simStart})
	}
	cases := []confCase{
		{ticket: "SEC-100", mailbox: "escalations", category: "security", forbidden: "pat.victim@customer-corp.example", team: "security-team@craudiovizai.com",
			raw: esc("SEC-100", "pat.victim@customer-corp.example", "Customer reports a security breach: account compromised, unauthorized access", "Critical")},
		{ticket: "LEG-200", mailbox: "escalations", category: "legal", forbidden: "angry.client@bigclient.example", team: "legal@craudiovizai.com",
			raw: esc("LEG-200", "angry.client@bigclient.example", "Customer says their lawyer will file a lawsuit over the refund", "High")},
		{ticket: "FRD-300", mailbox: "escalations", category: "fraud", forbidden: "buyer@shop-client.example", team: "fraud@craudiovizai.com",
			raw: esc("FRD-300", "buyer@shop-client.example", "Chargeback wave: fraudulent orders paid with a stolen card", "Medium")},
	}
	// An outside security report straight to the security mailbox: the
	// reporter is customer-side.
	report := "From: Rita Reporter <rita@reporter-corp.example>\r\nTo: security@craudiovizai.com\r\nSubject: Vulnerability in your login page\r\n" +
		"Message-ID: <report-1@reporter-corp.example>\r\nDate: " + simStart.Format(time.RFC1123Z) +
		"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour login page is open to SQL injection. Please fix.\r\n"
	// A non-confidential case with the same policy: its customer does
	// get the direct update, which shows the path the others must avoid
	// is live.
	control := esc("GEN-400", "jane.doe@regular-client.example", "Export button does nothing in Firefox", "High")

	for _, c := range cases {
		m := s.deliver(c.mailbox, c.raw)
		if m.Disposition != "case" {
			t.Fatalf("%s: handled as %s/%s", c.ticket, m.Disposition, m.Reason)
		}
	}
	rep := s.deliver("security", []byte(report))
	if rep.Disposition != "case" {
		t.Fatalf("security report: handled as %s/%s", rep.Disposition, rep.Reason)
	}
	repCase, err := s.st.Case(context.Background(), rep.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, confCase{ticket: repCase.Ticket, mailbox: "security", category: "security", forbidden: "rita@reporter-corp.example",
		team: "security-team@craudiovizai.com"})
	s.deliver("escalations", control)
	// A malformed fraud escalation: the rejection reply goes to the agent
	// only, though it quotes the customer's address back.
	bad := mailtest.Escalation(mailtest.EscalationOpts{Ticket: "FRD-301", Subject: "ESCALATION: [FRD-301]", From: agent,
		Customer: "buyer@shop-client.example", Issue: "More fraud: stolen card", Omit: []string{"Urgency"}, Date: simStart})
	if m := s.deliver("escalations", bad); m.Disposition != "rejected" {
		t.Fatalf("malformed fraud escalation handled as %s/%s", m.Disposition, m.Reason)
	}

	// No acknowledgement for two hours: breach, chain, reminders.
	s.advance(2 * time.Hour)
	for _, c := range cases {
		s.reply(c.ticket, c.team, "ACK looking into it")
	}
	// A day and a half of status checks (and customer updates where
	// allowed), a reassignment, a resolution, a reopening and a second
	// resolution.
	s.advance(30 * time.Hour)
	s.reply("SEC-100", "security-team@craudiovizai.com", "REASSIGN management")
	s.reply("LEG-200", "jordan.lee@craudiovizai.com", "URGENCY critical")
	s.advance(5 * time.Hour)
	for _, c := range cases {
		s.reply(c.ticket, c.team, "RESOLVED handled by the team")
	}
	s.reply("FRD-300", "jordan.lee@craudiovizai.com", "REOPEN the customer wrote again")
	s.advance(5 * time.Hour)
	s.reply("FRD-300", "fraud@craudiovizai.com", "RESOLVED second wave stopped")
	s.advance(48 * time.Hour)

	// Every row of the outbox, queued or sent, and every mail that left.
	rows, err := s.st.AllMail(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	events := map[string]bool{}
	confidential := map[int64]confCase{}
	for _, c := range cases {
		cs, _ := s.st.Cases(context.Background(), store.CaseFilter{Ticket: c.ticket, Limit: 1})
		if len(cs) == 0 || !cs[0].Confidential {
			t.Fatalf("%s: not a confidential case: %+v", c.ticket, cs)
		}
		confidential[cs[0].ID] = c
	}
	forbiddenIn := func(addrs []string) string {
		for _, a := range addrs {
			a = strings.ToLower(a)
			for _, c := range cases {
				if a == c.forbidden || domainOf(a) == domainOf(c.forbidden) {
					return a
				}
			}
		}
		return ""
	}
	controlUpdates := 0
	for _, r := range rows {
		if r.Event == "customer-update" && slices.Contains(r.RcptTo, "jane.doe@regular-client.example") {
			controlUpdates++
		}
		c, conf := confidential[r.CaseID]
		if r.Event == "rejection" {
			conf, c = true, cases[2]
		}
		if !conf {
			continue
		}
		events[string(r.Event)] = true
		if a := forbiddenIn(append(slices.Clone(r.RcptTo), headerAddrs(t, r.Raw)...)); a != "" {
			t.Errorf("%s %s mail queued to customer-side %s (state %s)", c.ticket, r.Event, a, r.State)
		}
		if r.State != store.MailSent {
			t.Errorf("%s %s mail to %v is %s, not sent", c.ticket, r.Event, r.RcptTo, r.State)
		}
		if r.Event == "customer-update" {
			t.Errorf("%s (%s): a customer update was queued for a confidential case", c.ticket, c.category)
		}
	}
	for _, m := range s.rec.sent {
		if a := forbiddenIn(append(slices.Clone(m.rcpt), headerAddrs(t, m.raw)...)); a != "" {
			t.Errorf("a mail reached customer-side %s:\n%s", a, m.raw)
		}
	}
	for _, ev := range []string{"routed", "breach", "status-check", "resolved", "thanks", "rejection"} {
		if !events[ev] {
			t.Errorf("no %s mail was produced for the confidential cases; the test does not cover it", ev)
		}
	}
	// Incident notices are for outages: a confidential case, even a
	// Critical one (SEC-100), sends none (issue 12).
	if events["incident"] {
		t.Error("a confidential case sent an incident notice")
	}
	if controlUpdates == 0 {
		t.Error("the non-confidential control case got no direct customer update; the policy under test does not mail customers")
	}
	var evs []string
	for ev := range events {
		evs = append(evs, ev)
	}
	slices.Sort(evs)
	t.Logf("%d confidential cases (security, legal, fraud, outside security report), %d mails sent in all, events %v; none to a customer address or domain; control case: %d direct customer updates",
		len(cases), len(s.rec.sent), evs, controlUpdates)
}

// headerAddrs returns the addresses in a mail's To, Cc and Bcc headers.
func headerAddrs(t *testing.T, raw []byte) []string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range []string{"To", "Cc", "Bcc"} {
		list, _ := m.Header.AddressList(h)
		for _, a := range list {
			out = append(out, strings.ToLower(a.Address))
		}
	}
	return out
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

// The guard in front of SMTP refuses, whatever queued it, a mail of a
// confidential case addressed to its customer or anyone at the customer's
// domain: it drops them (the others still get the mail) or, when nobody
// else is left, blocks the mail and has the owning team told; it records
// both on the case.
func TestConfidentialGuardBlocksHandMadeMail(t *testing.T) {
	s := newSim(t)
	m := s.deliver("escalations", mailtest.Escalation(mailtest.EscalationOpts{Ticket: "LEG-500", Subject: "ESCALATION: [LEG-500]",
		From: agent, Customer: "claire@claimant.example", Issue: "Customer threatens a lawsuit", Urgency: "High", Date: simStart}))
	c, err := s.st.Case(context.Background(), m.CaseID)
	if err != nil || !c.Confidential {
		t.Fatalf("case %+v %v", c, err)
	}
	before := len(s.rec.sent)
	for i, rcpt := range [][]string{{"claire@claimant.example"}, {"legal@craudiovizai.com", "boss@claimant.example"}, {"legal@craudiovizai.com"}} {
		err := s.st.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := tx.Enqueue(&store.Mail{CaseID: c.ID, Event: "hand-made", Role: vocab.RoleTeam, DedupKey: fmt.Sprintf("hand-made-%d", i),
				MessageID: fmt.Sprintf("hand-made-%d@test", i), MailFrom: "escalations@craudiovizai.com", RcptTo: rcpt,
				Subject: "note", Raw: []byte("Subject: note\r\n\r\nnote\r\n"), CreatedAt: s.clk.Now(), GiveUpAt: s.clk.Now().Add(time.Hour)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	s.flush()
	// The mail only for the customer is blocked, and the owning team told;
	// the mail for legal and the customer's boss reaches legal only; the
	// internal mail goes as it is.
	sent := s.rec.sent[before:]
	var got [][]string
	for _, m := range sent {
		got = append(got, m.rcpt)
		for _, a := range m.rcpt {
			if strings.HasSuffix(a, "@claimant.example") {
				t.Fatalf("sent to the customer side: %v", m.rcpt)
			}
		}
	}
	if len(sent) != 3 {
		t.Fatalf("sent to %v; want legal three times: the trimmed mail, the internal one and the notice of the blocked one", got)
	}
	rows, _ := s.st.MailForCase(context.Background(), c.ID)
	blocked, notices := 0, 0
	for _, r := range rows {
		if r.State == store.MailBlocked {
			blocked++
		}
		if r.Event == vocab.EventDeliveryFailed && slices.Equal(r.RcptTo, []string{"legal@craudiovizai.com"}) {
			notices++
		}
	}
	evs, _ := s.st.Events(context.Background(), c.ID)
	recorded := map[vocab.Event]int{}
	for _, ev := range evs {
		recorded[ev.Type]++
	}
	if blocked != 1 || notices != 1 || recorded[vocab.EventMailBlocked] != 1 || recorded[vocab.EventMailTrimmed] != 1 {
		t.Fatalf("%d rows blocked, %d notices, events %v; want 1 blocked with its notice, 1 trimmed", blocked, notices, recorded)
	}
}

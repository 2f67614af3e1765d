package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"escalationd/app"
	"escalationd/config"
	"escalationd/engine"
	"escalationd/internal/clock"
	"escalationd/outbound"
	"escalationd/store"
)

func simulateCmd(ctx context.Context, env Env, args []string) error {
	fs := NewFlagSet("simulate", env.Stderr)
	cfgPath := configFlag(fs, "")
	mailbox := fs.String("mailbox", "", "mailbox `NAME` the mails arrive in (default: the first)")
	start := fs.String("start", "", "virtual start `time` (RFC 3339)")
	span := fs.String("for", "", "how long to simulate (`DURATION`, e.g. 36h or 7d)")
	var replies repeated
	fs.Var(&replies, "reply", "inject a reply `OFFSET:FROM:TEXT` to the first mail's case, OFFSET after start (repeatable)")
	mailDir := fs.String("mail-dir", "", "also write every mail (sent, blocked or trimmed) to `DIR` as NNN-TICKET-EVENT.eml")
	files, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	t, err := parseTime(*start)
	if err != nil {
		return err
	}
	var d time.Duration
	if *span != "" {
		if d, err = config.ParseDuration(*span); err != nil {
			return &UsageError{Msg: "--for: " + err.Error()}
		}
	}
	return Simulate(ctx, env.Stdout, SimulateOptions{ConfigPath: *cfgPath, Mailbox: *mailbox, Start: t, For: d,
		Replies: replies, Files: files, MailDir: *mailDir})
}

// SimulateOptions are the inputs of `escalationd simulate`.
type SimulateOptions struct {
	ConfigPath string
	Mailbox    string
	Start      time.Time
	For        time.Duration
	Replies    []string // OFFSET:FROM:TEXT
	Files      []string
	// MailDir, when set, receives every mail's bytes as
	// NNN-TICKET-EVENT.eml (created if missing; the NNN-*.eml files of an
	// earlier run are removed first).
	MailDir string
}

// SimulatedMail is one line of `simulate` output.
type SimulatedMail struct {
	At      time.Time `json:"at"`
	Event   string    `json:"event"`
	Ticket  string    `json:"ticket"`
	To      []string  `json:"to"`
	Cc      []string  `json:"cc"`
	Subject string    `json:"subject"`
	// Dropped are the recipients the confidentiality check left out (the
	// customer side of a confidential case); the others got the mail.
	Dropped []string `json:"dropped,omitempty"`
	// Blocked: the confidentiality check refused the mail, nobody got it.
	Blocked bool `json:"blocked,omitempty"`
	// File is the mail's file in --mail-dir, when given.
	File string `json:"file,omitempty"`
}

type simReply struct {
	at         time.Time
	from, text string
}

// Simulate runs the real engine and outbound worker over the given mails on
// a virtual clock, in a temporary store, and prints every mail the gateway
// would send, one JSON object per line. Replies are injected at offsets from
// the start, threaded to the first mail's case.
func Simulate(ctx context.Context, w io.Writer, o SimulateOptions) error {
	if o.ConfigPath == "" || o.Start.IsZero() || o.For <= 0 || len(o.Files) == 0 {
		return &UsageError{Msg: "simulate needs --config FILE, --start RFC3339, --for DURATION and at least one mail FILE"}
	}
	c, err := policyConfig(o.ConfigPath)
	if err != nil {
		return err
	}
	cfg := c.Config
	var replies []simReply
	for _, r := range o.Replies {
		parts := strings.SplitN(r, ":", 3)
		if len(parts) != 3 {
			return &UsageError{Msg: fmt.Sprintf("--reply %q: use OFFSET:FROM:TEXT, e.g. 20m:engineering@example.com:ACK", r)}
		}
		off, err := config.ParseDuration(parts[0])
		if err != nil {
			return &UsageError{Msg: fmt.Sprintf("--reply %q: %v", r, err)}
		}
		replies = append(replies, simReply{at: o.Start.Add(off), from: parts[1], text: parts[2]})
	}
	sort.SliceStable(replies, func(i, j int) bool { return replies[i].at.Before(replies[j].at) })
	var raws [][]byte
	for _, f := range o.Files {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("read %s: %w", f, err)
		}
		raws = append(raws, b)
	}
	dir, err := os.MkdirTemp("", "escalationd-simulate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg.Database = filepath.Join(dir, "simulate.db")
	mb, err := mailboxFor(cfg, o.Mailbox)
	if err != nil {
		return err
	}
	if err := prepareMailDir(o.MailDir); err != nil {
		return err
	}
	sim, err := newSimulation(ctx, c, o.Start, w)
	if err != nil {
		return err
	}
	sim.rec.dir = o.MailDir
	defer sim.st.Close()
	var first int64
	for i, raw := range raws {
		id, err := sim.deliver(ctx, mb.Name, raw)
		if err != nil {
			return err
		}
		if i == 0 {
			first = id
		}
	}
	if err := sim.flush(ctx); err != nil {
		return err
	}
	end := o.Start.Add(o.For)
	for ctx.Err() == nil {
		next, ok, err := sim.eng.NextDue(ctx)
		if err != nil {
			return err
		}
		if len(replies) > 0 && (!ok || !replies[0].at.After(next)) {
			next, ok = replies[0].at, true
		}
		if !ok || next.After(end) {
			break
		}
		sim.clock.Set(next)
		for len(replies) > 0 && !replies[0].at.After(next) {
			raw, err := sim.replyTo(ctx, first, mb.Address, replies[0])
			if err != nil {
				return err
			}
			if _, err := sim.deliver(ctx, mb.Name, raw); err != nil {
				return err
			}
			replies = replies[1:]
		}
		if err := sim.flush(ctx); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// simulation is the engine, store and worker on one virtual clock.
type simulation struct {
	clock  *clock.Virtual
	st     *store.Store
	eng    *engine.Engine
	worker *outbound.Worker
	rec    *recordingSender
	uid    uint32
	cfg    *config.Config
}

func newSimulation(ctx context.Context, c *app.Compiled, start time.Time, w io.Writer) (*simulation, error) {
	cfg := c.Config
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	s := &simulation{clock: clock.NewVirtual(start), st: st, cfg: cfg}
	log := discardLogger()
	rec := &recordingSender{ctx: ctx, st: st, w: w}
	s.rec = rec
	s.eng, s.worker, err = c.NewPipeline(app.PipelineOptions{Store: st, Sender: outbound.DiscardSender{}, Clock: s.clock, Logger: log,
		Sent: rec.sent, Refused: rec.refused})
	if err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

// deliver stores a mail as if fetched from the mailbox and handles it.
func (s *simulation) deliver(ctx context.Context, mailbox string, raw []byte) (int64, error) {
	s.uid++
	msgID := ""
	if m, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		msgID = strings.Trim(strings.TrimSpace(m.Header.Get("Message-Id")), "<>")
	}
	ing, err := s.st.Ingest(ctx, store.Incoming{Mailbox: mailbox, UIDValidity: 1, UID: s.uid, MessageID: msgID, Raw: raw}, s.clock.Now())
	if err != nil {
		return 0, err
	}
	if _, err := s.eng.Process(ctx, ing.ID); err != nil {
		return 0, err
	}
	return ing.ID, nil
}

// flush fires due SLA steps and sends every due mail.
func (s *simulation) flush(ctx context.Context) error {
	if _, err := s.eng.FireDue(ctx); err != nil {
		return err
	}
	if err := s.worker.Flush(ctx); err != nil {
		return err
	}
	return s.rec.err
}

// replyTo builds a reply threaded to the case opened by message first.
func (s *simulation) replyTo(ctx context.Context, first int64, mailboxAddr string, r simReply) ([]byte, error) {
	m, err := s.st.Message(ctx, first)
	if err != nil {
		return nil, err
	}
	if m.CaseID == 0 {
		return nil, fmt.Errorf("--reply: the first mail opened no case (%s %s), so there is nothing to reply to", m.Disposition, m.Reason)
	}
	c, err := s.st.Case(ctx, m.CaseID)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: Re: ESCALATION: [%s] [%s] %s\r\n", r.from, mailboxAddr, c.Ticket, c.Urgency, c.Summary)
	fmt.Fprintf(&b, "Message-ID: <simulated-reply-%d@simulate.invalid>\r\n", s.uid+1)
	// A simulated reply counts as authenticated: simulate previews the
	// policy, not the MX.
	if ids := s.cfg.Senders.TrustedAuthservIDs; len(ids) > 0 {
		dom := r.from[strings.LastIndexByte(r.from, '@')+1:]
		fmt.Fprintf(&b, "Authentication-Results: %s; dmarc=pass header.from=%s\r\n", ids[0], dom)
	}
	if c.ThreadID != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", c.ThreadID, c.ThreadID)
	}
	fmt.Fprintf(&b, "Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", r.at.Format(time.RFC1123Z), r.text)
	return b.Bytes(), nil
}

// recordingSender prints one JSON line per mail the worker sent or the
// confidentiality check refused, and writes the mail to dir when set.
type recordingSender struct {
	ctx context.Context
	st  *store.Store // reads the mail a routed mail attaches
	w   io.Writer
	dir string // --mail-dir
	n   int    // mails written to dir
	err error  // the first write error, reported after the run
}

func (r *recordingSender) sent(m *store.Mail, rcpt []string, at time.Time) {
	r.print(m, at, func(line *SimulatedMail) {
		for _, a := range m.RcptTo {
			if !slices.Contains(rcpt, a) {
				line.Dropped = append(line.Dropped, a)
			}
		}
	})
}

func (r *recordingSender) refused(m *store.Mail, at time.Time) {
	r.print(m, at, func(line *SimulatedMail) { line.Blocked, line.Dropped = true, m.RcptTo })
}

func (r *recordingSender) print(m *store.Mail, at time.Time, amend func(*SimulatedMail)) {
	raw, err := outbound.MailBytes(r.ctx, r.st, m)
	var line SimulatedMail
	if err == nil {
		line, err = Summarize(raw, at)
	}
	if err == nil {
		amend(&line)
		if r.dir != "" {
			r.n++
			line.File = MailFileName(r.n, line.Ticket, line.Event)
			err = os.WriteFile(filepath.Join(r.dir, line.File), raw, 0o600)
		}
	}
	if err == nil {
		err = writeJSONLine(r.w, line)
	}
	if err != nil && r.err == nil {
		r.err = err
	}
}

// MailFileName is a --mail-dir file name: "001-TCK-1234-routed.eml", the
// ticket and event made safe for any file system ("SEC#3" → "SEC-3").
func MailFileName(n int, ticket, event string) string {
	return fmt.Sprintf("%03d-%s-%s.eml", n, fileSafe(ticket, "no-ticket"), fileSafe(event, "mail"))
}

// fileSafe keeps letters, digits, ".", "_" and "-" (other runs become one
// "-"), never starts with a dot and is at most 64 bytes.
func fileSafe(s, empty string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
		if !ok {
			if !dash {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		b.WriteRune(r)
		dash = r == '-'
	}
	out := strings.Trim(b.String(), ".-")
	if len(out) > 64 {
		out = strings.TrimRight(out[:64], ".-")
	}
	if out == "" {
		return empty
	}
	return out
}

// prepareMailDir creates dir and removes the NNN-*.eml files an earlier
// run left there, so the folder shows one run.
func prepareMailDir(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("--mail-dir: %w", err)
	}
	old, err := filepath.Glob(filepath.Join(dir, "[0-9][0-9][0-9]*-*.eml"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return fmt.Errorf("--mail-dir: %w", err)
		}
	}
	return nil
}

// Summarize reads the headers of a mail the gateway sent.
func Summarize(raw []byte, at time.Time) (SimulatedMail, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return SimulatedMail{}, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		subject = m.Header.Get("Subject")
	}
	list := func(h string) []string {
		out := []string{}
		addrs, _ := m.Header.AddressList(h)
		for _, a := range addrs {
			out = append(out, a.Address)
		}
		return out
	}
	return SimulatedMail{At: at.UTC(), Event: m.Header.Get("X-Escalation-Event"), Ticket: m.Header.Get("X-Escalation-Ticket"),
		To: list("To"), Cc: list("Cc"), Subject: subject}, nil
}

func writeJSONLine(w io.Writer, v any) error {
	var b bytes.Buffer
	if err := writeJSONCompact(&b, v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

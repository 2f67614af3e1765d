package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"escalationd/app"
	"escalationd/internal/clock"
	"escalationd/outbound"
	"escalationd/store"
	"escalationd/vocab"
)

// casesCmd runs cases [list], cases show and cases resolve. The
// subcommand is the first argument that is not a flag, wherever it stands:
// "cases --config F show TCK-1" is "cases show --config F TCK-1".
func casesCmd(ctx context.Context, env Env, args []string) error {
	fs := NewFlagSet("cases", env.Stderr)
	cfgPath := configFlag(fs, "its database is read")
	asJSON := fs.Bool("json", false, "print JSON (list, show)")
	open := fs.Bool("open", false, "only cases not yet resolved (list)")
	note := fs.String("note", "", "resolution `TEXT` (resolve)")
	mailN := fs.Int("mail", 0, "print the raw bytes of the case's `N`th mail, 1-based as show lists them (show)")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	sub := "list"
	if len(pos) > 0 {
		sub, pos = pos[0], pos[1:]
	}
	// Flags that belong to one subcommand only.
	only := map[string]string{"open": "list", "note": "resolve", "mail": "show"}
	switch sub {
	case "list", "show", "resolve":
	default:
		return &UsageError{Msg: fmt.Sprintf("unknown cases command %q (use list, show, resolve)", sub)}
	}
	var wrong error
	mailSet := false
	fs.Visit(func(f *flag.Flag) {
		mailSet = mailSet || f.Name == "mail"
		if s, ok := only[f.Name]; ok && s != sub && wrong == nil {
			wrong = &UsageError{Msg: fmt.Sprintf("--%s is a flag of cases %s, not of cases %s", f.Name, s, sub)}
		}
	})
	if wrong != nil {
		return wrong
	}
	switch sub {
	case "show":
		ticket, err := oneArg("cases show", "TICKET", pos)
		if err != nil {
			return err
		}
		if mailSet {
			if *asJSON {
				return &UsageError{Msg: "cases show --mail prints the mail as it was sent; it takes no --json"}
			}
			if *mailN < 1 {
				return &UsageError{Msg: fmt.Sprintf("--mail %d: mails are numbered from 1, as cases show lists them", *mailN)}
			}
		}
		return CaseShow(ctx, env.Stdout, CaseShowOptions{ConfigPath: *cfgPath, Ticket: ticket, JSON: *asJSON, Mail: *mailN})
	case "resolve":
		ticket, err := oneArg("cases resolve", "TICKET", pos)
		if err != nil {
			return err
		}
		return CaseResolve(ctx, env.Stdout, CaseResolveOptions{ConfigPath: *cfgPath, Ticket: ticket, Note: *note})
	}
	if err := NoArgs("cases list", pos); err != nil {
		return err
	}
	return Cases(ctx, env.Stdout, CasesOptions{ConfigPath: *cfgPath, OpenOnly: *open, JSON: *asJSON})
}

// CasesOptions are the inputs of `escalationd cases`.
type CasesOptions struct {
	ConfigPath string
	OpenOnly   bool
	JSON       bool
}

// CaseJSON is a case as `cases --json` prints it.
type CaseJSON struct {
	ID             int64         `json:"id"`
	Ticket         string        `json:"ticket"`
	Kind           vocab.Kind    `json:"kind"`
	State          string        `json:"state"`
	Urgency        vocab.Urgency `json:"urgency"`
	Team           string        `json:"team"`
	Customer       string        `json:"customer,omitempty"`
	Agent          string        `json:"agent"`
	Summary        string        `json:"summary"`
	Confidential   bool          `json:"confidential"`
	OpenedAt       time.Time     `json:"opened_at"`
	RespondBy      time.Time     `json:"respond_by"`
	AcknowledgedAt time.Time     `json:"acknowledged_at,omitzero"`
	AcknowledgedBy string        `json:"acknowledged_by,omitempty"`
	ResolvedAt     time.Time     `json:"resolved_at,omitzero"`
	Resolution     string        `json:"resolution,omitempty"`
	RootCause      string        `json:"root_cause,omitempty"` // from the RESOLVED reply's "Root cause:" line
	CSAT           int           `json:"csat,omitempty"`       // 1-5, reported by the agent; 0: none yet
}

func caseJSON(c *store.Case) CaseJSON {
	return CaseJSON{ID: c.ID, Ticket: c.Ticket, Kind: c.Kind, State: c.State, Urgency: c.Urgency, Team: c.Team, Customer: c.Customer,
		Agent: c.Agent, Summary: c.Summary, Confidential: c.Confidential, OpenedAt: c.OpenedAt, RespondBy: c.RespondBy,
		AcknowledgedAt: c.AcknowledgedAt, AcknowledgedBy: c.AcknowledgedBy, ResolvedAt: c.ResolvedAt, Resolution: c.Resolution,
		RootCause: c.RootCause, CSAT: c.CSAT}
}

func openStore(ctx context.Context, path string) (*store.Store, error) {
	if path == "" {
		return nil, &UsageError{Msg: "needs --config FILE"}
	}
	_, st, err := openConfigured(ctx, path, store.OpenReadOnly)
	return st, err
}

// openExisting opens the database of the config at cfgPath with open, but
// only when it exists: a command run before the daemon ever ran, or with
// the wrong config, must not create an empty database (owned by whoever
// ran it) and report on nothing.
func openExisting(ctx context.Context, db, cfgPath string, open func(context.Context, string) (*store.Store, error)) (*store.Store, error) {
	if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no database at %s (database: in %s): has the daemon run with this config?", db, cfgPath)
	}
	return open(ctx, db)
}

// openConfigured loads the config at cfgPath (without its secrets) and
// opens its existing database with open: the start of every command that
// works on the live database.
func openConfigured(ctx context.Context, cfgPath string, open func(context.Context, string) (*store.Store, error)) (*app.Compiled, *store.Store, error) {
	c, err := policyConfig(cfgPath)
	if err != nil {
		return nil, nil, err
	}
	st, err := openExisting(ctx, c.Config.Database, cfgPath, open)
	if err != nil {
		return nil, nil, err
	}
	return c, st, nil
}

// orNow is t, or the time now when t is zero (commands' Now options).
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// Cases lists cases, newest first.
func Cases(ctx context.Context, w io.Writer, o CasesOptions) error {
	st, err := openStore(ctx, o.ConfigPath)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.Cases(ctx, store.CaseFilter{OpenOnly: o.OpenOnly})
	if err != nil {
		return err
	}
	if o.JSON {
		out := make([]CaseJSON, 0, len(list))
		for _, c := range list {
			out = append(out, caseJSON(c))
		}
		return writeJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TICKET\tSTATE\tURGENCY\tTEAM\tOPENED\tRESPOND BY\tSUMMARY")
	for _, c := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Ticket, c.State, c.Urgency, c.Team,
			c.OpenedAt.Format("2006-01-02 15:04Z07:00"), c.RespondBy.Format("2006-01-02 15:04Z07:00"), c.Summary)
	}
	return tw.Flush()
}

// CaseShowOptions are the inputs of `cases show`.
type CaseShowOptions struct {
	ConfigPath string
	Ticket     string
	JSON       bool
	// Mail, when not 0, prints only the raw bytes of the case's Mail-th
	// outbox mail (1-based, in the order show lists them).
	Mail int
}

// CaseShow prints one case with its events, mail and timers.
func CaseShow(ctx context.Context, w io.Writer, o CaseShowOptions) error {
	st, err := openStore(ctx, o.ConfigPath)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.Cases(ctx, store.CaseFilter{Ticket: o.Ticket, Limit: 1})
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return fmt.Errorf("no case for ticket %q", o.Ticket)
	}
	c := list[0]
	events, err := st.Events(ctx, c.ID)
	if err != nil {
		return err
	}
	mails, err := st.MailForCase(ctx, c.ID)
	if err != nil {
		return err
	}
	if o.Mail != 0 {
		if o.Mail < 1 || o.Mail > len(mails) {
			return &UsageError{Msg: fmt.Sprintf("case %s has %d mails; --mail %d is out of range (1-%d)", c.Ticket, len(mails), o.Mail, len(mails))}
		}
		raw, err := outbound.MailBytes(ctx, st, mails[o.Mail-1])
		if err != nil {
			return fmt.Errorf("case %s: mail %d: %w", c.Ticket, o.Mail, err)
		}
		if len(raw) == 0 {
			return fmt.Errorf("case %s: the bytes of mail %d were removed by retention (retention.raw_mail); its record is kept", c.Ticket, o.Mail)
		}
		_, err = w.Write(raw)
		return err
	}
	timers, err := st.Timers(ctx, c.ID)
	if err != nil {
		return err
	}
	if o.JSON {
		type ev struct {
			At     time.Time   `json:"at"`
			Type   vocab.Event `json:"type"`
			Actor  string      `json:"actor,omitempty"`
			Detail string      `json:"detail,omitempty"`
		}
		type ml struct {
			Event     vocab.Event `json:"event"`
			To        []string    `json:"to"`
			Subject   string      `json:"subject"`
			State     string      `json:"state"`
			MessageID string      `json:"message_id"`
			Created   time.Time   `json:"created_at"`
			LastError string      `json:"last_error,omitempty"`
		}
		type tm struct {
			Kind  vocab.TimerKind `json:"kind"`
			Due   time.Time       `json:"due_at"`
			State string          `json:"state"`
		}
		out := struct {
			Case   CaseJSON `json:"case"`
			Events []ev     `json:"events"`
			Mail   []ml     `json:"mail"`
			Timers []tm     `json:"timers"`
		}{Case: caseJSON(c)}
		for _, e := range events {
			out.Events = append(out.Events, ev{e.At, e.Type, e.Actor, e.Detail})
		}
		for _, m := range mails {
			out.Mail = append(out.Mail, ml{m.Event, m.RcptTo, m.Subject, m.State, m.MessageID, m.CreatedAt, m.LastError})
		}
		for _, t := range timers {
			out.Timers = append(out.Timers, tm{t.Kind, t.DueAt, t.State})
		}
		return writeJSON(w, out)
	}
	fmt.Fprintf(w, "Case %d  %s  [%s] %s\n", c.ID, c.Ticket, c.Urgency, c.Summary)
	fmt.Fprintf(w, "  kind %s, state %s, team %s, agent %s, customer %s\n", c.Kind, c.State, c.Team, c.Agent, c.Customer)
	fmt.Fprintf(w, "  opened %s, respond by %s", c.OpenedAt.Format(time.RFC3339), c.RespondBy.Format(time.RFC3339))
	if c.Confidential {
		fmt.Fprint(w, ", CONFIDENTIAL (no customer contact)")
	}
	fmt.Fprintln(w)
	if !c.ResolvedAt.IsZero() {
		csat := "none reported yet"
		if c.CSAT > 0 {
			csat = fmt.Sprintf("%d of 5", c.CSAT)
		}
		fmt.Fprintf(w, "  resolved %s: %s\n  root cause: %s; customer satisfaction: %s\n", c.ResolvedAt.Format(time.RFC3339), c.Resolution,
			orNone(c.RootCause), csat)
	}
	fmt.Fprintln(w, "Events:")
	for _, e := range events {
		fmt.Fprintf(w, "  %s  %-20s %s %s\n", e.At.Format(time.RFC3339), e.Type, e.Actor, e.Detail)
	}
	fmt.Fprintln(w, "Mail:")
	for i, m := range mails { // numbered for --mail N
		fmt.Fprintf(w, "  %2d  %s  %-16s %-7s to %s  %q %s\n", i+1, m.CreatedAt.Format(time.RFC3339), m.Event, m.State, strings.Join(m.RcptTo, ", "), m.Subject, m.LastError)
	}
	fmt.Fprintln(w, "Timers:")
	for _, t := range timers {
		fmt.Fprintf(w, "  %s  %-16s %s\n", t.DueAt.Format(time.RFC3339), t.Kind, t.State)
	}
	return nil
}

// CaseResolveOptions are the inputs of `cases resolve`.
type CaseResolveOptions struct {
	ConfigPath string
	Ticket     string
	Note       string
	Now        time.Time // zero: now
}

// CaseResolve resolves a case for an operator without mail: the same
// closing of the loop as a RESOLVED reply (resolution and thank-you mail
// are queued; a running daemon sends them within a minute).
func CaseResolve(ctx context.Context, w io.Writer, o CaseResolveOptions) error {
	if strings.TrimSpace(o.Note) == "" {
		return &UsageError{Msg: "cases resolve needs --note TEXT"}
	}
	c, st, err := openConfigured(ctx, o.ConfigPath, store.Open)
	if err != nil {
		return err
	}
	defer st.Close()
	now := orNow(o.Now)
	eng, err := c.NewEngine(app.EngineOptions{Store: st, Clock: clock.NewVirtual(now), Logger: discardLogger()})
	if err != nil {
		return err
	}
	var ticket string
	err = st.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.OpenCaseByTicket(o.Ticket)
		if err != nil {
			return err
		}
		if c == nil {
			return fmt.Errorf("no open case for ticket %q", o.Ticket)
		}
		ticket = c.Ticket
		_, err = eng.Resolve(tx, c, o.Note, now)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s resolved: %s\n", ticket, o.Note)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none named"
	}
	return s
}

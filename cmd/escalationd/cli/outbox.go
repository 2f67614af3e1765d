package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"escalationd/config"
	"escalationd/store"
	"escalationd/vocab"
)

// outboxCmd runs outbox list, outbox retry ID and outbox drop ID. Like
// cases, the subcommand is the first argument that is not a flag.
func outboxCmd(ctx context.Context, env Env, args []string) error {
	fs := NewFlagSet("outbox", env.Stderr)
	cfgPath := configFlag(fs, "its database is used")
	asJSON := fs.Bool("json", false, "print JSON (list)")
	state := fs.String("state", "", "only mail in `STATE`: "+strings.Join(store.MailStates, ", ")+" (list)")
	force := fs.Bool("force", false, "retry mail the confidentiality check blocked; it is checked again before sending (retry)")
	reason := fs.String("reason", "", "why the mail is dropped, recorded on its case (drop)")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	sub := "list"
	if len(pos) > 0 {
		sub, pos = pos[0], pos[1:]
	}
	only := map[string]string{"json": "list", "state": "list", "force": "retry", "reason": "drop"}
	switch sub {
	case "list", "retry", "drop":
	default:
		return &UsageError{Msg: fmt.Sprintf("unknown outbox command %q (use list, retry, drop)", sub)}
	}
	var wrong error
	fs.Visit(func(f *flag.Flag) {
		if s, ok := only[f.Name]; ok && s != sub && wrong == nil {
			wrong = &UsageError{Msg: fmt.Sprintf("--%s is a flag of outbox %s, not of outbox %s", f.Name, s, sub)}
		}
	})
	if wrong != nil {
		return wrong
	}
	if sub == "list" {
		if err := NoArgs("outbox list", pos); err != nil {
			return err
		}
		if *state != "" && !slices.Contains(store.MailStates, *state) {
			return &UsageError{Msg: fmt.Sprintf("unknown outbox state %q (use %s)", *state, strings.Join(store.MailStates, ", "))}
		}
		return OutboxList(ctx, env.Stdout, OutboxOptions{ConfigPath: *cfgPath, State: *state, JSON: *asJSON})
	}
	arg, err := oneArg("outbox "+sub, "mail ID (outbox list shows them)", pos)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id < 1 {
		return &UsageError{Msg: fmt.Sprintf("outbox %s: %q is not a mail ID (outbox list shows them)", sub, arg)}
	}
	o := OutboxOptions{ConfigPath: *cfgPath, ID: id, Force: *force, Reason: *reason}
	if sub == "retry" {
		return OutboxRetry(ctx, env.Stdout, o)
	}
	if strings.TrimSpace(*reason) == "" {
		return &UsageError{Msg: "outbox drop needs --reason TEXT: it is recorded on the case"}
	}
	return OutboxDrop(ctx, env.Stdout, o)
}

// OutboxOptions are the inputs of the outbox commands.
type OutboxOptions struct {
	ConfigPath string
	State      string // list: only this state
	JSON       bool
	ID         int64  // retry, drop
	Force      bool   // retry a blocked mail
	Reason     string // drop
	Actor      string // who, for the audit trail; "" is the operating system user
	Now        time.Time
}

// OutboxMailJSON is one row of `outbox list --json`; its field names are
// a contract like status's.
type OutboxMailJSON struct {
	ID            int64       `json:"id"`
	Ticket        string      `json:"ticket,omitempty"`
	Event         vocab.Event `json:"event"`
	Recipients    []string    `json:"recipients"`
	State         string      `json:"state"`
	Attempts      int         `json:"attempts"`
	CreatedAt     time.Time   `json:"created_at"`
	NextAttemptAt time.Time   `json:"next_attempt_at,omitzero"` // pending mail only
	SentAt        time.Time   `json:"sent_at,omitzero"`
	LastError     string      `json:"last_error,omitempty"`
}

// OutboxList lists the outbox, oldest first.
func OutboxList(ctx context.Context, w io.Writer, o OutboxOptions) error {
	st, err := openStore(ctx, o.ConfigPath)
	if err != nil {
		return err
	}
	defer st.Close()
	mails, err := st.MailInState(ctx, o.State)
	if err != nil {
		return err
	}
	tickets, err := st.Tickets(ctx)
	if err != nil {
		return err
	}
	out := make([]OutboxMailJSON, 0, len(mails))
	for _, m := range mails {
		j := OutboxMailJSON{ID: m.ID, Ticket: tickets[m.CaseID], Event: m.Event, Recipients: m.RcptTo, State: m.State, Attempts: m.Attempts,
			CreatedAt: utc(m.CreatedAt), SentAt: utc(m.SentAt), LastError: m.LastError}
		if m.State == store.MailPending {
			j.NextAttemptAt = utc(m.NextAttemptAt)
		}
		if j.Recipients == nil {
			j.Recipients = []string{}
		}
		out = append(out, j)
	}
	if o.JSON {
		return writeJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTICKET\tEVENT\tRECIPIENTS\tSTATE\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
	for _, m := range out {
		next := "-"
		if !m.NextAttemptAt.IsZero() {
			next = m.NextAttemptAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", m.ID, orDash(m.Ticket), m.Event, strings.Join(m.Recipients, ","), m.State,
			m.Attempts, next, orDash(oneLine(m.LastError)))
	}
	return tw.Flush()
}

// OutboxRetry puts a failed (or, with Force, a blocked) mail back in the
// queue, due now and with a fresh give-up time (outbox.give_up_after); a
// running daemon sends it within seconds, through the confidentiality
// check like any other mail.
func OutboxRetry(ctx context.Context, w io.Writer, o OutboxOptions) error {
	c, st, now, err := openForWrite(ctx, o)
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := st.RetryMail(ctx, o.ID, o.Force, actor(o), now.Add(c.Outbox.GiveUpAfter.D()), now)
	if err != nil {
		return outboxError(err)
	}
	_, err = fmt.Fprintf(w, "mail %d (%s to %s) is pending again; a running escalationd sends it within seconds\n", m.ID, m.Event,
		strings.Join(m.RcptTo, ", "))
	return err
}

// OutboxDrop gives up on a pending or failed mail: it becomes dropped,
// is never sent, and the reason is recorded on its case. Nothing is
// deleted.
func OutboxDrop(ctx context.Context, w io.Writer, o OutboxOptions) error {
	_, st, now, err := openForWrite(ctx, o)
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := st.DropMail(ctx, o.ID, strings.TrimSpace(o.Reason), actor(o), now)
	if err != nil {
		return outboxError(err)
	}
	_, err = fmt.Fprintf(w, "mail %d (%s to %s) dropped; it will not be sent\n", m.ID, m.Event, strings.Join(m.RcptTo, ", "))
	return err
}

// openForWrite opens the live database for writing: SQLite's WAL and
// busy timeout let it share the database with a running daemon.
func openForWrite(ctx context.Context, o OutboxOptions) (*config.Config, *store.Store, time.Time, error) {
	if o.ConfigPath == "" {
		return nil, nil, time.Time{}, &UsageError{Msg: "needs --config FILE"}
	}
	c, st, err := openConfigured(ctx, o.ConfigPath, store.Open)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	return c.Config, st, orNow(o.Now), nil
}

// outboxError makes a wrong ID or a mail in the wrong state a usage error
// (exit 2): the command line asked for something that cannot be done.
func outboxError(err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrMailState) {
		return &UsageError{Msg: err.Error()}
	}
	return err
}

func actor(o OutboxOptions) string {
	if o.Actor != "" {
		return o.Actor
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "operator:" + u.Username
	}
	return "operator"
}

package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"escalationd/store"
	"escalationd/vocab"
)

func statusCmd(ctx context.Context, env Env, args []string) error {
	fs := NewFlagSet("status", env.Stderr)
	cfgPath := configFlag(fs, "its database is read")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := NoArgs("status", pos); err != nil {
		return err
	}
	return Status(ctx, env.Stdout, StatusOptions{ConfigPath: *cfgPath, JSON: *asJSON})
}

// StatusOptions are the inputs of `escalationd status`.
type StatusOptions struct {
	ConfigPath string
	JSON       bool
	Now        time.Time // zero: the wall clock
}

// statusSoon is how far ahead status lists the timers due.
const statusSoon = time.Hour

// statusTimerLimit bounds the list of timers due soon.
const statusTimerLimit = 50

// StatusJSON is `escalationd status --json`. Its field names are a
// contract (monitoring reads them; docs/operations.md lists them): add
// fields, never rename or drop one. Times are RFC 3339 UTC; an absent
// time is omitted; ages are whole seconds.
type StatusJSON struct {
	At            time.Time      `json:"at"`
	Database      string         `json:"database"`
	SchemaVersion int            `json:"schema_version"`
	Mailboxes     []MailboxJSON  `json:"mailboxes"`
	Parked        int            `json:"parked"` // every mailbox's parked mail
	Outbox        OutboxJSON     `json:"outbox"`
	TimersOverdue int            `json:"timers_overdue"` // pending timers already due (a stopped daemon leaves them)
	TimersDue     []DueTimerJSON `json:"timers_due"`     // due before at + 1h, overdue first, at most 50
	// OAuthTokens are the OAuth2 tokens of the servers that use them, as
	// the daemon last recorded them (every minute while it runs).
	OAuthTokens []TokenJSON `json:"oauth_tokens"`
}

// TokenJSON is one server's OAuth2 token in `status --json`.
type TokenJSON struct {
	Server           string    `json:"server"`
	ExpiresAt        time.Time `json:"expires_at,omitzero"`
	ExpiresInSeconds int64     `json:"expires_in_seconds"` // negative: expired
	RefreshError     string    `json:"refresh_error,omitempty"`
	RecordedAt       time.Time `json:"recorded_at"`
}

// MailboxJSON is one mailbox in `status --json`.
type MailboxJSON struct {
	Name            string    `json:"name"`
	Configured      bool      `json:"configured"` // in the config (a mailbox only in the database was removed from it)
	UIDValidity     uint32    `json:"uid_validity"`
	LastUID         uint32    `json:"last_uid"`
	CursorUpdatedAt time.Time `json:"cursor_updated_at,omitzero"`
	LastMailAt      time.Time `json:"last_mail_at,omitzero"`
	// LastActivityAge is seconds since the later of the two times above;
	// -1 when the mailbox has none yet.
	LastActivityAge int64 `json:"last_activity_age_seconds"`
	Unfinished      int   `json:"unfinished"` // stored, not yet handled
	Parked          int   `json:"parked"`     // handling failed five times: see review
}

// OutboxJSON is the outbox in `status --json`.
type OutboxJSON struct {
	Pending          int       `json:"pending"`
	Due              int       `json:"due"` // pending and due now: a running daemon sends them within seconds
	Sent             int       `json:"sent"`
	Failed           int       `json:"failed"`
	Blocked          int       `json:"blocked"`
	Dropped          int       `json:"dropped"`
	OldestPendingAt  time.Time `json:"oldest_pending_at,omitzero"`
	OldestPendingAge int64     `json:"oldest_pending_age_seconds"` // 0 when nothing is pending
	LastError        string    `json:"last_error,omitempty"`       // latest error of a pending or failed mail
	LastErrorMail    int64     `json:"last_error_mail,omitempty"`  // its id (escalationd outbox list)
}

// DueTimerJSON is one SLA timer in `status --json`.
type DueTimerJSON struct {
	Ticket  string          `json:"ticket"`
	Kind    vocab.TimerKind `json:"kind"`
	DueAt   time.Time       `json:"due_at"`
	Overdue bool            `json:"overdue"`
}

// Status reads the daemon's state from its database, without the daemon:
// each mailbox's cursor and last activity, parked mail, the outbox and the
// SLA timers due within the hour.
func Status(ctx context.Context, w io.Writer, o StatusOptions) error {
	if o.ConfigPath == "" {
		return &UsageError{Msg: "status needs --config FILE"}
	}
	c, st, err := openConfigured(ctx, o.ConfigPath, store.OpenReadOnly)
	if err != nil {
		return err
	}
	defer st.Close()
	now := orNow(o.Now).UTC().Truncate(time.Second)
	out := StatusJSON{At: now, Database: st.Path(), Mailboxes: []MailboxJSON{}, TimersDue: []DueTimerJSON{}, OAuthTokens: []TokenJSON{}}
	if out.SchemaVersion, err = st.SchemaVersion(ctx); err != nil {
		return err
	}
	boxes, err := st.MailboxStatuses(ctx)
	if err != nil {
		return err
	}
	byName := map[string]store.MailboxStatus{}
	for _, b := range boxes {
		byName[b.Mailbox] = b
	}
	var names []string
	for _, mb := range c.Config.Mailboxes {
		names = append(names, mb.Name)
	}
	for _, b := range boxes {
		if !slices.Contains(names, b.Mailbox) {
			names = append(names, b.Mailbox)
		}
	}
	for i, name := range names {
		b := byName[name]
		mj := MailboxJSON{Name: name, Configured: i < len(c.Config.Mailboxes), UIDValidity: b.UIDValidity, LastUID: b.LastUID,
			CursorUpdatedAt: utc(b.CursorAt), LastMailAt: utc(b.LastMailAt), LastActivityAge: -1, Unfinished: b.Unfinished, Parked: b.Parked}
		if last := later(b.CursorAt, b.LastMailAt); !last.IsZero() {
			mj.LastActivityAge = ageSeconds(now, last)
		}
		out.Parked += b.Parked
		out.Mailboxes = append(out.Mailboxes, mj)
	}
	ob, err := st.OutboxStatus(ctx, now)
	if err != nil {
		return err
	}
	out.Outbox = OutboxJSON{Pending: ob.Counts[store.MailPending], Due: ob.DuePending, Sent: ob.Counts[store.MailSent],
		Failed: ob.Counts[store.MailFailed], Blocked: ob.Counts[store.MailBlocked], Dropped: ob.Counts[store.MailDropped],
		OldestPendingAt: utc(ob.OldestPending), LastError: ob.LastError, LastErrorMail: ob.LastErrorMail}
	if !ob.OldestPending.IsZero() {
		out.Outbox.OldestPendingAge = ageSeconds(now, ob.OldestPending)
	}
	timers, err := st.TimersDueBefore(ctx, now.Add(statusSoon), statusTimerLimit)
	if err != nil {
		return err
	}
	for _, t := range timers {
		overdue := !t.DueAt.After(now)
		if overdue {
			out.TimersOverdue++
		}
		out.TimersDue = append(out.TimersDue, DueTimerJSON{Ticket: t.Ticket, Kind: t.Kind, DueAt: utc(t.DueAt), Overdue: overdue})
	}
	if len(timers) == statusTimerLimit {
		// The list is cut; the overdue count must not be.
		overdue, err := st.TimersDueBefore(ctx, now.Add(time.Microsecond), 1<<30) // stored times are to the microsecond
		if err != nil {
			return err
		}
		out.TimersOverdue = len(overdue)
	}
	tokens, err := st.TokenStates(ctx)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		tj := TokenJSON{Server: t.Server, ExpiresAt: utc(t.Expiry), RefreshError: t.LastError, RecordedAt: utc(t.UpdatedAt)}
		if !t.Expiry.IsZero() {
			tj.ExpiresInSeconds = int64(t.Expiry.Sub(now) / time.Second)
		}
		out.OAuthTokens = append(out.OAuthTokens, tj)
	}
	if o.JSON {
		return writeJSON(w, out)
	}
	return writeStatusText(w, out)
}

func writeStatusText(w io.Writer, s StatusJSON) error {
	fmt.Fprintf(w, "database  %s (schema %d)\nat        %s\n\n", s.Database, s.SchemaVersion, s.At.Format(time.RFC3339))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MAILBOX\tCURSOR\tLAST ACTIVITY\tUNFINISHED\tPARKED")
	for _, m := range s.Mailboxes {
		name := m.Name
		if !m.Configured {
			name += " (not in config)"
		}
		cursor, last := "-", "never"
		if !m.CursorUpdatedAt.IsZero() || !m.LastMailAt.IsZero() {
			cursor = fmt.Sprintf("%d/%d", m.UIDValidity, m.LastUID)
			last = fmt.Sprintf("%s (%s ago)", later(m.CursorUpdatedAt, m.LastMailAt).Format(time.RFC3339), ago(m.LastActivityAge))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", name, cursor, last, m.Unfinished, m.Parked)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	o := s.Outbox
	fmt.Fprintf(w, "\noutbox    %d pending (%d due), %d sent, %d failed, %d blocked, %d dropped\n", o.Pending, o.Due, o.Sent, o.Failed, o.Blocked, o.Dropped)
	if !o.OldestPendingAt.IsZero() {
		fmt.Fprintf(w, "          oldest pending queued %s (%s ago)\n", o.OldestPendingAt.Format(time.RFC3339), ago(o.OldestPendingAge))
	}
	if o.LastError != "" {
		fmt.Fprintf(w, "          last error (mail %d): %s\n", o.LastErrorMail, oneLine(o.LastError))
	}
	if s.Parked > 0 {
		fmt.Fprintf(w, "parked    %d mail (escalationd review lists them)\n", s.Parked)
	}
	for _, t := range s.OAuthTokens {
		state := "no token yet"
		if !t.ExpiresAt.IsZero() {
			state = fmt.Sprintf("token expires %s (in %s)", t.ExpiresAt.Format(time.RFC3339), time.Duration(t.ExpiresInSeconds)*time.Second)
			if t.ExpiresInSeconds < 0 {
				state = fmt.Sprintf("token EXPIRED %s", t.ExpiresAt.Format(time.RFC3339))
			}
		}
		if t.RefreshError != "" {
			state += "; REFRESH FAILING: " + oneLine(t.RefreshError)
		}
		fmt.Fprintf(w, "oauth2    %s: %s (recorded %s)\n", t.Server, state, t.RecordedAt.Format(time.RFC3339))
	}
	fmt.Fprintf(w, "\ntimers    %d overdue, %d due within the hour\n", s.TimersOverdue, len(s.TimersDue)-min(s.TimersOverdue, len(s.TimersDue)))
	if len(s.TimersDue) == 0 {
		return nil
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DUE\tKIND\tTICKET")
	for _, t := range s.TimersDue {
		due := t.DueAt.Format(time.RFC3339)
		if t.Overdue {
			due += " (overdue)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", due, t.Kind, t.Ticket)
	}
	return tw.Flush()
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func ageSeconds(now, t time.Time) int64 { return max(int64(now.Sub(t)/time.Second), 0) }

// ago writes an age in seconds the way people read it.
func ago(sec int64) string {
	d := time.Duration(sec) * time.Second
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", sec)
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

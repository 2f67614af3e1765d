package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"escalationd/vocab"
	"fmt"
	"time"
)

// Case states.
const (
	CaseOpen         = "open"
	CaseAcknowledged = "acknowledged"
	CaseResolved     = "resolved"
)

// Case is one escalation.
type Case struct {
	ID               int64
	Ticket           string
	Kind             vocab.Kind
	Mailbox          string
	State            string
	Urgency          vocab.Urgency
	Customer         string
	Agent            string // the escalating agent's address
	Subject          string
	Summary          string   // the issue in one line
	Team             string   // the team the case is assigned to
	Teams            []string // every team the case was routed to, in order
	RoutedTo         []string // the addresses the case was last routed to
	Confidential     bool
	ApprovalRequired bool
	SuspendAccount   bool
	ParseJSON        string // the parse result the case was opened from (audit and templates only)
	DecisionJSON     string // the routing decision (audit only)
	ThreadID         string // Message-ID of the first routed mail: every later mail threads under it
	SourceMessage    int64
	SourceMessageID  string
	OpenedAt         time.Time
	RespondBy        time.Time
	AcknowledgedAt   time.Time
	AcknowledgedBy   string
	ResolvedAt       time.Time
	Resolution       string
	// Resolutions, Reassignments and ReEscalations count those changes;
	// they number the mail each one queues (its dedup key).
	Resolutions   int
	Reassignments int
	ReEscalations int
	// CustomerSide are the addresses that must never hear of the case
	// while it is confidential (the customer, an outside reporter); fixed
	// when it opens.
	CustomerSide []string
	// Unverified: the escalating sender was not authenticated.
	Unverified bool
	// Chain is the case's own breach chain (team names or "lead:<team>")
	// from the route or category that set one; nil: the urgency's. An
	// empty non-nil chain is a chain set empty (the assigned team is the
	// top). TopReminders likewise replaces sla.top_reminders; nil: the
	// policy's. Set when the case opens, is re-escalated or reassigned.
	Chain        []string
	TopReminders *int
	// RootCause is the root cause the RESOLVED reply named: one of
	// reviews.root_causes, or the text as written; "" when none.
	RootCause string
	// CSAT is the customer's satisfaction (1-5) the agent reported; 0 when
	// not reported.
	CSAT      int
	UpdatedAt time.Time
}

// IsOpen is true until the case is resolved.
func (c *Case) IsOpen() bool { return c.State != CaseResolved }

const caseCols = `id, ticket, kind, mailbox, state, urgency, customer, agent, subject, summary, team, confidential, approval_required,
	suspend_account, parse_json, decision_json, thread_id, coalesce(source_message, 0), source_message_id, opened_at, respond_by,
	acknowledged_at, acknowledged_by, resolved_at, resolution, updated_at, teams, routed_to, resolutions, reassignments, re_escalations, customer_side, unverified,
	chain, top_reminders, root_cause, coalesce(csat, 0)`

func scanCase(row interface{ Scan(...any) error }) (*Case, error) {
	var c Case
	var opened, respondBy, updated string
	var acked, resolved sql.NullString
	var teams, routedTo, customerSide string
	var chain sql.NullString
	var top sql.NullInt64
	err := row.Scan(&c.ID, &c.Ticket, &c.Kind, &c.Mailbox, &c.State, &c.Urgency, &c.Customer, &c.Agent, &c.Subject, &c.Summary,
		&c.Team, &c.Confidential, &c.ApprovalRequired, &c.SuspendAccount, &c.ParseJSON, &c.DecisionJSON, &c.ThreadID,
		&c.SourceMessage, &c.SourceMessageID, &opened, &respondBy, &acked, &c.AcknowledgedBy, &resolved, &c.Resolution, &updated,
		&teams, &routedTo, &c.Resolutions, &c.Reassignments, &c.ReEscalations, &customerSide, &c.Unverified,
		&chain, &top, &c.RootCause, &c.CSAT)
	if err != nil {
		return nil, err
	}
	if chain.Valid {
		if err := json.Unmarshal([]byte(chain.String), &c.Chain); err != nil {
			return nil, fmt.Errorf("case %d chain: %w", c.ID, err)
		}
		c.Chain = nonNil(c.Chain)
	}
	if top.Valid {
		n := int(top.Int64)
		c.TopReminders = &n
	}
	if err := json.Unmarshal([]byte(teams), &c.Teams); err != nil {
		return nil, fmt.Errorf("case %d teams: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(routedTo), &c.RoutedTo); err != nil {
		return nil, fmt.Errorf("case %d routed-to addresses: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(customerSide), &c.CustomerSide); err != nil {
		return nil, fmt.Errorf("case %d customer side: %w", c.ID, err)
	}
	c.OpenedAt, c.RespondBy, c.UpdatedAt = parseTS(opened), parseTS(respondBy), parseTS(updated)
	c.AcknowledgedAt, c.ResolvedAt = parseNullTS(acked), parseNullTS(resolved)
	return &c, nil
}

func nullTS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ts(t)
}

// InsertCase stores a new case and sets its ID.
func (tx *Tx) InsertCase(c *Case) error {
	var src any
	if c.SourceMessage > 0 {
		src = c.SourceMessage
	}
	res, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO cases (ticket, kind, mailbox, state, urgency, customer, agent, subject, summary, team,
		confidential, approval_required, suspend_account, parse_json, decision_json, thread_id, source_message, source_message_id,
		opened_at, respond_by, updated_at, teams, routed_to, customer_side, unverified, chain, top_reminders)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Ticket, c.Kind, c.Mailbox, c.State, c.Urgency, c.Customer, c.Agent, c.Subject, c.Summary, c.Team,
		c.Confidential, c.ApprovalRequired, c.SuspendAccount, c.ParseJSON, c.DecisionJSON, c.ThreadID, src, c.SourceMessageID,
		ts(c.OpenedAt), ts(c.RespondBy), ts(c.OpenedAt), jsonList(c.Teams), jsonList(c.RoutedTo), jsonList(c.CustomerSide), c.Unverified,
		chainColumn(c.Chain), topColumn(c.TopReminders))
	if err != nil {
		return fmt.Errorf("insert case %s: %w", c.Ticket, err)
	}
	c.ID, err = res.LastInsertId()
	return err
}

// UpdateCase writes the case's mutable fields.
func (tx *Tx) UpdateCase(c *Case, now time.Time) error {
	c.UpdatedAt = now
	_, err := tx.tx.ExecContext(tx.ctx, `UPDATE cases SET kind = ?, state = ?, urgency = ?, team = ?, thread_id = ?, respond_by = ?,
		acknowledged_at = ?, acknowledged_by = ?, resolved_at = ?, resolution = ?, confidential = ?, approval_required = ?,
		suspend_account = ?, decision_json = ?, updated_at = ?, teams = ?, routed_to = ?, resolutions = ?, reassignments = ?,
		re_escalations = ?, chain = ?, top_reminders = ?, root_cause = ?, csat = ? WHERE id = ?`,
		c.Kind, c.State, c.Urgency, c.Team, c.ThreadID, ts(c.RespondBy), nullTS(c.AcknowledgedAt), c.AcknowledgedBy,
		nullTS(c.ResolvedAt), c.Resolution, c.Confidential, c.ApprovalRequired, c.SuspendAccount, c.DecisionJSON, ts(now),
		jsonList(c.Teams), jsonList(c.RoutedTo), c.Resolutions, c.Reassignments, c.ReEscalations,
		chainColumn(c.Chain), topColumn(c.TopReminders), c.RootCause, csatColumn(c.CSAT), c.ID)
	if err != nil {
		return fmt.Errorf("update case %d: %w", c.ID, err)
	}
	return nil
}

// Case reads a case by id inside the transaction.
func (tx *Tx) Case(id int64) (*Case, error) {
	c, err := scanCase(tx.tx.QueryRowContext(tx.ctx, `SELECT `+caseCols+` FROM cases WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("case %d: %w", id, ErrNotFound)
	}
	return c, err
}

// Case reads a case by id.
func (s *Store) Case(ctx context.Context, id int64) (*Case, error) {
	c, err := scanCase(s.reader.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("case %d: %w", id, ErrNotFound)
	}
	return c, err
}

// The lookups of a case by ticket run for every escalation; both must use
// the cases_ticket index (store/batch_test.go checks their plans).
const (
	openCaseByTicketSQL = `SELECT ` + caseCols + ` FROM cases WHERE ticket = ? COLLATE NOCASE AND state != 'resolved'
		ORDER BY id DESC LIMIT 1`
	latestCaseByTicketSQL = `SELECT ` + caseCols + ` FROM cases WHERE ticket = ? COLLATE NOCASE ORDER BY id DESC LIMIT 1`
)

// The lookups of a reply's case by its In-Reply-To and References (%s:
// their placeholders), run for every reply; indexed as the ticket ones.
const (
	casesBySentMailSQL = `SELECT case_id FROM outbox WHERE case_id IS NOT NULL AND message_id IN (%s)
		GROUP BY case_id ORDER BY max(id) DESC`
	casesBySourceMailSQL = `SELECT id FROM cases WHERE source_message_id != '' AND source_message_id IN (%s) ORDER BY id DESC`
)

// OpenCaseByTicket returns the unresolved case of a ticket, if any.
func (tx *Tx) OpenCaseByTicket(ticket string) (*Case, error) {
	c, err := scanCase(tx.tx.QueryRowContext(tx.ctx, openCaseByTicketSQL, ticket))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, err
}

// LatestCaseByTicket returns the newest case of a ticket, open or not.
func (tx *Tx) LatestCaseByTicket(ticket string) (*Case, error) {
	c, err := scanCase(tx.tx.QueryRowContext(tx.ctx, latestCaseByTicketSQL, ticket))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, err
}

// CasesByThread finds the cases a mail may belong to from its In-Reply-To
// and References ids: first the cases of mail the gateway sent (its own
// Message-IDs, which nobody can guess), newest first; then the cases whose
// source mail has one of the ids, newest first (a source Message-ID is
// chosen by whoever sent it, so the caller decides among those).
func (tx *Tx) CasesByThread(messageIDs []string) (sent, source []*Case, err error) {
	if len(messageIDs) == 0 {
		return nil, nil, nil
	}
	ph := placeholders(len(messageIDs))
	args := make([]any, 0, len(messageIDs))
	for _, id := range messageIDs {
		args = append(args, id)
	}
	read := func(q string) ([]*Case, error) {
		rows, err := tx.tx.QueryContext(tx.ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("find case by thread: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		var out []*Case
		for _, id := range ids {
			c, err := tx.Case(id)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	if sent, err = read(fmt.Sprintf(casesBySentMailSQL, ph)); err != nil {
		return nil, nil, err
	}
	source, err = read(fmt.Sprintf(casesBySourceMailSQL, ph))
	return sent, source, err
}

// CaseFilter selects cases for listing.
type CaseFilter struct {
	OpenOnly bool
	Ticket   string
	Limit    int
}

// Cases lists cases, newest first.
func (s *Store) Cases(ctx context.Context, f CaseFilter) ([]*Case, error) {
	q := `SELECT ` + caseCols + ` FROM cases WHERE 1=1`
	var args []any
	if f.OpenOnly {
		q += ` AND state != 'resolved'`
	}
	if f.Ticket != "" {
		q += ` AND ticket = ? COLLATE NOCASE`
		args = append(args, f.Ticket)
	}
	q += ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	return scanCases(rows)
}

// CaseRecipients lists everyone the case's mail of one recipient role went
// to; with vocab.RoleTeam, the people "on the case" (routed, breach,
// status checks, thanks). Mail to the agent or customer does not make them
// team members, nor does the incident notice (an address that feeds a
// channel or status page, whose automatic confirmations must not
// acknowledge anything).
func (tx *Tx) CaseRecipients(caseID int64, role vocab.Role) ([]string, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT DISTINCT lower(j.value) FROM outbox o, json_each(o.rcpt_to) j
		WHERE o.case_id = ? AND o.recipient_role = ? ORDER BY 1`, caseID, role)
	if err != nil {
		return nil, fmt.Errorf("recipients of case %d: %w", caseID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// jsonList is a list column's stored form.
// chainColumn is a case's chain as stored: NULL for nil (the urgency's).
func chainColumn(chain []string) any {
	if chain == nil {
		return nil
	}
	return jsonList(chain)
}

func topColumn(top *int) any {
	if top == nil {
		return nil
	}
	return *top
}

func jsonList(list []string) string {
	b, _ := json.Marshal(nonNil(list)) // a []string always marshals
	return string(b)
}

// RecentCaseBy returns the first case of a kind a sender opened since a
// time, if any (repeated outside reports join it).
func (tx *Tx) RecentCaseBy(agent string, kind vocab.Kind, since time.Time) (*Case, error) {
	c, err := scanCase(tx.tx.QueryRowContext(tx.ctx, `SELECT `+caseCols+` FROM cases WHERE agent = ? AND kind = ? AND opened_at >= ?
		ORDER BY id LIMIT 1`, agent, kind, ts(since)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, err
}

// OpenCasesOfTeam lists the unresolved cases a team owns, oldest first.
func (tx *Tx) OpenCasesOfTeam(team string) ([]*Case, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT `+caseCols+` FROM cases WHERE team = ? AND state != 'resolved' ORDER BY id`, team)
	if err != nil {
		return nil, fmt.Errorf("open cases of %s: %w", team, err)
	}
	return scanCases(rows)
}

func scanCases(rows *sql.Rows) ([]*Case, error) {
	defer rows.Close()
	var out []*Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func csatColumn(score int) any {
	if score == 0 {
		return nil
	}
	return score
}

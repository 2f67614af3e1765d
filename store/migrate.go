package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"escalationd/vocab"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// backfills complete a numbered migration with work SQL cannot express
// without spelling out the vocabulary: they run in the migration's
// transaction, after its SQL.
var backfills = map[int]func(tx *Tx) error{
	2: backfillDecisionColumns,
	3: backfillDedupeKeys,
	4: backfillCustomerSide,
}

// migrate applies every embedded migration not yet applied, each in its own
// transaction together with its backfill and its version row.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return err
	}
	migrations, err := embeddedMigrations()
	if err != nil {
		return err
	}
	if err := s.checkSchemaVersion(ctx, migrations[len(migrations)-1].version); err != nil {
		return err
	}
	for _, m := range migrations {
		name, base, version := m.name, m.base, m.version
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return err
		}
		err = s.InTx(ctx, func(tx *Tx) error {
			if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", base, err)
			}
			if fill := backfills[version]; fill != nil {
				if err := fill(tx); err != nil {
					return fmt.Errorf("migration %s: %w", base, err)
				}
			}
			_, err := tx.tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`, version, base)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

type migration struct {
	name, base string
	version    int
}

// embeddedMigrations lists the migrations this binary carries, in order.
func embeddedMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	for _, name := range names {
		base := filepath.Base(name)
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", base)
		}
		out = append(out, migration{name: name, base: base, version: version})
	}
	if len(out) == 0 {
		return nil, errors.New("no embedded migrations")
	}
	return out, nil
}

// KnownSchemaVersion is the highest schema version this binary knows.
func KnownSchemaVersion() int {
	m, err := embeddedMigrations()
	if err != nil {
		return 0
	}
	return m[len(m)-1].version
}

// SchemaTooNewError is returned by Open and OpenReadOnly for a database
// that a newer escalationd has migrated: this binary would misread it.
type SchemaTooNewError struct {
	Database, Known int
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("database schema version %d is newer than this escalationd (knows up to %d): upgrade escalationd or restore a backup",
		e.Database, e.Known)
}

// SchemaVersion is the highest migration applied to the database (0 for
// an empty one).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var exists int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	if exists == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return int(v.Int64), nil
}

func (s *Store) checkSchemaVersion(ctx context.Context, known int) error {
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if v > known {
		return &SchemaTooNewError{Database: v, Known: known}
	}
	return nil
}

// backfillDedupeKeys recomputes every stored message's dedupe key as
// dedupeKey does (Message-ID and content) from its stored Message-ID, raw
// bytes and size. Two stored mails of a mailbox that only the old key told
// apart (no Message-ID, raw bytes differing only in trace headers) keep
// the new key on the first; the later ones get theirs suffixed with their
// id, so the upgrade never fails on the UNIQUE constraint.
func backfillDedupeKeys(tx *Tx) error {
	type keyed struct {
		id  int64
		key string
	}
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT id, mailbox, message_id, raw, size FROM messages ORDER BY id`)
	if err != nil {
		return err
	}
	var all []keyed
	seen := map[[2]string]bool{}
	for rows.Next() {
		var id, size int64
		var mailbox, messageID string
		var raw []byte
		if err := rows.Scan(&id, &mailbox, &messageID, &raw, &size); err != nil {
			rows.Close()
			return err
		}
		key := dedupeKey(messageID, raw, size)
		if seen[[2]string{mailbox, key}] {
			key += ":" + strconv.FormatInt(id, 10)
		}
		seen[[2]string{mailbox, key}] = true
		all = append(all, keyed{id, key})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range all {
		if _, err := tx.tx.ExecContext(tx.ctx, `UPDATE messages SET dedupe_key = ? WHERE id = ?`, k.key, k.id); err != nil {
			return fmt.Errorf("message %d: %w", k.id, err)
		}
	}
	return nil
}

// backfillDecisionColumns fills migration 2's columns for a database made
// by an earlier release: each case's teams and routed-to addresses from
// its stored routing decision, its counters from its audit trail, each
// outbox row's recipient role from its event and recipients, and the rate
// limiter's marks from the audit trail.
func backfillDecisionColumns(tx *Tx) error {
	type caseRow struct {
		id              int64
		agent, customer string
		decision        string
		resolutions     int
		reassignments   int
		reEscalations   int
	}
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT id, lower(agent), lower(customer), decision_json FROM cases ORDER BY id`)
	if err != nil {
		return err
	}
	var cases []*caseRow
	for rows.Next() {
		c := &caseRow{}
		if err := rows.Scan(&c.id, &c.agent, &c.customer, &c.decision); err != nil {
			rows.Close()
			return err
		}
		cases = append(cases, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	byID := map[int64]*caseRow{}
	for _, c := range cases {
		byID[c.id] = c
		var dec struct {
			To    []string `json:"to"`
			Teams []string `json:"teams"`
		}
		if err := json.Unmarshal([]byte(c.decision), &dec); err != nil {
			return fmt.Errorf("case %d: stored routing decision: %w", c.id, err)
		}
		count := func(ev vocab.Event) (int, error) {
			var n int
			err := tx.tx.QueryRowContext(tx.ctx, `SELECT count(*) FROM events WHERE case_id = ? AND type = ?`, c.id, ev).Scan(&n)
			return n, err
		}
		if c.resolutions, err = count(vocab.EventResolved); err != nil {
			return err
		}
		if c.reassignments, err = count(vocab.EventReassigned); err != nil {
			return err
		}
		if c.reEscalations, err = count(vocab.EventReEscalated); err != nil {
			return err
		}
		teams, _ := json.Marshal(nonNil(dec.Teams))
		to, _ := json.Marshal(nonNil(dec.To))
		if _, err := tx.tx.ExecContext(tx.ctx, `UPDATE cases SET teams = ?, routed_to = ?, resolutions = ?, reassignments = ?,
			re_escalations = ? WHERE id = ?`, string(teams), string(to), c.resolutions, c.reassignments, c.reEscalations, c.id); err != nil {
			return err
		}
	}
	mails, err := tx.tx.QueryContext(tx.ctx, `SELECT id, coalesce(case_id, 0), event, rcpt_to FROM outbox ORDER BY id`)
	if err != nil {
		return err
	}
	type mailRow struct {
		id, caseID int64
		event      vocab.Event
		rcpt       []string
	}
	var all []mailRow
	for mails.Next() {
		var m mailRow
		var rcpt string
		if err := mails.Scan(&m.id, &m.caseID, &m.event, &rcpt); err != nil {
			mails.Close()
			return err
		}
		if err := json.Unmarshal([]byte(rcpt), &m.rcpt); err != nil {
			mails.Close()
			return fmt.Errorf("mail %d recipients: %w", m.id, err)
		}
		all = append(all, m)
	}
	mails.Close()
	if err := mails.Err(); err != nil {
		return err
	}
	for _, m := range all {
		var agent, customer string
		if c := byID[m.caseID]; c != nil {
			agent, customer = c.agent, c.customer
		}
		role := legacyRole(m.event, m.rcpt, agent, customer)
		if _, err := tx.tx.ExecContext(tx.ctx, `UPDATE outbox SET recipient_role = ? WHERE id = ?`, role, m.id); err != nil {
			return err
		}
	}
	for scope, ev := range map[RateScope]vocab.Event{RateRejectionReply: vocab.EventRejectionReply, RateFloodAlert: vocab.EventFlood} {
		if _, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO rate_marks (scope, key, at) SELECT ?, actor, at FROM events WHERE type = ? ORDER BY id`,
			scope, ev); err != nil {
			return err
		}
	}
	return nil
}

// legacyRole is the recipient role of a mail queued by a release that did
// not record it, from its event (every event had one audience) and, for
// the two events whose audience varied, its recipients.
func legacyRole(ev vocab.Event, rcpt []string, agent, customer string) vocab.Role {
	switch ev {
	case vocab.EventIncident:
		return vocab.RoleIncident
	case vocab.EventRejection:
		return vocab.RoleSender
	case vocab.EventFloodAlert:
		return vocab.RoleOperator
	case vocab.EventResolved:
		return vocab.RoleAgent
	case vocab.EventCustomerUpdate:
		if customer != "" && slices.Contains(rcpt, customer) {
			return vocab.RoleCustomer
		}
		return vocab.RoleAgent
	case vocab.EventDeliveryFailed:
		if agent != "" && slices.Contains(rcpt, agent) {
			return vocab.RoleAgent
		}
	}
	return vocab.RoleTeam
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// backfillCustomerSide fixes the customer side of cases opened by an
// earlier release: the customer's address and, for a security report, the
// reporter (an employee who reported to security@ is counted on the
// customer side too: that release did not record who was outside, and
// erring this way never mails an outsider).
func backfillCustomerSide(tx *Tx) error {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT id, kind, lower(customer), lower(agent) FROM cases ORDER BY id`)
	if err != nil {
		return err
	}
	type row struct {
		id              int64
		kind            vocab.Kind
		customer, agent string
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.kind, &r.customer, &r.agent); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range all {
		var side []string
		if strings.Contains(r.customer, "@") {
			side = append(side, r.customer)
		}
		if r.kind == vocab.KindSecurityReport && r.agent != "" && !slices.Contains(side, r.agent) {
			side = append(side, r.agent)
		}
		if _, err := tx.tx.ExecContext(tx.ctx, `UPDATE cases SET customer_side = ? WHERE id = ?`, jsonList(side), r.id); err != nil {
			return err
		}
	}
	return nil
}

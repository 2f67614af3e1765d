package store

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"escalationd/vocab"
)

// openFixture opens a copy of testdata/release-0.db: a database made by
// the release before the decision columns (four cases: acknowledged,
// resolved and reopened; a Critical breaching one; one reassigned whose
// routed mail failed; an outside security report; and a rejection).
func openFixture(t *testing.T) *Store {
	t.Helper()
	b, err := os.ReadFile("testdata/release-0.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "release-0.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("migrating a release database: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMigrationFillsDecisionColumns(t *testing.T) {
	ctx := context.Background()
	s := openFixture(t)
	cases, err := s.Cases(ctx, CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byTicket := map[string]*Case{}
	for _, c := range cases {
		byTicket[c.Ticket] = c
	}
	tck1, tck2, tck3 := byTicket["TCK-1"], byTicket["TCK-2"], byTicket["TCK-3"]
	if tck1 == nil || tck2 == nil || tck3 == nil {
		t.Fatalf("fixture cases: %v", byTicket)
	}
	if !slices.Equal(tck1.Teams, []string{"senior_support"}) || !slices.Equal(tck1.RoutedTo, []string{"senior-support@craudiovizai.com"}) {
		t.Errorf("TCK-1 teams %v routed to %v", tck1.Teams, tck1.RoutedTo)
	}
	if tck1.Resolutions != 1 || tck1.Reassignments != 0 || tck3.Reassignments != 1 || tck2.Resolutions != 0 {
		t.Errorf("counters: TCK-1 %d/%d, TCK-3 %d, TCK-2 %d", tck1.Resolutions, tck1.Reassignments, tck3.Reassignments, tck2.Resolutions)
	}
	if !slices.Contains(tck2.Teams, "management") || len(tck2.RoutedTo) != 1 {
		t.Errorf("TCK-2 teams %v routed to %v", tck2.Teams, tck2.RoutedTo)
	}
	// Roles: the team-facing mail makes its recipients "on the case"; the
	// agent's resolution and notice, and the incident list, do not.
	err = s.InTx(ctx, func(tx *Tx) error {
		team, err := tx.CaseRecipients(tck1.ID, vocab.RoleTeam)
		if err != nil {
			return err
		}
		if !slices.Equal(team, []string{"roy@craudiovizai.com", "senior-support@craudiovizai.com"}) {
			t.Errorf("TCK-1 team recipients %v", team)
		}
		agent, err := tx.CaseRecipients(tck3.ID, vocab.RoleAgent)
		if err != nil {
			return err
		}
		if !slices.Equal(agent, []string{"alice.agent@craudiovizai.com"}) {
			t.Errorf("TCK-3 agent recipients (the delivery notice) %v", agent)
		}
		incident, err := tx.CaseRecipients(tck2.ID, vocab.RoleIncident)
		if err != nil {
			return err
		}
		if !slices.Equal(incident, []string{"incidents@craudiovizai.com"}) {
			t.Errorf("TCK-2 incident recipients %v", incident)
		}
		// TCK-1 was reopened: its timers are in two epochs, steps from 1.
		epoch, err := tx.NextTimerEpoch(tck1.ID)
		if err != nil {
			return err
		}
		if epoch != 2 {
			t.Errorf("TCK-1 next epoch %d, want 2", epoch)
		}
		// The rejection reply is remembered by the rate limiter.
		n, err := tx.CountRate(RateRejectionReply, "bob.agent@craudiovizai.com", t0.AddDate(-1, 0, 0))
		if err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("rejection replies to bob: %d, want 1", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	timers, err := s.Timers(ctx, tck1.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range timers {
		if tm.Step < 1 || tm.Step > 10 || tm.Epoch > 1 {
			t.Errorf("timer %+v: step not unpacked from the epoch", tm)
		}
	}
	mails, err := s.AllMail(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		if !slices.Contains(vocab.Roles, m.Role) {
			t.Errorf("mail %d (%s) has role %q", m.ID, m.Event, m.Role)
		}
	}
}

// Migration 3 recomputes the dedupe keys of a release database: every
// stored mail fetched again after the upgrade (a rescan under a new
// UIDVALIDITY) is a duplicate of its row, and another mail with a stored
// Message-ID is not.
func TestMigrationRecomputesDedupeKeys(t *testing.T) {
	ctx := context.Background()
	s := openFixture(t)
	var ids []int64
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM messages ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) < 5 {
		t.Fatalf("fixture messages: %v", ids)
	}
	for i, id := range ids {
		m, err := s.Message(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		in := Incoming{Mailbox: m.Mailbox, UIDValidity: m.UIDValidity + 1, UID: uint32(i + 1), MessageID: m.MessageID, Raw: m.Raw}
		if m.Size > int64(len(m.Raw)) {
			in.Size = m.Size
		}
		got, err := s.Ingest(ctx, in, t0)
		if err != nil || !got.Duplicate || got.ID != id {
			t.Errorf("message %d (%s) fetched again: %+v %v, want a duplicate", id, m.MessageID, got, err)
		}
		if i == 0 {
			in.UID = 100
			in.Raw = []byte(string(m.Raw) + "Forged by an outsider.\r\n")
			if got, err := s.Ingest(ctx, in, t0); err != nil || got.Duplicate {
				t.Errorf("another mail with message %d's Message-ID: %+v %v, want a new message", id, got, err)
			}
		}
	}
}

package store

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"
)

// smallChunks makes stored mail split at n bytes for one test.
func smallChunks(t *testing.T, n int) {
	t.Helper()
	old := rawChunk
	rawChunk = n
	t.Cleanup(func() { rawChunk = old })
}

// A mail larger than a chunk is stored in pieces of at most a chunk and
// read back whole, by the store and inside a transaction; a duplicate of
// it is recognised; its size and dedupe key are the whole mail's.
func TestLargeMailIsStoredInChunks(t *testing.T) {
	ctx := context.Background()
	smallChunks(t, 10)
	s := open(t)
	for i, size := range []int{0, 1, 9, 10, 11, 20, 21, 95} {
		raw := []byte(fmt.Sprintf("Subject: %d\r\n\r\n", i))
		for len(raw) < size {
			raw = append(raw, byte('a'+len(raw)%26))
		}
		ing, err := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 1, UID: uint32(i + 1), MessageID: fmt.Sprint(i), Raw: raw}, t0)
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.Message(ctx, ing.ID)
		if err != nil || !bytes.Equal(m.Raw, raw) || m.Size != int64(len(raw)) || cap(m.Raw) != len(raw) {
			t.Fatalf("%d bytes read back as %q (cap %d, size %d), %v; want %q", len(raw), m.Raw, cap(m.Raw), m.Size, err, raw)
		}
		var inTx *StoredMessage
		if err := s.InTx(ctx, func(tx *Tx) (err error) { inTx, err = tx.Message(ing.ID); return err }); err != nil || !bytes.Equal(inTx.Raw, raw) {
			t.Fatalf("in a transaction: %q, %v", inTx.Raw, err)
		}
		if again, err := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 2, UID: uint32(i + 1), MessageID: fmt.Sprint(i), Raw: raw}, t0); err != nil || !again.Duplicate || again.ID != ing.ID {
			t.Fatalf("the same mail again: %+v %v", again, err)
		}
	}
	var biggest int
	if err := s.db.QueryRow(`SELECT max(max((SELECT max(length(raw)) FROM messages)), coalesce((SELECT max(length(data)) FROM message_chunks), 0))`).Scan(&biggest); err != nil || biggest > 10 {
		t.Errorf("largest stored value %d bytes, over the chunk of 10 (%v)", biggest, err)
	}
}

// Retention deletes a pruned mail's chunks and counts their bytes.
func TestPruneDeletesChunks(t *testing.T) {
	ctx := context.Background()
	smallChunks(t, 10)
	s := open(t)
	raw := []byte("Subject: ignored\r\n\r\n" + string(bytes.Repeat([]byte("x"), 80)))
	ing, err := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 1, UID: 1, Raw: raw}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.MarkHandled(ing.ID, "ignored", "auto-reply", OutcomeRejected, 0, t0) }); err != nil {
		t.Fatal(err)
	}
	policy := RetentionPolicy{IgnoredMail: time.Hour}
	dry, err := s.Prune(ctx, policy, t0.Add(2*time.Hour), true)
	if err != nil || dry.Messages != 1 || dry.MessageBytes != int64(len(raw)) {
		t.Fatalf("dry run %+v %v, want 1 mail of %d bytes", dry, err, len(raw))
	}
	if got, err := s.Prune(ctx, policy, t0.Add(2*time.Hour), false); err != nil || got != dry {
		t.Fatalf("prune %+v %v, dry run said %+v", got, err, dry)
	}
	var chunks int
	if err := s.db.QueryRow(`SELECT count(*) FROM message_chunks`).Scan(&chunks); err != nil || chunks != 0 {
		t.Errorf("%d chunks left after pruning (%v)", chunks, err)
	}
	if m, err := s.Message(ctx, ing.ID); err != nil || len(m.Raw) != 0 {
		t.Errorf("pruned mail reads %q, %v", m.Raw, err)
	}
}

// A database from before the chunks reads its mail as it was.
func TestReleaseMailReadsWhole(t *testing.T) {
	ctx := context.Background()
	s := openFixture(t)
	var id, length int64
	if err := s.db.QueryRow(`SELECT id, length(raw) FROM messages ORDER BY length(raw) DESC LIMIT 1`).Scan(&id, &length); err != nil {
		t.Fatal(err)
	}
	m, err := s.Message(ctx, id)
	if err != nil || int64(len(m.Raw)) != length || length == 0 {
		t.Fatalf("message %d: %d bytes, %v; stored %d", id, len(m.Raw), err, length)
	}
}

// A stored mail that pending outgoing mail attaches by reference keeps its
// bytes through retention until that mail is sent; a pruned outgoing mail
// no longer refers to it.
func TestPruneSparesTheOriginalOfPendingMail(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	ing, err := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 1, UID: 1, Raw: []byte("Subject: x\r\n\r\nbody\r\n")}, t0)
	if err != nil {
		t.Fatal(err)
	}
	m := &Mail{Event: "rejection", Role: "agent", DedupKey: "k", MessageID: "m@gw", RcptTo: []string{"a@x"}, Raw: []byte("head tail"),
		Original: ing.ID, OriginalAt: 5, OriginalSize: 20, OriginalEncoding: "crlf", CreatedAt: t0, GiveUpAt: t0.Add(time.Hour)}
	err = s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Enqueue(m); err != nil {
			return err
		}
		return tx.MarkHandled(ing.ID, "ignored", "auto-reply", OutcomeRejected, 0, t0)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.MailByID(ctx, m.ID); err != nil || got.Original != ing.ID || got.OriginalAt != 5 || got.OriginalSize != 20 || got.OriginalEncoding != "crlf" {
		t.Fatalf("read back %+v, %v", got, err)
	}
	policy := RetentionPolicy{IgnoredMail: time.Hour}
	later := t0.Add(2 * time.Hour)
	if r, err := s.Prune(ctx, policy, later, false); err != nil || r.Messages != 0 {
		t.Fatalf("pruned %+v, %v while pending mail attaches the mail", r, err)
	}
	if err := s.MarkSent(ctx, m.ID, t0); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Prune(ctx, policy, later, false); err != nil || r.Messages != 1 || r.Outbox != 1 {
		t.Fatalf("pruned %+v, %v once the mail was sent", r, err)
	}
	if got, _ := s.MailByID(ctx, m.ID); got.Original != 0 || len(got.Raw) != 0 || got.OriginalSize != 0 || got.OriginalEncoding != "" {
		t.Fatalf("pruned mail %+v still refers to its original", got)
	}
}

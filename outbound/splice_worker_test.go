package outbound

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"escalationd/internal/mailtest"
	"escalationd/store"
	"escalationd/vocab"
)

// enqueueSpliced stores original as a fetched mail and queues a routed
// mail that attaches it by reference; it returns the row and what Compose
// writes for the same message.
func enqueueSpliced(t *testing.T, st *store.Store, original []byte, corrupt int64) (*store.Mail, []byte) {
	t.Helper()
	ctx := context.Background()
	ing, err := st.Ingest(ctx, store.Incoming{Mailbox: "esc", UIDValidity: 1, UID: 1, MessageID: "orig@agent", Raw: original}, t0)
	if err != nil {
		t.Fatal(err)
	}
	m := sample()
	m.Attachment = &Attachment{Filename: "escalation.eml", ContentType: "message/rfc822", Data: original}
	whole, err := Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ComposeSpliced(m)
	if err != nil {
		t.Fatal(err)
	}
	row := &store.Mail{Event: vocab.EventRouted, Role: vocab.RoleTeam, DedupKey: "routed", MessageID: m.MessageID,
		MailFrom: "gw@x", RcptTo: []string{"team@x"}, Subject: "s", Raw: sp.Raw, Original: ing.ID, OriginalAt: sp.At,
		OriginalSize: sp.Size + corrupt, OriginalEncoding: sp.Encoding, CreatedAt: t0, GiveUpAt: t0.Add(time.Hour)}
	if err := st.InTx(ctx, func(tx *store.Tx) error { _, err := tx.Enqueue(row); return err }); err != nil {
		t.Fatal(err)
	}
	got, err := st.MailByID(ctx, row.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got, whole
}

// bigOriginal is a 3 MB escalation with LF line endings: it is stored in
// chunks, and its line endings change on the way.
func bigOriginal() []byte {
	return bytes.ReplaceAll(mailtest.LargeEscalation(mailtest.EscalationOpts{}, 3_000_000, 1), []byte("\r\n"), []byte("\n"))
}

// The worker streams a routed mail that attaches a stored mail to the
// SMTP server: the server gets what Compose would have written, and what
// `cases show --mail` shows (MailBytes); the outbox row holds only the
// routed mail's own bytes.
func TestWorkerSendsSplicedMail(t *testing.T) {
	sink := mailtest.StartSMTPSink(t)
	st, w, _ := setup(t, sinkSender(t, sink), nil)
	ctx := context.Background()
	original := bigOriginal()
	row, whole := enqueueSpliced(t, st, original, 0)
	if len(row.Raw) > 8<<10 {
		t.Errorf("the outbox row holds %d bytes", len(row.Raw))
	}
	shown, err := MailBytes(ctx, st, row)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := boundaries.ReplaceAll(shown, []byte("B")), boundaries.ReplaceAll(whole, []byte("B")); !bytes.Equal(g, w) {
		t.Fatal("MailBytes is not what Compose writes")
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := sink.WaitForCount(t, 1, 5*time.Second)
	if !bytes.Equal(got[0].Data, shown) {
		t.Fatalf("the server got %d bytes, not the %d of the mail", len(got[0].Data), len(shown))
	}
	if m, _ := st.MailByID(ctx, row.ID); m.State != store.MailSent {
		t.Fatalf("state %s (%s)", m.State, m.LastError)
	}
}

// A Sender that cannot stream gets the mail whole.
func TestWorkerSendsSplicedMailWholeToAPlainSender(t *testing.T) {
	s := &scriptSender{}
	st, w, _ := setup(t, s, nil)
	ctx := context.Background()
	row, _ := enqueueSpliced(t, st, []byte("Subject: small\r\n\r\nbody\r\n"), 0)
	want, err := MailBytes(ctx, st, row)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(s.sent) != 1 || !bytes.Equal(s.sent[0], want) {
		t.Fatalf("sent %d mails", len(s.sent))
	}
}

// When the attached mail is not what the routed mail was composed with,
// the DATA already under way is abandoned, not ended: the server delivers
// nothing, and the mail waits for a retry with the reason.
func TestWorkerAbandonsDataWhenTheOriginalChanged(t *testing.T) {
	sink := mailtest.StartSMTPSink(t)
	st, w, _ := setup(t, sinkSender(t, sink), nil)
	ctx := context.Background()
	row, _ := enqueueSpliced(t, st, bigOriginal(), 1)
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(sink.Messages()); n != 0 {
		t.Fatalf("the server delivered %d mails", n)
	}
	m, _ := st.MailByID(ctx, row.ID)
	if m.State != store.MailPending || m.Attempts != 1 || !strings.Contains(m.LastError, "not the") {
		t.Fatalf("state %s, attempts %d, last error %q", m.State, m.Attempts, m.LastError)
	}
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"escalationd/store"
)

// batchMails is a fetched batch in which later mails depend on earlier
// ones: a re-escalation of a case opened two mails before, a second case,
// a mail missing its fields and an out-of-office reply.
func batchMails() []string {
	again := strings.Replace(escalation("TCK-31", "Critical", "(now down)"), "tck-31.orig", "tck-31.again", 1)
	broken := strings.Replace(escalation("TCK-33", "High", ""), "Customer: jane.doe@example.com\n", "", 1)
	ooo := "From: Bob <bob@craudiovizai.com>\nTo: escalations@craudiovizai.com\nSubject: Out of office\nMessage-ID: <ooo@x>\nAuto-Submitted: auto-replied\n\nAway.\n"
	return []string{escalation("TCK-31", "High", ""), escalation("TCK-32", "Medium", ""), again, broken, ooo}
}

// outcomeOf summarises what the engine made of a sequence of mails: each
// message's disposition and the mail it queued.
func outcomeOf(t *testing.T, h *harness) []string {
	t.Helper()
	var out []string
	for id := int64(1); ; id++ {
		m, err := h.st.Message(context.Background(), id)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("message %d: %s %s %s case %d", id, m.State, m.Disposition, m.Reason, m.CaseID))
	}
	for _, m := range h.mail() {
		out = append(out, fmt.Sprintf("mail: %s %s %v %s", m.Event, m.Role, m.RcptTo, m.Subject))
	}
	return out
}

// ingest stores raw as fetched, without handling it.
func (h *harness) ingest(raw string) int64 {
	h.t.Helper()
	h.uid++
	raw = strings.ReplaceAll(stampAuth(raw), "\n", "\r\n")
	id := ""
	for _, line := range strings.Split(raw, "\r\n") {
		if v, ok := strings.CutPrefix(line, "Message-ID: "); ok {
			id = strings.Trim(v, "<>")
		}
	}
	ing, err := h.st.Ingest(context.Background(), store.Incoming{Mailbox: "escalations", UIDValidity: 1, UID: h.uid, MessageID: id, Raw: []byte(raw)}, h.clk.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	return ing.ID
}

// A batch handled in one transaction leaves exactly what handling its
// mails one by one leaves, including a mail that depends on one before it
// in the same batch.
func TestProcessBatchEqualsOneByOne(t *testing.T) {
	one := newHarness(t)
	for _, raw := range batchMails() {
		one.deliver("escalations", raw)
	}
	batch := newHarness(t)
	var ids []int64
	for _, raw := range batchMails() {
		ids = append(ids, batch.ingest(raw))
	}
	res, err := batch.eng.ProcessBatch(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || r.Outcome == "" {
			t.Errorf("message %d: %+v", ids[i], r)
		}
	}
	want, got := outcomeOf(t, one), outcomeOf(t, batch)
	if !slices.Equal(got, want) {
		t.Fatalf("batch:\n%s\none by one:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Handling the batch again changes nothing (idempotent, as Process).
	if _, err := batch.eng.ProcessBatch(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	if again := outcomeOf(t, batch); !slices.Equal(again, want) {
		t.Fatalf("second pass changed the outcome:\n%s", strings.Join(again, "\n"))
	}
}

// A message of the batch that cannot be handled is reported alone; the
// others are handled.
func TestProcessBatchReportsAFailedMessageAlone(t *testing.T) {
	h := newHarness(t)
	a := h.ingest(escalation("TCK-41", "High", ""))
	b := h.ingest(escalation("TCK-42", "High", ""))
	res, err := h.eng.ProcessBatch(context.Background(), []int64{a, 999, b})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != store.OutcomeProcessed || res[2].Outcome != store.OutcomeProcessed || res[1].Err == nil {
		t.Fatalf("results = %+v", res)
	}
	if !errors.Is(res[1].Err, store.ErrNotFound) {
		t.Fatalf("missing message: %v", res[1].Err)
	}
}

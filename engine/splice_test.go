package engine

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"testing"
	"time"

	"escalationd/outbound"
	"escalationd/store"
)

// attachedOriginal is the message/rfc822 part of a routed mail as sent.
func attachedOriginal(t *testing.T, h *harness, m *store.Mail) []byte {
	t.Helper()
	raw, err := outbound.MailBytes(context.Background(), h.st, m)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err != nil {
			t.Fatalf("no message/rfc822 part: %v", err)
		}
		if p.Header.Get("Content-Type") == `message/rfc822; name="escalation.eml"` {
			b, err := io.ReadAll(p)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}

// The routed mail of a case and of its re-escalation attach the stored
// mail that caused each by reference, not as a second copy, and are sent
// with it unchanged.
func TestRoutedMailAttachesTheStoredEscalation(t *testing.T) {
	h := newHarness(t)
	first, _ := h.deliver("escalations", escalation("TCK-60", "Medium", ""))
	h.clk.Advance(10 * time.Minute)
	second, _ := h.deliver("escalations", bug("TCK-60", "Medium"))
	routed := h.events("routed")
	if len(routed) != 2 {
		t.Fatalf("%d routed mails", len(routed))
	}
	for i, src := range []*store.StoredMessage{first, second} {
		m := &routed[i]
		if m.Original != src.ID || m.OriginalEncoding != outbound.SpliceCRLF || m.OriginalSize != int64(len(src.Raw)) ||
			bytes.Contains(m.Raw, []byte("Message-ID: <"+src.MessageID+">")) {
			t.Fatalf("routed mail %d: original %d (%s, %d bytes), want message %d by reference", i, m.Original, m.OriginalEncoding, m.OriginalSize, src.ID)
		}
		if got := attachedOriginal(t, h, m); !bytes.Equal(got, src.Raw) {
			t.Errorf("routed mail %d attaches\n%q\nwant\n%q", i, got, src.Raw)
		}
	}
}

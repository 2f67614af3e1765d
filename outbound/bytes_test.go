package outbound

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	gmail "github.com/emersion/go-message/mail"

	"escalationd/internal/mailtest"
)

// hostileOriginal is an outside sender's mail with every way of ending a
// line around a lone dot: a server that takes a bare CR or LF as a line
// end would end DATA at the first of them and read the rest as commands.
const hostileOriginal = "From: outsider@evil.example\r\nSubject: ESCALATION: [TCK-9]\r\n\r\n" +
	"Customer: jane@example.com\r\n" +
	"a\r.\r\nMAIL FROM:<x@evil.example>\r\n" +
	"b\n.\nRCPT TO:<victim@example.com>\n" +
	"c\r\n.\r\nDATA\r\n" +
	"d\rQUIT\r\n"

// assertSafeBytes fails unless every line of raw ends in CRLF, no CR or
// LF stands alone, there is no NUL and no line is over 998 bytes.
func assertSafeBytes(t *testing.T, raw []byte) {
	t.Helper()
	for i, c := range raw {
		switch {
		case c == '\r' && (i+1 == len(raw) || raw[i+1] != '\n'):
			t.Fatalf("bare CR at %d: %q", i, raw[max(0, i-20):min(len(raw), i+20)])
		case c == '\n' && (i == 0 || raw[i-1] != '\r'):
			t.Fatalf("bare LF at %d: %q", i, raw[max(0, i-20):min(len(raw), i+20)])
		case c == 0:
			t.Fatalf("NUL at %d", i)
		}
	}
	for n, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > maxLine {
			t.Fatalf("line %d is %d bytes: %.80q…", n+1, len(line), line)
		}
	}
}

// attachment returns the first attachment of raw: content type, transfer
// encoding and decoded body.
func attachment(t *testing.T, raw []byte) (ct, enc string, body []byte) {
	t.Helper()
	r, err := gmail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			t.Fatal("no attachment")
		}
		if err != nil {
			t.Fatal(err)
		}
		if h, ok := p.Header.(*gmail.AttachmentHeader); ok {
			ct, _, _ = h.ContentType()
			body, err := io.ReadAll(p.Body)
			if err != nil {
				t.Fatal(err)
			}
			return ct, h.Get("Content-Transfer-Encoding"), body
		}
	}
}

func TestComposeNormalisesAttachedOriginal(t *testing.T) {
	m := sample()
	m.Attachment = &Attachment{Filename: "escalation.eml", ContentType: "message/rfc822", Data: []byte(hostileOriginal)}
	raw, err := Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	assertSafeBytes(t, raw)
	ct, enc, body := attachment(t, raw)
	if ct != "message/rfc822" || enc == "base64" {
		t.Fatalf("attachment %s %s: want readable message/rfc822", ct, enc)
	}
	want := strings.NewReplacer("\r\n", "\r\n", "\r", "\r\n", "\n", "\r\n").Replace(hostileOriginal)
	if string(body) != want {
		t.Fatalf("attached original:\n%q\nwant\n%q", body, want)
	}
}

func TestComposeEncodesOriginalThatCannotTravelAsIs(t *testing.T) {
	for name, orig := range map[string]string{
		"NUL":       hostileOriginal + "e\x00f\r\n",
		"long line": hostileOriginal + strings.Repeat("x", 5000) + "\r\n",
	} {
		m := sample()
		m.Attachment = &Attachment{Filename: "escalation.eml", ContentType: "message/rfc822", Data: []byte(orig)}
		raw, err := Compose(m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		assertSafeBytes(t, raw)
		ct, enc, body := attachment(t, raw)
		if ct != "application/octet-stream" || !strings.EqualFold(enc, "base64") {
			t.Errorf("%s: attachment %s %s, want base64 application/octet-stream", name, ct, enc)
		}
		if string(body) != orig {
			t.Errorf("%s: the encoded original is not the original", name)
		}
	}
}

func TestComposeHeaderLinesFit(t *testing.T) {
	m := sample()
	// 60 KB of subject: words of every length, multi-byte runes, and a
	// 30 KB word with nowhere to fold.
	m.Subject = "Re: ESCALATION: [TCK-1] " + strings.Repeat("Zahlungsausfall — ünd ", 1000) + strings.Repeat("x", 30000) + "é"
	// 20 KB of References: the root, overlong ids and many ordinary ones.
	refs := []string{"root@agent.example"}
	refs = append(refs, strings.Repeat("a", 5000)+"@long.example", strings.Repeat("b", 300)+"@long.example")
	for i := range 300 {
		refs = append(refs, strings.Repeat("m", 40)+"."+string(rune('a'+i%26))+"@mid.example")
	}
	refs = append(refs, "parent@agent.example")
	m.References = refs
	m.InReplyTo = strings.Repeat("i", 2000) + "@long.example"
	m.Headers = append(m.Headers, Header{"X-Escalation-Ticket", strings.Repeat("T", 3000)})
	raw, err := Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	assertSafeBytes(t, raw)
	parsed, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(subject, "Re: ESCALATION: [TCK-1] Zahlungsausfall") || !strings.HasSuffix(subject, "…") ||
		len(subject) > maxSubject || !utf8.ValidString(subject) {
		t.Errorf("subject = %q (%d bytes)", subject, len(subject))
	}
	// A 60 KB ASCII subject without a space is not encoded, so only the
	// cut keeps its line short.
	m.Subject = "Rejected: " + strings.Repeat("y", 60000)
	if raw, err = Compose(m); err != nil {
		t.Fatal(err)
	}
	assertSafeBytes(t, raw)
	got := strings.Fields(parsed.Header.Get("References"))
	if len(got) < 3 || got[0] != "<root@agent.example>" || got[len(got)-1] != "<parent@agent.example>" {
		t.Errorf("References keeps %d ids: %.200q … %q", len(got), got, got[len(got)-1])
	}
	if v := parsed.Header.Get("References"); len("References: "+v) > maxLine || strings.Contains(v, "long.example") {
		t.Errorf("References of %d bytes: %.200q", len(v), v)
	}
	if v := parsed.Header.Get("In-Reply-To"); v != "" {
		t.Errorf("overlong In-Reply-To written: %.80q", v)
	}
	if v := parsed.Header.Get("X-Escalation-Ticket"); !strings.HasSuffix(v, "…") && !strings.Contains(v, "=?") {
		t.Errorf("long header value not cut: %.80q", v)
	}
}

func TestComposeRefusesWhatCannotBeWritten(t *testing.T) {
	base := sample()
	for name, m := range map[string]Message{
		"long message id":  func() Message { m := base; m.MessageID = strings.Repeat("x", 300) + "@example.com"; return m }(),
		"long header name": func() Message { m := base; m.Headers = []Header{{strings.Repeat("X", 100), "v"}}; return m }(),
		"long address":     func() Message { m := base; m.To = []string{strings.Repeat("a", 300) + "@example.com"}; return m }(),
		"long from name":   func() Message { m := base; m.From = strings.Repeat("N", 1200) + " <gw@example.com>"; return m }(),
	} {
		if raw, err := Compose(m); err == nil {
			assertSafeBytes(t, raw)
			t.Errorf("%s: composed", name)
		}
	}
}

func TestCheckBytes(t *testing.T) {
	for in, ok := range map[string]bool{
		"a: b\r\n\r\nbody\r\n":                   true,
		"a: b\r\n\r\nno final newline":           true,
		"a: b\r\n\r\nbare\rcr\r\n":               false,
		"a: b\r\n\r\nbare\nlf\r\n":               false,
		"a: b\r\n\r\nends in cr\r":               false,
		"\nstarts with lf":                       false,
		"a: b\r\n\r\nnul\x00\r\n":                false,
		strings.Repeat("x", maxLine) + "\r\n":    true,
		strings.Repeat("x", maxLine+1) + "\r\n":  false,
		"a\r\n" + strings.Repeat("x", maxLine+1): false,
	} {
		err := checkBytes([]byte(in))
		if (err == nil) != ok || (err != nil && !errors.Is(err, errUnsafeBytes)) {
			t.Errorf("checkBytes(%.40q) = %v, want ok=%v", in, err, ok)
		}
	}
}

// The composed mail goes through a real SMTP session (go-smtp) as one
// message with the whole original: nothing in the original ends DATA or
// starts a command.
func TestComposedHostileMailIsOneSMTPMessage(t *testing.T) {
	sink := mailtest.StartSMTPSink(t)
	s := sinkSender(t, sink)
	m := sample()
	m.Attachment = &Attachment{Filename: "escalation.eml", ContentType: "message/rfc822", Data: []byte(hostileOriginal)}
	raw, err := Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), "gw@example.com", []string{"oncall@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	sink.WaitForCount(t, 1, 5*time.Second)
	// A second session proves the first ended cleanly; nothing else came.
	if _, err := s.Send(context.Background(), "gw@example.com", []string{"oncall@example.com"}, []byte("Subject: end\r\n\r\nend\r\n")); err != nil {
		t.Fatal(err)
	}
	msgs := sink.WaitForCount(t, 2, 5*time.Second)
	if len(msgs) != 2 || strings.Join(msgs[0].To, ",") != "oncall@example.com" || msgs[0].From != "gw@example.com" {
		t.Fatalf("sink got %d messages: %+v", len(msgs), msgs)
	}
	if !bytes.Equal(msgs[0].Data, raw) {
		t.Fatalf("the server received other bytes than were composed:\n%q", msgs[0].Data)
	}
	_, _, body := attachment(t, msgs[0].Data)
	for _, part := range []string{"Customer: jane@example.com", "MAIL FROM:<x@evil.example>", "RCPT TO:<victim@example.com>", "DATA", "d\r\nQUIT"} {
		if !bytes.Contains(body, []byte(part)) {
			t.Errorf("the original arrived without %q", part)
		}
	}
	if strings.Contains(sink.Log(), "evil") {
		t.Errorf("the server read part of the original as commands:\n%s", sink.Log())
	}
}

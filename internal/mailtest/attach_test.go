package mailtest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
)

// WithAttachment makes a multipart/mixed mail whose first part is the
// escalation's text and whose second decodes to the data.
func TestWithAttachment(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef\x00\xff"), 1000)
	raw := WithAttachment(Escalation(EscalationOpts{}), "logs.bin", "application/octet-stream", data)
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("content type %q: %v", mt, err)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	text, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(text); !strings.Contains(string(b), "Urgency: High") {
		t.Errorf("first part:\n%s", b)
	}
	att, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if att.FileName() != "logs.bin" {
		t.Errorf("file name %q", att.FileName())
	}
	got, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, att))
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("attachment decodes to %d bytes (%v), want the %d bytes attached", len(got), err, len(data))
	}
	for _, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 || bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("bad line %q", line)
		}
	}
	if big := LargeEscalation(EscalationOpts{}, 1_000_000, 1); len(big) < 990_000 || len(big) > 1_010_000 {
		t.Errorf("LargeEscalation of about 1 MB is %d bytes", len(big))
	}
}

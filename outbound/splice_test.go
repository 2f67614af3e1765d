package outbound

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"escalationd/store"
)

// sendable reports whether data can travel as an identity-encoded MIME
// body once its line endings are CRLF: no NUL and no line over 998 bytes.
func sendable(data []byte) bool {
	if bytes.IndexByte(data, 0) >= 0 {
		return false
	}
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return len(data) <= maxLine
		}
		if len(bytes.TrimSuffix(data[:i], []byte{'\r'})) > maxLine {
			return false
		}
		data = data[i+1:]
	}
	return true
}

// originals are attached mails of every shape that matters to how they
// travel and where lines end.
func originals() map[string][]byte {
	rng := rand.New(rand.NewPCG(3, 4))
	random := func(n int, alphabet string) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return b
	}
	long := strings.Repeat("x", 998)
	out := map[string][]byte{
		"empty":           {},
		"crlf":            []byte("Subject: a\r\n\r\nbody\r\n"),
		"lf":              []byte("Subject: a\n\nbody\nmore\n"),
		"bare cr":         []byte("Subject: a\r\rbody\rend"),
		"no final eol":    []byte("Subject: a\r\n\r\nlast line"),
		"998 bytes":       []byte("Subject: a\r\n\r\n" + long + "\r\n" + long),
		"999 bytes":       []byte("Subject: a\r\n\r\n" + long + "x\r\n"),
		"nul":             []byte("Subject: a\r\n\r\nNUL \x00 here\r\n"),
		"dot lines":       []byte("Subject: a\r\n\r\n.\r\n..\r\n.\r\n"),
		"random lines":    random(20000, "ab .\r\n"),
		"random binary":   random(5701, "\x00\x01ab\r\n\xff"),
		"base64 57 lines": append([]byte("Subject: a\x00\r\n\r\n"), random(57*3-16, "ab")...),
	}
	return out
}

// boundaries are the multipart boundaries go-mail draws at random.
var boundaries = regexp.MustCompile(`[0-9a-f]{60}`)

// spliceAll writes a Spliced mail whole, handing its original over in
// pieces of random sizes.
func spliceAll(t *testing.T, sp Spliced, original []byte, rng *rand.Rand) ([]byte, error) {
	t.Helper()
	m := &store.Mail{Raw: sp.Raw, Original: 1, OriginalAt: sp.At, OriginalSize: sp.Size, OriginalEncoding: sp.Encoding}
	var out bytes.Buffer
	err := writeSpliced(&out, m, func(fn func([]byte) error) error {
		for rest := original; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(300))
			if err := fn(rest[:n]); err != nil {
				return err
			}
			rest = rest[n:]
		}
		return nil
	})
	return out.Bytes(), err
}

// A mail composed without its attached original and spliced back when it
// is written is, byte for byte, the mail Compose writes, however the
// original travels and however its pieces are cut.
func TestComposeSplicedIsCompose(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for name, original := range originals() {
		m := sample()
		m.Attachment = &Attachment{Filename: "escalation.eml", ContentType: "message/rfc822", Data: original}
		want, err := Compose(m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sp, err := ComposeSpliced(m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if wantEnc := map[bool]string{true: SpliceCRLF, false: SpliceBase64}[sendable(crlf(original))]; sp.Encoding != wantEnc {
			t.Errorf("%s: encoding %s, want %s", name, sp.Encoding, wantEnc)
		}
		if len(sp.Raw) > 4096 || sp.Size != int64(len(original)) {
			t.Errorf("%s: the spliced mail holds %d bytes (size %d) for a %d-byte original", name, len(sp.Raw), sp.Size, len(original))
		}
		for range 3 {
			got, err := spliceAll(t, sp, original, rng)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if g, w := boundaries.ReplaceAll(got, []byte("BOUNDARY")), boundaries.ReplaceAll(want, []byte("BOUNDARY")); !bytes.Equal(g, w) {
				t.Fatalf("%s: spliced\n%q\nCompose\n%q", name, g, w)
			}
		}
	}
}

// sendableOnceCRLF and the CRLF writer agree with sendable and crlf on
// every input, the writer however its input is cut.
func TestStreamingCRLFAgreesWithCRLF(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		b := make([]byte, rng.IntN(60))
		for i := range b {
			b[i] = "a\r\n\x00"[rng.IntN(4)]
		}
		if rng.IntN(4) == 0 {
			b = append(b, strings.Repeat("y", 990+rng.IntN(20))...)
		}
		if got, want := sendableOnceCRLF(b), sendable(crlf(b)); got != want {
			t.Fatalf("sendableOnceCRLF(%q) = %v, want %v", b, got, want)
		}
		var out bytes.Buffer
		w := &crlfWriter{w: &out}
		for rest := b; len(rest) > 0; {
			n := 1 + rng.IntN(len(rest))
			_, _ = w.Write(rest[:n])
			rest = rest[n:]
		}
		if !bytes.Equal(out.Bytes(), crlf(b)) {
			t.Fatalf("crlfWriter(%q) = %q, want %q", b, out.Bytes(), crlf(b))
		}
	}
}

// A stored original that no longer is what the mail was composed with
// (emptied by retention, or bytes that would break a line limit) stops
// the writing before the mail is complete.
func TestWriteSplicedRefusesAChangedOriginal(t *testing.T) {
	m := sample()
	original := []byte("Subject: a\r\n\r\nbody\r\n")
	m.Attachment = &Attachment{Filename: "escalation.eml", ContentType: "message/rfc822", Data: original}
	sp, err := ComposeSpliced(m)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for name, changed := range map[string][]byte{
		"emptied": {}, "longer": append(bytes.Clone(original), "more\r\n"...),
		"nul": []byte("Subject: a\r\n\r\nbod\x00\r\n"), "long line": []byte("Subject: a\r\n\r\n" + strings.Repeat("z", 1001)),
	} {
		sp := sp
		sp.Size = int64(len(changed))
		if name == "emptied" || name == "longer" {
			sp.Size = int64(len(original))
		}
		got, err := spliceAll(t, sp, changed, rng)
		if err == nil {
			t.Errorf("%s: written whole", name)
		}
		if name != "emptied" && name != "longer" && !errors.Is(err, errUnsafeBytes) {
			t.Errorf("%s: %v", name, err)
		}
		if bytes.HasSuffix(got, sp.Raw[sp.At:]) {
			t.Errorf("%s: the mail's end was written", name)
		}
	}
}

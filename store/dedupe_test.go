package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// referenceDedupeKey is dedupeKey as release 0 wrote it, copying the body
// to make its line ends LF. Stored keys were made with it, so the key
// must never change.
func referenceDedupeKey(messageID string, raw []byte, size int64) string {
	head, body, ok := splitMessage(raw)
	if !ok {
		body = raw
	}
	h := sha256.New()
	field := func(b []byte) {
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	field([]byte(messageID))
	for _, name := range []string{"From", "Date", "Subject"} {
		var value []string
		in := false
		for _, line := range strings.Split(string(head), "\n") {
			line = strings.TrimRight(line, "\r")
			if line != "" && (line[0] == ' ' || line[0] == '\t') {
				if in {
					value = append(value, line)
				}
				continue
			}
			if in {
				break
			}
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
				in = true
				value = append(value, v)
			}
		}
		field([]byte(strings.Join(strings.Fields(strings.Join(value, " ")), " ")))
	}
	body = bytes.TrimRight(bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")), "\r\n")
	field(body)
	if size > int64(len(raw)) {
		field([]byte(strconv.FormatInt(size, 10)))
	}
	return "mail:" + hex.EncodeToString(h.Sum(nil))
}

// The key is the one release 0 computed, for every shape of mail: line
// ends of all kinds, folded and repeated headers, no empty line, trailing
// line ends, header-only mail.
func TestDedupeKeyUnchanged(t *testing.T) {
	cases := []string{
		"", "\r\n", "\n\n", "Subject: a", "Subject: a\r\n\r\n", "From: a\r\n\r\nbody\r\n\r\n\r\n",
		"FROM:  Alice\r\n <a@x>\r\nDate: d\r\nSubject: s\r\n\r\nbody\r\nline\rcr\nlf\r\n\r\r\n",
		"Subject: x\n\nbody\r\r\nend\r", "Date: 1\r\nDate: 2\r\n\tfolded\r\n\r\n\r\n\r\nx\r\n\n\r",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"\r", "\n", "\r\n", " ", "\t", ":", "From", "Date", "Subject", "a", "é", "\x00"}
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		for _, size := range []int64{0, int64(len(c)) + 10} {
			if got, want := dedupeKey("id@x", []byte(c), size), referenceDedupeKey("id@x", []byte(c), size); got != want {
				t.Fatalf("dedupeKey(%q, size %d) = %s, release 0 made %s", c, size, got, want)
			}
		}
	}
}

// Hashing a large mail does not copy it.
func TestDedupeKeyDoesNotCopyTheBody(t *testing.T) {
	raw := []byte("From: a@x\r\nSubject: big\r\n\r\n" + strings.Repeat(strings.Repeat("A", 76)+"\r\n", 64<<10)) // 5 MB
	if got := allocated(func() { dedupeKey("id@x", raw, 0) }); got > 256<<10 {
		t.Errorf("the key of a %d-byte mail allocated %d bytes", len(raw), got)
	}
}

// allocated is how many bytes fn allocates on the heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

package mailparse

import (
	"os"
	"testing"
)

// BenchmarkParse measures throughput (b.SetBytes) over the whole corpus and
// over the hostile inputs of hostile_test.go.
func BenchmarkParse(b *testing.B) {
	var corpus [][]byte
	var total int64
	for _, p := range corpusFiles(b) {
		raw, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		corpus = append(corpus, raw)
		total += int64(len(raw))
	}
	opts := corpusOptions()
	b.Run("corpus", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		for b.Loop() {
			for _, raw := range corpus {
				parse(raw, opts)
			}
		}
	})
	for _, h := range []struct {
		name string
		raw  []byte
	}{
		{"attachment-6MB", bigAttachmentMail()},
		{"nested-200", nestedMail(200)},
		{"header-200k", longHeaderMail(200000)},
	} {
		b.Run(h.name, func(b *testing.B) {
			b.SetBytes(int64(len(h.raw)))
			b.ReportAllocs()
			for b.Loop() {
				parse(h.raw, opts)
			}
		})
	}
}

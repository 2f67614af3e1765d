package mailparse

import (
	"bytes"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden .json files of testdata/corpus")

const corpusDir = "testdata/corpus"

// corpusFiles returns the .eml files of the corpus, sorted.
func corpusFiles(t testing.TB) []string {
	var files []string
	err := filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".eml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 70 {
		t.Fatalf("corpus has %d messages, want at least 70", len(files))
	}
	return files
}

// smallLimits are used for corpus/limits/, so that every limit can be hit
// by a small committed file.
var smallLimits = Limits{
	MaxMessageSize: 64 << 10,
	MaxMIMEDepth:   5,
	MaxParts:       12,
	MaxHeaderLine:  1 << 10,
	MaxTextSize:    4 << 10,
}

// corpusOptionsFor returns the options a corpus file is parsed with:
// corpusOptions, plus MailboxKind "security" under security/ and
// smallLimits under limits/.
func corpusOptionsFor(path string) Options {
	o := corpusOptions()
	rel, _ := filepath.Rel(corpusDir, path)
	switch filepath.Dir(rel) {
	case "security":
		o.MailboxKind = "security"
	case "limits":
		o.Limits = smallLimits
	}
	return o
}

func marshalResult(t testing.TB, r *Result) []byte {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestCorpus compares the Result of every corpus message with its golden
// .json file; -update rewrites them (review every change).
func TestCorpus(t *testing.T) {
	for _, path := range corpusFiles(t) {
		name := strings.TrimPrefix(path, corpusDir+string(filepath.Separator))
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := marshalResult(t, parse(raw, corpusOptionsFor(path)))
			golden := strings.TrimSuffix(path, ".eml") + ".json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./mailparse -run TestCorpus -update and review the result)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("result differs from %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

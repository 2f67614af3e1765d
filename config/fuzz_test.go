package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the loader: it must return a config or
// an error, never panic or hang.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata/bad", "testdata/gateway", "../examples"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("database: [\n"))
	f.Add([]byte("mailboxes: {a: 1}\nroutes: [{routes: [{routes: []}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yaml", Options{SkipSecrets: true})
		if err == nil && cfg == nil {
			t.Fatal("nil config without an error")
		}
	})
}

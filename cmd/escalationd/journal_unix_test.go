//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

// Only the stream JOURNAL_STREAM names gets the prefix.
func TestToJournal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stream")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Skip("no device and inode here")
	}
	stream := fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	if !toJournal(stream, f) {
		t.Errorf("%s not recognised", stream)
	}
	for _, s := range []string{"", "1:2", stream + "0"} {
		if toJournal(s, f) {
			t.Errorf("JOURNAL_STREAM=%q taken for the file", s)
		}
	}
	if toJournal(stream, nil) {
		t.Error("a writer that is no file taken for the journal")
	}
}

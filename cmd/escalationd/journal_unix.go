//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// toJournal reports whether f is the journald stream systemd connected:
// JOURNAL_STREAM ("device:inode") names it. Comparing the two keeps a
// process that merely inherited the variable (a test run from a service, a
// command piped elsewhere) from prefixing its lines.
func toJournal(journalStream string, f *os.File) bool {
	if journalStream == "" || f == nil {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino) == journalStream
}

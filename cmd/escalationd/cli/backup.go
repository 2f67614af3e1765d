package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func backupCmd(ctx context.Context, env Env, args []string) error {
	fs := NewFlagSet("backup", env.Stderr)
	cfgPath := configFlag(fs, "its database is copied")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	file, err := oneArg("backup", "FILE to write the copy to", pos)
	if err != nil {
		return err
	}
	return Backup(ctx, env.Stdout, BackupOptions{ConfigPath: *cfgPath, File: file})
}

// BackupOptions are the inputs of `escalationd backup`.
type BackupOptions struct {
	ConfigPath string
	File       string
}

// Backup copies the live database to a file with SQLite's online backup
// API, while the daemon runs: a consistent single-file database, mode
// 0600, written to a temporary file in the same directory and renamed,
// so FILE is never half written. FILE is replaced when it exists.
func Backup(ctx context.Context, w io.Writer, o BackupOptions) error {
	st, err := openStore(ctx, o.ConfigPath)
	if err != nil {
		return err
	}
	defer st.Close()
	src, _ := filepath.Abs(st.Path())
	dst, _ := filepath.Abs(o.File)
	if src == dst {
		return &UsageError{Msg: fmt.Sprintf("backup: %s is the database itself", o.File)}
	}
	if fi, err := os.Stat(filepath.Dir(dst)); err != nil || !fi.IsDir() {
		return &UsageError{Msg: fmt.Sprintf("backup: directory %s does not exist", filepath.Dir(dst))}
	}
	if err := st.Backup(ctx, o.File); err != nil {
		return err
	}
	fi, err := os.Stat(o.File)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "backed up %s to %s (%s)\n", st.Path(), o.File, byteSize(fi.Size()))
	return err
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"escalationd/cmd/escalationd/cli"
)

// newLogger builds the daemon's logger: text or JSON, every duration as a
// string ("1m30s") in both, and under journald (journal set: stderr is the
// stream JOURNAL_STREAM names) each line prefixed with its syslog priority, so
// `journalctl -p warning` finds the warnings and errors.
func newLogger(w io.Writer, format, level string, journal bool) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, &cli.UsageError{Msg: fmt.Sprintf("invalid --log-level %q: use debug, info, warn or error", level)}
	}
	var pw *priorityWriter
	if journal {
		pw = &priorityWriter{w: w}
		w = pw
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: durationAsString}
	var h slog.Handler
	switch format {
	case "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, &cli.UsageError{Msg: fmt.Sprintf("invalid --log-format %q: use text or json", format)}
	}
	if pw != nil {
		h = &journalHandler{inner: h, pw: pw}
	}
	return slog.New(h), nil
}

// durationAsString writes durations the way the config spells them: the
// JSON handler would otherwise print nanoseconds. Typed durations (the
// config's) count too.
func durationAsString(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindDuration:
		return slog.String(a.Key, a.Value.Duration().String())
	case slog.KindAny:
		if d, ok := a.Value.Any().(interface{ D() time.Duration }); ok {
			return slog.String(a.Key, d.D().String())
		}
	}
	return a
}

// journalHandler prefixes each record with "<N>", its syslog priority,
// which journald strips and records as the line's PRIORITY. The inner
// handler writes each record with one Write to pw; the lock ties that
// write to its record's priority.
type journalHandler struct {
	inner slog.Handler
	pw    *priorityWriter
}

type priorityWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
}

func (p *priorityWriter) Write(b []byte) (int, error) {
	line := make([]byte, 0, len(p.prefix)+len(b))
	line = append(append(line, p.prefix...), b...)
	if _, err := p.w.Write(line); err != nil {
		return 0, err
	}
	return len(b), nil
}

// priority is the syslog priority of a level: debug 7, info 6, warn 4,
// error 3.
func priority(l slog.Level) string {
	switch {
	case l < slog.LevelInfo:
		return "<7>"
	case l < slog.LevelWarn:
		return "<6>"
	case l < slog.LevelError:
		return "<4>"
	}
	return "<3>"
}

func (h *journalHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *journalHandler) Handle(ctx context.Context, r slog.Record) error {
	h.pw.mu.Lock()
	defer h.pw.mu.Unlock()
	h.pw.prefix = priority(r.Level)
	return h.inner.Handle(ctx, r)
}

func (h *journalHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &journalHandler{inner: h.inner.WithAttrs(attrs), pw: h.pw}
}

func (h *journalHandler) WithGroup(name string) slog.Handler {
	return &journalHandler{inner: h.inner.WithGroup(name), pw: h.pw}
}

package outbound

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	gomail "github.com/wneessen/go-mail"

	"escalationd/store"
)

// Encodings of a spliced original (store.Mail.OriginalEncoding).
const (
	// SpliceCRLF: as it is, its line endings made CRLF (message/rfc822).
	SpliceCRLF = "crlf"
	// SpliceBase64: base64 in lines of 76 characters, each ending in CRLF
	// (an original that cannot travel unencoded, attached as
	// application/octet-stream).
	SpliceBase64 = "base64"
)

// Spliced is a composed mail without the content of the original it
// attaches (the escalation a routed mail hands over): the outbox holds
// the original by reference, as the stored mail it is, and WriteMail
// splices it in when the mail is sent. The mail is Raw with the Size
// bytes of the original, encoded as Encoding says, inserted at byte At:
// exactly what Compose writes for the same Message.
type Spliced struct {
	Raw      []byte
	At       int
	Size     int64
	Encoding string
}

// ComposeSpliced is Compose for a message whose Attachment is a stored
// mail, without copying it: Compose's bytes but for the attachment's
// content, left out. It decides from the attachment how it travels as
// Compose does, and makes the same checks; the original's own lines are
// checked by that decision (an original that could break a line limit
// goes base64-encoded).
func ComposeSpliced(m Message) (Spliced, error) {
	a := m.Attachment
	if a == nil {
		return Spliced{}, errors.New("compose spliced: no attachment")
	}
	_, enc := attachmentForm(a)
	// A stand-in for the content, found again in the composed bytes: 51
	// bytes, which base64 writes as one line of 68 characters without
	// padding.
	var b [16]byte
	_, _ = rand.Read(b[:])
	standIn := []byte("escalationd-splice-" + hex.EncodeToString(b[:]))
	mark, encoding := standIn, SpliceCRLF
	if enc != gomail.NoEncoding {
		mark = append([]byte(base64.StdEncoding.EncodeToString(standIn)), "\r\n"...)
		encoding = SpliceBase64
	}
	raw, err := compose(m, standIn)
	if err != nil {
		return Spliced{}, err
	}
	if err := checkBytes(raw); err != nil {
		return Spliced{}, err
	}
	at := bytes.Index(raw, mark)
	if at < 0 || bytes.Count(raw, mark) != 1 {
		return Spliced{}, errors.New("compose spliced: the attachment's stand-in is not in the composed mail once")
	}
	return Spliced{Raw: append(raw[:at:at], raw[at+len(mark):]...), At: at, Size: int64(len(a.Data)), Encoding: encoding}, nil
}

// WriteMail writes the bytes of an outbox row to w: Raw, or, for mail
// that attaches a stored mail by reference, Raw with that mail read from
// the database a chunk at a time (the connection is free while w writes)
// and encoded as it was composed. A mail so written passes the checks of
// Compose again on its way (CRLF line endings only, no NUL, no line over
// 998 bytes), and the original must still be the OriginalSize bytes it
// was: otherwise WriteMail stops with an error before the last byte, so
// an SMTP DATA it feeds is never completed with different bytes.
func WriteMail(ctx context.Context, st *store.Store, m *store.Mail, w io.Writer) error {
	if m.Original == 0 {
		_, err := w.Write(m.Raw)
		return err
	}
	original := func(fn func([]byte) error) error { return st.EachRawChunk(ctx, m.Original, fn) }
	if err := writeSpliced(w, m, original); err != nil {
		return fmt.Errorf("mail %d: %w", m.ID, err)
	}
	return nil
}

// writeSpliced writes m's bytes with the original, whose bytes original
// hands to its function in order, spliced in.
func writeSpliced(w io.Writer, m *store.Mail, original func(func([]byte) error) error) error {
	if m.OriginalAt < 0 || m.OriginalAt > len(m.Raw) {
		return fmt.Errorf("splice point %d outside its %d bytes", m.OriginalAt, len(m.Raw))
	}
	cw := &checkWriter{w: w, line: 1}
	if _, err := cw.Write(m.Raw[:m.OriginalAt]); err != nil {
		return err
	}
	var enc io.WriteCloser
	switch m.OriginalEncoding {
	case SpliceCRLF:
		enc = &crlfWriter{w: cw}
	case SpliceBase64:
		lw := &lineWriter{w: cw}
		enc = &base64Writer{WriteCloser: base64.NewEncoder(base64.StdEncoding, lw), lines: lw}
	default:
		return fmt.Errorf("unknown encoding %q of its attached mail", m.OriginalEncoding)
	}
	var size int64
	err := original(func(b []byte) error {
		size += int64(len(b))
		_, err := enc.Write(b)
		return err
	})
	if err != nil {
		return fmt.Errorf("attached mail %d: %w", m.Original, err)
	}
	if size != m.OriginalSize {
		return fmt.Errorf("attached mail %d is %d bytes, not the %d it was composed with (emptied by retention?)", m.Original, size, m.OriginalSize)
	}
	if err := enc.Close(); err != nil {
		return err
	}
	if _, err := cw.Write(m.Raw[m.OriginalAt:]); err != nil {
		return err
	}
	return cw.Close()
}

// MailBytes is the bytes of an outbox row in memory (WriteMail), for
// showing or saving one mail.
func MailBytes(ctx context.Context, st *store.Store, m *store.Mail) ([]byte, error) {
	if m.Original == 0 {
		return m.Raw, nil
	}
	var b bytes.Buffer
	b.Grow(len(m.Raw) + int(m.OriginalSize)*105/100)
	if err := WriteMail(ctx, st, m, &b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// crlfWriter writes what it is given with every line ending (CRLF, a
// bare CR or a bare LF) made CRLF, as crlf does, across writes.
type crlfWriter struct {
	w      io.Writer
	skipLF bool // the last byte was a CR, already written as CRLF
	buf    []byte
}

func (c *crlfWriter) Write(p []byte) (int, error) {
	out := c.buf[:0]
	for _, b := range p {
		switch {
		case b == '\n' && c.skipLF:
			c.skipLF = false
		case b == '\r':
			out = append(out, '\r', '\n')
			c.skipLF = true
		case b == '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, b)
			c.skipLF = false
		}
	}
	c.buf = out
	if _, err := c.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (c *crlfWriter) Close() error { return nil }

// lineWriter breaks base64 text into lines of 76 characters, each ending
// in CRLF, as go-mail does.
type lineWriter struct {
	w   io.Writer
	col int
	buf []byte
}

func (l *lineWriter) Write(p []byte) (int, error) {
	out := l.buf[:0]
	for _, b := range p {
		out = append(out, b)
		if l.col++; l.col == gomail.MaxBodyLength {
			out = append(out, '\r', '\n')
			l.col = 0
		}
	}
	l.buf = out
	if _, err := l.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// base64Writer is base64 in lines: closing it flushes the encoder, then
// ends the last line.
type base64Writer struct {
	io.WriteCloser
	lines *lineWriter
}

func (b *base64Writer) Close() error {
	if err := b.WriteCloser.Close(); err != nil {
		return err
	}
	return b.lines.Close()
}

// Close ends the last line.
func (l *lineWriter) Close() error {
	if l.col == 0 {
		return nil
	}
	l.col = 0
	_, err := l.w.Write([]byte("\r\n"))
	return err
}

// checkWriter passes bytes on while they pass checkBytes: line endings
// CRLF only, no NUL, no line over 998 bytes. It fails a write before
// passing on anything of it that breaks them.
type checkWriter struct {
	w    io.Writer
	cr   bool // the last byte was a CR
	n    int  // bytes in the current line
	line int
}

func (c *checkWriter) Write(p []byte) (int, error) {
	for _, b := range p {
		switch {
		case c.cr && b != '\n':
			return 0, fmt.Errorf("%w: bare CR on line %d", errUnsafeBytes, c.line)
		case b == '\r':
			c.cr = true
			continue
		case b == '\n' && !c.cr:
			return 0, fmt.Errorf("%w: bare LF on line %d", errUnsafeBytes, c.line)
		case b == '\n':
			c.line++
			c.n = 0
		case b == 0:
			return 0, fmt.Errorf("%w: NUL on line %d", errUnsafeBytes, c.line)
		default:
			if c.n++; c.n > maxLine {
				return 0, fmt.Errorf("%w: line %d is over %d bytes", errUnsafeBytes, c.line, maxLine)
			}
		}
		c.cr = false
	}
	return c.w.Write(p)
}

// Close checks the end: no CR left without its LF.
func (c *checkWriter) Close() error {
	if c.cr {
		return fmt.Errorf("%w: bare CR on line %d", errUnsafeBytes, c.line)
	}
	return nil
}

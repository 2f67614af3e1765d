package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Observer is a TCP relay in front of the SMTP server that reads both
// directions of every SMTP session passing through it and records each
// mail the server accepts, at the moment the server's reply to the end of
// the mail's data reaches the relay: that is when the server took
// responsibility for the mail, exactly as the sending client learns it
// (one loopback hop earlier). Mailpit's own timestamps are its database's,
// taken later and at a coarser grain.
//
// The relay follows the command/reply order of RFC 5321, with pipelining
// (RFC 2920), DATA and BDAT (RFC 3030) and AUTH challenges; after STARTTLS
// it only copies bytes (it cannot read TLS) and records nothing more on
// that connection.
type Observer struct {
	target string
	ln     net.Listener

	mu      sync.Mutex
	mails   []Accepted
	refused int
	changed chan struct{} // closed and replaced at each recorded mail
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
}

// Accepted is one mail the server accepted.
type Accepted struct {
	At         time.Time
	Event      string // X-Escalation-Event
	Ticket     string // X-Escalation-Ticket
	MessageID  string
	Bytes      int // the mail as sent (dot-stuffing removed)
	Recipients int // RCPT commands of the transaction
}

// StartObserver listens on a free loopback port and relays to target.
func StartObserver(target string) (*Observer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	o := &Observer{target: target, ln: ln, changed: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	o.wg.Add(1)
	go o.accept()
	return o, nil
}

// Addr is the relay's "127.0.0.1:port".
func (o *Observer) Addr() string { return o.ln.Addr().String() }

// Port is the relay's port.
func (o *Observer) Port() int { return o.ln.Addr().(*net.TCPAddr).Port }

// Close stops listening and cuts the sessions in progress.
func (o *Observer) Close() error {
	err := o.ln.Close()
	o.mu.Lock()
	for c := range o.conns {
		c.Close()
	}
	o.mu.Unlock()
	o.wg.Wait()
	return err
}

// Mails returns a copy of the mails accepted since the last Reset.
func (o *Observer) Mails() []Accepted {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Accepted(nil), o.mails...)
}

// Count returns how many mails were accepted since the last Reset, the
// time of the last one, and a channel closed at the next.
func (o *Observer) Count() (int, time.Time, <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var last time.Time
	if n := len(o.mails); n > 0 {
		last = o.mails[n-1].At
	}
	return len(o.mails), last, o.changed
}

// Refused returns how many mails the server refused at the end of data.
func (o *Observer) Refused() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.refused
}

// Reset forgets the recorded mails.
func (o *Observer) Reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mails = nil
	o.refused = 0
}

func (o *Observer) record(a Accepted, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !ok {
		o.refused++
		return
	}
	o.mails = append(o.mails, a)
	close(o.changed)
	o.changed = make(chan struct{})
}

func (o *Observer) track(c net.Conn, add bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if add {
		o.conns[c] = struct{}{}
	} else {
		delete(o.conns, c)
	}
}

func (o *Observer) accept() {
	defer o.wg.Done()
	for {
		client, err := o.ln.Accept()
		if err != nil {
			return
		}
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			o.relay(client)
		}()
	}
}

// relay runs one session.
func (o *Observer) relay(client net.Conn) {
	server, err := net.DialTimeout("tcp", o.target, 10*time.Second)
	if err != nil {
		client.Close()
		return
	}
	o.track(client, true)
	o.track(server, true)
	s := &session{o: o}
	s.expect = append(s.expect, expectation{kind: replyGreeting})
	done := make(chan struct{}, 2)
	go func() {
		s.clientToServer(client, server)
		if tc, ok := server.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}()
	go func() {
		s.serverToClient(server, client)
		if tc, ok := client.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}()
	<-done
	<-done
	client.Close()
	server.Close()
	o.track(client, false)
	o.track(server, false)
}

type replyKind int

const (
	replyGreeting replyKind = iota
	replyCommand
	replyData     // the reply to DATA: 354 or a refusal
	replyMailDone // the reply to the end of a mail's data
	replyStartTLS
)

// expectation is a reply the server still owes, in order.
type expectation struct {
	kind replyKind
	mail *Accepted // replyMailDone
}

// session is the state shared by a session's two directions. The client
// sends nothing that depends on a reply before the reply has passed the
// relay, and the server-side reader updates the state before it forwards
// the reply; so what the client-side reader sees is always up to date.
type session struct {
	o  *Observer
	mu sync.Mutex
	// expect are the replies the server owes, oldest first.
	expect []expectation
	// dataReply is set by the reply to DATA: 354 (data follows) or a
	// refusal (the client sends commands again).
	dataReply int
	// authCont: the server sent a 334 challenge; the client's next line
	// is the answer, which has a reply of its own.
	authCont bool
	// opaque: after STARTTLS, bytes are only copied.
	opaque bool
	// cur is the mail of the transaction in progress (MAIL to end of
	// data) and hdr the start of its data.
	cur *Accepted
	hdr headerScan
}

// flushWriter buffers writes and flushes when the reader has nothing more
// buffered: the relay never holds bytes back while it waits for more.
type flushWriter struct {
	w *bufio.Writer
	r *bufio.Reader
}

func (f flushWriter) write(b []byte) error {
	if _, err := f.w.Write(b); err != nil {
		return err
	}
	if f.r.Buffered() == 0 {
		return f.w.Flush()
	}
	return nil
}

func (f flushWriter) flush() error {
	if f.r.Buffered() == 0 {
		return f.w.Flush()
	}
	return nil
}

// maxLine bounds a command or reply line the relay parses.
const maxLine = 1 << 16

// readLine reads one line including its end, up to maxLine bytes (a
// longer line is returned in pieces, the last one ending in '\n').
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return line, nil
	}
	return line, err
}

func (s *session) clientToServer(client, server net.Conn) {
	r := bufio.NewReaderSize(client, maxLine)
	fw := flushWriter{w: bufio.NewWriterSize(server, 64<<10), r: r}
	awaitingData := false
	for {
		s.mu.Lock()
		opaque := s.opaque
		s.mu.Unlock()
		if opaque {
			_ = fw.w.Flush()
			_, _ = io.Copy(server, r)
			return
		}
		line, err := readLine(r)
		if len(line) > 0 {
			if awaitingData {
				awaitingData = false
				s.mu.Lock()
				code := s.dataReply
				s.mu.Unlock()
				if code == 354 {
					// line is the first of the data.
					if err := s.relayData(line, r, fw); err != nil {
						return
					}
					continue
				}
			}
			if n, last, ok := bdat(line); ok {
				if err := s.relayChunk(line, n, last, r, fw); err != nil {
					return
				}
				continue
			}
			awaitingData = s.command(line)
			if werr := fw.write(line); werr != nil {
				return
			}
		}
		if err != nil {
			_ = fw.w.Flush()
			return
		}
	}
}

// command notes what reply a client line asks for; it reports whether the
// line was DATA.
func (s *session) command(line []byte) (data bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.authCont {
		s.authCont = false
		s.expect = append(s.expect, expectation{kind: replyCommand})
		return false
	}
	verb, _, _ := strings.Cut(strings.TrimRight(string(line), "\r\n"), " ")
	switch strings.ToUpper(verb) {
	case "MAIL":
		s.cur = &Accepted{}
	case "RCPT":
		if s.cur != nil {
			s.cur.Recipients++
		}
	case "DATA":
		s.dataReply = 0
		s.expect = append(s.expect, expectation{kind: replyData})
		return true
	case "STARTTLS":
		s.expect = append(s.expect, expectation{kind: replyStartTLS})
		return false
	case "RSET":
		s.cur, s.hdr = nil, headerScan{}
	}
	s.expect = append(s.expect, expectation{kind: replyCommand})
	return false
}

// bdat parses "BDAT size [LAST]" (RFC 3030).
func bdat(line []byte) (size int64, last, ok bool) {
	f := strings.Fields(string(line))
	if len(f) < 2 || len(f) > 3 || !strings.EqualFold(f[0], "BDAT") {
		return 0, false, false
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || n < 0 {
		return 0, false, false
	}
	if len(f) == 3 {
		if !strings.EqualFold(f[2], "LAST") {
			return 0, false, false
		}
		last = true
	}
	return n, last, true
}

// relayChunk forwards a BDAT command and the n bytes of its chunk. Each
// chunk has a reply, the last one's is the end of the mail. The reply is
// expected before the command goes out (the server may answer as soon as
// it has the chunk), and the mail is complete before its last byte does.
func (s *session) relayChunk(cmd []byte, n int64, last bool, r *bufio.Reader, fw flushWriter) error {
	s.mu.Lock()
	if s.cur == nil {
		s.cur = &Accepted{}
	}
	m := s.cur
	if last {
		s.cur = nil
		s.expect = append(s.expect, expectation{kind: replyMailDone, mail: m})
	} else {
		s.expect = append(s.expect, expectation{kind: replyCommand})
	}
	finish := func() {
		if last {
			s.hdr.fill(m)
			s.hdr = headerScan{}
		}
	}
	if n == 0 {
		finish()
	}
	s.mu.Unlock()
	if err := fw.write(cmd); err != nil {
		return err
	}
	buf := make([]byte, 32<<10)
	for n > 0 {
		k, err := r.Read(buf[:min(int64(len(buf)), n)])
		if k > 0 {
			n -= int64(k)
			s.mu.Lock()
			s.hdr.add(buf[:k])
			m.Bytes += k
			if n == 0 {
				finish()
			}
			s.mu.Unlock()
			if werr := fw.write(buf[:k]); werr != nil {
				return werr
			}
		}
		if err != nil && n > 0 {
			_ = fw.w.Flush()
			return err
		}
	}
	return fw.flush()
}

// relayData forwards a mail's data, starting with first, up to and
// including the line ".", recording its headers; the reply to the end of
// data is then expected.
func (s *session) relayData(first []byte, r *bufio.Reader, fw flushWriter) error {
	size := 0
	line := first
	for {
		if bytes.Equal(line, []byte(".\r\n")) || bytes.Equal(line, []byte(".\n")) {
			s.mu.Lock()
			m := s.cur
			if m == nil {
				m = &Accepted{}
			}
			s.cur = nil
			m.Bytes = size
			s.hdr.fill(m)
			s.hdr = headerScan{}
			s.expect = append(s.expect, expectation{kind: replyMailDone, mail: m})
			s.mu.Unlock()
			return fw.write(line)
		}
		content := line
		if len(content) > 1 && content[0] == '.' {
			content = content[1:] // dot-stuffing
		}
		size += len(content)
		s.hdr.add(content)
		if err := fw.write(line); err != nil {
			return err
		}
		var err error
		if line, err = readLine(r); err != nil {
			_ = fw.w.Flush()
			return err
		}
	}
}

// maxHeader bounds the header bytes kept for recording.
const maxHeader = 256 << 10

// headerScan keeps the start of a mail until the end of its header.
type headerScan struct {
	buf  []byte
	done bool
}

func (h *headerScan) add(b []byte) {
	if h.done {
		return
	}
	from := max(0, len(h.buf)-3)
	h.buf = append(h.buf, b[:min(len(b), maxHeader-len(h.buf))]...)
	if i := headerEnd(h.buf, from); i >= 0 {
		h.buf, h.done = h.buf[:i], true
	} else if len(h.buf) >= maxHeader {
		h.done = true
	}
}

// headerEnd returns where the header of b ends (the blank line), looking
// from offset from on; -1 when it is not in b.
func headerEnd(b []byte, from int) int {
	if bytes.HasPrefix(b, []byte("\r\n")) || bytes.HasPrefix(b, []byte("\n")) {
		return 0
	}
	for _, sep := range []string{"\n\r\n", "\n\n"} {
		if i := bytes.Index(b[from:], []byte(sep)); i >= 0 {
			return from + i + 1
		}
	}
	return -1
}

func (h *headerScan) fill(m *Accepted) {
	tp := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(h.buf), strings.NewReader("\r\n\r\n"))))
	hdr, _ := tp.ReadMIMEHeader()
	m.Event = hdr.Get("X-Escalation-Event")
	m.Ticket = hdr.Get("X-Escalation-Ticket")
	m.MessageID = strings.Trim(strings.TrimSpace(hdr.Get("Message-Id")), "<>")
}

func (s *session) serverToClient(server, client net.Conn) {
	r := bufio.NewReaderSize(server, maxLine)
	fw := flushWriter{w: bufio.NewWriterSize(client, 16<<10), r: r}
	for {
		s.mu.Lock()
		opaque := s.opaque
		s.mu.Unlock()
		if opaque {
			_ = fw.w.Flush()
			_, _ = io.Copy(client, r)
			return
		}
		line, err := readLine(r)
		if len(line) > 0 {
			s.reply(line)
			if werr := fw.write(line); werr != nil {
				return
			}
		}
		if err != nil {
			_ = fw.w.Flush()
			return
		}
	}
}

// reply handles one reply line; a reply ends at a line "NNN " or "NNN".
func (s *session) reply(line []byte) {
	at := time.Now()
	l := strings.TrimRight(string(line), "\r\n")
	if len(l) < 3 || (len(l) > 3 && l[3] == '-') {
		return
	}
	code, err := strconv.Atoi(l[:3])
	if err != nil {
		return
	}
	s.mu.Lock()
	if len(s.expect) == 0 {
		s.mu.Unlock()
		return // unsolicited (a 421 before closing)
	}
	e := s.expect[0]
	s.expect = s.expect[1:]
	switch e.kind {
	case replyData:
		s.dataReply = code
		if code != 354 {
			s.cur = nil // the client's next line is a command
		}
	case replyStartTLS:
		if code == 220 {
			s.opaque = true
		}
	case replyCommand:
		if code == 334 {
			s.authCont = true
		}
	}
	var mail Accepted
	if e.kind == replyMailDone {
		mail = *e.mail // complete: its last byte went out before this reply
	}
	s.mu.Unlock()
	if e.kind == replyMailDone {
		mail.At = at
		s.o.record(mail, code/100 == 2)
	}
}

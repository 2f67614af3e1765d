package cli

import (
	"bytes"
	"io"
	stdlog "log"
	"net"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"
)

// The demo's servers: an in-memory IMAP server with the escalations and
// security mailboxes, and an SMTP sink that keeps what it receives.

type literal struct {
	*bytes.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }

func startDemoIMAP() (*imapserver.Server, map[string]*imapmemserver.User, string, error) {
	mem := imapmemserver.New()
	users := map[string]*imapmemserver.User{}
	for _, name := range []string{"escalations", "security"} {
		u := imapmemserver.NewUser(name, "demo")
		if err := u.Create("INBOX", nil); err != nil {
			return nil, nil, "", err
		}
		mem.AddUser(u)
		users[name] = u
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       stdlog.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, "", err
	}
	go func() { _ = srv.Serve(ln) }()
	return srv, users, ln.Addr().String(), nil
}

// demoSink is an in-process SMTP server that keeps what it receives.
type demoSink struct {
	srv  *smtp.Server
	addr string
	mu   sync.Mutex
	msgs [][]byte
}

func startDemoSMTP() (*demoSink, error) {
	s := &demoSink{}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.ErrorLog = stdlog.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.addr = ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *demoSink) close() { _ = s.srv.Close() }

func (s *demoSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// NewSession implements smtp.Backend.
func (s *demoSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &demoSession{s}, nil }

type demoSession struct{ s *demoSink }

func (d *demoSession) Mail(string, *smtp.MailOptions) error { return nil }
func (d *demoSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (d *demoSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	d.s.mu.Lock()
	d.s.msgs = append(d.s.msgs, b)
	d.s.mu.Unlock()
	return nil
}
func (d *demoSession) Reset()        {}
func (d *demoSession) Logout() error { return nil }

package mailtest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// IMAPMemOptions configure an in-process IMAP server.
type IMAPMemOptions struct {
	// Users get DefaultPassword and an INBOX.
	Users []string
	// Mailboxes are created for every user besides INBOX. None by default:
	// the client under test must create Processed and Rejected itself.
	Mailboxes []string
	// DisableMove serves IMAP4rev1 without MOVE: the capability is not
	// announced (so go-imap's Client.Move falls back to COPY + STORE
	// \Deleted + UID EXPUNGE) and a MOVE command is refused with BAD.
	// Without it the server announces IMAP4rev1 and IMAP4rev2 (which
	// includes MOVE, UIDPLUS, NAMESPACE, ESEARCH, LIST-STATUS).
	DisableMove bool
	// Debug, if set, receives the raw protocol of every connection
	// (passwords included).
	Debug io.Writer
	// TLS, if set, serves implicit TLS (IMAPS) with this config, e.g.
	// NewSelfSigned(t).Server. The helpers (Messages, Mailboxes) then
	// connect without verifying the certificate.
	TLS *tls.Config
	// Bearer, if set, makes the server accept only AUTHENTICATE XOAUTH2
	// and OAUTHBEARER with a token it accepts; LOGIN is refused, as on
	// Microsoft 365 and Google Workspace without basic auth.
	Bearer Bearer
}

// IMAPMem is go-imap's in-memory IMAP server (imapmemserver) on a free
// 127.0.0.1 port, plaintext with LOGIN allowed. Unlike Dovecot it starts in
// about a millisecond, has no CONDSTORE, starts UIDVALIDITY at 1 and
// reports new mail to IDLE clients at once.
type IMAPMem struct {
	mem  *imapmemserver.Server
	srv  *imapserver.Server
	ln   *switchListener
	log  *SyncBuffer
	opts IMAPMemOptions

	mu    sync.Mutex
	users map[string]*imapmemserver.User
	pass  map[string]string
}

// The capabilities without MOVE: IMAP4rev2 implies MOVE, so it must go too;
// the IMAP4rev1 extensions imapmemserver supports are listed instead.
var imapMemCapsNoMove = imap.CapSet{
	imap.CapIMAP4rev1:    {},
	imap.CapNamespace:    {},
	imap.CapUIDPlus:      {},
	imap.CapESearch:      {},
	imap.CapSearchRes:    {},
	imap.CapListExtended: {},
	imap.CapListStatus:   {},
	imap.CapStatusSize:   {},
	imap.CapChildren:     {},
}

// StartIMAPMem starts the server and closes it when the test ends.
func StartIMAPMem(t testing.TB, opts IMAPMemOptions) *IMAPMem {
	t.Helper()
	m := &IMAPMem{
		mem:   imapmemserver.New(),
		log:   &SyncBuffer{},
		opts:  opts,
		users: map[string]*imapmemserver.User{},
		pass:  map[string]string{},
	}
	ln, err := newSwitchListener(nil)
	if err != nil {
		t.Fatalf("imapmem: %v", err)
	}
	m.ln = ln
	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	newSession := func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
		return m.mem.NewSession(), nil, nil
	}
	if opts.DisableMove {
		caps = imapMemCapsNoMove
		newSession = func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			s := m.mem.NewSession()
			return noMoveSession{s, s.(imapserver.SessionNamespace)}, nil, nil
		}
	}
	if opts.Bearer != nil {
		inner := newSession
		newSession = func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			s, g, err := inner(c)
			if err != nil {
				return nil, nil, err
			}
			return &bearerIMAPSession{SessionIMAP4rev2: s.(imapserver.SessionIMAP4rev2), check: opts.Bearer, password: m.password}, g, nil
		}
	}
	m.srv = imapserver.New(&imapserver.Options{
		NewSession:   newSession,
		Caps:         caps,
		InsecureAuth: true,
		Logger:       log.New(m.log, "imapmem: ", log.Lmicroseconds),
		DebugWriter:  opts.Debug,
	})
	t.Cleanup(m.Close)
	for _, u := range opts.Users {
		m.AddUser(t, u, DefaultPassword)
	}
	var serveLn net.Listener = ln
	if opts.TLS != nil {
		serveLn = tls.NewListener(ln, opts.TLS)
	}
	go func() { _ = m.srv.Serve(serveLn) }()
	return m
}

// noMoveSession hides the Move method of an imapmemserver session, which
// makes imapserver answer MOVE with BAD. The session must still offer
// NAMESPACE, which is announced.
type noMoveSession struct {
	imapserver.Session
	ns imapserver.SessionNamespace
}

func (s noMoveSession) Namespace() (*imap.NamespaceData, error) { return s.ns.Namespace() }

// Addr returns "127.0.0.1:port".
func (m *IMAPMem) Addr() string { return m.ln.Addr().String() }

// Port returns the port.
func (m *IMAPMem) Port() int { return m.ln.addr.Port }

// Log returns what the server logged (connection errors).
func (m *IMAPMem) Log() string { return m.log.String() }

// Close stops the server; Cleanup calls it.
func (m *IMAPMem) Close() {
	_ = m.srv.Close()
	_ = m.ln.Close() // in case Serve never ran
}

// SetDown takes the server down (the port refuses connections and open
// sessions are cut) or brings it back on the same port with the same mail.
func (m *IMAPMem) SetDown(down bool) {
	if err := m.ln.setDown(down); err != nil {
		panic("imapmem: set down: " + err.Error())
	}
}

// AddUser adds a user with an INBOX and the configured Mailboxes and returns
// it for direct access (Create, Status, Append, ...).
func (m *IMAPMem) AddUser(t testing.TB, name, password string) *imapmemserver.User {
	t.Helper()
	u := imapmemserver.NewUser(name, password)
	for _, mbox := range append([]string{"INBOX"}, m.opts.Mailboxes...) {
		if err := u.Create(mbox, nil); err != nil {
			t.Fatalf("imapmem: create %s for %s: %v", mbox, name, err)
		}
	}
	m.mu.Lock()
	m.users[name], m.pass[name] = u, password
	m.mu.Unlock()
	m.mem.AddUser(u)
	return u
}

// User returns a user added before, for direct access.
func (m *IMAPMem) User(t testing.TB, name string) *imapmemserver.User {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.users[name]
	if u == nil {
		t.Fatalf("imapmem: no user %q", name)
	}
	return u
}

func (m *IMAPMem) password(name string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pass[name]
}

// Append stores raw in the user's mailbox (created if missing) and returns
// its UID. It bypasses the network, so it works while the server is down;
// IDLEing clients hear of it at once.
func (m *IMAPMem) Append(t testing.TB, user, mailbox string, raw []byte) uint32 {
	t.Helper()
	u := m.User(t, user)
	// Never nil options: imapmemserver dereferences them (beta.8).
	data, err := u.Append(mailbox, newLiteral(raw), &imap.AppendOptions{})
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeTryCreate {
		if err = u.Create(mailbox, nil); err == nil {
			data, err = u.Append(mailbox, newLiteral(raw), &imap.AppendOptions{})
		}
	}
	if err != nil {
		t.Fatalf("imapmem: append to %s of %s: %v", mailbox, user, err)
	}
	return uint32(data.UID)
}

// Messages lists the messages of a user's mailbox by UID. It reads them over
// IMAP (EXAMINE, so nothing changes); the server must be up.
func (m *IMAPMem) Messages(t testing.TB, user, mailbox string) []Msg {
	t.Helper()
	var msgs []Msg
	err := m.withIMAP(user, func(c *imapclient.Client) error {
		var err error
		msgs, err = fetchIMAP(c, mailbox)
		return err
	})
	if err != nil {
		t.Fatalf("imapmem: messages of %s %s: %v", user, mailbox, err)
	}
	return msgs
}

// Mailboxes returns the names of the user's mailboxes, sorted.
func (m *IMAPMem) Mailboxes(t testing.TB, user string) []string {
	t.Helper()
	var names []string
	err := m.withIMAP(user, func(c *imapclient.Client) error {
		var err error
		names, err = listIMAP(c)
		return err
	})
	if err != nil {
		t.Fatalf("imapmem: mailboxes of %s: %v", user, err)
	}
	return names
}

// withIMAP runs f in a session of user, over TLS when the server uses it.
func (m *IMAPMem) withIMAP(user string, f func(c *imapclient.Client) error) error {
	var tlsConf *tls.Config
	if m.opts.TLS != nil {
		tlsConf = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the test's own server
	}
	return withIMAPConn(m.Addr(), tlsConf, user, m.password(user), imapOpTimeout, f)
}

// literal adapts raw bytes to imap.LiteralReader for imapmemserver.
type literal struct{ *bytes.Reader }

func newLiteral(raw []byte) literal { return literal{bytes.NewReader(raw)} }

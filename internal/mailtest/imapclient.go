package mailtest

import (
	"crypto/tls"
	"fmt"
	"mime"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
)

// DefaultPassword is the password of users created without one.
const DefaultPassword = "secret"

// Msg is one message as a mail server holds it, for assertions.
type Msg struct {
	UID uint32
	// Flags as the server reports them, without \Recent (which depends on
	// which session saw the message first).
	Flags []imap.Flag
	// Subject decoded from RFC 2047.
	Subject string
	// MessageID without the angle brackets, like go-message and go-imap.
	MessageID string
}

// HasFlag reports whether the message has flag (e.g. imap.FlagSeen),
// ignoring case as IMAP does.
func (m Msg) HasFlag(flag imap.Flag) bool {
	return slices.ContainsFunc(m.Flags, func(f imap.Flag) bool { return strings.EqualFold(string(f), string(flag)) })
}

// imapOpTimeout bounds one helper session (dial, login, command, logout).
const imapOpTimeout = 10 * time.Second

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// withIMAP runs f in a fresh logged-in session; the whole session has a
// deadline so a wedged server fails the test instead of hanging it.
func withIMAP(addr, user, password string, f func(c *imapclient.Client) error) error {
	return withIMAPTimeout(addr, user, password, imapOpTimeout, f)
}

// withIMAPTimeout is withIMAP with a deadline for the whole session.
func withIMAPTimeout(addr, user, password string, timeout time.Duration, f func(c *imapclient.Client) error) error {
	return withIMAPConn(addr, nil, user, password, timeout, f)
}

// withIMAPConn is withIMAPTimeout over implicit TLS when tlsConf is set.
func withIMAPConn(addr string, tlsConf *tls.Config, user, password string, timeout time.Duration, f func(c *imapclient.Client) error) error {
	var conn net.Conn
	var err error
	if tlsConf != nil {
		conn, err = tls.DialWithDialer(&net.Dialer{Timeout: imapOpTimeout}, "tcp", addr, tlsConf)
	} else {
		conn, err = net.DialTimeout("tcp", addr, imapOpTimeout)
	}
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	c := imapclient.New(conn, &imapclient.Options{WordDecoder: wordDecoder})
	defer c.Close()
	if err := c.Login(user, password).Wait(); err != nil {
		return fmt.Errorf("login %s: %w", user, err)
	}
	if err := f(c); err != nil {
		return err
	}
	return c.Logout().Wait()
}

// fetchIMAP lists a mailbox read-only (EXAMINE, BODY.PEEK: nothing changes).
func fetchIMAP(c *imapclient.Client, mailbox string) ([]Msg, error) {
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, fmt.Errorf("examine %s: %w", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return nil, nil
	}
	var all imap.UIDSet
	all.AddRange(1, 0) // 1:*
	bufs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, Envelope: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", mailbox, err)
	}
	msgs := make([]Msg, 0, len(bufs))
	for _, b := range bufs {
		m := Msg{UID: uint32(b.UID), Flags: []imap.Flag{}}
		for _, f := range b.Flags {
			if !strings.EqualFold(string(f), `\Recent`) {
				m.Flags = append(m.Flags, f)
			}
		}
		if b.Envelope != nil {
			m.Subject, m.MessageID = b.Envelope.Subject, b.Envelope.MessageID
		}
		msgs = append(msgs, m)
	}
	slices.SortFunc(msgs, func(a, b Msg) int { return int(a.UID) - int(b.UID) })
	return msgs, nil
}

// listIMAP returns the names of all mailboxes, sorted.
func listIMAP(c *imapclient.Client) ([]string, error) {
	data, err := c.List("", "*", nil).Collect()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(data))
	for _, d := range data {
		names = append(names, d.Mailbox)
	}
	slices.Sort(names)
	return names, nil
}

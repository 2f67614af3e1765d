package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	_ "github.com/mattn/go-sqlite3"
	gomail "github.com/wneessen/go-mail"

	"escalationd/internal/mailtest"
)

// imapSession is a bare go-imap v2 client, logged in.
type imapSession struct {
	c *imapclient.Client
}

// dialIMAP logs in as user; opts may carry a unilateral data handler.
func dialIMAP(addr, user string, opts *imapclient.Options) (*imapSession, error) {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c := imapclient.New(conn, opts)
	if err := c.Login(user, mailtest.DefaultPassword).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("imap login %s: %w", user, err)
	}
	return &imapSession{c: c}, nil
}

func (s *imapSession) close() {
	_ = s.c.Logout().Wait()
	s.c.Close()
}

// appendMail appends raw to mailbox and returns when the server has
// answered (the message is stored).
func (s *imapSession) appendMail(mailbox string, raw []byte) error {
	cmd := s.c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		return err
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	_, err := cmd.Wait()
	return err
}

// count returns STATUS MESSAGES of a mailbox; a mailbox that does not
// exist counts 0.
func (s *imapSession) count(mailbox string) (int, error) {
	st, err := s.c.Status(mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
			return 0, nil
		}
		return 0, err
	}
	if st.NumMessages == nil {
		return 0, errors.New("STATUS without MESSAGES")
	}
	return int(*st.NumMessages), nil
}

// idleLatency measures how long Dovecot takes to tell a session in IDLE
// of new mail: a second session APPENDs to the INBOX, and the time from
// its APPEND returning to the untagged EXISTS reaching the first is one
// sample. Each APPEND comes a random 600–900 ms after the previous
// notification: Dovecot announces a change 0.5 s after the first file
// event it sees in the mailbox (its notify delay), and any event of the
// previous round (the sessions syncing) must not start that clock early.
func idleLatency(ctx context.Context, addr, user string, samples int, rng *rand.Rand) ([]time.Duration, error) {
	type exists struct {
		n  uint32
		at time.Time
	}
	events := make(chan exists, 64)
	watcher, err := dialIMAP(addr, user, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				select {
				case events <- exists{*d.NumMessages, time.Now()}:
				default:
				}
			}
		},
	}})
	if err != nil {
		return nil, err
	}
	defer watcher.close()
	sel, err := watcher.c.Select("INBOX", nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("select INBOX: %w", err)
	}
	have := sel.NumMessages
	idle, err := watcher.c.Idle()
	if err != nil {
		return nil, fmt.Errorf("IDLE: %w", err)
	}
	defer func() { _ = idle.Close() }()
	writer, err := dialIMAP(addr, user, nil)
	if err != nil {
		return nil, err
	}
	defer writer.close()

	var out []time.Duration
	for i := range samples {
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(time.Duration(600+rng.IntN(301)) * time.Millisecond):
		}
		raw := mailtest.Escalation(mailtest.EscalationOpts{Ticket: fmt.Sprintf("IDLE-%d", i+1), Date: time.Now()})
		if err := writer.appendMail("INBOX", raw); err != nil {
			return out, fmt.Errorf("append: %w", err)
		}
		appended := time.Now()
		have++
		timeout := time.After(10 * time.Second)
	wait:
		for {
			select {
			case e := <-events:
				if e.n >= have {
					// A notification can in principle pass the APPEND's
					// own answer; it then counts as immediate.
					out = append(out, max(0, e.at.Sub(appended)))
					break wait
				}
			case <-timeout:
				return out, fmt.Errorf("no EXISTS %d within 10s of the APPEND", have)
			}
		}
	}
	return out, nil
}

// fetchRate fetches the full body of every message of the INBOX in one
// UID FETCH 1:* BODY.PEEK[] (EXAMINE: nothing changes) and returns the
// count, bytes and time.
func fetchRate(addr, user string) (*RateResult, error) {
	s, err := dialIMAP(addr, user, nil)
	if err != nil {
		return nil, err
	}
	defer s.close()
	start := time.Now()
	sel, err := s.c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, fmt.Errorf("examine INBOX: %w", err)
	}
	if sel.NumMessages == 0 {
		return nil, errors.New("UID FETCH: the INBOX is empty")
	}
	var all imap.UIDSet
	all.AddRange(1, 0)
	cmd := s.c.Fetch(all, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	n := 0
	var size int64
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			if b, ok := item.(imapclient.FetchItemDataBodySection); ok && b.Literal != nil {
				k, err := io.Copy(io.Discard, b.Literal)
				if err != nil {
					return nil, err
				}
				size += k
			}
		}
		n++
	}
	if err := cmd.Close(); err != nil {
		return nil, fmt.Errorf("UID FETCH: %w", err)
	}
	d := time.Since(start)
	return &RateResult{Count: n, Seconds: round3(d.Seconds()), PerSecond: rate(n, d), Bytes: size}, nil
}

// senderRate sends n messages of size bytes, each to rcpts recipients,
// over one SMTP connection with go-mail's client, the way the daemon's
// outbound/smtp.go does (DialToSMTPClientWithContext, then MAIL, RCPT,
// DATA per message).
func senderRate(ctx context.Context, host string, port, n, size, rcpts int) (*RateResult, error) {
	c, err := gomail.NewClient(host, gomail.WithPort(port), gomail.WithTLSPolicy(gomail.NoTLS),
		gomail.WithTimeout(30*time.Second), gomail.WithoutNoop(), gomail.WithHELO("bench.craudiovizai.com"))
	if err != nil {
		return nil, err
	}
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = sizedMessage(i, size, rcpts)
	}
	to := make([]string, rcpts)
	for i := range to {
		to[i] = fmt.Sprintf("<team%d@craudiovizai.com>", i+1)
	}
	start := time.Now()
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("smtp dial: %w", err)
	}
	for _, raw := range raws {
		if err := sc.Mail("<escalations@craudiovizai.com>"); err != nil {
			return nil, fmt.Errorf("MAIL FROM: %w", err)
		}
		for _, r := range to {
			if err := sc.Rcpt(r); err != nil {
				return nil, fmt.Errorf("RCPT TO: %w", err)
			}
		}
		w, err := sc.Data()
		if err != nil {
			return nil, fmt.Errorf("DATA: %w", err)
		}
		if _, err := w.Write(raw); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("end of DATA: %w", err)
		}
	}
	d := time.Since(start)
	if err := c.CloseWithSMTPClient(sc); err != nil {
		return nil, fmt.Errorf("QUIT: %w", err)
	}
	return &RateResult{Count: n, Seconds: round3(d.Seconds()), PerSecond: rate(n, d), Bytes: int64(n * size)}, nil
}

// sizedMessage is a plain-text mail of exactly size bytes (at least its
// header), looking like a routed mail.
func sizedMessage(i, size, rcpts int) []byte {
	var to []string
	for k := range rcpts {
		to = append(to, fmt.Sprintf("team%d@craudiovizai.com", k+1))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: Escalation Desk <escalations@craudiovizai.com>\r\nTo: %s\r\n", strings.Join(to, ", "))
	fmt.Fprintf(&b, "Subject: ESCALATION: [BARE-%06d] [High] bare sender\r\n", i+1)
	fmt.Fprintf(&b, "Message-ID: <bare-%06d.%d@craudiovizai.com>\r\n", i+1, time.Now().UnixNano())
	b.WriteString("Date: " + time.Now().Format(time.RFC1123Z) + "\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n")
	b.WriteString("X-Escalation-Event: bare\r\n\r\n")
	const line = "The quick brown fox jumps over the lazy dog, and the escalation goes on.\r\n"
	for b.Len()+len(line) <= size {
		b.WriteString(line)
	}
	if rest := size - b.Len(); rest > 2 {
		b.WriteString(strings.Repeat("x", rest-2) + "\r\n")
	}
	return []byte(b.String())
}

// sqliteSettings are the daemon's (store/store.go): WAL, synchronous=FULL,
// immediate transactions.
const sqliteSettings = "WAL, synchronous=FULL, _txlock=immediate"

// sqliteRate commits one small INSERT per transaction for d, in a fresh
// database in dir opened the way the daemon opens its own, and returns
// the committed transactions per second.
func sqliteRate(ctx context.Context, dir string, d time.Duration) (*RateResult, error) {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "raw-sqlite.db")+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, v TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("sqlite begin: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO t (at, v) VALUES (?, ?)`, time.Now().UnixNano(), "a small row, like a status change"); err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("sqlite insert: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("sqlite commit: %w", err)
		}
		n++
	}
	el := time.Since(start)
	return &RateResult{Count: n, Seconds: round3(el.Seconds()), PerSecond: rate(n, el)}, nil
}

package inbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"

	"escalationd/config"
	"escalationd/internal/oauth"
	"escalationd/store"
)

// session is one logged-in connection with the watched folder selected.
type session struct {
	p       *Poller
	c       *imapclient.Client
	conn    net.Conn
	updates chan struct{}

	uidValidity     uint32
	warnedNoUIDPlus bool
	stopWatch       func() bool
	stopping        atomic.Bool
}

// connect dials, logs in, prepares the folders and selects the watched one.
func (p *Poller) connect(ctx context.Context) (*session, error) {
	mb := p.opt.Mailbox
	s := &session{p: p, updates: make(chan struct{}, 1)}
	opts := &imapclient.Options{
		WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Runs on the reader goroutine: never block, never issue commands.
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case s.updates <- struct{}{}:
					default:
					}
				}
			},
			Fetch: func(m *imapclient.FetchMessageData) { _, _ = m.Collect() },
		},
	}
	addr := net.JoinHostPort(mb.Host, strconv.Itoa(mb.Port))
	c, conn, err := dial(ctx, mb, opts, p.opt.CommandTimeout)
	if err != nil {
		return nil, err
	}
	s.c, s.conn = c, conn
	// When ctx ends, the message in hand may finish (its store and move
	// take milliseconds) but nothing may hang: whatever still waits on the
	// server after a short grace fails its read.
	s.stopWatch = context.AfterFunc(ctx, func() { s.stopping.Store(true); s.deadline(shutdownGrace) })
	fail := func(err error) (*session, error) {
		s.stopWatch()
		s.c.Close()
		return nil, err
	}
	if err := s.c.WaitGreeting(); err != nil {
		return fail(fmt.Errorf("greeting from %s: %w", addr, err))
	}
	if err := p.login(ctx, s.c); err != nil {
		return fail(err)
	}
	for _, folder := range []string{mb.ProcessedFolder, mb.RejectedFolder} {
		if err := s.ensureFolder(folder); err != nil {
			return fail(err)
		}
	}
	sel, err := s.c.Select(mb.Folder, nil).Wait()
	if err != nil {
		return fail(fmt.Errorf("select %s: %w", mb.Folder, err))
	}
	s.uidValidity = sel.UIDValidity
	if err := s.checkUIDValidity(ctx); err != nil {
		return fail(err)
	}
	p.log.Info("mailbox connected", "host", addr, "tls", mb.TLS, "uidvalidity", sel.UIDValidity, "messages", sel.NumMessages,
		"idle", s.c.Caps().Has(imap.CapIdle), "move", s.c.Caps().Has(imap.CapMove))
	return s, nil
}

// dial connects to the mailbox's server as its tls setting says. Every
// exchange on conn runs under timeout until the caller moves the deadline:
// a dead server must not hang us.
func dial(ctx context.Context, mb config.Mailbox, opts *imapclient.Options, timeout time.Duration) (*imapclient.Client, net.Conn, error) {
	addr := net.JoinHostPort(mb.Host, strconv.Itoa(mb.Port))
	dialer := net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	tlsConf, err := config.ClientTLS(mb.Host, mb.TLSSkipVerify, mb.TLSCAFile)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	switch mb.TLS {
	case config.TLSImplicit:
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("tls handshake with %s: %w", addr, err)
		}
		return imapclient.New(tc, opts), conn, nil
	case config.TLSStartTLS:
		opts.TLSConfig = tlsConf
		c, err := imapclient.NewStartTLS(conn, opts)
		if err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("starttls with %s: %w", addr, err)
		}
		return c, conn, nil
	}
	return imapclient.New(conn, opts), conn, nil
}

// login authenticates with the password (LOGIN) or, for auth xoauth2 and
// oauthbearer, with an OAuth2 token over AUTHENTICATE.
func (p *Poller) login(ctx context.Context, c *imapclient.Client) error {
	return login(ctx, c, p.opt.Mailbox, p.opt.Token)
}

// login is Poller.login for a mailbox and its token source (nil for
// password logins); the check of check-config --connect shares it.
func login(ctx context.Context, c *imapclient.Client, mb config.Mailbox, token TokenSource) error {
	mech := saslMech(mb.Auth)
	if mech == "" {
		if err := c.Login(mb.Username, mb.Password.Reveal()).Wait(); err != nil {
			return fmt.Errorf("login as %s: %w", mb.Username, err)
		}
		return nil
	}
	if token == nil {
		return fmt.Errorf("login as %s: auth %s needs an oauth2 token source", mb.Username, mb.Auth)
	}
	tok, err := token.Token(ctx)
	if err != nil {
		return fmt.Errorf("login as %s: oauth2 token: %w", mb.Username, err)
	}
	if err := c.Authenticate(oauth.NewSASLClient(mech, mb.Username, tok)); err != nil {
		return fmt.Errorf("authenticate %s as %s: %w", mech, mb.Username, err)
	}
	return nil
}

// saslMech is the SASL mechanism of an auth setting; "" for login.
func saslMech(auth string) string {
	switch auth {
	case config.AuthXOAuth2:
		return oauth.MechXOAuth2
	case config.AuthOAuthBearer:
		return oauth.MechOAuthBearer
	}
	return ""
}

// deadline bounds the next exchange; once shutdown began, never beyond the
// grace period, so an unresponsive server cannot hold the daemon.
func (s *session) deadline(d time.Duration) {
	if s.stopping.Load() {
		d = min(d, shutdownGrace)
	}
	_ = s.conn.SetDeadline(time.Now().Add(d))
}

// shutdownGrace is how long an in-flight exchange may still take once the
// daemon is stopping.
const shutdownGrace = 5 * time.Second

func (s *session) close() {
	s.stopWatch()
	s.deadline(shutdownGrace)
	_ = s.c.Logout().Wait()
	_ = s.c.Close()
}

// ensureFolder creates a folder unless it exists.
func (s *session) ensureFolder(name string) error {
	err := s.c.Create(name, nil).Wait()
	var ie *imap.Error
	if err == nil || (errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists) {
		return nil
	}
	// Servers without the ALREADYEXISTS code: check that it is there.
	if _, serr := s.c.Status(name, &imap.StatusOptions{NumMessages: true}).Wait(); serr == nil {
		return nil
	}
	return fmt.Errorf("create folder %s: %w", name, err)
}

// checkUIDValidity resets the cursor when the server renumbered the folder.
func (s *session) checkUIDValidity(ctx context.Context) error {
	p := s.p
	cur, ok, err := p.opt.Store.Cursor(ctx, p.opt.Mailbox.Name)
	if err != nil {
		return err
	}
	if ok && cur.UIDValidity == s.uidValidity {
		return nil
	}
	if ok {
		p.log.Warn("UIDVALIDITY changed: rescanning the folder (known messages are recognised by Message-ID and content)",
			"old", cur.UIDValidity, "new", s.uidValidity)
	}
	return p.opt.Store.ResetCursor(ctx, p.opt.Mailbox.Name, s.uidValidity, p.opt.Clock.Now())
}

// run is the session's loop: catch up, then wait for more.
func (s *session) run(ctx context.Context) error {
	for {
		s.p.progress(s.p.stepAllow())
		if err := s.finishUnfinished(ctx); err != nil {
			return err
		}
		if err := s.fetchNew(ctx); err != nil {
			return err
		}
		s.p.setStatus(func(st *Status) { st.LastSuccess = s.p.opt.Clock.Now() })
		if err := s.wait(ctx); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// finishUnfinished retries handling and moves left over from earlier
// sessions or failed attempts.
func (s *session) finishUnfinished(ctx context.Context) error {
	p := s.p
	refs, err := p.opt.Store.Unfinished(ctx, p.opt.Mailbox.Name)
	if err != nil {
		return err
	}
	var moves []pendingMove
	var retry []store.MessageRef
	for _, r := range refs {
		switch {
		case r.UIDValidity != s.uidValidity:
			// Its UID means nothing now; the rescan finds it again by
			// Message-ID and content and updates the row.
		case r.State == store.MessageNew:
			retry = append(retry, r)
		default:
			moves = append(moves, pendingMove{id: r.ID, uid: imap.UID(r.UID), outcome: r.Outcome})
		}
	}
	// Handled but not moved first: they need nothing but the server.
	if err := s.move(ctx, moves); err != nil {
		return err
	}
	for len(retry) > 0 && ctx.Err() == nil {
		batch := retry[:min(len(retry), p.opt.FetchBatch)]
		retry = retry[len(batch):]
		ids := make([]int64, len(batch))
		uids := make([]imap.UID, len(batch))
		for i, r := range batch {
			ids[i], uids[i] = r.ID, imap.UID(r.UID)
		}
		if err := s.handleAndMove(ctx, ids, uids); err != nil {
			return err
		}
	}
	return nil
}

// handleAndMove hands stored messages (ids, at uids on the server) to the
// Processor as one batch and moves those it handled.
func (s *session) handleAndMove(ctx context.Context, ids []int64, uids []imap.UID) error {
	var moves []pendingMove
	for i, h := range s.p.handleBatch(ctx, ids) {
		if h.ok {
			moves = append(moves, pendingMove{id: ids[i], uid: uids[i], outcome: h.outcome})
		}
	}
	return s.move(ctx, moves)
}

// pendingMove is a handled message to take out of the watched folder.
type pendingMove struct {
	id      int64
	uid     imap.UID
	outcome string
}

// move flags the messages \Seen and moves them to their outcomes' folders:
// per folder, one UID STORE and one UID MOVE over the set of UIDs (so a
// backlog costs the server one index update per batch, not per message),
// then one commit records them all.
func (s *session) move(ctx context.Context, moves []pendingMove) error {
	p := s.p
	byFolder := map[string][]pendingMove{}
	var folders []string
	for _, m := range moves {
		folder, err := p.folderFor(m.outcome)
		if err != nil {
			return err
		}
		if _, ok := byFolder[folder]; !ok {
			folders = append(folders, folder)
		}
		byFolder[folder] = append(byFolder[folder], m)
	}
	for _, folder := range folders {
		group := byFolder[folder]
		var set imap.UIDSet
		ids := make([]int64, len(group))
		for i, m := range group {
			set.AddNum(m.uid)
			ids[i] = m.id
		}
		s.deadline(p.opt.CommandTimeout)
		if err := s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
			return fmt.Errorf("flag uids %v seen: %w", set, err)
		}
		if s.c.Caps().Has(imap.CapMove) {
			if _, err := s.c.Move(set, folder).Wait(); err != nil {
				return fmt.Errorf("move uids %v to %s: %w", set, folder, err)
			}
		} else if err := s.copyDelete(set, folder); err != nil {
			return err
		}
		p.log.Info("messages moved", "uids", set.String(), "folder", folder, "count", len(group))
		if err := p.opt.Store.MarkMoved(ctx, p.opt.Clock.Now(), ids...); err != nil {
			return err
		}
	}
	return nil
}

// copyDelete is MOVE for servers without it, one step at a time so that a
// failed COPY never leads to a \Deleted flag (go-imap's own fallback
// pipelines all three). Without UIDPLUS, UID EXPUNGE is unavailable and a
// plain EXPUNGE would also remove other people's \Deleted mail, so the
// original is left flagged \Seen \Deleted for the server's own cleanup.
func (s *session) copyDelete(set imap.UIDSet, folder string) error {
	if _, err := s.c.Copy(set, folder).Wait(); err != nil {
		return fmt.Errorf("copy uids %v to %s: %w", set, folder, err)
	}
	if err := s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		return fmt.Errorf("flag uids %v deleted: %w", set, err)
	}
	if !s.c.Caps().Has(imap.CapUIDPlus) {
		if !s.warnedNoUIDPlus {
			s.p.log.Warn("server has neither MOVE nor UIDPLUS: copied messages stay in the folder flagged \\Deleted")
			s.warnedNoUIDPlus = true
		}
		return nil
	}
	if err := s.c.UIDExpunge(set).Close(); err != nil {
		return fmt.Errorf("expunge uids %v: %w", set, err)
	}
	return nil
}

// wait blocks until new mail is announced (IDLE), the poll interval passes,
// or ctx ends.
func (s *session) wait(ctx context.Context) error {
	p := s.p
	interval := p.opt.Mailbox.PollInterval.D()
	// Waiting for mail is progress: a quiet mailbox is not a stuck one.
	p.progress(p.stepAllow())
	timer := p.opt.Clock.NewTimer(interval)
	defer timer.Stop()
	if !s.c.Caps().Has(imap.CapIdle) {
		s.deadline(interval + p.opt.CommandTimeout)
		select {
		case <-ctx.Done():
		case <-timer.C():
		case <-s.c.Closed():
			return errors.New("connection closed by server")
		}
		return nil
	}
	// The read deadline covers the whole IDLE; the server must say
	// something (or we stop IDLE) before it passes.
	s.deadline(interval + p.opt.CommandTimeout)
	idle, err := s.c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-timer.C():
	case <-s.updates:
	case <-s.c.Closed():
	}
	s.deadline(p.opt.CommandTimeout)
	if err := idle.Close(); err != nil {
		return fmt.Errorf("end idle: %w", err)
	}
	if err := idle.Wait(); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return nil
}

package inbound

import (
	"context"
	"fmt"
	"mime"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"

	"escalationd/config"
)

// LoginInfo is what CheckLogin found on the server.
type LoginInfo struct {
	// Messages is how many messages the watched folder holds.
	Messages uint32
	// IDLE and MOVE say whether the server offers them (without them the
	// poller polls, and moves with COPY + \Deleted).
	IDLE, MOVE bool
}

// CheckLogin connects to the mailbox's server the way the poller does,
// logs in and examines the watched folder read-only, then logs out: it
// changes nothing on the server (check-config --connect). Each exchange is
// bounded by timeout (30s when zero) and by ctx. token supplies the OAuth2
// access token of an xoauth2 or oauthbearer mailbox (nil otherwise).
func CheckLogin(ctx context.Context, mb config.Mailbox, token TokenSource, timeout time.Duration) (LoginInfo, error) {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	addr := net.JoinHostPort(mb.Host, strconv.Itoa(mb.Port))
	c, conn, err := dial(ctx, mb, &imapclient.Options{WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader}}, timeout)
	if err != nil {
		return LoginInfo{}, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if err := c.WaitGreeting(); err != nil {
		return LoginInfo{}, fmt.Errorf("greeting from %s: %w", addr, err)
	}
	if err := login(ctx, c, mb, token); err != nil {
		return LoginInfo{}, err
	}
	sel, err := c.Select(mb.Folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return LoginInfo{}, fmt.Errorf("examine %s: %w", mb.Folder, err)
	}
	info := LoginInfo{Messages: sel.NumMessages, IDLE: c.Caps().Has(imap.CapIdle), MOVE: c.Caps().Has(imap.CapMove)}
	_ = c.Logout().Wait()
	return info, nil
}

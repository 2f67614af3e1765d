package outbound

import (
	"context"
	"fmt"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/wneessen/go-mail/smtp"

	"escalationd/internal/oauth"
)

// tokenAuth is go-mail's smtp.Auth for XOAUTH2 and OAUTHBEARER with a token
// fetched at each login, so a renewed token is used on the next
// connection. go-mail's own SMTPAuthXOAUTH2 takes a fixed token as the
// password and has no OAUTHBEARER; both mechanisms here come from the
// shared SASL clients the IMAP side uses.
type tokenAuth struct {
	mech    string
	user    string
	src     TokenSource
	timeout time.Duration
	c       sasl.Client
}

func (a *tokenAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	// smtp.Auth has no context; the SMTP timeout bounds the token fetch.
	ctx, cancel := context.WithTimeout(context.Background(), a.timeout)
	defer cancel()
	tok, err := a.src.Token(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("oauth2 token: %w", err)
	}
	a.c = oauth.NewSASLClient(a.mech, a.user, tok)
	return a.c.Start()
}

func (a *tokenAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	return a.c.Next(fromServer)
}

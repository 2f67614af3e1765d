package mailtest

import (
	"bytes"
	"errors"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-sasl"
)

// Bearer checks a presented OAuth2 token for user; nil accepts it.
type Bearer func(user, token string) error

// errBadToken is what the test servers answer a wrong token with.
var errBadToken = errors.New("invalid bearer token")

// StaticBearer accepts exactly token, for any user.
func StaticBearer(token string) Bearer {
	return func(_, got string) error {
		if got != token {
			return errBadToken
		}
		return nil
	}
}

// xoauth2Server is the server side of XOAUTH2: a wrong token gets a JSON
// error challenge, which the client must answer with an empty response
// before the server fails the exchange, as Google and Microsoft do.
type xoauth2Server struct {
	check  Bearer
	failed error
	onOK   func(user string) error
}

func (s *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if s.failed != nil {
		return nil, true, s.failed
	}
	if resp == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	user, token, ok := parseXOAuth2(resp)
	if !ok {
		return nil, true, errors.New("malformed XOAUTH2 response")
	}
	if err := s.check(user, token); err != nil {
		s.failed = err
		return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
	}
	return nil, true, s.onOK(user)
}

func parseXOAuth2(b []byte) (user, token string, ok bool) {
	fields := bytes.Split(bytes.TrimRight(b, "\x01"), []byte{1})
	for _, f := range fields {
		k, v, _ := strings.Cut(string(f), "=")
		switch k {
		case "user":
			user = v
		case "auth":
			token, ok = strings.CutPrefix(v, "Bearer ")
		}
	}
	return user, token, ok && user != ""
}

// bearerSASL returns the server for mech (XOAUTH2 or OAUTHBEARER) that
// calls onOK with the user once check accepted the token.
func bearerSASL(mech string, check Bearer, onOK func(user string) error) (sasl.Server, bool) {
	switch mech {
	case "XOAUTH2":
		return &xoauth2Server{check: check, onOK: onOK}, true
	case sasl.OAuthBearer:
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if err := check(o.Username, o.Token); err != nil {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			if err := onOK(o.Username); err != nil {
				return &sasl.OAuthBearerError{Status: "invalid_request"}
			}
			return nil
		}), true
	}
	return nil, false
}

// bearerIMAPSession accepts only AUTHENTICATE XOAUTH2 or OAUTHBEARER with
// a token Bearer accepts; LOGIN and PLAIN are refused. After the token is
// accepted it logs the inner session in with the user's password.
type bearerIMAPSession struct {
	imapserver.SessionIMAP4rev2
	check    Bearer
	password func(user string) string
}

func (s *bearerIMAPSession) Login(string, string) error {
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed,
		Text: "basic authentication is disabled"}
}

func (s *bearerIMAPSession) AuthenticateMechanisms() []string {
	return []string{"XOAUTH2", sasl.OAuthBearer}
}

func (s *bearerIMAPSession) Authenticate(mech string) (sasl.Server, error) {
	srv, ok := bearerSASL(mech, s.check, func(user string) error {
		return s.SessionIMAP4rev2.Login(user, s.password(user))
	})
	if !ok {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
	}
	return &imapAuthFailure{srv}, nil
}

// imapAuthFailure turns a failed exchange into a tagged NO
// [AUTHENTICATIONFAILED].
type imapAuthFailure struct{ sasl.Server }

func (a *imapAuthFailure) Next(resp []byte) ([]byte, bool, error) {
	c, done, err := a.Server.Next(resp)
	if err != nil {
		var ie *imap.Error
		if !errors.As(err, &ie) {
			err = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: err.Error()}
		}
	}
	return c, done, err
}

package oauth

import (
	"github.com/emersion/go-sasl"
)

// SASL mechanism names.
const (
	MechXOAuth2     = "XOAUTH2"
	MechOAuthBearer = "OAUTHBEARER"
)

// NewSASLClient returns the client for mech (MechXOAuth2 or
// MechOAuthBearer) presenting token for user; nil for any other mech.
func NewSASLClient(mech, user, token string) sasl.Client {
	switch mech {
	case MechXOAuth2:
		return &xoauth2{user: user, token: token}
	case MechOAuthBearer:
		return sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: token})
	}
	return nil
}

// xoauth2 is Google's XOAUTH2 mechanism, also spoken by Microsoft 365:
// one initial response; on failure the server sends a JSON error as a
// challenge, which the client answers with an empty response so the
// server can finish with its tagged NO.
type xoauth2 struct {
	user, token string
}

func (a *xoauth2) Start() (string, []byte, error) {
	return MechXOAuth2, XOAuth2Response(a.user, a.token), nil
}

func (a *xoauth2) Next([]byte) ([]byte, error) { return []byte{}, nil }

// XOAuth2Response is the XOAUTH2 initial client response.
func XOAuth2Response(user, token string) []byte {
	return []byte("user=" + user + "\x01auth=Bearer " + token + "\x01\x01")
}

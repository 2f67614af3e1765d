package outbound

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"escalationd/config"
	"escalationd/internal/mailtest"
)

type fixedToken string

func (f fixedToken) Token(context.Context) (string, error) {
	if f == "" {
		return "", errors.New("token command get-token: exit status 1")
	}
	return string(f), nil
}

func oauthSend(t *testing.T, auth string, tok TokenSource) ([]mailtest.SinkMessage, error) {
	t.Helper()
	sink := mailtest.StartSMTPSinkWith(t, mailtest.SMTPSinkOptions{Bearer: mailtest.StaticBearer("good-token")})
	s, err := NewSMTPSender(SMTPConfig{Host: "127.0.0.1", Port: sink.Port(), TLS: "none", HELO: "gateway.test",
		Timeout: 5 * time.Second, Username: "gateway@example.com", Auth: auth, Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw := []byte("From: gw@example.com\r\nTo: a@example.com\r\nSubject: x\r\n\r\nbody\r\n")
	_, err = s.Send(context.Background(), "gw@example.com", []string{"a@example.com"}, raw)
	return sink.Messages(), err
}

func TestSMTPOAuth2(t *testing.T) {
	for _, auth := range []string{config.AuthXOAuth2, config.AuthOAuthBearer} {
		t.Run(auth, func(t *testing.T) {
			msgs, err := oauthSend(t, auth, fixedToken("good-token"))
			if err != nil || len(msgs) != 1 {
				t.Fatalf("send with the right token: %v, %d messages", err, len(msgs))
			}
			msgs, err = oauthSend(t, auth, fixedToken("stale-token"))
			if err == nil || len(msgs) != 0 {
				t.Fatalf("send with a wrong token: %v, %d messages", err, len(msgs))
			}
			if !strings.Contains(err.Error(), "535") && !strings.Contains(err.Error(), "invalid_token") {
				t.Fatalf("wrong token: want a 535 from AUTH, got %v", err)
			}
			if strings.Contains(err.Error(), "stale-token") {
				t.Fatalf("the token reached the error: %v", err)
			}
			if _, err = oauthSend(t, auth, fixedToken("")); err == nil || !strings.Contains(err.Error(), "token command") {
				t.Fatalf("send without a token: %v", err)
			}
		})
	}
}

// Without a token the sink refuses the mail: the tests above do not pass
// by way of an unauthenticated MAIL.
func TestSMTPOAuth2SinkRequiresAuth(t *testing.T) {
	sink := mailtest.StartSMTPSinkWith(t, mailtest.SMTPSinkOptions{Bearer: mailtest.StaticBearer("good-token")})
	s := sinkSender(t, sink)
	if _, err := s.Send(context.Background(), "gw@example.com", []string{"a@example.com"}, []byte("Subject: x\r\n\r\nx\r\n")); err == nil {
		t.Fatal("sent without authenticating")
	}
	if _, err := NewSMTPSender(SMTPConfig{Host: "h", Port: 25, TLS: "none", Auth: config.AuthXOAuth2}); err == nil {
		t.Fatal("xoauth2 without a token source accepted")
	}
}

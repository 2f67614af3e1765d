package inbound

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"escalationd/config"
	"escalationd/internal/clock"
	"escalationd/internal/mailtest"
)

type fixedToken string

func (f fixedToken) Token(context.Context) (string, error) {
	if f == "" {
		return "", errors.New("refresh token at https://login.example/token: invalid_grant")
	}
	return string(f), nil
}

// connectWith logs the poller in to a server that takes only OAuth2
// bearer tokens and accepts "good-token".
func connectWith(t *testing.T, auth, password string, tok TokenSource) error {
	t.Helper()
	e := newEnv(t, mailtest.IMAPMemOptions{Bearer: mailtest.StaticBearer("good-token")})
	e.mb.Auth = auth
	e.mb.Password = config.Secret(password)
	p, err := New(Options{Mailbox: e.mb, Store: e.st, Processor: e.proc, Clock: clock.Real{},
		Logger: slog.New(slog.NewTextHandler(e.log, nil)), Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.connect(context.Background())
	if err != nil {
		return err
	}
	s.close()
	return nil
}

func TestOAuth2Login(t *testing.T) {
	for _, auth := range []string{config.AuthXOAuth2, config.AuthOAuthBearer} {
		t.Run(auth, func(t *testing.T) {
			if err := connectWith(t, auth, "", fixedToken("good-token")); err != nil {
				t.Fatalf("login with the right token: %v", err)
			}
			err := connectWith(t, auth, "", fixedToken("stale-token"))
			if err == nil || !strings.Contains(err.Error(), "authenticate "+strings.ToUpper(auth)) {
				t.Fatalf("login with a wrong token: %v", err)
			}
			if strings.Contains(err.Error(), "stale-token") {
				t.Fatalf("the token reached the error: %v", err)
			}
			if err := connectWith(t, auth, "", fixedToken("")); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
				t.Fatalf("login without a token: %v", err)
			}
		})
	}
}

// The server that takes only tokens refuses LOGIN, which shows the token
// tests above do not pass by way of the password.
func TestOAuth2ServerRefusesPasswordLogin(t *testing.T) {
	err := connectWith(t, config.AuthLogin, mailtest.DefaultPassword, nil)
	if err == nil || !strings.Contains(err.Error(), "login as escalations") {
		t.Fatalf("LOGIN = %v", err)
	}
}

func TestOAuth2NeedsTokenSource(t *testing.T) {
	e := newEnv(t, mailtest.IMAPMemOptions{})
	e.mb.Auth = config.AuthXOAuth2
	_, err := New(Options{Mailbox: e.mb, Store: e.st, Processor: e.proc, Clock: clock.Real{}, Logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "needs a Token source") {
		t.Fatal("no error")
	}
}

// check-config --connect logs in to an OAuth2 mailbox with its token, as
// the poller does.
func TestCheckLoginWithOAuth2(t *testing.T) {
	e := newEnv(t, mailtest.IMAPMemOptions{Bearer: mailtest.StaticBearer("good-token")})
	e.mb.Auth = config.AuthXOAuth2
	if _, err := CheckLogin(context.Background(), e.mb, fixedToken("good-token"), 0); err != nil {
		t.Fatalf("check with the right token: %v", err)
	}
	if _, err := CheckLogin(context.Background(), e.mb, fixedToken("stale-token"), 0); err == nil {
		t.Fatal("check with a wrong token passed")
	}
	if _, err := CheckLogin(context.Background(), e.mb, nil, 0); err == nil || !strings.Contains(err.Error(), "token source") {
		t.Fatalf("check without a token source: %v", err)
	}
}

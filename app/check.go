package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"

	"escalationd/config"
	"escalationd/inbound"
	"escalationd/internal/clock"
	"escalationd/outbound"
)

// ServerCheck is the result of logging in to one server of a config.
type ServerCheck struct {
	// Name is "mailbox NAME" or "smtp"; Addr is host:port.
	Name, Addr string
	// Detail says what was found when the check passed.
	Detail string
	Err    error
}

// CheckServers logs in to every mailbox (examining its folder read-only)
// and to the SMTP server (QUIT before any mail), all at once, and returns
// the results in config order: check-config --connect. It changes nothing
// on any server. cfg must have its secrets resolved.
func CheckServers(ctx context.Context, cfg *config.Config) []ServerCheck {
	var runs []func(context.Context) (string, error)
	var out []ServerCheck
	for _, mb := range cfg.Mailboxes {
		out = append(out, ServerCheck{Name: "mailbox " + mb.Name, Addr: net.JoinHostPort(mb.Host, strconv.Itoa(mb.Port))})
		runs = append(runs, func(ctx context.Context) (string, error) {
			tok, err := newTokenSource("mailbox "+mb.Name, mb.Auth, mb.OAuth2, clock.Real{}, slog.New(slog.DiscardHandler))
			if err != nil {
				return "", err
			}
			var token inbound.TokenSource // not a nil *oauth.Source
			if tok != nil {
				token = tok
			}
			info, err := inbound.CheckLogin(ctx, mb, token, 0)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s has %d messages, IDLE %s, MOVE %s", mb.Folder, info.Messages, yesNo(info.IDLE), yesNo(info.MOVE)), nil
		})
	}
	s := cfg.SMTP
	out = append(out, ServerCheck{Name: "smtp", Addr: net.JoinHostPort(s.Host, strconv.Itoa(s.Port))})
	runs = append(runs, func(ctx context.Context) (string, error) {
		cfg := outbound.ConfigFor(s)
		tok, err := newTokenSource("smtp", s.Auth, s.OAuth2, clock.Real{}, slog.New(slog.DiscardHandler))
		if err != nil {
			return "", err
		}
		if tok != nil {
			cfg.Token = tok
		}
		if err := outbound.CheckConnection(ctx, cfg); err != nil {
			return "", err
		}
		if s.Username == "" {
			return "connected (no AUTH configured)", nil
		}
		return "logged in as " + s.Username, nil
	})
	var wg sync.WaitGroup
	for i, run := range runs {
		wg.Go(func() { out[i].Detail, out[i].Err = run(ctx) })
	}
	wg.Wait()
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

package outbound

import (
	"context"

	"escalationd/config"
)

// ConfigFor is the SMTPConfig of the config's smtp section.
func ConfigFor(s config.SMTP) SMTPConfig {
	return SMTPConfig{Host: s.Host, Port: s.Port, TLS: s.TLS, TLSSkipVerify: s.TLSSkipVerify, TLSCAFile: s.TLSCAFile,
		Username: s.Username, Password: s.Password.Reveal(), HELO: s.HELO, Timeout: s.Timeout.D(), Auth: s.Auth}
}

// CheckConnection sets up a session with the submission server as the
// worker does (connect, EHLO, STARTTLS or implicit TLS, AUTH when a
// username is configured) and ends it with QUIT, sending nothing
// (check-config --connect).
func CheckConnection(ctx context.Context, cfg SMTPConfig) error {
	s, err := NewSMTPSender(cfg)
	if err != nil {
		return err
	}
	c, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return &connectError{err}
	}
	return s.client.CloseWithSMTPClient(c)
}

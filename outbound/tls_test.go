package outbound

import (
	"context"
	"strings"
	"testing"
	"time"

	"escalationd/internal/mailtest"
)

// TLS to the SMTP server is verified by default: a self-signed certificate
// is refused unless the operator trusts it (tls_ca_file) or turns
// verification off for this server (tls_skip_verify). Both implicit TLS
// and STARTTLS.
func TestSMTPSenderVerifiesTLS(t *testing.T) {
	cert := mailtest.NewSelfSigned(t)
	for _, mode := range []string{"implicit", "starttls"} {
		t.Run(mode, func(t *testing.T) {
			sink := mailtest.StartSMTPSinkWith(t, mailtest.SMTPSinkOptions{TLS: cert.Server, ImplicitTLS: mode == "implicit"})
			send := func(cfg SMTPConfig) error {
				cfg.Host, cfg.Port, cfg.TLS, cfg.Timeout = "127.0.0.1", sink.Port(), mode, 5*time.Second
				s, err := NewSMTPSender(cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				_, err = s.Send(context.Background(), "gw@example.com", []string{"a@example.com"}, []byte("Subject: x\r\n\r\nx\r\n"))
				return err
			}
			err := send(SMTPConfig{})
			if err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("default: %v, want a certificate verification error", err)
			}
			if !IsTemporary(err) {
				t.Errorf("a refused certificate lost the mail: %v is permanent", err)
			}
			if err := send(SMTPConfig{TLSSkipVerify: true}); err != nil {
				t.Fatalf("tls_skip_verify: %v", err)
			}
			if err := send(SMTPConfig{TLSCAFile: cert.CAFile}); err != nil {
				t.Fatalf("tls_ca_file: %v", err)
			}
			if n := len(sink.Messages()); n != 2 {
				t.Fatalf("%d mails delivered, want 2", n)
			}
		})
	}
}

package inbound

import (
	"strings"
	"testing"

	"escalationd/config"
	"escalationd/internal/mailtest"
)

// IMAPS is verified by default: a server with a self-signed certificate is
// refused (nothing is fetched) unless the operator trusts it (tls_ca_file)
// or turns verification off for this mailbox (tls_skip_verify).
func TestPollerVerifiesTLS(t *testing.T) {
	cert := mailtest.NewSelfSigned(t)
	for name, set := range map[string]func(*config.Mailbox){
		"default":         func(*config.Mailbox) {},
		"tls_skip_verify": func(mb *config.Mailbox) { mb.TLSSkipVerify = true },
		"tls_ca_file":     func(mb *config.Mailbox) { mb.TLSCAFile = cert.CAFile },
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, mailtest.IMAPMemOptions{TLS: cert.Server})
			e.mb.TLS = config.TLSImplicit
			set(&e.mb)
			e.srv.Append(t, "escalations", "INBOX", msg("good one"))
			stop := e.run(t, 5)
			defer stop()
			if name == "default" {
				waitFor(t, "the refused handshake", func() bool { return strings.Contains(e.log.String(), "certificate signed by unknown authority") })
				stop()
				if n := e.count(t, "INBOX"); n != 1 {
					t.Fatalf("INBOX holds %d, want the mail untouched", n)
				}
				return
			}
			waitFor(t, "the mail to be moved", func() bool { return e.count(t, "Processed") == 1 })
		})
	}
}

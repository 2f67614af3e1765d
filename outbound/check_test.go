package outbound

import (
	"context"
	"strings"
	"testing"
	"time"

	"escalationd/internal/mailtest"
)

// CheckConnection sets up the session as a send would (STARTTLS verified,
// AUTH) and sends nothing.
func TestCheckConnection(t *testing.T) {
	cert := mailtest.NewSelfSigned(t)
	sink := mailtest.StartSMTPSinkWith(t, mailtest.SMTPSinkOptions{TLS: cert.Server, Password: "right"})
	cfg := SMTPConfig{Host: "127.0.0.1", Port: sink.Port(), TLS: "starttls", Username: "gw", Password: "right", Timeout: 5 * time.Second}
	ctx := context.Background()

	if err := CheckConnection(ctx, cfg); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("self-signed certificate: %v, want a verification error", err)
	}
	cfg.TLSCAFile = cert.CAFile
	if err := CheckConnection(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Password = "wrong"
	if err := CheckConnection(ctx, cfg); err == nil || !strings.Contains(err.Error(), "535") {
		t.Fatalf("bad password: %v", err)
	}
	if n := len(sink.Messages()); n != 0 {
		t.Fatalf("%d mails sent", n)
	}
}

package inbound

import (
	"context"
	"strings"
	"testing"
	"time"

	"escalationd/config"
	"escalationd/internal/mailtest"
)

// CheckLogin verifies TLS as the poller does, reports the folder, and
// leaves the server as it was: no folder created, no flag set.
func TestCheckLogin(t *testing.T) {
	cert := mailtest.NewSelfSigned(t)
	e := newEnv(t, mailtest.IMAPMemOptions{TLS: cert.Server})
	e.mb.TLS = config.TLSImplicit
	e.srv.Append(t, "escalations", "INBOX", msg("one"))
	ctx := context.Background()

	if _, err := CheckLogin(ctx, e.mb, nil, 5*time.Second); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("self-signed certificate: %v, want a verification error", err)
	}
	e.mb.TLSCAFile = cert.CAFile
	info, err := CheckLogin(ctx, e.mb, nil, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if info.Messages != 1 || !info.IDLE || !info.MOVE {
		t.Errorf("info = %+v", info)
	}
	if got := e.srv.Mailboxes(t, "escalations"); len(got) != 1 {
		t.Errorf("folders after the check: %v", got)
	}
	if m := e.srv.Messages(t, "escalations", "INBOX"); len(m) != 1 || hasSeen(m[0]) {
		t.Errorf("INBOX after the check: %+v", m)
	}

	e.mb.Password = "wrong"
	if _, err := CheckLogin(ctx, e.mb, nil, 5*time.Second); err == nil || !strings.Contains(err.Error(), "login as escalations") {
		t.Fatalf("bad password: %v", err)
	}
	e.mb.Password = mailtest.DefaultPassword
	e.mb.Folder = "Nope"
	if _, err := CheckLogin(ctx, e.mb, nil, 5*time.Second); err == nil || !strings.Contains(err.Error(), "examine Nope") {
		t.Fatalf("missing folder: %v", err)
	}
	e.srv.SetDown(true)
	if _, err := CheckLogin(ctx, e.mb, nil, 5*time.Second); err == nil {
		t.Fatal("server down: no error")
	}
}

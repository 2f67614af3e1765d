package mailtest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func greeting(t *testing.T, addr string, timeout time.Duration) (string, error) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	return bufio.NewReader(c).ReadString('\n')
}

func TestProxyModes(t *testing.T) {
	sink := StartSMTPSink(t)
	p := StartProxy(t, sink.Addr())
	if line, err := greeting(t, p.Addr(), 2*time.Second); err != nil || !strings.HasPrefix(line, "220") {
		t.Fatalf("forward: %q %v", line, err)
	}
	p.SetMode(ProxyRefuse)
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Fatal("refuse: dial succeeded")
	}
	p.SetMode(ProxyHang)
	if line, err := greeting(t, p.Addr(), 300*time.Millisecond); err == nil {
		t.Fatalf("hang: got %q", line)
	}
	p.SetMode(ProxyForward)
	if line, err := greeting(t, p.Addr(), 2*time.Second); err != nil || !strings.HasPrefix(line, "220") {
		t.Fatalf("forward again: %q %v", line, err)
	}
	if p.Accepted() != 3 {
		t.Fatalf("accepted %d connections, want 3", p.Accepted())
	}
}

func TestProxyCutAfter(t *testing.T) {
	sink := StartSMTPSink(t)
	p := StartProxy(t, sink.Addr())
	p.CutAfter(10)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || len(got) != 10 || !strings.HasPrefix(string(got), "220 ") {
		t.Fatalf("read %q, %v; want the first 10 bytes of the greeting, then EOF", got, err)
	}
	if p.Cuts() != 1 || p.Armed() {
		t.Fatalf("cuts %d armed %v", p.Cuts(), p.Armed())
	}
}

func TestSMTPSinkTLSAndAuth(t *testing.T) {
	cert := NewSelfSigned(t)
	sink := StartSMTPSinkWith(t, SMTPSinkOptions{TLS: cert.Server, ImplicitTLS: true, Password: "pw"})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cert.PEM)
	if _, err := smtp.DialTLS(sink.Addr(), &tls.Config{}); err == nil {
		t.Fatal("the self-signed certificate was accepted without trusting it")
	}
	c, err := smtp.DialTLS(sink.Addr(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("a@x", nil); err == nil {
		t.Fatal("MAIL accepted before AUTH")
	}
	if err := c.Auth(sasl.NewPlainClient("", "u", "wrong")); err == nil {
		t.Fatal("wrong password accepted")
	}
	if err := c.Auth(sasl.NewPlainClient("", "u", "pw")); err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("a@x", []string{"b@x"}, strings.NewReader("Subject: x\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.Messages()); n != 1 {
		t.Fatalf("%d messages", n)
	}
}

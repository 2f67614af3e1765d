package config

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// HTTP is the optional HTTP listener: /metrics, /healthz, /readyz and the
// dashboard. Off unless Listen is set.
type HTTP struct {
	// Listen is host:port. A bare port ("9469" or ":9469") listens on
	// 127.0.0.1 only; any other host than a loopback address or
	// "localhost" needs TokenFile.
	Listen string `yaml:"listen"`
	// TokenFile holds the secret every request must carry, as a bearer
	// token or as the password of HTTP basic auth (any user name, so a
	// browser can open the dashboard). Relative to the config file.
	TokenFile string `yaml:"token_file"`
	// Token is read from TokenFile at load.
	Token Secret `yaml:"-"`
}

// Enabled reports whether the listener is configured.
func (h HTTP) Enabled() bool { return h.Listen != "" }

// Address is Listen with a bare port turned into a loopback address.
func (h HTTP) Address() string {
	l := strings.TrimSpace(h.Listen)
	if l == "" {
		return ""
	}
	if !strings.Contains(l, ":") {
		l = ":" + l
	}
	if strings.HasPrefix(l, ":") {
		l = "127.0.0.1" + l
	}
	return l
}

// Loopback reports whether the listen address is on loopback only.
func (h HTTP) Loopback() bool {
	host, _, err := net.SplitHostPort(h.Address())
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

func (v *validator) http() {
	h := v.c.HTTP
	if !h.Enabled() {
		if h.TokenFile != "" {
			v.add("http.token_file", "http.token_file is set but http.listen is not: the listener is off")
		}
		return
	}
	_, port, err := net.SplitHostPort(h.Address())
	if err != nil || port == "" {
		v.add("http.listen", "http.listen %q is not host:port or a port (e.g. 127.0.0.1:9469)", h.Listen)
		return
	}
	if !h.Loopback() && h.TokenFile == "" {
		v.add("http.listen", "http.listen %q listens beyond loopback: set http.token_file (a bearer token or basic-auth password), or listen on 127.0.0.1", h.Listen)
	}
}

// resolveHTTPToken reads http.token_file.
func (c *Config) resolveHTTPToken() []error {
	if c.HTTP.TokenFile == "" {
		return nil
	}
	f := c.HTTP.TokenFile
	if !filepath.IsAbs(f) {
		f = filepath.Join(c.dir(), f)
	}
	b, err := os.ReadFile(f)
	if err != nil {
		return []error{c.Problem("http.token_file", "cannot read the token: %v", err)}
	}
	c.HTTP.Token = Secret(strings.TrimSpace(string(b)))
	if len(c.HTTP.Token) < 16 {
		return []error{c.Problem("http.token_file", "%s: the token must be at least 16 characters", f)}
	}
	return nil
}

package mailtest

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// ProxyMode is what a Proxy does with new connections.
type ProxyMode int

const (
	// ProxyForward passes connections through to the target.
	ProxyForward ProxyMode = iota
	// ProxyRefuse closes the port: connections are refused and the open
	// ones are cut, as when a server crashes.
	ProxyRefuse
	// ProxyHang accepts connections and never answers, as a wedged server
	// or a black-holing firewall does; the client must time out. Hung
	// connections stay hung when the mode changes.
	ProxyHang
)

func (m ProxyMode) String() string {
	switch m {
	case ProxyForward:
		return "forward"
	case ProxyRefuse:
		return "refuse"
	case ProxyHang:
		return "hang"
	}
	return "ProxyMode(?)"
}

// Proxy is a TCP proxy on a fixed 127.0.0.1 port in front of a server
// (Dovecot, Mailpit, an in-process sink) for fault injection between the
// client under test and the real server: it can refuse connections, hang
// them, or cut them, also in the middle of a response (CutAfter).
type Proxy struct {
	target string
	ln     *switchListener

	mu       sync.Mutex
	mode     ProxyMode
	conns    map[net.Conn]struct{} // both ends of every open connection
	accepted int
	armed    bool
	left     int64 // bytes server→client until an armed cut
	cuts     int
	closed   bool
}

// StartProxy starts a proxy to target ("host:port") on a free port, in
// ProxyForward mode, and closes it when the test ends.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p := &Proxy{target: target, conns: map[net.Conn]struct{}{}}
	ln, err := newSwitchListener(nil)
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p.ln = ln
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

// Addr returns "127.0.0.1:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Port returns the port clients connect to.
func (p *Proxy) Port() int { return p.ln.addr.Port }

// Close stops the proxy and cuts every connection.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	_ = p.ln.Close()
	p.Cut()
}

// SetMode changes what happens to new connections; ProxyRefuse also cuts
// the open ones.
func (p *Proxy) SetMode(m ProxyMode) {
	p.mu.Lock()
	p.mode = m
	p.mu.Unlock()
	if err := p.ln.setDown(m == ProxyRefuse); err != nil {
		panic("proxy: " + err.Error())
	}
	if m == ProxyRefuse {
		p.Cut()
	}
}

// Cut closes every open connection now and returns how many client
// connections there were.
func (p *Proxy) Cut() int {
	p.mu.Lock()
	conns := make([]net.Conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	clear(p.conns)
	p.mu.Unlock()
	n := 0
	for _, c := range conns {
		if _, ok := c.(*trackedConn); ok {
			n++
		}
		_ = c.Close()
	}
	return n
}

// CutAfter arms a cut: once n more bytes have gone from the server to any
// client, that chunk is delivered only up to the n-th byte and every
// connection is cut, so the client sees a response end mid-way (for
// example in the middle of a FETCH).
func (p *Proxy) CutAfter(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed, p.left = true, max(n, 1)
}

// Cuts returns how many armed cuts have fired.
func (p *Proxy) Cuts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

// Armed reports whether a CutAfter is still waiting to fire.
func (p *Proxy) Armed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.armed
}

// Accepted returns how many client connections the proxy has accepted.
func (p *Proxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

// track registers conns; it reports false (and closes them) when the proxy
// is closed.
func (p *Proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *Proxy) untrack(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		delete(p.conns, c)
		_ = c.Close()
	}
}

func (p *Proxy) handle(client net.Conn) {
	p.mu.Lock()
	p.accepted++
	mode := p.mode
	p.mu.Unlock()
	if mode == ProxyHang {
		// Hold the connection silently until the client gives up or the
		// proxy cuts it.
		if p.track(client) {
			_, _ = io.Copy(io.Discard, client)
			p.untrack(client)
		}
		return
	}
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		_ = client.Close()
		return
	}
	if !p.track(client, server) {
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(server, client); done <- struct{}{} }()
	go func() { p.pumpDown(client, server); done <- struct{}{} }()
	<-done
	p.untrack(client, server)
	<-done
}

// pumpDown copies server→client, firing an armed cut on the way.
func (p *Proxy) pumpDown(client, server net.Conn) {
	buf := make([]byte, 16<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 {
			chunk, cut := p.take(n)
			if _, werr := client.Write(buf[:chunk]); werr != nil {
				return
			}
			if cut {
				p.Cut()
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// take accounts n bytes against an armed cut and returns how many of them
// to deliver and whether to cut after them.
func (p *Proxy) take(n int) (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.armed {
		return n, false
	}
	if int64(n) < p.left {
		p.left -= int64(n)
		return n, false
	}
	chunk := int(p.left)
	p.armed, p.left = false, 0
	p.cuts++
	return chunk, true
}

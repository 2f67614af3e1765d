package mailtest

import (
	"errors"
	"net"
	"sync"
	"time"
)

// switchListener is a net.Listener on a fixed 127.0.0.1 port that can be
// taken down and brought back, so an in-process server survives a
// simulated outage: while down the port refuses connections and the
// connections it had are cut; the server's Serve loop never notices.
type switchListener struct {
	addr     *net.TCPAddr
	accepted chan net.Conn
	closed   chan struct{}
	// reject, if it returns true, has answered and closed the connection
	// instead of handing it to the server (e.g. an SMTP 421 greeting).
	reject func(net.Conn) bool

	mu        sync.Mutex
	ln        net.Listener // nil while down
	conns     map[net.Conn]struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

func newSwitchListener(reject func(net.Conn) bool) (*switchListener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &switchListener{
		addr:     ln.Addr().(*net.TCPAddr),
		accepted: make(chan net.Conn),
		closed:   make(chan struct{}),
		reject:   reject,
		conns:    map[net.Conn]struct{}{},
	}
	l.serve(ln)
	return l, nil
}

// serve starts accepting on ln; the caller holds l.mu or owns l.
func (l *switchListener) serve(ln net.Listener) {
	l.ln = ln
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed by setDown or Close
			}
			tc := &trackedConn{Conn: c, l: l}
			l.mu.Lock()
			l.conns[tc] = struct{}{}
			l.mu.Unlock()
			if l.reject != nil && l.reject(tc) {
				continue
			}
			select {
			case l.accepted <- tc:
			case <-l.closed:
				tc.Close()
				return
			}
		}
	}()
}

func (l *switchListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.accepted:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *switchListener) Addr() net.Addr { return l.addr }

func (l *switchListener) Close() error {
	l.closeOnce.Do(func() {
		close(l.closed)
		l.setDown(true)
		l.wg.Wait()
	})
	return nil
}

// setDown closes the port and cuts every connection (down) or listens on
// the same port again (up). Re-listening retries for a few seconds in case
// the port is briefly taken.
func (l *switchListener) setDown(down bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if down {
		if l.ln != nil {
			l.ln.Close()
			l.ln = nil
		}
		for c := range l.conns {
			c.(*trackedConn).Conn.Close()
		}
		clear(l.conns)
		return nil
	}
	select {
	case <-l.closed:
		return net.ErrClosed
	default:
	}
	if l.ln != nil {
		return nil
	}
	var ln net.Listener
	var err error
	poll(5*time.Second, func() bool {
		ln, err = net.ListenTCP("tcp", l.addr)
		return err == nil
	})
	if err != nil {
		return err
	}
	l.serve(ln)
	return nil
}

// trackedConn removes itself from the listener's set when closed.
type trackedConn struct {
	net.Conn
	l *switchListener
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	err := c.Conn.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil // already cut by setDown
	}
	return err
}

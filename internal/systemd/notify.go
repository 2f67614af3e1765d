// Package systemd speaks the sd_notify protocol without cgo: readiness,
// watchdog keep-alives and stopping notices over $NOTIFY_SOCKET. Outside
// systemd every call is a no-op.
package systemd

import (
	"net"
	"os"
	"strconv"
	"time"
)

// Enabled reports whether a service manager listens ($NOTIFY_SOCKET set).
func Enabled() bool { return os.Getenv("NOTIFY_SOCKET") != "" }

// Notify sends state (e.g. "READY=1") to the service manager. It returns
// false, nil when not running under systemd.
func Notify(state string) (bool, error) {
	socket := os.Getenv("NOTIFY_SOCKET")
	if socket == "" {
		return false, nil
	}
	addr := &net.UnixAddr{Name: socket, Net: "unixgram"}
	if socket[0] == '@' {
		addr.Name = "\x00" + socket[1:] // abstract namespace
	}
	conn, err := net.DialUnix("unixgram", nil, addr)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return false, err
	}
	return true, nil
}

// WatchdogInterval is how often to send WATCHDOG=1 (half of WatchdogSec),
// or 0 when the watchdog is off or meant for another process.
func WatchdogInterval() time.Duration {
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return time.Duration(usec) * time.Microsecond / 2
}

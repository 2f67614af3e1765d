//go:build !linux

package app

import (
	"errors"
	"syscall"
)

// clockGettime is only needed for systemd, which is Linux only.
func clockGettime(*syscall.Timespec) error { return errors.New("no CLOCK_MONOTONIC here") }

package app

import (
	"syscall"
	"unsafe"
)

// clockGettime reads CLOCK_MONOTONIC (no cgo, no x/sys dependency).
func clockGettime(ts *syscall.Timespec) error {
	const clockMonotonic = 1
	_, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(ts)), 0)
	if errno != 0 {
		return errno
	}
	return nil
}

//go:build !linux

package spool

import (
	"errors"
	"os"
	"syscall"
)

// fdatasync flushes f; without fdatasync(2), a full fsync.
func fdatasync(f *os.File) error { return f.Sync() }

// isDiskFull reports whether err means the disk is full.
func isDiskFull(err error) bool { return errors.Is(err, syscall.ENOSPC) }

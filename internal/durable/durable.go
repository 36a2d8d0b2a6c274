// Package durable makes file-system changes survive a crash or a power
// loss: a file is written whole or not at all (temporary file beside it,
// fsync, rename, fsync of the directory), and a directory's new, renamed
// or removed entries are made durable by syncing the directory.
package durable

import (
	"os"
	"path/filepath"
)

// WriteFile writes data to path atomically and durably with mode perm.
// Readers see the old content or the new, never a mix; after it returns
// nil the new content survives a crash.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = SyncDir(dir)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// SyncDir fsyncs a directory, making creations, renames and removals of
// its entries durable.
func SyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

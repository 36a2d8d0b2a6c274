package ship

import "syscall"

// diskFree returns the bytes available to an unprivileged user on the file
// system holding dir, or 0 if unknown.
func diskFree(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

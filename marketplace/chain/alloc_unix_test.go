//go:build unix

package chain_test

import (
	"io/fs"
	"syscall"
)

// allocated is the disk space a file takes, preallocated blocks included.
func allocated(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return 0
}

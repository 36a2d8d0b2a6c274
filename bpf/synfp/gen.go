package synfp

// The XDP object is compiled from synfp.c by bpf2go and committed
// (synfp_bpfel.go, synfp_bpfel.o) so that `go build` needs no clang.
// `make generate` (go generate ./...) rebuilds it; it needs clang, llvm-strip
// and the libbpf and kernel headers (Debian 12: clang, llvm, libbpf-dev,
// linux-libc-dev), and the output is byte-for-byte reproducible with the
// same clang; `make check` compares. -mcpu=v3 for BPF_XCHG (Linux 5.12).
// The -I is Debian's amd64 multiarch include directory (asm/types.h).
//
// Only the little-endian object is built (amd64, arm64, riscv64, …): the
// record holds host-order numbers, and no big-endian target is deployed.

//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -target bpfel -tags linux -type syn_record -type syn_bucket -type syn_way -type port_counters synfp synfp.c -- -O2 -g -mcpu=v3 -Wall -Werror -I/usr/include/x86_64-linux-gnu

package syntest

import (
	"errors"
	"net"
	"syscall"
	"time"
)

// KernelClient is a way of dialling with the kernel's own TCP stack, for
// real SYNs: the network and the socket options set before connect.
type KernelClient struct {
	Name     string
	Network  string   // "tcp4" or "tcp6"
	Sockopts [][3]int // level, option, value
}

// KernelClients are the real SYNs the side-by-side tests send: defaults,
// MSS, receive buffers, TTL, TOS, hop limit.
var KernelClients = []KernelClient{
	{"kernel ipv4", "tcp4", nil},
	{"kernel ipv6", "tcp6", nil},
	{"kernel ipv4 mss 1200", "tcp4", [][3]int{{syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, 1200}}},
	{"kernel ipv6 mss 1380", "tcp6", [][3]int{{syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, 1380}}},
	{"kernel ipv4 rcvbuf 4k", "tcp4", [][3]int{{syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096}}},
	{"kernel ipv4 rcvbuf 256k", "tcp4", [][3]int{{syscall.SOL_SOCKET, syscall.SO_RCVBUF, 256 << 10}}},
	{"kernel ipv4 ttl 50", "tcp4", [][3]int{{syscall.IPPROTO_IP, syscall.IP_TTL, 50}}},
	{"kernel ipv4 tos 0x28", "tcp4", [][3]int{{syscall.IPPROTO_IP, syscall.IP_TOS, 0x28}}},
	{"kernel ipv6 hop limit 40", "tcp6", [][3]int{{syscall.IPPROTO_IPV6, syscall.IPV6_UNICAST_HOPS, 40}}},
	{"kernel ipv4 mss 536 ttl 200", "tcp4", [][3]int{
		{syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, 536}, {syscall.IPPROTO_IP, syscall.IP_TTL, 200}}},
}

// Dialer returns a dialer that sets k's socket options before it connects.
func (k KernelClient) Dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			for _, o := range k.Sockopts {
				if err := syscall.SetsockoptInt(int(fd), o[0], o[1], o[2]); err != nil {
					serr = err
				}
			}
		})
		return errors.Join(err, serr)
	}}
}

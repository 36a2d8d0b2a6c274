package socks

import (
	"bytes"
	"encoding/binary"
	"net/netip"

	"github.com/spampots/spampots/sensor/proxy"
)

// request4 reads a SOCKS4 or SOCKS4A request and answers it. SOCKS4
// ("SOCKS: A protocol for TCP proxy across firewalls"):
//
//	VN(4) CD DSTPORT(2) DSTIP(4) USERID NUL  →  VN(0) CD DSTPORT(2) DSTIP(4)
//
// SOCKS4A: a DSTIP of 0.0.0.x with x not zero says that a NUL-terminated
// domain name follows the USERID's NUL.
//
// The USERID is bounded by Config.MaxUserID and the name by MaxDomain: once
// more bytes than that came without a NUL, the request is refused (CD 91)
// without waiting for the rest. Of a whole request, a non-empty USERID is
// recorded as a credential; CD 1 (CONNECT) is granted (CD 90) unless the
// SOCKS4A name is invalid (91, what a server whose resolver failed
// answers); BIND and unknown commands get 91. The server closes after 91.
func (m *Machine) request4(in []byte) int {
	if len(in) < header4 {
		return 0
	}
	end, userid, ok := m.nulTerminated(in, header4, m.cfg.MaxUserID)
	if !ok {
		return end
	}
	ip := [4]byte(in[4:8])
	t := proxy.Target{Port: binary.BigEndian.Uint16(in[2:4])}
	var name []byte
	if ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0 {
		m.proto = proxy.SOCKS4a
		end, name, ok = m.nulTerminated(in, end, m.cfg.MaxDomain)
		if !ok {
			return end
		}
		t.Host = string(name)
	} else {
		t.IP = netip.AddrFrom4(ip)
	}
	m.request(in[1], t)
	if len(userid) > 0 {
		m.setCred("socks4-userid", userid, nil)
	}
	switch {
	case !lookupCommand(commands4[:], in[1]).ok:
		m.fail4(OutcomeUnsupportedCommand)
	case m.proto == proxy.SOCKS4a && !m.validDomain(name):
		m.fail4(OutcomeBadDomain)
	default:
		m.grant4()
	}
	return end
}

// nulTerminated finds the NUL-terminated field at in[at:], at most limit bytes
// long. ok false with end 0: the field is incomplete, wait for more. ok
// false with end > 0: the field is too long, the request was refused and
// end bytes are consumed.
func (m *Machine) nulTerminated(in []byte, at, limit int) (end int, field []byte, ok bool) {
	rest := in[at:]
	k := bytes.IndexByte(rest[:min(len(rest), limit+1)], 0)
	if k >= 0 {
		return at + k + 1, rest[:k], true
	}
	if len(rest) > limit {
		m.fail4(OutcomeTooLong)
		return at + limit + 1, nil, false
	}
	return 0, nil, false
}

// grant4 writes CD 90. The protocol says a CONNECT reply's DSTPORT and DSTIP
// are ignored; like SOCKS5's BND they carry the sensor's IPv4 address and an
// ephemeral-looking port (zeros when the client came over IPv6).
func (m *Machine) grant4() {
	m.out = append(m.out, 0, cdGranted)
	if m.local.Is4() {
		a := m.local.As4()
		m.out = binary.BigEndian.AppendUint16(m.out, m.boundPort())
		m.out = append(m.out, a[:]...)
	} else {
		m.out = append(m.out, 0, 0, 0, 0, 0, 0)
	}
	m.connected()
}

// fail4 writes CD 91, "request rejected or failed", and closes.
func (m *Machine) fail4(outcome string) {
	m.out = append(m.out, 0, cdRejected, 0, 0, 0, 0, 0, 0)
	m.close(outcome)
}

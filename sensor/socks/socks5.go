package socks

import (
	"bytes"
	"encoding/binary"
	"net/netip"

	"github.com/spampots/spampots/sensor/proxy"
)

// methodSelection reads the version identifier/method selection message and
// answers with the method chosen (RFC 1928 §3):
//
//	VER(5) NMETHODS METHODS(1..255)  →  VER(5) METHOD
//
// No authentication is chosen when offered (an open proxy), else
// username/password (RFC 1929), unless Config.PreferUserPass. With neither
// offered the reply is X'FF' and, as the client MUST close, so does the
// server. NMETHODS 0 offers nothing and is answered the same way.
func (m *Machine) methodSelection(in []byte) int {
	if len(in) < 2 {
		return 0
	}
	n := int(in[1])
	if len(in) < 2+n {
		return 0
	}
	offered := in[2 : 2+n]
	m.nmethods = int16(n)
	copy(m.methods[:], offered)
	noAuth := bytes.IndexByte(offered, methodNoAuth) >= 0
	userPass := bytes.IndexByte(offered, methodUserPass) >= 0
	method := byte(methodNone)
	switch {
	case userPass && (!noAuth || m.cfg.PreferUserPass):
		method, m.st = methodUserPass, st5UserPass
	case noAuth:
		method, m.st = methodNoAuth, st5Request
	}
	m.method = int16(method)
	m.out = append(m.out, version5, method)
	if method == methodNone {
		m.close(OutcomeNoMethod)
	}
	return 2 + n
}

// userPass reads the username/password request and accepts every offer
// (RFC 1929 §2):
//
//	VER(1) ULEN UNAME PLEN PASSWD  →  VER(1) STATUS(0)
//
// RFC 1929 asks for 1 to 255 octets in each field; empty ones are accepted
// too, since every offer is. A wrong VER, or a field over its configured
// limit, gets a failure STATUS, and the server closes, as RFC 1929 §2
// requires after a failure.
func (m *Machine) userPass(in []byte) int {
	if in[0] != userPassVersion {
		m.out = append(m.out, userPassVersion, statusFailure)
		m.close(OutcomeMalformed)
		return 1
	}
	if len(in) < 2 {
		return 0
	}
	ulen := int(in[1])
	if ulen > m.cfg.MaxUsername {
		m.out = append(m.out, userPassVersion, statusFailure)
		m.close(OutcomeTooLong)
		return 2
	}
	if len(in) < 3+ulen {
		return 0
	}
	plen := int(in[2+ulen])
	if plen > m.cfg.MaxPassword {
		m.out = append(m.out, userPassVersion, statusFailure)
		m.close(OutcomeTooLong)
		return 3 + ulen
	}
	end := 3 + ulen + plen
	if len(in) < end {
		return 0
	}
	m.setCred("socks5-userpass", in[2:2+ulen], in[3+ulen:end])
	m.out = append(m.out, userPassVersion, statusSuccess)
	m.st = st5Request
	return end
}

// request5 reads a request (RFC 1928 §4) and answers it (§6):
//
//	VER(5) CMD RSV(0) ATYP DST.ADDR DST.PORT  →  VER(5) REP RSV(0) ATYP BND.ADDR BND.PORT
//
// Checks are made as soon as their field is there, so a bad request is
// refused without waiting for bytes that may never come: VER not 5 or RSV
// not zero is malformed (REP X'01'); an unknown ATYP cannot be parsed
// further (X'08'). Of a whole request, a command other than CONNECT gets
// X'07' (the sensor never binds nor relays datagrams), and an invalid
// domain name X'04', what a proxy whose resolver failed answers. A CONNECT
// is granted: REP X'00', then Connect. After a failure reply the server
// closes, as RFC 1928 §6 requires.
func (m *Machine) request5(in []byte) int {
	if in[0] != version5 {
		m.fail5(repGeneralFailure, OutcomeMalformed)
		return 1
	}
	if len(in) < 3 {
		return 0
	}
	if in[2] != 0 {
		m.fail5(repGeneralFailure, OutcomeMalformed)
		return 3
	}
	if len(in) < 4 {
		return 0
	}
	var hdr, alen int
	switch in[3] {
	case atypIPv4:
		hdr, alen = 4, 4
	case atypIPv6:
		hdr, alen = 4, 16
	case atypDomain:
		if len(in) < 5 {
			return 0
		}
		hdr, alen = 5, int(in[4])
	default:
		m.fail5(repAddressUnsupported, OutcomeUnsupportedAddress)
		return 4
	}
	end := hdr + alen + 2
	if len(in) < end {
		return 0
	}
	addr := in[hdr : hdr+alen]
	t := proxy.Target{Port: binary.BigEndian.Uint16(in[end-2:])}
	switch in[3] {
	case atypIPv4:
		t.IP = netip.AddrFrom4([4]byte(addr))
	case atypIPv6:
		t.IP = netip.AddrFrom16([16]byte(addr))
	default:
		t.Host = string(addr)
	}
	m.request(in[1], t)
	switch {
	case !lookupCommand(commands5[:], in[1]).ok:
		m.fail5(repCommandUnsupported, OutcomeUnsupportedCommand)
	case in[3] == atypDomain && !m.validDomain(addr):
		m.fail5(repHostUnreachable, OutcomeBadDomain)
	default:
		m.grant5()
	}
	return end
}

// grant5 writes the success reply. RFC 1928 §6: in the reply to a CONNECT,
// BND.PORT is the port the server assigned to connect to the target and
// BND.ADDR the associated address, often not the one the client reached,
// "since such servers are often multi-homed". The sensor plays a proxy on
// a host with one address, which connects out from the address the client
// reached: BND.ADDR is New's local address, in its own family, and
// BND.PORT an ephemeral-looking port (boundPort).
func (m *Machine) grant5() {
	m.out = append(m.out, version5, repSucceeded, 0)
	switch {
	case m.local.Is6():
		a := m.local.As16()
		m.out = append(m.out, atypIPv6)
		m.out = append(m.out, a[:]...)
	case m.local.Is4():
		a := m.local.As4()
		m.out = append(m.out, atypIPv4)
		m.out = append(m.out, a[:]...)
	default:
		m.out = append(m.out, atypIPv4, 0, 0, 0, 0)
	}
	m.out = binary.BigEndian.AppendUint16(m.out, m.boundPort())
	m.connected()
}

// fail5 writes a failure reply, with the unspecified IPv4 address and port
// 0 as BND (the fields must be there for the client to parse the reply), and
// closes.
func (m *Machine) fail5(rep byte, outcome string) {
	m.out = append(m.out, version5, rep, 0, atypIPv4, 0, 0, 0, 0, 0, 0)
	m.close(outcome)
}

package spool

import "time"

// Event is one line of a segment's JSONL event stream: one per connection,
// with or without mail, so statistics count connections and bytes, not only
// emails (ARCHITECTURE.md). Field names are the stable JSON schema read by the
// miner; add fields, never rename them.
type Event struct {
	// Kind is "" for a connection's event, "enrichment" for the answers
	// that came after it was written (Session says whose; Src and Dst).
	Kind       string    `json:"kind,omitempty"`
	Start      time.Time `json:"start"`       // connection accepted (UTC)
	End        time.Time `json:"end"`         // connection closed (UTC)
	Sensor     string    `json:"sensor"`      // sensor id
	Session    string    `json:"session"`     // X-Session-Id of its messages
	Proto      string    `json:"proto"`       // SMTP, HTTP, S4, S4a, S5
	SrcIP      string    `json:"src_ip"`      //
	SrcPort    int       `json:"src_port"`    //
	SensorIP   string    `json:"sensor_ip"`   // local address the client reached
	SensorPort int       `json:"sensor_port"` // local port the client reached
	BytesIn    int64     `json:"bytes_in"`    // bytes received from the client
	BytesOut   int64     `json:"bytes_out"`   // bytes sent to the client
	DurationMS int64     `json:"duration_ms"` //
	Outcome    string    `json:"outcome"`     // why it ended: quit, peer-closed, idle-timeout, ...

	SMTPProto  string         `json:"smtp_proto,omitempty"` // SMTP, ESMTP, ESMTPA
	Ehlo       string         `json:"ehlo,omitempty"`       // last HELO/EHLO argument
	Messages   int            `json:"messages"`             // messages accepted (250 after DATA)
	Recipients int            `json:"recipients"`           // recipients of accepted messages
	Rejected   int            `json:"rejected,omitempty"`   // messages refused (size, tempfail)
	Commands   map[string]int `json:"commands,omitempty"`   // verbs seen, with counts
	Errors     int            `json:"errors,omitempty"`     // syntax and sequence errors
	BareLF     int            `json:"bare_lf,omitempty"`    // lines ended by LF alone (a bot tell)
	Auth       []Credential   `json:"auth,omitempty"`       // credentials offered

	// A proxy session: what the client asked the proxy for, and what the
	// sensor played for it.
	Target      string        `json:"target,omitempty"`       // host:port asked for (CONNECT, SOCKS request)
	Dest        string        `json:"dest,omitempty"`         // emulated destination: smtp, web, sink
	HTTP        []HTTPRequest `json:"http,omitempty"`         // requests answered by the emulated web (first 16)
	TunnelBytes int64         `json:"tunnel_bytes,omitempty"` // bytes a sink destination took
	TunnelHead  []byte        `json:"tunnel_head,omitempty"`  // their first 512 bytes (base64 in JSON)

	// Src and Dst are the enrichment of the client and, for a proxy
	// session, of the destination it asked for (enrich's header values).
	Src *Enrichment `json:"src,omitempty"`
	Dst *Enrichment `json:"dst,omitempty"`
	// OS is the client's operating system as its SYN shows it (p0f's
	// signatures), when the sensor captures SYNs and recorded this one.
	OS *OS `json:"os,omitempty"`

	// Tests are the session's messages classified as spammers' test
	// messages (sensor/testmsg), first 16.
	Tests []TestMessage `json:"tests,omitempty"`
}

// HTTPRequest is one request an HTTP proxy session made, as received.
type HTTPRequest struct {
	Method    string      `json:"method"`
	URL       string      `json:"url"`
	UserAgent string      `json:"user_agent,omitempty"`
	Headers   [][2]string `json:"headers,omitempty"` // name, value; in order
	BodyLen   int64       `json:"body_len,omitempty"`
	Body      []byte      `json:"body,omitempty"` // bounded head of the body (base64 in JSON)
	Status    int         `json:"status"`         // what the emulated server answered
}

// TestMessage is a captured message classified as a spammer's test.
type TestMessage struct {
	QueueID string `json:"queue_id"`        // as announced in its 250 reply
	Reason  string `json:"reason"`          // sensor/testmsg reasons, comma separated
	Relay   bool   `json:"relay,omitempty"` // offered to the relay (policy relay)
}

// Credential is one authentication attempt as offered by the client. The
// sensor accepts every well-formed attempt; the miner uses them to find
// stolen accounts.
type Credential struct {
	Mech      string `json:"mech"`                // PLAIN, LOGIN, CRAM-MD5; socks5-userpass, socks4-userid, basic
	Authzid   string `json:"authzid,omitempty"`   // PLAIN authorization identity
	User      string `json:"user"`                //
	Password  string `json:"password,omitempty"`  // cleartext mechanisms
	Response  string `json:"response,omitempty"`  // CRAM-MD5 digest (hex)
	Challenge string `json:"challenge,omitempty"` // CRAM-MD5 challenge sent
}

// Enrichment is what is known of an address: the X-Src-*/X-Dst-* values
// (see package enrich), "unknown" for what was not known in time.
type Enrichment struct {
	IP       string `json:"ip,omitempty"`
	Hostname string `json:"hostname"`
	ASN      string `json:"asn"`
	RIR      string `json:"rir"`
	CC       string `json:"cc"`
	DNSBL    string `json:"dnsbl,omitempty"`
}

// OS is a passive fingerprint of a client's SYN.
type OS struct {
	Label   string `json:"label"`             // p0f's label (X-Src-OS), "???" when no signature matched
	Sig     string `json:"sig"`               // the SYN's signature, p0f's raw_sig
	Dist    int    `json:"dist"`              // hops, from the TTL
	Generic bool   `json:"generic,omitempty"` // matched a generic signature
	Fuzzy   bool   `json:"fuzzy,omitempty"`   // matched approximately
	App     bool   `json:"app,omitempty"`     // a tool's signature (nmap, ...), not an OS
}

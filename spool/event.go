package spool

import "time"

// Event is one line of a segment's JSONL event stream: one per connection,
// with or without mail, so statistics count connections and bytes, not only
// emails (ARCHITECTURE.md). Field names are the stable JSON schema read by the
// miner; add fields, never rename them.
type Event struct {
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
}

// Credential is one authentication attempt as offered by the client. The
// sensor accepts every well-formed attempt; the miner uses them to find
// stolen accounts.
type Credential struct {
	Mech      string `json:"mech"`                // PLAIN, LOGIN, CRAM-MD5, SOCKS5, HTTP-BASIC
	Authzid   string `json:"authzid,omitempty"`   // PLAIN authorization identity
	User      string `json:"user"`                //
	Password  string `json:"password,omitempty"`  // cleartext mechanisms
	Response  string `json:"response,omitempty"`  // CRAM-MD5 digest (hex)
	Challenge string `json:"challenge,omitempty"` // CRAM-MD5 challenge sent
}

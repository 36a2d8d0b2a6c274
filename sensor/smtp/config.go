package smtp

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config is the persona and the limits of the SMTP machine. The zero value of
// a field means its default (see Defaults).
type Config struct {
	// Hostname is the server's name in the banner, EHLO reply and queue
	// replies, like Postfix's myhostname.
	Hostname string
	// Greeting follows the hostname in the 220 banner; the default imitates
	// a Debian Postfix, which nmap -sV identifies as an SMTP service.
	Greeting string
	// Keywords are the EHLO keywords advertised, in order. Only keywords the
	// machine implements may be listed (see knownKeywords); "SIZE" gets the
	// message size limit appended.
	Keywords []string

	// MaxCommandLine bounds a command line (RFC 5321 4.5.3.1.4: 512 octets
	// including CRLF); longer lines get 500 5.5.2.
	MaxCommandLine int
	// MaxAuthLine bounds an AUTH command or response line (RFC 4954 §4:
	// 12288 octets).
	MaxAuthLine int
	// MaxMessageSize bounds the message content in octets (552 5.3.4).
	MaxMessageSize int
	// MaxRecipients bounds recipients per message (452 4.5.3). RFC 5321
	// 4.5.3.1.8 asks for at least 100.
	MaxRecipients int
	// MaxCommands bounds commands per session (421 and close).
	MaxCommands int
	// MaxErrors bounds error replies per session (421 and close), like
	// Postfix's smtpd_hard_error_limit.
	MaxErrors int
	// IdleTimeout closes a session that sent nothing for this long (RFC 5321
	// 4.5.3.2.7 asks servers to wait at least 5 minutes).
	IdleTimeout time.Duration
	// SessionTimeout closes a session this long after it opened.
	SessionTimeout time.Duration
}

// Defaults returns the configuration used for every zero field.
func Defaults() Config {
	return Config{
		Hostname:       "mail.example.com",
		Greeting:       "ESMTP Postfix (Debian/GNU)",
		Keywords:       []string{"PIPELINING", "SIZE", "VRFY", "ETRN", "AUTH PLAIN LOGIN CRAM-MD5", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8"},
		MaxCommandLine: 512,
		MaxAuthLine:    12288,
		MaxMessageSize: 10240000, // Postfix's message_size_limit
		MaxRecipients:  1000,     // Postfix's smtpd_recipient_limit
		MaxCommands:    100000,
		MaxErrors:      20,
		IdleTimeout:    5 * time.Minute,
		SessionTimeout: 30 * time.Minute,
	}
}

// knownKeywords are the EHLO keywords whose behaviour the machine implements.
var knownKeywords = map[string]bool{
	"PIPELINING": true, "SIZE": true, "VRFY": true, "ETRN": true, "AUTH": true,
	"ENHANCEDSTATUSCODES": true, "8BITMIME": true, "DSN": true, "SMTPUTF8": true,
}

// withDefaults fills zero fields from Defaults.
func (c Config) withDefaults() Config {
	d := Defaults()
	if c.Hostname == "" {
		c.Hostname = d.Hostname
	}
	if c.Greeting == "" {
		c.Greeting = d.Greeting
	}
	if c.Keywords == nil {
		c.Keywords = d.Keywords
	}
	setInt(&c.MaxCommandLine, d.MaxCommandLine)
	setInt(&c.MaxAuthLine, d.MaxAuthLine)
	setInt(&c.MaxMessageSize, d.MaxMessageSize)
	setInt(&c.MaxRecipients, d.MaxRecipients)
	setInt(&c.MaxCommands, d.MaxCommands)
	setInt(&c.MaxErrors, d.MaxErrors)
	if c.IdleTimeout == 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	if c.SessionTimeout == 0 {
		c.SessionTimeout = d.SessionTimeout
	}
	return c
}

func setInt(p *int, d int) {
	if *p == 0 {
		*p = d
	}
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if strings.ContainsAny(c.Hostname, " \r\n\t") {
		errs = append(errs, fmt.Errorf("smtp hostname %q: must be one word", c.Hostname))
	}
	if strings.ContainsAny(c.Greeting, "\r\n") {
		errs = append(errs, fmt.Errorf("smtp greeting: must be one line"))
	}
	for _, k := range c.Keywords {
		w, _, _ := strings.Cut(k, " ")
		if !knownKeywords[strings.ToUpper(w)] {
			errs = append(errs, fmt.Errorf("smtp keyword %q: not implemented by the machine", k))
		}
		if strings.ContainsAny(k, "\r\n") {
			errs = append(errs, fmt.Errorf("smtp keyword %q: must be one line", k))
		}
	}
	if c.MaxCommandLine < 512 {
		errs = append(errs, fmt.Errorf("smtp max command line %d: RFC 5321 4.5.3.1.4 requires at least 512", c.MaxCommandLine))
	}
	if c.MaxAuthLine < c.MaxCommandLine {
		errs = append(errs, fmt.Errorf("smtp max auth line %d: must be at least the command line limit", c.MaxAuthLine))
	}
	if c.MaxMessageSize < 64*1024 {
		errs = append(errs, fmt.Errorf("smtp max message size %d: RFC 5321 4.5.3.1.7 requires at least 64 KiB", c.MaxMessageSize))
	}
	if c.MaxRecipients < 100 {
		errs = append(errs, fmt.Errorf("smtp max recipients %d: RFC 5321 4.5.3.1.8 requires at least 100", c.MaxRecipients))
	}
	for name, v := range map[string]int{"commands": c.MaxCommands, "errors": c.MaxErrors} {
		if v < 1 {
			errs = append(errs, fmt.Errorf("smtp max %s %d: must be positive", name, v))
		}
	}
	if c.IdleTimeout < 0 || c.SessionTimeout < 0 {
		errs = append(errs, errors.New("smtp timeouts must not be negative"))
	}
	return errors.Join(errs...)
}

// Command gosmtp-sink is the benchmark's baseline Go SMTP server: a minimal
// github.com/emersion/go-smtp backend that accepts every message and throws
// it away (no disk), like Postfix's smtp-sink. It exists only to be measured
// against the sensor; see bench/README.md.
package main

import (
	"flag"
	"io"
	"log"
	"time"

	"github.com/emersion/go-smtp"
)

type backend struct{}

func (backend) NewSession(*smtp.Conn) (smtp.Session, error) { return session{}, nil }

type session struct{}

func (session) Mail(string, *smtp.MailOptions) error { return nil }
func (session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (session) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (session) Reset()        {}
func (session) Logout() error { return nil }

func main() {
	addr := flag.String("listen", "127.0.0.1:2526", "address to serve")
	flag.Parse()
	s := smtp.NewServer(backend{})
	s.Addr = *addr
	s.Domain = "sink.example"
	s.MaxMessageBytes = 10 << 20
	s.MaxRecipients = 1000
	s.ReadTimeout = 5 * time.Minute
	s.WriteTimeout = 5 * time.Minute
	log.Fatal(s.ListenAndServe())
}

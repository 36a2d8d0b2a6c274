package enrich_test

import (
	"fmt"
	"net/netip"

	"github.com/spampots/spampots/enrich"
	"github.com/spampots/spampots/enrich/ipdb"
)

// The shape of a sensor session: start at accept, never wait, write what is
// known when the message ends, send the rest to the event stream when done
// calls back (in gnet: done calls c.Wake, OnTraffic sees Ready).
func Example() {
	e, err := enrich.New(enrich.Config{
		IPDB: ipdb.Config{}, // --asn-db, --country-db: none here
		// DNS: dnsq.Config{Server: "127.0.0.1:53", Zones: dnsq.DefaultZones()},
	})
	if err != nil {
		panic(err)
	}
	defer e.Close()

	wake := make(chan struct{}, 1)
	src := e.Source(netip.MustParseAddr("192.168.7.9"), func() {
		select { // from a resolver goroutine: must not block
		case wake <- struct{}{}:
		default:
		}
	})

	// ... the SMTP dialogue runs; at the end of DATA:
	v := src.Values()
	fmt.Println("X-Src-Hostname:", v.Hostname)
	fmt.Println("X-Src-ASN:", v.ASN)
	fmt.Println("X-Src-RIR:", v.RIR)
	fmt.Println("X-Src-CC:", v.CC)
	fmt.Println("X-Src-Dnsbl:", v.DNSBL)
	if !src.Ready() {
		// Later, on <-wake: emit src.Values() with the session event.
		fmt.Println("late answers go to the event stream")
	}
	// Output:
	// X-Src-Hostname: reserved
	// X-Src-ASN: reserved
	// X-Src-RIR: reserved
	// X-Src-CC: reserved
	// X-Src-Dnsbl: reserved
}

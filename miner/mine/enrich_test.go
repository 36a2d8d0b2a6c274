package mine

import (
	"path/filepath"
	"testing"

	"github.com/spampots/spampots/enrich/ipdb"
	"github.com/spampots/spampots/enrich/ipdb/ipdbtest"
	"github.com/spampots/spampots/spool/mbox"
)

// TestExtractIPDB: a message without the sensor's X-Src-CC/X-Src-ASN (an
// older spool, a public corpus) gets its source's country and AS from the
// databases; a sensor's own values are kept; ASNs are counted by AS, not
// by announced prefix.
func TestExtractIPDB(t *testing.T) {
	dir := t.TempDir()
	asn, cc := filepath.Join(dir, "asn.mmdb"), filepath.Join(dir, "cc.mmdb")
	ipdbtest.WriteASN(t, asn, "41.155.0.0,41.155.127.255,33776,STARCOMMS-AS\n", "")
	ipdbtest.WriteCountry(t, cc, true, false, map[string]string{"41.155.0.0/17": "NG"})
	db, err := ipdb.Open(ipdb.Config{ASN: asn, Country: cc})
	if err != nil {
		t.Fatal(err)
	}
	corpus := []byte("Received: from x (dial-pool50.lg.starcomms.net [41.155.50.138]) by mx.example.org with SMTP\nSubject: hi\n\nbody\n")
	for _, tc := range []struct {
		name    string
		env     mbox.Envelope
		db      *ipdb.DB
		cc, asn string
	}{
		{"corpus message, databases", mbox.Envelope{}, db, "NG", "33776 STARCOMMS-AS"},
		{"corpus message, no databases", mbox.Envelope{}, nil, "", ""},
		{"sensor values kept, ASN by AS", mbox.Envelope{SensorID: "BR-01", SrcIP: "41.155.50.138", SrcCC: "GH", SrcASN: "29614 41.66.0.0/16 VODAFONE-GH"}, db, "GH", "29614 VODAFONE-GH"},
		{"sensor without values, databases", mbox.Envelope{SensorID: "BR-01", SrcIP: "41.155.50.138"}, db, "NG", "33776 STARCOMMS-AS"},
		{"reserved source", mbox.Envelope{SensorID: "BR-01", SrcIP: "10.1.2.3"}, db, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := item{msg: corpus, env: tc.env}
			extract(&it, tc.db)
			if it.cc != tc.cc || it.asn != tc.asn {
				t.Errorf("cc %q asn %q, want %q %q", it.cc, it.asn, tc.cc, tc.asn)
			}
		})
	}
}

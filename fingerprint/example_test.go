package fingerprint

import "fmt"

func ExampleDB_Match() {
	db, err := Default()
	if err != nil {
		panic(err)
	}
	var r Record
	if err := ParseFrame(ethernet(linuxSYN4), &r); err != nil || !r.IsSYN() {
		panic(err)
	}
	m := db.Match(&r)
	fmt.Println(m.Label, m.Generic, m.Dist)
	fmt.Println(m, m.Params(&r))
	fmt.Println(r.Signature())
	// Output:
	// Linux 2.2.x-3.x true 0
	// os=Linux 2.2.x-3.x|dist=0 generic
	// 4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0
}

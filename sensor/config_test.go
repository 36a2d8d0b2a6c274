package sensor

import "testing"

func TestListenerPort(t *testing.T) {
	for in, want := range map[string]int{
		"smtp=:25": 25, "http=127.0.0.1:3128": 3128, "socks=[::1]:1080": 1080, "smtp=[2001:db8::25]:2525": 2525,
	} {
		l, err := ParseListener(in)
		if err != nil || l.Port() != want {
			t.Errorf("%s: port %d, %v; want %d", in, l.Port(), err, want)
		}
	}
}

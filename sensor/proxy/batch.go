package proxy

// Batch is what one call into a machine (Feed, Timeout) produced, gathered
// while the call ran; Actions lists it in the order every caller applies
// it: record the credential and the request (so that an adapter logs them
// before the client sees the answer), write the reply, then hand the
// connection over or close it.
type Batch struct {
	Cred    *Credential  // a credential the client offered
	Req     *HTTPRequest // a request answered
	Out     []byte       // the reply
	Connect bool         // hand the connection over to Target, over Proto
	Target  Target
	Proto   Proto
	Close   bool
}

// Actions lists b's actions in *buf, a buffer the machine reuses from call
// to call, and returns them: nil when there are none.
func (b *Batch) Actions(buf *[]Action) []Action {
	acts := (*buf)[:0]
	if b.Cred != nil {
		acts = append(acts, Action{Kind: Auth, Cred: b.Cred})
	}
	if b.Req != nil {
		acts = append(acts, Action{Kind: Request, Req: b.Req})
	}
	if len(b.Out) > 0 {
		acts = append(acts, Action{Kind: Write, Data: b.Out})
	}
	if b.Connect {
		acts = append(acts, Action{Kind: Connect, Target: b.Target, Proto: b.Proto})
	}
	if b.Close {
		acts = append(acts, Action{Kind: Close})
	}
	*buf = acts
	if len(acts) == 0 {
		return nil
	}
	return acts
}

// maxKeptOut is the largest reply buffer a machine keeps between calls.
const maxKeptOut = 16 << 10

// ReuseOut returns a machine's reply buffer emptied for the next call, or
// nil when a big answer grew it past 16 KiB: an idle connection holds
// little.
func ReuseOut(out []byte) []byte {
	if cap(out) > maxKeptOut {
		return nil
	}
	return out[:0]
}

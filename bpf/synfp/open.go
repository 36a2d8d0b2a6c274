package synfp

import (
	"errors"

	"github.com/spampots/spampots/fingerprint/capture"
	"github.com/spampots/spampots/fingerprint/capture/afpacket"
)

// Open starts the SYN capture the sensor uses: XDP (AttachXDP) where it can
// attach, else, with a warning that says why, the AF_PACKET socket of
// fingerprint/capture/afpacket. Both record the same SYNs and count the
// same traffic; Mode tells which one runs. A bad cfg is an error, not a
// reason to fall back.
func Open(cfg capture.Config) (capture.Capture, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	x, xerr := AttachXDP(cfg)
	if xerr == nil {
		return x, nil
	}
	cfg.Logger.Warn("XDP SYN capture unavailable, falling back to AF_PACKET",
		"interface", cfg.Interface, "err", xerr)
	a, aerr := afpacket.Open(cfg)
	if aerr != nil {
		return nil, errors.Join(xerr, aerr)
	}
	return a, nil
}

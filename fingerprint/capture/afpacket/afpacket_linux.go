//go:build linux

package afpacket

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	gpafpacket "github.com/gopacket/gopacket/afpacket"
	"golang.org/x/sys/unix"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
)

// Ring geometry: TPACKET_V3 blocks of 256 KiB, 16 of them (4 MiB, some
// 25000 SYNs of backlog), retired to the reader after at most blockTimeout.
const (
	frameSize    = 2048
	blockSize    = 256 << 10
	numBlocks    = 16
	blockTimeout = 4 * time.Millisecond
	// pollTimeout bounds how long Close waits for the reader.
	pollTimeout = 100 * time.Millisecond
	// retryDelay spaces out attempts to reopen a failed socket.
	retryDelay = time.Second
)

// Capture is the AF_PACKET capture on one interface. It implements
// capture.Capture.
type Capture struct {
	*recorder
	iface string
	ports []uint16
	log   *slog.Logger

	stop      atomic.Bool
	done      chan struct{}
	closeOnce sync.Once
	drops     atomic.Uint64 // ring overflows, updated by the reader

	// Owned by the reader goroutine once started.
	tp        *gpafpacket.TPacket
	dropsBase uint64   // drops of sockets closed before tp
	netns     *os.File // the network namespace Open ran in, to reopen in
}

// statsEvery is how many frames the reader handles between two reads of
// the socket's drop counter (it also reads it when idle).
const statsEvery = 4096

// Open starts capturing the SYNs arriving on cfg.Interface. Errors wrap
// capture.ErrPermission (CAP_NET_RAW is needed) or ErrNoInterface when that
// is the cause.
func Open(cfg capture.Config) (*Capture, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	if _, err := net.InterfaceByName(cfg.Interface); err != nil {
		return nil, fmt.Errorf("afpacket: interface %q: %w (%w)", cfg.Interface, capture.ErrNoInterface, err)
	}
	c := &Capture{
		recorder: newRecorder(cfg),
		iface:    cfg.Interface,
		ports:    cfg.Ports,
		log:      cfg.Logger,
		done:     make(chan struct{}),
	}
	// The socket's network namespace, to reopen it there: the calling
	// thread's, which a caller may have switched into another namespace.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if c.netns, err = os.Open("/proc/thread-self/ns/net"); err != nil {
		return nil, fmt.Errorf("afpacket: %w", err)
	}
	if c.tp, err = c.open(); err != nil {
		c.netns.Close()
		return nil, err
	}
	go c.run()
	cfg.Logger.Info("AF_PACKET SYN capture started", "interface", cfg.Interface,
		"ports", cfg.Ports, "entries", cfg.Entries)
	return c, nil
}

// open creates the socket, bound to the interface, with the filter.
func (c *Capture) open() (*gpafpacket.TPacket, error) {
	prog, err := filter(c.ports)
	if err != nil {
		return nil, err
	}
	tp, err := gpafpacket.NewTPacket(
		gpafpacket.OptInterface(c.iface),
		gpafpacket.OptTPacketVersion(gpafpacket.TPacketVersion3),
		gpafpacket.OptFrameSize(frameSize),
		gpafpacket.OptBlockSize(blockSize),
		gpafpacket.OptNumBlocks(numBlocks),
		gpafpacket.OptBlockTimeout(blockTimeout),
		gpafpacket.OptPollTimeout(pollTimeout),
	)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			err = fmt.Errorf("%w (AF_PACKET needs CAP_NET_RAW): %w", capture.ErrPermission, err)
		}
		return nil, fmt.Errorf("afpacket: socket on %s: %w", c.iface, err)
	}
	if err := tp.SetBPF(prog); err != nil {
		tp.Close()
		return nil, fmt.Errorf("afpacket: filter on %s: %w", c.iface, err)
	}
	return tp, nil
}

// run reads the ring until Close. A socket that fails (the interface went
// away and came back: its error sticks to the socket) is reopened.
func (c *Capture) run() {
	defer close(c.done)
	defer c.netns.Close()
	defer func() {
		if c.tp != nil {
			c.closeSocket()
		}
	}()
	var lastErr, lastOpen time.Time
	for n := 0; !c.stop.Load(); {
		if c.tp == nil {
			if d := time.Since(lastOpen); d < retryDelay {
				c.wait(retryDelay - d) // a socket that fails again at once
				continue
			}
			lastOpen = time.Now()
			tp, err := c.reopen()
			if err != nil {
				if time.Since(lastErr) > time.Minute {
					c.log.Warn("AF_PACKET SYN capture cannot reopen", "interface", c.iface, "err", err)
					lastErr = time.Now()
				}
				continue
			}
			c.log.Info("AF_PACKET SYN capture reopened", "interface", c.iface)
			c.tp = tp
		}
		data, ci, err := c.tp.ZeroCopyReadPacketData()
		switch {
		case err == nil:
			c.handle(data, ci.Length, time.Now())
			if n++; n%statsEvery == 0 {
				c.readDrops()
			}
		case errors.Is(err, gpafpacket.ErrTimeout):
			c.readDrops()
		default:
			if time.Since(lastErr) > time.Minute {
				c.log.Warn("AF_PACKET SYN capture failed, reopening", "interface", c.iface, "err", err)
				lastErr = time.Now()
			}
			c.closeSocket()
		}
	}
}

// reopen opens the socket again, in the network namespace of Open.
func (c *Capture) reopen() (*gpafpacket.TPacket, error) {
	runtime.LockOSThread()
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer self.Close()
	if err := unix.Setns(int(c.netns.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("afpacket: entering the capture's network namespace: %w", err)
	}
	tp, err := c.open()
	if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: it ends with this goroutine, not reused
		// in the wrong namespace. The reader carries on, on another.
		if tp != nil {
			tp.Close()
		}
		return nil, fmt.Errorf("afpacket: leaving the capture's network namespace: %w", err)
	}
	runtime.UnlockOSThread()
	return tp, err
}

// readDrops publishes the frames dropped so far (PACKET_STATISTICS).
func (c *Capture) readDrops() uint64 {
	_, st, err := c.tp.SocketStats()
	if err != nil {
		return c.dropsBase
	}
	d := c.dropsBase + uint64(st.Drops())
	c.drops.Store(d)
	return d
}

func (c *Capture) closeSocket() {
	c.dropsBase = c.readDrops()
	c.tp.Close()
	c.tp = nil
}

// wait sleeps for d or until Close, whichever comes first.
func (c *Capture) wait(d time.Duration) {
	for end := time.Now().Add(d); !c.stop.Load() && time.Now().Before(end); {
		time.Sleep(min(pollTimeout, time.Until(end)))
	}
}

// Mode is "afpacket".
func (c *Capture) Mode() string { return "afpacket" }

// Lookup copies into r the SYN recorded for the connection from src to dst
// and reports whether there was one no older than the configured MaxAge.
func (c *Capture) Lookup(src, dst netip.AddrPort, r *fingerprint.Record) bool {
	return !c.stop.Load() && c.lookup(src, dst, r, time.Now())
}

// Counters returns the counters per watched port and of the other ports.
func (c *Capture) Counters() map[uint16]capture.PortCounters { return c.counters() }

// Drops returns the frames the kernel dropped because the ring was full
// since the capture started (SYNs lost under a flood among them).
func (c *Capture) Drops() uint64 { return c.drops.Load() }

// Close stops the capture and closes the socket; it waits for the reader,
// at most about pollTimeout.
func (c *Capture) Close() error {
	c.closeOnce.Do(func() {
		c.stop.Store(true)
		<-c.done
	})
	return nil
}

var _ capture.Capture = (*Capture)(nil)

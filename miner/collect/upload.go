package collect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spampots/spampots/internal/durable"
	"github.com/spampots/spampots/store"
)

// Segment kinds and their file name endings.
const (
	kindMbox   = "mbox"
	kindEvents = "events"
	extMbox    = ".mbox.zst"
	extEvents  = ".events.jsonl.zst"
)

// nameRE is a spool segment file name: <sensor>-<UTC start>-<seq><ext>
// (spool/segment.go stemName).
var nameRE = regexp.MustCompile(`^(.+)-(\d{8}T\d{6}Z)-(\d{6,20})(\.mbox\.zst|\.events\.jsonl\.zst)$`)

// parseName checks a Spampots-Name for the sensor id and returns the
// segment's kind and file name ending.
func parseName(sensor, name string) (kind, ext string, err error) {
	m := nameRE.FindStringSubmatch(name)
	if m == nil {
		return "", "", fmt.Errorf("Spampots-Name %s is not <sensor>-<YYYYMMDDTHHMMSSZ>-<seq>.mbox.zst or .events.jsonl.zst", quote(name))
	}
	if m[1] != sensor {
		return "", "", fmt.Errorf("Spampots-Name %s is not a segment of sensor %s", quote(name), sensor)
	}
	if _, err := time.Parse("20060102T150405Z", m[2]); err != nil {
		return "", "", fmt.Errorf("Spampots-Name %s has a bad time", quote(name))
	}
	if m[4] == extMbox {
		return kindMbox, extMbox, nil
	}
	return kindEvents, extEvents, nil
}

// uploadKey names one upload: a sensor's partial copy of one hash.
type uploadKey struct{ sensor, sha string }

// upload is the in-memory state of an upload. busy is guarded by
// Server.mu; h and hashed belong to whoever holds busy.
type upload struct {
	busy   chan struct{} // non-nil while a PATCH runs; closed when it ends
	h      hash.Hash     // running SHA-256 of the first hashed bytes of .part
	hashed int64
}

// acquire marks the upload busy, or returns ok false if a PATCH already
// holds it.
func (s *Server) acquire(k uploadKey) (*upload, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.uploads[k]
	if u == nil {
		u = &upload{}
		s.uploads[k] = u
	}
	if u.busy != nil {
		return nil, false
	}
	u.busy = make(chan struct{})
	return u, true
}

// release ends acquire; forget drops the upload's state (stored or
// discarded).
func (s *Server) release(k uploadKey, u *upload, forget bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(u.busy)
	u.busy = nil
	if forget {
		u.h = nil
		delete(s.uploads, k)
	}
}

// waitIdle waits, a bounded time, for a running PATCH of the upload to end,
// so that a HEAD right after a cut reports every byte that arrived.
func (s *Server) waitIdle(ctx context.Context, k uploadKey) {
	s.mu.Lock()
	var busy chan struct{}
	if u := s.uploads[k]; u != nil {
		busy = u.busy
	}
	s.mu.Unlock()
	if busy == nil {
		return
	}
	t := time.NewTimer(headWait)
	defer t.Stop()
	select {
	case <-busy:
	case <-ctx.Done():
	case <-t.C:
	}
}

// Paths.

func (s *Server) incomingDir(sensor string) string {
	return filepath.Join(s.archive, "incoming", sensor)
}

func (s *Server) partPath(k uploadKey) string {
	return filepath.Join(s.incomingDir(k.sensor), k.sha+".part")
}

func (s *Server) metaPath(k uploadKey) string {
	return filepath.Join(s.incomingDir(k.sensor), k.sha+".json")
}

// archiveRel is a stored segment's path relative to the archive.
func archiveRel(sha, ext string) string {
	return filepath.Join(sha[:2], sha[2:4], sha+ext)
}

// partialMeta is the <sha256>.json beside a .part.
type partialMeta struct {
	Name   string `json:"name"`
	Length int64  `json:"length"`
}

// partial is an upload's state on disk.
type partial struct {
	exists   bool  // the .json exists
	partSeen bool  // the .part exists
	offset   int64 // size of the .part
	partialMeta
}

func (s *Server) loadPartial(k uploadKey) (partial, error) {
	var p partial
	b, err := os.ReadFile(s.metaPath(k))
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p.partialMeta); err != nil {
		return p, fmt.Errorf("%s: %w", s.metaPath(k), err)
	}
	p.exists = true
	fi, err := os.Stat(s.partPath(k))
	switch {
	case err == nil:
		p.partSeen, p.offset = true, fi.Size()
	case !errors.Is(err, fs.ErrNotExist):
		return p, err
	}
	return p, nil
}

// startPartial creates an empty .part and then its .json, and makes both
// durable. A crash in between leaves a .part with no .json, which counts
// as no upload and is truncated by the next start.
func (s *Server) startPartial(k uploadKey, meta partialMeta) error {
	dir := s.incomingDir(k.sensor)
	if err := mkdirSync(dir); err != nil {
		return err
	}
	f, err := os.OpenFile(s.partPath(k), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	b, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	return durable.WriteFile(s.metaPath(k), b, 0o640) // fsyncs dir: the .part's entry too
}

// discard removes an upload's .part and .json.
func (s *Server) discard(k uploadKey) error {
	var errs []error
	for _, p := range []string{s.partPath(k), s.metaPath(k)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := durable.SyncDir(s.incomingDir(k.sensor)); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// mkdirSync creates dir and any missing parents, fsyncing the parent of
// each directory it creates.
func mkdirSync(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirSync(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o750); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		return err
	}
	return durable.SyncDir(parent)
}

// stored reports whether the archive holds the hash, and its size. It
// also settles this sensor's leftovers of the hash: an archive file without
// a store row (a crash between rename and commit) is recorded if this
// sensor's .json says what it is, and a partial copy of bytes that
// another sensor delivered whole is removed.
func (s *Server) stored(ctx context.Context, k uploadKey) (size int64, ok bool, err error) {
	sg, ok, err := s.st.Segment(ctx, k.sha)
	if err != nil {
		return 0, false, err
	}
	if ok {
		return sg.Size, true, s.tidy(ctx, k)
	}
	for _, ext := range []string{extMbox, extEvents} {
		fi, err := os.Stat(filepath.Join(s.archive, archiveRel(k.sha, ext)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, false, err
		}
		return fi.Size(), true, s.tidy(ctx, k)
	}
	return 0, false, nil
}

// tidy settles an upload of a stored hash unless a PATCH holds it.
func (s *Server) tidy(ctx context.Context, k uploadKey) error {
	u, free := s.acquire(k)
	if !free {
		return nil
	}
	err := s.settle(ctx, k)
	s.release(k, u, true)
	return err
}

// settle finishes an upload whose file is already in the archive: it
// records the segment (if the store lacks it) from the .json and removes
// the .json and any .part. It does nothing to a real partial upload. The
// caller holds the upload, or runs before serving.
func (s *Server) settle(ctx context.Context, k uploadKey) error {
	p, err := s.loadPartial(k)
	if err != nil || !p.exists {
		return err
	}
	kind, ext, err := parseName(k.sensor, p.Name)
	if err != nil {
		return nil // not ours to judge here: the next PATCH sees the conflict
	}
	rel := archiveRel(k.sha, ext)
	fi, err := os.Stat(filepath.Join(s.archive, rel))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, ok := s.sensors[k.sensor]; !ok {
		return nil // a sensor no longer configured: left for an operator
	}
	if _, err := s.record(ctx, k, p.Name, kind, fi.Size(), rel); err != nil {
		return err
	}
	return s.discard(k)
}

// record adds the segment row.
func (s *Server) record(ctx context.Context, k uploadKey, name, kind string, size int64, rel string) (bool, error) {
	return s.st.AddSegment(ctx, store.Segment{SHA256: k.sha, SensorID: k.sensor, Name: name, Kind: kind,
		Size: size, Path: rel, ReceivedAt: s.now()})
}

// recover runs once before serving: it settles every upload a crash left
// between the archive rename and the store commit, and removes stray
// temporary files.
func (s *Server) recover(ctx context.Context) error {
	sensors, err := os.ReadDir(s.incomingDir(""))
	if err != nil {
		return fmt.Errorf("collect: %w", err)
	}
	for _, d := range sensors {
		if !d.IsDir() || !ValidID(d.Name()) {
			continue
		}
		files, err := os.ReadDir(s.incomingDir(d.Name()))
		if err != nil {
			return fmt.Errorf("collect: %w", err)
		}
		for _, f := range files {
			name := f.Name()
			if strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp") {
				os.Remove(filepath.Join(s.incomingDir(d.Name()), name))
				continue
			}
			sha, ok := strings.CutSuffix(name, ".json")
			if !ok || !validHash(sha) {
				continue
			}
			if err := s.settle(ctx, uploadKey{d.Name(), sha}); err != nil {
				return fmt.Errorf("collect: settling %s/%s: %w", d.Name(), sha, err)
			}
		}
	}
	return nil
}

// segmentRequest authenticates a segment request and checks its hash.
func (s *Server) segmentRequest(w http.ResponseWriter, r *http.Request) (uploadKey, bool) {
	sc, ok := s.auth(w, r, s.m.uploadErrors)
	if !ok {
		return uploadKey{}, false
	}
	sha := r.PathValue("sha256")
	if !validHash(sha) {
		s.fail(w, r, s.m.uploadErrors, sc.ID, http.StatusBadRequest, "the segment id must be the 64 lower-case hex digits of its SHA-256")
		return uploadKey{}, false
	}
	return uploadKey{sc.ID, sha}, true
}

func setInt(w http.ResponseWriter, name string, v int64) {
	w.Header().Set(name, strconv.FormatInt(v, 10))
}

// head handles HEAD /v1/segments/{sha256}.
func (s *Server) head(w http.ResponseWriter, r *http.Request) {
	k, ok := s.segmentRequest(w, r)
	if !ok {
		return
	}
	size, ok, err := s.stored(r.Context(), k)
	if err != nil {
		s.internal(w, r, k, "looking up the segment", err)
		return
	}
	if ok {
		w.Header().Set("Spampots-Stored", "true")
		setInt(w, "Upload-Length", size)
		w.WriteHeader(http.StatusOK)
		return
	}
	s.waitIdle(r.Context(), k)
	p, err := s.loadPartial(k)
	if err != nil {
		s.internal(w, r, k, "reading the partial upload", err)
		return
	}
	if !p.exists {
		w.WriteHeader(http.StatusNotFound) // not an error: start at 0
		return
	}
	w.Header().Set("Spampots-Stored", "false")
	setInt(w, "Upload-Offset", min(p.offset, p.Length))
	setInt(w, "Upload-Length", p.Length)
	w.WriteHeader(http.StatusOK)
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, k uploadKey, what string, err error) {
	s.log.Error(what, "sensor", k.sensor, "sha256", k.sha, "err", err)
	s.fail(w, r, s.m.uploadErrors, k.sensor, http.StatusInternalServerError, "collector error "+what)
}

// headerInt parses a non-negative decimal header.
func headerInt(r *http.Request, name string) (int64, error) {
	v := r.Header.Get(name)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || v == "" || v[0] == '+' {
		return 0, fmt.Errorf("%s must be a non-negative decimal number, not %s", name, quote(v))
	}
	return n, nil
}

// patch handles PATCH /v1/segments/{sha256}: checks, then appends the body
// to the .part as it streams, fsyncs, and completes the upload when the
// last byte is in.
func (s *Server) patch(w http.ResponseWriter, r *http.Request) {
	errs := s.m.uploadErrors
	k, ok := s.segmentRequest(w, r)
	if !ok {
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/offset+octet-stream" {
		s.fail(w, r, errs, k.sensor, http.StatusUnsupportedMediaType, "Content-Type must be application/offset+octet-stream")
		return
	}
	off, err := headerInt(r, "Upload-Offset")
	if err != nil {
		s.fail(w, r, errs, k.sensor, http.StatusBadRequest, err.Error())
		return
	}
	length, err := headerInt(r, "Upload-Length")
	if err != nil {
		s.fail(w, r, errs, k.sensor, http.StatusBadRequest, err.Error())
		return
	}
	if length > s.maxUpload {
		s.fail(w, r, errs, k.sensor, http.StatusRequestEntityTooLarge, fmt.Sprintf("Upload-Length %d is over the limit of %d bytes", length, s.maxUpload))
		return
	}
	if off > length {
		s.fail(w, r, errs, k.sensor, http.StatusBadRequest, "Upload-Offset is past Upload-Length")
		return
	}
	name := r.Header.Get("Spampots-Name")
	if _, _, err := parseName(k.sensor, name); err != nil {
		s.fail(w, r, errs, k.sensor, http.StatusBadRequest, err.Error())
		return
	}

	// A duplicate is a cheap success: its body is never read.
	if size, ok, err := s.stored(r.Context(), k); err != nil {
		s.internal(w, r, k, "looking up the segment", err)
		return
	} else if ok {
		s.m.duplicates.WithLabelValues(k.sensor).Inc()
		s.log.Info("duplicate segment", "sensor", k.sensor, "sha256", k.sha, "name", name)
		w.Header().Set("Spampots-Stored", "true")
		setInt(w, "Upload-Length", size)
		w.WriteHeader(http.StatusOK)
		return
	}

	u, ok := s.acquire(k)
	if !ok {
		if p, err := s.loadPartial(k); err == nil && p.exists {
			setInt(w, "Upload-Offset", p.offset)
		}
		s.fail(w, r, errs, k.sensor, http.StatusConflict, "another PATCH of this upload is in progress")
		return
	}
	forget := false
	defer func() { s.release(k, u, forget) }()

	p, err := s.loadPartial(k)
	if err != nil {
		s.internal(w, r, k, "reading the partial upload", err)
		return
	}
	if p.exists && p.offset > p.Length { // cannot happen; heal rather than wedge
		s.log.Warn("partial upload longer than its length: discarded", "sensor", k.sensor, "sha256", k.sha)
		if err := s.discard(k); err != nil {
			s.internal(w, r, k, "discarding the partial upload", err)
			return
		}
		p = partial{}
	}
	if r.ContentLength > length-off {
		s.fail(w, r, errs, k.sensor, http.StatusRequestEntityTooLarge, "the body runs past Upload-Length")
		return
	}
	switch {
	case !p.exists:
		if off != 0 {
			setInt(w, "Upload-Offset", 0)
			s.fail(w, r, errs, k.sensor, http.StatusConflict, fmt.Sprintf("Upload-Offset %d, but the collector holds 0 bytes of this segment", off))
			return
		}
		p = partial{exists: true, partSeen: true, partialMeta: partialMeta{Name: name, Length: length}}
		if err := s.startPartial(k, p.partialMeta); err != nil {
			s.internal(w, r, k, "starting the upload", err)
			return
		}
		u.h, u.hashed = sha256.New(), 0
	case p.Length != length:
		setInt(w, "Upload-Offset", p.offset)
		setInt(w, "Upload-Length", p.Length)
		s.fail(w, r, errs, k.sensor, http.StatusConflict, fmt.Sprintf("Upload-Length %d, but the upload in progress has %d", length, p.Length))
		return
	case off != p.offset:
		setInt(w, "Upload-Offset", p.offset)
		s.fail(w, r, errs, k.sensor, http.StatusConflict, fmt.Sprintf("Upload-Offset %d, but the collector holds %d bytes of this segment", off, p.offset))
		return
	}

	f, err := os.OpenFile(s.partPath(k), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		s.internal(w, r, k, "opening the partial upload", err)
		return
	}
	defer f.Close()
	if !p.partSeen { // the .json outlived its .part (a crash): make the new entry durable
		if err := durable.SyncDir(s.incomingDir(k.sensor)); err != nil {
			s.internal(w, r, k, "creating the partial upload", err)
			return
		}
	}
	if u.h == nil || u.hashed != off { // after a restart or a failed write: hash what is on disk
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(f, 0, off)); err != nil {
			s.internal(w, r, k, "hashing the partial upload", err)
			return
		}
		u.h, u.hashed = h, off
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		s.internal(w, r, k, "seeking the partial upload", err)
		return
	}

	n, overlong, readErr, writeErr := s.receive(w, r.Body, f, u.h, length-off, k.sensor)
	if writeErr == nil {
		writeErr = f.Sync()
	}
	if overlong || writeErr != nil {
		// Drop this request's bytes: only what was fsynced before stays.
		u.h = nil
		terr := f.Truncate(off)
		if terr == nil {
			terr = f.Sync()
		}
		if terr != nil {
			s.log.Error("truncating a partial upload", "sensor", k.sensor, "sha256", k.sha, "err", terr)
		}
		if overlong {
			s.fail(w, r, errs, k.sensor, http.StatusRequestEntityTooLarge, "the body runs past Upload-Length")
		} else {
			s.internal(w, r, k, "writing the upload", writeErr)
		}
		return
	}
	u.hashed = off + n
	if readErr != nil {
		// The sensor went away mid-body: what arrived is fsynced and kept.
		s.m.uploadErrors.WithLabelValues("cut").Inc()
		s.log.Info("upload cut", "sensor", k.sensor, "sha256", k.sha, "offset", u.hashed, "received", n, "err", readErr)
		setInt(w, "Upload-Offset", u.hashed)
		http.Error(w, "the body was cut short", http.StatusBadRequest)
		return
	}
	if u.hashed < length {
		setInt(w, "Upload-Offset", u.hashed)
		w.WriteHeader(http.StatusNoContent)
		return
	}

	// The last byte is in.
	if sum := hex.EncodeToString(u.h.Sum(nil)); sum != k.sha {
		forget = true
		s.log.Warn("segment does not hash to its name: discarded", "sensor", k.sensor, "sha256", k.sha, "got", sum, "length", length)
		if err := s.discard(k); err != nil {
			s.log.Error("discarding a partial upload", "sensor", k.sensor, "sha256", k.sha, "err", err)
		}
		s.fail(w, r, errs, k.sensor, http.StatusUnprocessableEntity, fmt.Sprintf("the %d bytes hash to %s, not to the segment id: upload discarded, start again at 0", length, sum))
		return
	}
	if err := f.Close(); err != nil {
		s.internal(w, r, k, "closing the upload", err)
		return
	}
	kind, ext, err := parseName(k.sensor, p.Name)
	if err != nil { // a .json from an older name rule: trust this request's name
		p.Name = name
		kind, ext, _ = parseName(k.sensor, name)
	}
	rel := archiveRel(k.sha, ext)
	if err := s.install(s.partPath(k), rel); err != nil {
		s.internal(w, r, k, "archiving the segment", err)
		return
	}
	inserted, err := s.record(r.Context(), k, p.Name, kind, length, rel)
	if err != nil { // the .json stays: the next HEAD, PATCH or start records it
		s.internal(w, r, k, "recording the segment", err)
		return
	}
	forget = true
	if err := s.discard(k); err != nil {
		s.log.Error("removing a finished upload's state", "sensor", k.sensor, "sha256", k.sha, "err", err)
	}
	if inserted {
		s.m.stored.WithLabelValues(k.sensor, kind).Inc()
	} else {
		s.m.duplicates.WithLabelValues(k.sensor).Inc()
	}
	s.log.Info("segment stored", "sensor", k.sensor, "sha256", k.sha, "name", p.Name, "bytes", length)
	w.Header().Set("Spampots-Stored", "true")
	setInt(w, "Upload-Offset", length)
	w.WriteHeader(http.StatusCreated)
}

// receive appends body to f (and h) through a fixed buffer until EOF, a
// read error or more than limit bytes. n counts the bytes written; a body
// over limit sets overlong (and its excess is not written).
func (s *Server) receive(w http.ResponseWriter, body io.Reader, f *os.File, h hash.Hash, limit int64, sensor string) (n int64, overlong bool, readErr, writeErr error) {
	rc := http.NewResponseController(w)
	bytesIn := s.m.bytes.WithLabelValues(sensor)
	buf := make([]byte, bufSize)
	for {
		rc.SetReadDeadline(time.Now().Add(s.bodyIdle)) // not supported under a recorder: fine
		want := int64(len(buf))
		if rest := limit - n + 1; rest < want { // one more to see an overlong body
			want = rest
		}
		k, err := body.Read(buf[:want])
		if k > 0 {
			if n+int64(k) > limit {
				return n, true, nil, nil
			}
			wk, werr := f.Write(buf[:k])
			h.Write(buf[:wk])
			n += int64(wk)
			bytesIn.Add(float64(wk))
			if werr != nil {
				return n, false, nil, werr
			}
		}
		if err == io.EOF {
			return n, false, nil, nil
		}
		if err != nil {
			return n, false, err, nil
		}
	}
}

// install renames a complete, fsynced .part to its archive path and
// fsyncs the directory. If another sensor's copy of the same bytes got
// there first, the archive file is left alone and the .part removed.
func (s *Server) install(part, rel string) error {
	dst := filepath.Join(s.archive, rel)
	dir := filepath.Dir(dst)
	if err := mkdirSync(dir); err != nil {
		return err
	}
	if _, err := os.Stat(dst); err == nil {
		return os.Remove(part)
	}
	if err := os.Rename(part, dst); err != nil {
		return err
	}
	return durable.SyncDir(dir)
}

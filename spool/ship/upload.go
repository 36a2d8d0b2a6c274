package ship

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// ReplyError is a collector reply the protocol does not treat as progress.
type ReplyError struct {
	Method string // HEAD, PATCH, POST
	Status int    // HTTP status code
	Line   string // the reply's one-line text/plain body, truncated; empty for HEAD
}

func (e *ReplyError) Error() string {
	if e.Line == "" {
		return fmt.Sprintf("ship: collector answered %s with %d %s", e.Method, e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("ship: collector answered %s with %d: %q", e.Method, e.Status, e.Line)
}

// NeedsHuman reports whether no retry can succeed until someone fixes the
// token or the sensor id (401, 403): the Shipper backs off long.
func (e *ReplyError) NeedsHuman() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// RejectsFile reports whether the collector refused this one file (400 bad
// name or headers, 413 too large, 415): the Shipper keeps the file, skips
// it for a long while, and goes on with the others.
func (e *ReplyError) RejectsFile() bool {
	return e.Status == http.StatusBadRequest || e.Status == http.StatusRequestEntityTooLarge ||
		e.Status == http.StatusUnsupportedMediaType
}

func (e *ReplyError) kind() string {
	switch {
	case e.NeedsHuman():
		return kindAuth
	case e.RejectsFile():
		return kindRejected
	case e.Status == http.StatusConflict:
		return kindConflict
	case e.Status == http.StatusUnprocessableEntity:
		return kindMismatch
	}
	return kindServer
}

// errorKind classifies an upload error for the metric.
func errorKind(err error) string {
	var re *ReplyError
	var le *localError
	switch {
	case errors.As(err, &re):
		return re.kind()
	case errors.As(err, &le):
		return kindLocal
	}
	return kindNetwork
}

// localError is a failure of the spool side: reading, moving or deleting.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

// maxRounds bounds the HEAD/PATCH rounds of one attempt at one file; past
// it the attempt fails like a network error and is retried after backoff.
const maxRounds = 4

// hashEntry caches a file's SHA-256 by name, size and mtime.
type hashEntry struct {
	size  int64
	mtime time.Time
	sum   string
}

// hashFile returns the lower-case hex SHA-256 of f, from the cache when its
// size and mtime are unchanged.
func (s *Shipper) hashFile(f *os.File, name string, info os.FileInfo) (string, error) {
	if e, ok := s.hashes[name]; ok && e.size == info.Size() && e.mtime.Equal(info.ModTime()) {
		return e.sum, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, info.Size())); err != nil {
		return "", &localError{fmt.Errorf("ship: hashing %s: %w", name, err)}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	s.hashes[name] = hashEntry{size: info.Size(), mtime: info.ModTime(), sum: sum}
	return sum, nil
}

// headReply is the state of an upload on the collector.
type headReply struct {
	stored bool
	offset int64
	length int64 // 0 if not reported
}

// upload runs the protocol for one file of closed/ until the collector
// holds it whole: nil means the caller may delete or move it.
func (s *Shipper) upload(ctx context.Context, f spoolFile) error {
	path := s.closedPath(f.name)
	fh, err := os.Open(path)
	if err != nil {
		return &localError{fmt.Errorf("ship: %w", err)}
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return &localError{fmt.Errorf("ship: %w", err)}
	}
	size := info.Size()
	sum, err := s.hashFile(fh, f.name, info)
	if err != nil {
		return err
	}
	for round := 0; round < maxRounds; round++ {
		h, err := s.head(ctx, sum)
		if err != nil {
			return err
		}
		if h.stored {
			s.log.Debug("ship: already stored", "file", f.name, "sha256", sum)
			return nil
		}
		if h.offset > size || h.length != 0 && h.length != size {
			return &ReplyError{Method: http.MethodHead, Status: http.StatusConflict,
				Line: fmt.Sprintf("collector reports offset %d of length %d for a file of %d bytes", h.offset, h.length, size)}
		}
		if h.offset > 0 {
			s.log.Info("ship: resuming upload", "file", f.name, "offset", h.offset, "size", size)
		}
		status, err := s.patch(ctx, fh, f.name, sum, h.offset, size)
		switch {
		case err == nil && status == http.StatusNoContent:
			// Stored so far but not complete: ask where it stands.
			continue
		case err == nil:
			return nil
		}
		var re *ReplyError
		if !errors.As(err, &re) {
			return err
		}
		switch re.Status {
		case http.StatusConflict:
			s.countError(err)
			s.log.Info("ship: offset conflict, asking again", "file", f.name, "reply", re.Line)
		case http.StatusUnprocessableEntity:
			s.countError(err)
			s.log.Warn("ship: collector found another hash, re-reading the file", "file", f.name, "reply", re.Line)
			delete(s.hashes, f.name)
			if info, err = fh.Stat(); err != nil {
				return &localError{fmt.Errorf("ship: %w", err)}
			}
			size = info.Size()
			if sum, err = s.hashFile(fh, f.name, info); err != nil {
				return err
			}
		default:
			return err
		}
	}
	return fmt.Errorf("ship: %s: no completion after %d rounds", f.name, maxRounds)
}

// head asks where the upload of sum stands.
func (s *Shipper) head(ctx context.Context, sum string) (headReply, error) {
	req, err := s.request(ctx, http.MethodHead, "/v1/segments/"+sum, nil)
	if err != nil {
		return headReply{}, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return headReply{}, fmt.Errorf("ship: HEAD %s: %w", sum, err)
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotFound:
		return headReply{}, nil
	case http.StatusOK:
	default:
		return headReply{}, &ReplyError{Method: http.MethodHead, Status: resp.StatusCode}
	}
	var h headReply
	h.stored = resp.Header.Get("Spampots-Stored") == "true"
	if l := resp.Header.Get("Upload-Length"); l != "" {
		if h.length, err = strconv.ParseInt(l, 10, 64); err != nil || h.length < 0 {
			return headReply{}, &ReplyError{Method: http.MethodHead, Status: resp.StatusCode, Line: "bad Upload-Length " + strconv.Quote(l)}
		}
	}
	if h.stored {
		return h, nil
	}
	o := resp.Header.Get("Upload-Offset")
	if h.offset, err = strconv.ParseInt(o, 10, 64); err != nil || h.offset < 0 {
		return headReply{}, &ReplyError{Method: http.MethodHead, Status: resp.StatusCode, Line: "bad Upload-Offset " + strconv.Quote(o)}
	}
	return h, nil
}

// patch sends bytes [off, size) of fh. It returns 201 or 200 when the
// collector stored the whole file, 204 when it holds part of it, and a
// *ReplyError for every other reply.
func (s *Shipper) patch(ctx context.Context, fh *os.File, name, sum string, off, size int64) (int, error) {
	var body io.Reader = http.NoBody
	if size > off {
		body = &countingReader{r: io.NewSectionReader(fh, off, size-off), n: s.m.sentBytes}
		if s.limit != nil {
			body = s.limit.reader(ctx, body)
		}
	}
	req, err := s.request(ctx, http.MethodPatch, "/v1/segments/"+sum, body)
	if err != nil {
		return 0, err
	}
	req.ContentLength = size - off
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	req.Header.Set("Spampots-Name", name)
	start := s.cfg.Now()
	resp, err := s.client.Do(req)
	s.m.uploadDuration.Add(max(0, s.cfg.Now().Sub(start).Seconds()))
	if err != nil {
		return 0, fmt.Errorf("ship: PATCH %s at %d: %w", name, off, err)
	}
	defer resp.Body.Close()
	stored := resp.Header.Get("Spampots-Stored") == "true"
	switch {
	case resp.StatusCode == http.StatusCreated, resp.StatusCode == http.StatusOK && stored:
		return resp.StatusCode, nil
	case resp.StatusCode == http.StatusNoContent:
		return resp.StatusCode, nil
	}
	return 0, &ReplyError{Method: http.MethodPatch, Status: resp.StatusCode, Line: replyLine(resp.Body)}
}

// request builds a request to the collector with the sensor's headers.
func (s *Shipper) request(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("ship: %w", err)
	}
	req.Header.Set("Spampots-Sensor", s.cfg.SensorID)
	req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	req.Header.Set("User-Agent", "spampots-ship/"+s.cfg.Version)
	return req, nil
}

// replyLine returns the first line of an error body, at most 200 bytes.
func replyLine(r io.Reader) string {
	line, _ := bufio.NewReader(io.LimitReader(r, 200)).ReadString('\n')
	return strings.TrimSpace(line)
}

// countingReader adds the bytes read to a counter.
type countingReader struct {
	r io.Reader
	n interface{ Add(float64) }
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(float64(n))
	return n, err
}

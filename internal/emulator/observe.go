package emulator

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// RequestRecord describes one REST call, for live feeds and tests.
type RequestRecord struct {
	// Time is when the request arrived (the Server's clock).
	Time time.Time
	// Method and Path are the request line (path without the query).
	Method string
	Path   string
	// API is "client", "admin" or "" when no endpoint matched.
	API string
	// UID is the authenticated user of a client call, or the onBehalfOf user
	// of an admin call; "" otherwise.
	UID string
	// Status is the HTTP status written.
	Status int
	// Duration is how long the handler ran (wall clock).
	Duration time.Duration
}

// OnRequest registers fn to receive a record of every completed REST call
// and returns a function that unregisters it. fn runs synchronously on the
// request's goroutine after the response is written: keep it fast.
// Credentials are never part of a record.
func (s *Server) OnRequest(fn func(RequestRecord)) (remove func()) {
	s.obsMu.Lock()
	defer s.obsMu.Unlock()
	id := s.nextObsID
	s.nextObsID++
	s.observers[id] = fn
	return func() {
		s.obsMu.Lock()
		defer s.obsMu.Unlock()
		delete(s.observers, id)
	}
}

// requestInfo is filled in while a request is routed and read by observe.
type requestInfo struct {
	api string
	uid string
}

type requestInfoKey struct{}

// infoFrom returns the request's info holder (a throwaway one when the
// request did not pass through observe, e.g. in unit tests of a handler).
func infoFrom(r *http.Request) *requestInfo {
	if ri, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

// observe is the outermost middleware: it times the request, captures the
// status, logs one debug line and notifies the OnRequest observers.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		at := s.now()
		ri := &requestInfo{}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ri)))
		rec := RequestRecord{
			Time: at, Method: r.Method, Path: redactRequestPath(r.URL.Path), API: ri.api, UID: ri.uid,
			Status: sw.statusOrOK(), Duration: time.Since(start),
		}
		s.log.Debug("request", "method", rec.Method, "path", rec.Path, "api", rec.API,
			"status", rec.Status, "duration", rec.Duration)
		s.obsMu.Lock()
		fns := make([]func(RequestRecord), 0, len(s.observers))
		for _, id := range sortedKeys(s.observers) {
			fns = append(fns, s.observers[id])
		}
		s.obsMu.Unlock()
		for _, fn := range fns {
			fn(rec)
		}
	})
}

// statusWriter records the status code. It keeps Flush and Hijack working
// (the WebSocket upgrade needs Hijack) and supports http.ResponseController
// through Unwrap.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) statusOrOK() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush implements http.Flusher.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack implements http.Hijacker; a hijacked connection is recorded as 101.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("emulator: response writer cannot hijack")
	}
	if w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return h.Hijack()
}

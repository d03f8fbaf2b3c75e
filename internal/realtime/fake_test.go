package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"sync"
	"time"
)

// The in-memory network of the tests: a Dialer whose connections are pairs of channels, and a
// scripted server that answers the auth frame and pings. Everything blocks on channels only, so a
// testing/synctest bubble can tell when the whole system is idle and advance its fake clock.

// pipeEnd is one side of an in-memory connection.
type pipeEnd struct {
	in    chan []byte
	out   chan []byte
	peer  *pipeEnd
	state *pipeState
}

// pipeState is shared by both ends.
type pipeState struct {
	once   sync.Once
	closed chan struct{}
	mu     sync.Mutex
	// closeBy is the end that sent a close frame (nil for an abrupt close), with its code.
	closeBy *pipeEnd
	code    int
	reason  string
}

func newPipe(upCap int) (client, server *pipeEnd) {
	st := &pipeState{closed: make(chan struct{})}
	a2b, b2a := make(chan []byte, upCap), make(chan []byte, 64)
	client = &pipeEnd{in: b2a, out: a2b, state: st}
	server = &pipeEnd{in: a2b, out: b2a, state: st}
	client.peer, server.peer = server, client
	return client, server
}

func (p *pipeEnd) closeWith(by *pipeEnd, code int, reason string) {
	p.state.once.Do(func() {
		p.state.mu.Lock()
		p.state.closeBy, p.state.code, p.state.reason = by, code, reason
		p.state.mu.Unlock()
		close(p.state.closed)
	})
}

func (p *pipeEnd) closeErr() error {
	p.state.mu.Lock()
	defer p.state.mu.Unlock()
	if p.state.closeBy != nil && p.state.closeBy != p {
		return &CloseError{Code: p.state.code, Reason: p.state.reason}
	}
	return net.ErrClosed
}

func (p *pipeEnd) Read(ctx context.Context) ([]byte, error) {
	// Frames already delivered are read before a close, as on a real socket.
	select {
	case b := <-p.in:
		return b, nil
	default:
	}
	select {
	case b := <-p.in:
		return b, nil
	case <-p.state.closed:
		return nil, p.closeErr()
	case <-ctx.Done():
		p.closeWith(nil, 0, "")
		return nil, ctx.Err()
	}
}

func (p *pipeEnd) Write(ctx context.Context, b []byte) error {
	select {
	case <-p.state.closed:
		return net.ErrClosed
	default:
	}
	select {
	case p.out <- append([]byte(nil), b...):
		return nil
	case <-p.state.closed:
		return net.ErrClosed
	case <-ctx.Done():
		p.closeWith(nil, 0, "")
		return ctx.Err()
	}
}

func (p *pipeEnd) Close(code int, reason string) error {
	p.closeWith(p, code, reason)
	return nil
}

func (p *pipeEnd) CloseNow() error {
	p.closeWith(nil, 0, "")
	return nil
}

// closeInfo returns who closed the connection and how.
func (p *pipeEnd) closeInfo() (byPeer bool, code int, reason string) {
	p.state.mu.Lock()
	defer p.state.mu.Unlock()
	return p.state.closeBy == p.peer, p.state.code, p.state.reason
}

// fakeServer accepts in-memory connections and plays the service.
type fakeServer struct {
	mu sync.Mutex
	// refuse makes the next dials fail.
	refuse int
	// acceptJWT decides whether a JWT is valid (nil: every JWT).
	acceptJWT func(jwt string) bool
	// stallPongs stops answering pings.
	stallPongs bool
	// blockReads stops reading client frames once authenticated; with unbuffered, client writes
	// then block.
	blockReads, unbuffered bool
	// authDelay delays the auth reply.
	authDelay time.Duration
	dials     int
	conns     []*serverConn
	received  chan []byte // every non-ping, non-auth client frame
	accepted  chan *serverConn
	wg        sync.WaitGroup
}

type serverConn struct {
	end  *pipeEnd
	auth map[string]any
}

func newFakeServer() *fakeServer {
	return &fakeServer{received: make(chan []byte, 64), accepted: make(chan *serverConn, 16)}
}

var errRefused = errors.New("connection refused (test)")

func (fs *fakeServer) dial(ctx context.Context, _ string) (Conn, error) {
	fs.mu.Lock()
	fs.dials++
	if fs.refuse > 0 {
		fs.refuse--
		fs.mu.Unlock()
		return nil, errRefused
	}
	upCap := 64
	if fs.unbuffered {
		upCap = 0
	}
	fs.mu.Unlock()
	client, server := newPipe(upCap)
	sc := &serverConn{end: server}
	fs.mu.Lock()
	fs.conns = append(fs.conns, sc)
	fs.mu.Unlock()
	fs.wg.Add(1)
	go fs.serve(sc)
	return client, nil
}

func (fs *fakeServer) serve(sc *serverConn) {
	defer fs.wg.Done()
	authed := false
	for {
		fs.mu.Lock()
		block := fs.blockReads && authed
		fs.mu.Unlock()
		if block {
			<-sc.end.state.closed
			return
		}
		b, err := sc.end.Read(context.Background())
		if err != nil {
			return
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		switch {
		case m["type"] == "auth":
			sc.auth = m
			body, _ := m["body"].(map[string]any)
			jwt, _ := body["auth"].(string)
			fs.mu.Lock()
			ok := fs.acceptJWT == nil || fs.acceptJWT(jwt)
			fs.mu.Unlock()
			if !ok {
				_ = sc.end.Write(context.Background(), []byte(`{"type":"auth","body":{"status":"ERROR","code":"401"}}`))
				_ = sc.end.Close(ClosePolicyViolation, "invalid jwt")
				return
			}
			authed = true
			fs.mu.Lock()
			delay := fs.authDelay
			fs.mu.Unlock()
			time.Sleep(delay) // fake time inside the synctest bubble
			_ = sc.end.Write(context.Background(), []byte(`{"appId":"app1","deviceId":"`+body["deviceId"].(string)+`","type":"auth","sender":"alice","body":{"status":"OK","code":"200"}}`))
			fs.accepted <- sc
		case m["action"] == "ping":
			fs.mu.Lock()
			stall := fs.stallPongs
			fs.mu.Unlock()
			if !stall {
				_ = sc.end.Write(context.Background(), []byte(`{"action":"pong"}`))
			}
		default:
			fs.received <- b
		}
	}
}

// push sends a frame from the server.
func (sc *serverConn) push(b string) { _ = sc.end.Write(context.Background(), []byte(b)) }

// drop closes the connection without a close frame.
func (sc *serverConn) drop() { _ = sc.end.CloseNow() }

func (fs *fakeServer) set(f func(fs *fakeServer)) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f(fs)
}

func (fs *fakeServer) dialCount() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.dials
}

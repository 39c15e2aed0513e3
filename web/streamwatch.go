package web

import (
	"context"
	"sync"
	"time"
)

// streamWatch ends the event streams whose sessions are gone (logged out, timed out, ended from another
// device). Once a heartbeat it asks the store which of the open streams' sessions still exist, with one
// query for up to 500 of them, instead of every stream asking for its own: ten thousand open streams made
// six hundred queries a second that way, and each one grew its stream's stack. It runs only while streams
// are open.
type streamWatch struct {
	mu      sync.Mutex
	streams map[*watched]struct{}
	running bool
}

type watched struct {
	idHash []byte
	end    context.CancelFunc
}

// watchStream registers a stream of the session idHash; end is called when the session is gone. It
// returns the function that unregisters the stream.
func (s *Server) watchStream(idHash []byte, end context.CancelFunc) func() {
	w := &watched{idHash: idHash, end: end}
	sw := &s.streamWatch
	sw.mu.Lock()
	if sw.streams == nil {
		sw.streams = map[*watched]struct{}{}
	}
	sw.streams[w] = struct{}{}
	if !sw.running {
		sw.running = true
		go s.runStreamWatch()
	}
	sw.mu.Unlock()
	return func() {
		sw.mu.Lock()
		delete(sw.streams, w)
		sw.mu.Unlock()
	}
}

// runStreamWatch checks the open streams' sessions every heartbeat until no stream is left or the server
// shuts down.
func (s *Server) runStreamWatch() {
	sw := &s.streamWatch
	t := time.NewTicker(s.opts.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-s.streamsDone:
			sw.mu.Lock()
			sw.running = false
			sw.mu.Unlock()
			return
		case <-t.C:
		}
		sw.mu.Lock()
		if len(sw.streams) == 0 {
			sw.running = false
			sw.mu.Unlock()
			return
		}
		streams := make([]*watched, 0, len(sw.streams))
		hashes := make([][]byte, 0, len(sw.streams))
		seen := map[string]bool{}
		for w := range sw.streams {
			streams = append(streams, w)
			if !seen[string(w.idHash)] {
				seen[string(w.idHash)] = true
				hashes = append(hashes, w.idHash)
			}
		}
		sw.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.Heartbeat)
		live, err := s.store.LiveSessions(ctx, hashes)
		cancel()
		if err != nil {
			s.log.Warn("event streams: check sessions", "err", err)
			continue // keep the streams; the next heartbeat asks again
		}
		for _, w := range streams {
			if !live[string(w.idHash)] {
				w.end()
			}
		}
	}
}

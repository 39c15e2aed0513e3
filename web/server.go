// Package web is the portal's HTTP layer: the citizen and admin pages, the company API and the event stream.
// Echo lives only here.
package web

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/auth"
	"portal/store"
)

// Options are everything the server needs, wired by cmd/portal.
type Options struct {
	Store          *store.Store
	Registry       portal.Registry
	Clock          portal.Clock
	Log            *slog.Logger
	Hasher         *auth.Hasher
	Dev            bool          // plain-HTTP cookies for local development
	ApprovalWindow time.Duration // how long a citizen has to approve; portal.DefaultApprovalWindow when zero
	APIRateLimit   float64       // requests per second per API key; 50 when zero
	TrustedProxies []netip.Prefix
	// SessionKey signs the CSRF token of forms shown before login; from PORTAL_SESSION_KEY, or generated once
	// and kept in the database. A random one is made when empty (tests).
	SessionKey []byte
	// Heartbeat is how often an event stream sends a comment and checks its session; 15s when zero.
	Heartbeat time.Duration
	// Broker carries change notices to event streams and long polls; in memory when nil.
	Broker Broker
}

// Server is the portal's HTTP server.
type Server struct {
	opts     Options
	store    *store.Store
	clock    portal.Clock
	log      *slog.Logger
	e        *echo.Echo
	sessions *auth.SessionStore
	throttle *auth.Throttle
	metrics  *metrics
	broker   Broker
	apiKeys  *apiKeys
	// apiErrors counts the company API's error answers of the last hour for the admin overview.
	apiErrors apiErrorWindow
	// scopeNameMaps holds, per i18n.Lang, the scope names of that language (see scopeNamesIn).
	scopeNameMaps sync.Map

	// streamsDone is closed at shutdown to end event streams and long polls.
	streamsDone chan struct{}
	// streamWatch ends the event streams of sessions that are gone.
	streamWatch streamWatch
	closeOnce   sync.Once
}

// closeStreams tells every event stream and long poll to end.
func (s *Server) closeStreams() { s.closeOnce.Do(func() { close(s.streamsDone) }) }

// New builds the server and its routes.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, fmt.Errorf("web: a store is required")
	}
	if opts.Clock == nil {
		opts.Clock = portal.SystemClock{}
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = opts.Store.Registry()
	}
	if opts.Hasher == nil {
		opts.Hasher = auth.NewHasher(4)
	}
	if len(opts.SessionKey) == 0 {
		opts.SessionKey = make([]byte, 32)
		if _, err := rand.Read(opts.SessionKey); err != nil {
			return nil, fmt.Errorf("web: session key: %w", err)
		}
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 15 * time.Second
	}
	if opts.Broker == nil {
		opts.Broker = newMemBroker()
	}
	if opts.ApprovalWindow <= 0 {
		opts.ApprovalWindow = portal.DefaultApprovalWindow
	}
	if opts.APIRateLimit <= 0 {
		opts.APIRateLimit = 50
	}
	s := &Server{
		opts:     opts,
		store:    opts.Store,
		clock:    opts.Clock,
		log:      opts.Log,
		sessions: auth.NewSessionStore(opts.Store, opts.Clock, auth.SessionOptions{Dev: opts.Dev}),
		throttle: auth.NewThrottle(opts.Clock, 5, 15*time.Minute),
		metrics:  newMetrics(opts.Store),
		broker:   opts.Broker,
		apiKeys:  newAPIKeys(opts.Store, opts.Clock, opts.APIRateLimit),

		streamsDone: make(chan struct{}),
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	s.e = e
	s.routes()
	return s, nil
}

// Echo returns the router, so that tests can walk every registered route.
func (s *Server) Echo() *echo.Echo { return s.e }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// Run serves on addr until ctx ends, then stops accepting, ends event streams and waits for requests in
// flight (up to 10 seconds).
func (s *Server) Run(ctx context.Context, addr string, ready func(addr string)) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// No WriteTimeout: event streams and long polls stay open; their handlers bound themselves.
	}
	// Shutdown waits for handlers, so long-lived ones (event streams, long polls) are told to end first.
	srv.RegisterOnShutdown(s.closeStreams)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("web: listen: %w", err)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go s.sweepLoop(sweepCtx)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("web: serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("web: shutdown: %w", err)
	}
	return nil
}

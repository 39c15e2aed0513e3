package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"portal"
	"portal/auth"
	"portal/store"
	"portal/store/demo"
	"portal/web"
)

// serve runs the portal until ctx ends (SIGINT or SIGTERM).
// gcPercent is the portal's GOGC when the environment sets none.
const gcPercent = 200

func (env environment) serve(ctx context.Context, args []string) error {
	fs, dbPath := env.newFlagSet("serve")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address (env PORTAL_ADDR)")
	withDemo := fs.Bool("demo", false, "seed demo data into an empty database (env PORTAL_DEMO)")
	demoCitizens := fs.Int("demo-citizens", 1000, "generated citizens to seed with --demo (env PORTAL_DEMO_CITIZENS)")
	window := fs.Duration("approval-window", portal.DefaultApprovalWindow, "how long a citizen has to approve a request (env PORTAL_APPROVAL_WINDOW)")
	rate := fs.Float64("api-rate-limit", 50, "API requests per second per key, burst twice that (env PORTAL_API_RATE_LIMIT)")
	trusted := fs.String("trusted-proxies", "", "comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed (env PORTAL_TRUSTED_PROXIES)")
	dev := fs.Bool("dev", false, "local development over plain HTTP: cookies without Secure and __Host- (env PORTAL_DEV)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error (env PORTAL_LOG_LEVEL)")
	pprofAddr := fs.String("pprof-addr", "", "serve Go's profiler (net/http/pprof) on this loopback address, for profiling; off when empty (env PORTAL_PPROF_ADDR)")
	if err := env.parse(fs, args); err != nil {
		return err
	}
	if *pprofAddr != "" && !isLoopback(*pprofAddr) {
		return usageError{msg: "--pprof-addr must be a loopback address such as 127.0.0.1:6060: the profiler must never be reachable from outside"}
	}
	// PORTAL_SQLITE_SYNCHRONOUS is for benchmarks only (make bench reports what durability costs): there is
	// deliberately no flag for it, and anything but FULL weakens PRODUCT.md §8's durability.
	synchronous := strings.ToUpper(env.getenv("PORTAL_SQLITE_SYNCHRONOUS"))
	switch synchronous {
	case "", "FULL":
		synchronous = "FULL"
	case "NORMAL":
	default:
		return usageError{msg: "PORTAL_SQLITE_SYNCHRONOUS must be FULL or NORMAL (benchmarks only)"}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError{msg: fmt.Sprintf("--log-level: %v", err)}
	}
	if *window < time.Second {
		return usageError{msg: "--approval-window must be at least 1s"}
	}
	if *rate <= 0 {
		return usageError{msg: "--api-rate-limit must be positive"}
	}
	proxies, err := auth.ParseTrustedProxies(*trusted)
	if err != nil {
		return usageError{msg: fmt.Sprintf("--trusted-proxies: %v", err)}
	}
	var handler slog.Handler = slog.NewJSONHandler(env.stderr, &slog.HandlerOptions{Level: level})
	if *dev {
		handler = slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: level})
	}
	log := slog.New(handler)
	if synchronous != "FULL" {
		log.Warn("BENCHMARK ONLY: SQLite synchronous is not FULL; acknowledged writes may be lost on power failure", "synchronous", synchronous)
	}

	// The garbage collector runs half as often as Go's default: side by side (make bench's servers), GOGC=200
	// took about 7% off the CPU of a consented request and of the dashboard, for a heap that may grow to
	// three times the live data instead of twice (the live data is tens of MiB even with 10,000 open event
	// streams). GOGC in the environment still decides.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	s, err := openStoreWith(ctx, *dbPath, store.Options{Synchronous: synchronous, Logger: log})
	if err != nil {
		return err
	}
	defer s.Close()
	if *pprofAddr != "" {
		stop, err := servePprof(*pprofAddr, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	sessionKey := []byte(env.getenv("PORTAL_SESSION_KEY"))
	if len(sessionKey) == 0 {
		if sessionKey, err = s.Secret(ctx, "session_key", 32); err != nil {
			return fmt.Errorf("session key: %w", err)
		}
	} else if len(sessionKey) < 32 {
		return usageError{msg: "PORTAL_SESSION_KEY must be at least 32 characters"}
	}
	hasher := auth.NewHasher(4)
	if *withDemo {
		res, err := demo.Seed(ctx, s, hasher, demo.Options{Citizens: *demoCitizens, Out: env.stdout, NewAPIKey: auth.GenerateAPIKey})
		if err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		if res.Seeded {
			log.Info("demo data seeded", "citizens", res.Citizens, "companies", res.Companies)
		}
	}
	srv, err := web.New(web.Options{
		Store: s, Clock: portal.SystemClock{}, Log: log, Hasher: hasher, Dev: *dev,
		ApprovalWindow: *window, APIRateLimit: *rate, TrustedProxies: proxies, SessionKey: sessionKey,
	})
	if err != nil {
		return err
	}
	return srv.Run(ctx, *addr, func(bound string) {
		log.Info("portal listening", "url", "http://"+bound, "db", *dbPath, "dev", *dev)
	})
}

// openStore opens the database, creating its folder.
func openStore(ctx context.Context, path string) (*store.Store, error) {
	return openStoreWith(ctx, path, store.Options{})
}

// openStoreWith opens the database with options, creating its folder.
func openStoreWith(ctx context.Context, path string, opts store.Options) (*store.Store, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	s, err := store.Open(ctx, path, opts)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return s, nil
}

package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"portal/store/demo"
)

// Options of `portalbench run`.
type Options struct {
	Portal    string        // the portal binary
	Work      string        // scratch folder: templates, run databases, server logs
	Out       string        // BENCHMARKS.md
	JSON      string        // results JSON
	Citizens  int           // generated citizens
	Requests  int           // past requests of the large database
	Small     int           // past requests of the small database
	Sessions  int           // session citizens: logged in on both databases, with the heavy share of the past requests
	Streams   int           // citizens logged in on the large database for the event stream scenarios (>= Sessions)
	Conns     int           // connections of the closed-loop runs
	Duration  time.Duration // one measured run
	Warmup    time.Duration // one warm-up run
	Rounds    int           // interleaved rounds
	Idle      int           // idle event streams
	SSERate   float64       // requests a second for the event latency scenario
	GrowRate  float64       // requests a second for the growth scenario
	Reuse     bool          // keep seeded templates between runs (development)
	ServerCPU string        // CPUs of the servers
	SeedCPU   string        // CPUs of seeding and logins
	Phases    string        // comma-separated phases to run; all when empty (development)
	Profile   bool          // CPU profiles of the portal's scenarios into Work/profiles
}

// bench is one run of the whole benchmark.
type bench struct {
	o       Options
	out     io.Writer
	fix     Fixture
	logins  map[string][]Login // by template: "big", "small"
	servers map[string]*server
	res     Results
}

func runCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var o Options
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&o.Portal, "portal", "bin/portal", "portal binary")
	fs.StringVar(&o.Work, "work", "", "scratch folder (a temporary one when empty)")
	fs.StringVar(&o.Out, "out", "BENCHMARKS.md", "report")
	fs.StringVar(&o.JSON, "json", "bench/results.json", "results as JSON")
	fs.IntVar(&o.Citizens, "citizens", 100_000, "generated citizens")
	fs.IntVar(&o.Requests, "requests", 1_000_000, "past requests in the large database")
	fs.IntVar(&o.Small, "small", 10_000, "past requests in the small database")
	fs.IntVar(&o.Sessions, "sessions", 128, "session citizens (dashboard, history; heavy share of the past requests)")
	fs.IntVar(&o.Streams, "streams", 512, "citizens logged in on the large database for the event scenarios")
	fs.IntVar(&o.Conns, "conns", 64, "connections of closed-loop runs")
	fs.DurationVar(&o.Duration, "duration", 4*time.Second, "one measured run")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "one warm-up run")
	fs.IntVar(&o.Rounds, "rounds", 3, "interleaved rounds (the median is reported)")
	fs.IntVar(&o.Idle, "idle", 10_000, "idle event streams")
	fs.Float64Var(&o.SSERate, "sse-rate", 500, "requests a second, event latency scenario")
	fs.Float64Var(&o.GrowRate, "grow-rate", 100, "requests a second, growth scenario")
	fs.BoolVar(&o.Reuse, "reuse", false, "reuse seeded templates in --work (development only)")
	fs.StringVar(&o.ServerCPU, "server-cpus", "0", "CPUs the servers are pinned to")
	fs.StringVar(&o.SeedCPU, "seed-cpus", "0,1", "CPUs for seeding and logging in (not measured)")
	fs.StringVar(&o.Phases, "phases", "", "comma-separated phases to run (development only; all when empty): "+strings.Join(phaseNames, ","))
	fs.BoolVar(&o.Profile, "profile", false, "take CPU profiles of the portal during the last round of each scenario (--work/profiles)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.Rounds < 1 || o.Duration <= 0 {
		return fmt.Errorf("run: --rounds and --duration must be positive")
	}
	if o.Work == "" {
		dir, err := os.MkdirTemp("", "portalbench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.Work = dir
	}
	if err := os.MkdirAll(filepath.Join(o.Work, "run"), 0o750); err != nil {
		return err
	}
	b := &bench{o: o, out: stdout, servers: map[string]*server{}, logins: map[string][]Login{}}
	defer b.stopAll()
	started := time.Now()
	b.res = Results{Started: started.UTC(), Machine: machine(), GoVersion: runtime.Version(), Commit: gitCommit(),
		Pragmas: strings.Join(B4Pragmas, ", ") + ", _txlock=immediate; portal writer also mmap_size(1073741824), cache_size(-8192), temp_store(MEMORY), wal_autocheckpoint(0) with PASSIVE checkpoints on a connection of its own; portal readers cache_size(-16384)",
		Options: o}
	if err := b.prepare(ctx); err != nil {
		return err
	}
	if err := b.startAll(ctx); err != nil {
		return err
	}
	phases := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"throughput", b.phaseThroughput},
		{"halfrate", b.phaseHalfRate},
		{"events", b.phaseEvents},
		{"longpoll", b.phaseLongPoll},
		{"idle", b.phaseIdle},
		{"growth", b.phaseGrowth},
	}
	only := map[string]bool{}
	for _, name := range strings.Split(o.Phases, ",") {
		if name = strings.TrimSpace(name); name != "" {
			if !slices.Contains(phaseNames, name) {
				return fmt.Errorf("run: unknown phase %q (phases: %s)", name, strings.Join(phaseNames, ","))
			}
			only[name] = true
		}
	}
	if only["halfrate"] && !only["throughput"] {
		return fmt.Errorf("run: the halfrate phase needs the throughput phase (its maximum rate)")
	}
	for _, p := range phases {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if len(only) > 0 && !only[p.name] {
			continue
		}
		t0 := time.Now()
		b.logf("== %s", p.name)
		if err := p.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		b.logf("   (%s)", time.Since(t0).Round(time.Second))
	}
	b.res.Elapsed = time.Since(started).Round(time.Second).String()
	b.stopAll()
	// The run's copies are large and used once; the templates stay for --reuse.
	if dbs, err := filepath.Glob(filepath.Join(o.Work, "run", "*.db*")); err == nil {
		for _, f := range dbs {
			_ = os.Remove(f)
		}
	}
	return b.report()
}

// phaseNames are the phases of a run, in order.
var phaseNames = []string{"throughput", "halfrate", "events", "longpoll", "idle", "growth"}

// fileHash is the SHA-256 of a file, "" when it cannot be read.
func fileHash(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// self is this program's file.
func self() string {
	p, _ := os.Executable()
	return p
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.out, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// prepare seeds the templates (or reuses them) and logs the session pool in on each.
func (b *bench) prepare(ctx context.Context) error {
	tdir := filepath.Join(b.o.Work, "template")
	// A template is reused only when it was seeded with the same parameters by the same two binaries: any
	// change to the code, its migrations or its seeding seeds again.
	stamp := fmt.Sprintf("citizens=%d requests=%d small=%d sessions=%d portal=%s portalbench=%s", b.o.Citizens, b.o.Requests, b.o.Small,
		b.o.Sessions, fileHash(b.o.Portal), fileHash(self()))
	if have, err := os.ReadFile(filepath.Join(tdir, "ready")); !b.o.Reuse || err != nil || string(have) != stamp {
		t0 := time.Now()
		b.logf("seeding %d citizens, then %d and %d past requests (templates in %s)", b.o.Citizens, b.o.Small, b.o.Requests, tdir)
		if err := os.RemoveAll(tdir); err != nil {
			return err
		}
		if err := os.MkdirAll(tdir, 0o750); err != nil {
			return err
		}
		base, small, big, fix := filepath.Join(tdir, "base.db"), filepath.Join(tdir, "small.db"), filepath.Join(tdir, "big.db"), filepath.Join(tdir, "fixture.json")
		if err := runSelf(ctx, b.o.SeedCPU, b.out, "seed", "--db", base, "--fixture", fix, "--citizens", fmt.Sprint(b.o.Citizens),
			"--sessions", fmt.Sprint(b.o.Sessions), "--session-first", fmt.Sprint(b.o.Citizens/2),
			"--consented", fmt.Sprint(min(2000, b.o.Citizens/2))); err != nil {
			return err
		}
		if err := copyFile(small, base); err != nil {
			return err
		}
		if err := os.Rename(base, big); err != nil {
			return err
		}
		// The session citizens hold a share of the past requests: at least a full history page each on the
		// small database (so that both databases render the same page), a hundred times more requests in all
		// on the large one.
		for _, t := range []struct {
			db    string
			n     int
			share float64
		}{{small, b.o.Small, 0.8}, {big, b.o.Requests, 0.2}} {
			if err := runSelf(ctx, b.o.SeedCPU, b.out, "seed", "--db", t.db, "--fixture", fix, "--requests", fmt.Sprint(t.n),
				"--heavy-share", fmt.Sprint(t.share)); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(tdir, "ready"), []byte(stamp), 0o600); err != nil {
			return err
		}
		b.res.SeedTime = time.Since(t0).Round(time.Second).String()
	} else {
		b.logf("reusing the seeded templates in %s", tdir)
	}
	var err error
	if b.fix, err = readFixture(filepath.Join(tdir, "fixture.json")); err != nil {
		return err
	}
	// Log the session pool in on each template, so every copy made from it holds the sessions.
	for _, t := range []string{"big", "small"} {
		t0 := time.Now()
		n := b.fix.Sessions
		if t == "big" {
			n = max(n, b.o.Streams)
		}
		srv, err := startServer(ctx, b.o.Work, "login-"+t, "127.0.0.1:19100", b.o.SeedCPU, 2, nil, b.o.Portal,
			"serve", "--addr", "127.0.0.1:19100", "--db", filepath.Join(tdir, t+".db"), "--log-level", "warn")
		if err != nil {
			return err
		}
		logins := make([]Login, n)
		var next atomic.Int64
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr error
		for range 8 {
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= len(logins) || ctx.Err() != nil {
						return
					}
					l, err := login(srv.addr, demo.GeneratedFIN(b.fix.SessionFirst+i), demo.GeneratedPassword)
					if err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
					logins[i] = l
				}
			})
		}
		wg.Wait()
		srv.stop()
		if firstErr != nil {
			return fmt.Errorf("login on %s: %w", t, firstErr)
		}
		b.logins[t] = logins
		if js, err := json.Marshal(logins); err == nil {
			_ = os.WriteFile(filepath.Join(b.o.Work, "run", t+".logins.json"), js, 0o600)
		}
		b.logf("logged %d citizens in on the %s template (%s)", len(logins), t, time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

// The servers: baselines and portals, each pinned to the server CPUs with GOMAXPROCS=1.
const (
	addrB1     = "127.0.0.1:19001"
	addrB4     = "127.0.0.1:19004"
	addrFull   = "127.0.0.1:19101"
	addrNormal = "127.0.0.1:19102"
	addrSmall  = "127.0.0.1:19103"
	addrIdle   = "127.0.0.1:19104"
)

func (b *bench) startAll(ctx context.Context) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	run := filepath.Join(b.o.Work, "run")
	tdir := filepath.Join(b.o.Work, "template")
	type spec struct {
		name, addr, template, pprof string
		env                         []string
	}
	portals := []spec{
		{"portal-full", addrFull, "big", "127.0.0.1:16101", nil},
		{"portal-normal", addrNormal, "big", "127.0.0.1:16102", []string{"PORTAL_SQLITE_SYNCHRONOUS=NORMAL"}},
		{"portal-small", addrSmall, "small", "127.0.0.1:16103", nil},
		{"portal-idle", addrIdle, "big", "127.0.0.1:16104", nil},
	}
	b.logf("copying the templates and starting the servers on CPU %s", b.o.ServerCPU)
	for _, p := range portals {
		db := filepath.Join(run, p.name+".db")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(db + suffix)
		}
		if err := copyFile(db, filepath.Join(tdir, p.template+".db")); err != nil {
			return err
		}
		args := []string{"serve", "--addr", p.addr, "--db", db, "--api-rate-limit", "1000000000"}
		if b.o.Profile {
			args = append(args, "--pprof-addr", p.pprof)
		}
		srv, err := startServer(ctx, run, p.name, p.addr, b.o.ServerCPU, 1, p.env, b.o.Portal, args...)
		if err != nil {
			return err
		}
		srv.pprof = p.pprof
		b.servers[p.name] = srv
	}
	b4db := filepath.Join(run, "b4.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(b4db + suffix)
	}
	if b.servers["b1"], err = startServer(ctx, run, "b1", addrB1, b.o.ServerCPU, 1, nil, self, "baseline-b1", "--addr", addrB1); err != nil {
		return err
	}
	if b.servers["b4"], err = startServer(ctx, run, "b4", addrB4, b.o.ServerCPU, 1, nil, self, "baseline-b4", "--addr", addrB4, "--db", b4db); err != nil {
		return err
	}
	return nil
}

func (b *bench) stopAll() {
	for name, s := range b.servers {
		s.stop()
		delete(b.servers, name)
	}
}

// Requests of the scenarios.

const purpose = "Kredit müraciətinin qiymətləndirilməsi"

func consentedBody(fin string) []byte {
	return []byte(`{"citizen_fin":"` + fin + `","scopes":["identity","address"],"purpose":"` + purpose + `"}`)
}

func (b *bench) consentedPOST(i int64) []byte {
	return request(http.MethodPost, "/api/v1/requests", consentedBody(b.fix.consentedFIN(int(i))),
		"Authorization: Bearer "+b.fix.BankKey, "Content-Type: application/json")
}

func (b *bench) pendingPOST(fin string) []byte {
	body := []byte(`{"citizen_fin":"` + fin + `","scopes":["income"],"purpose":"` + purpose + `"}`)
	return request(http.MethodPost, "/api/v1/requests", body, "Authorization: Bearer "+b.fix.BankKey, "Content-Type: application/json")
}

func (b *bench) b4POST(i int64) []byte {
	return request(http.MethodPost, "/insert", consentedBody(b.fix.consentedFIN(int(i))), "Content-Type: application/json")
}

var b1GET = request(http.MethodGet, "/json", nil)

func dashboardGET(l Login) []byte { return request(http.MethodGet, "/", nil, "Cookie: "+l.Cookie) }

// expect makes a call that sends req and wants the status.
func expect(req func(w int, i int64) []byte, status int) call {
	return func(h *hconn, w int, i int64) bool {
		st, _, _, err := h.do(req(w, i), false)
		return err == nil && st == status
	}
}

// measured is a scenario of an interleaved phase: its server and its call.
type measured struct {
	name   string
	server string
	fn     call
}

// interleave warms every scenario up once, then runs each once per round, round after round, so that a
// slow minute of the shared machine falls on all of them alike. It returns each scenario's runs.
func (b *bench) interleave(ctx context.Context, scenarios []measured) map[string][]Run {
	for _, sc := range scenarios {
		closedLoop(ctx, b.servers[sc.server].addr, b.o.Conns, b.o.Warmup, sc.fn)
	}
	out := map[string][]Run{}
	for round := range b.o.Rounds {
		for _, sc := range scenarios {
			srv := b.servers[sc.server]
			var wait func()
			if round == b.o.Rounds-1 {
				wait = b.profile(srv, sc.name)
			}
			cpu0, _ := procCPU(srv.pid())
			r := closedLoop(ctx, srv.addr, b.o.Conns, b.o.Duration, sc.fn)
			if wait != nil {
				wait()
			}
			if cpu1, err := procCPU(srv.pid()); err == nil && r.Requests > 0 {
				r.ServerCPU = (cpu1 - cpu0) / time.Duration(r.Requests)
			}
			out[sc.name] = append(out[sc.name], r)
			b.logf("   round %d %-28s %8.0f/s  errors %d  p50 %v  p99 %v  server CPU %v/request", round+1, sc.name, r.Rate, r.Errors,
				r.Latency.P50.Round(time.Microsecond), r.Latency.P99.Round(time.Microsecond), r.ServerCPU.Round(time.Microsecond))
		}
	}
	return out
}

func rates(runs []Run) []float64 {
	out := make([]float64, len(runs))
	for i, r := range runs {
		out[i] = r.Rate
	}
	return out
}

func p99s(runs []Run) []float64 {
	out := make([]float64, len(runs))
	for i, r := range runs {
		out[i] = ms(r.Latency.P99)
	}
	return out
}

func p50s(runs []Run) []float64 {
	out := make([]float64, len(runs))
	for i, r := range runs {
		out[i] = ms(r.Latency.P50)
	}
	return out
}

func cpus(runs []Run) []float64 {
	out := make([]float64, len(runs))
	for i, r := range runs {
		out[i] = float64(r.ServerCPU) / float64(time.Microsecond)
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func errorsOf(runs []Run) int {
	n := 0
	for _, r := range runs {
		n += r.Errors
	}
	return n
}

// heavy returns the session citizens' logins on a database: the first Sessions ones.
func (b *bench) heavy(t string) []Login {
	l := b.logins[t]
	return l[:min(len(l), b.fix.Sessions)]
}

// phaseThroughput: maximum throughput (closed loop) of the baselines and the portal's busy paths.
func (b *bench) phaseThroughput(ctx context.Context) error {
	big := b.heavy("big")
	scenarios := []measured{
		{"B1 bare JSON", "b1", expect(func(int, int64) []byte { return b1GET }, http.StatusOK)},
		{"B4 durable insert", "b4", expect(func(_ int, i int64) []byte { return b.b4POST(i) }, http.StatusOK)},
		{"consented POST (FULL)", "portal-full", expect(func(_ int, i int64) []byte { return b.consentedPOST(i) }, http.StatusOK)},
		{"consented POST (NORMAL)", "portal-normal", expect(func(_ int, i int64) []byte { return b.consentedPOST(i) }, http.StatusOK)},
		{"dashboard GET /", "portal-full", expect(func(w int, _ int64) []byte { return dashboardGET(big[w%len(big)]) }, http.StatusOK)},
	}
	runs := b.interleave(ctx, scenarios)
	b1, b4 := median(rates(runs["B1 bare JSON"])), median(rates(runs["B4 durable insert"]))
	full, normal := median(rates(runs["consented POST (FULL)"])), median(rates(runs["consented POST (NORMAL)"]))
	dash := median(rates(runs["dashboard GET /"]))
	b.res.Throughput = runs
	b.res.add(Figure{Scenario: "B1: bare Echo JSON handler, max throughput", Value: b1, Unit: "req/s", Runs: rates(runs["B1 bare JSON"]),
		CPU: median(cpus(runs["B1 bare JSON"])), Errors: errorsOf(runs["B1 bare JSON"])})
	b.res.add(Figure{Scenario: "B4: bare Echo handler, one durable single-row insert per request, max throughput", Value: b4, Unit: "req/s",
		Runs: rates(runs["B4 durable insert"]), CPU: median(cpus(runs["B4 durable insert"])), Errors: errorsOf(runs["B4 durable insert"])})
	b.res.add(Figure{Scenario: "consented POST /api/v1/requests (synchronous=FULL), max throughput", Value: full, Unit: "req/s",
		Baseline: "B4", BaselineValue: b4, Goal: ">= 1.0 x B4", Min: 1.0, Runs: rates(runs["consented POST (FULL)"]),
		CPU: median(cpus(runs["consented POST (FULL)"])), Errors: errorsOf(runs["consented POST (FULL)"])})
	b.res.add(Figure{Scenario: "consented POST (synchronous=NORMAL, benchmark only: the price of durability), max throughput", Value: normal, Unit: "req/s",
		Baseline: "FULL", BaselineValue: full, Runs: rates(runs["consented POST (NORMAL)"]), CPU: median(cpus(runs["consented POST (NORMAL)"])),
		Errors: errorsOf(runs["consented POST (NORMAL)"]), Note: fmt.Sprintf("%.2f x B4", ratio(normal, b4))})
	b.res.add(Figure{Scenario: "citizen dashboard GET / with a session, max throughput", Value: dash, Unit: "req/s",
		Baseline: "B1", BaselineValue: b1, Goal: ">= 0.25 x B1", Min: 0.25, Runs: rates(runs["dashboard GET /"]),
		CPU: median(cpus(runs["dashboard GET /"])), Errors: errorsOf(runs["dashboard GET /"])})
	b.res.maxFull, b.res.maxB4 = full, b4
	return nil
}

// profile takes a CPU profile of a portal server for the next run (one second shorter), when asked to, and
// returns the function that waits for it.
func (b *bench) profile(srv *server, scenario string) func() {
	if !b.o.Profile || srv.pprof == "" {
		return nil
	}
	dir := filepath.Join(b.o.Work, "profiles")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil
	}
	name := strings.NewReplacer(" ", "-", "/", "", "(", "", ")", "", ",", "", ">", "").Replace(scenario)
	secs := max(1, int(b.o.Duration.Seconds())-1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", srv.pprof, secs))
		if err != nil {
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(filepath.Join(dir, name+".prof"))
		if err != nil {
			return
		}
		defer f.Close()
		_, _ = io.Copy(f, resp.Body)
	}()
	return func() { <-done }
}

// openRuns runs scenarios open loop at a rate, interleaved, and returns each one's runs.
func (b *bench) openRuns(ctx context.Context, rate float64, d time.Duration, conns int, scenarios []openScenario) map[string][]Run {
	out := map[string][]Run{}
	for round := range b.o.Rounds {
		for _, sc := range scenarios {
			var wait func()
			if round == b.o.Rounds-1 {
				wait = b.profile(b.servers[sc.server], sc.name)
			}
			r := openLoop(ctx, b.servers[sc.server].addr, rate, d, conns, sc.fn)
			if wait != nil {
				wait()
			}
			out[sc.name] = append(out[sc.name], r)
			b.logf("   round %d %-28s at %5.0f/s: p50 %v  p99 %v  errors %d", round+1, sc.name, rate,
				r.Latency.P50.Round(time.Microsecond), r.Latency.P99.Round(time.Microsecond), r.Errors)
		}
	}
	return out
}

type openScenario struct {
	name   string
	server string
	fn     func(h *hconn, w int, i int64, due time.Time) (time.Duration, bool)
}

// timed makes an open-loop call: the latency counts from when the request was due.
func timed(req func(w int, i int64) []byte, status int) func(h *hconn, w int, i int64, due time.Time) (time.Duration, bool) {
	return func(h *hconn, w int, i int64, due time.Time) (time.Duration, bool) {
		st, _, _, err := h.do(req(w, i), false)
		return time.Since(due), err == nil && st == status
	}
}

// phaseHalfRate: consented POST latency at half its maximum rate, open loop; B4 at the same rate.
func (b *bench) phaseHalfRate(ctx context.Context) error {
	rate := b.res.maxFull / 2
	if rate < 1 {
		return fmt.Errorf("no maximum rate measured")
	}
	runs := b.openRuns(ctx, rate, b.o.Duration, 256, []openScenario{
		{"consented POST (FULL)", "portal-full", timed(func(_ int, i int64) []byte { return b.consentedPOST(i) }, http.StatusOK)},
		{"B4 durable insert", "b4", timed(func(_ int, i int64) []byte { return b.b4POST(i) }, http.StatusOK)},
	})
	p, base := median(p99s(runs["consented POST (FULL)"])), median(p99s(runs["B4 durable insert"]))
	b.res.HalfRate = runs
	b.res.add(Figure{Scenario: fmt.Sprintf("consented POST p99 latency at half its maximum rate (%.0f/s, open loop)", rate), Value: p, Unit: "ms",
		Baseline: "B4 at that rate", BaselineValue: base, Goal: "<= 25 ms", Max: 25, Runs: p99s(runs["consented POST (FULL)"]),
		Errors: errorsOf(runs["consented POST (FULL)"]), Note: fmt.Sprintf("p50 %.1f ms", median(p50s(runs["consented POST (FULL)"])))})
	return nil
}

// phaseEvents: a pending request made to its event arriving on the citizen's open /events stream, at
// SSERate requests a second; B4's latency at the same rate is the baseline (the request commits durably
// before it is announced).
func (b *bench) phaseEvents(ctx context.Context) error {
	logins := b.logins["big"]
	srv := b.servers["portal-full"]
	arr := &arrivals{at: map[string]time.Time{}}
	var streams []*stream
	for _, l := range logins {
		s, err := openStream(srv.addr, l.Cookie)
		if err != nil {
			return err
		}
		streams = append(streams, s)
		go arr.watch(s)
	}
	defer func() {
		for _, s := range streams {
			s.close()
		}
	}()
	var portalRuns, b4Runs []Run
	for round := range b.o.Rounds {
		var mu sync.Mutex
		due := map[string]time.Time{}
		var wait func()
		if round == b.o.Rounds-1 {
			wait = b.profile(srv, "pending -> event")
		}
		r := openLoop(ctx, srv.addr, b.o.SSERate, b.o.Duration, 128, func(h *hconn, w int, i int64, d time.Time) (time.Duration, bool) {
			l := logins[int(i)%len(logins)]
			st, body, _, err := h.do(b.pendingPOST(l.FIN), true)
			if err != nil || st != http.StatusAccepted {
				return 0, false
			}
			mu.Lock()
			due[jsonID(body)] = d
			mu.Unlock()
			return 0, true
		})
		if wait != nil {
			wait()
		}
		time.Sleep(time.Second) // late events
		arr.mu.Lock()
		var lat []time.Duration
		lost := 0
		for id, d := range due {
			if at, ok := arr.at[id]; ok {
				lat = append(lat, at.Sub(d))
			} else {
				lost++
			}
		}
		arr.mu.Unlock()
		ev := Run{Requests: r.Requests, Errors: r.Errors + lost, Elapsed: r.Elapsed, Rate: r.Rate, Latency: summarize(lat)}
		portalRuns = append(portalRuns, ev)
		b.logf("   round %d %-28s at %5.0f/s: p50 %v  p99 %v  errors %d (events lost %d)", round+1, "pending -> event", b.o.SSERate,
			ev.Latency.P50.Round(time.Microsecond), ev.Latency.P99.Round(time.Microsecond), ev.Errors, lost)
		// Withdraw the pending requests (not measured), so the citizens' pending lists stay short.
		ids := make([]string, 0, len(due))
		for id := range due {
			ids = append(ids, id)
		}
		b.cancelAll(ctx, srv.addr, ids)
		br := openLoop(ctx, b.servers["b4"].addr, b.o.SSERate, b.o.Duration, 128, timed(func(_ int, i int64) []byte { return b.b4POST(i) }, http.StatusOK))
		b4Runs = append(b4Runs, br)
		b.logf("   round %d %-28s at %5.0f/s: p50 %v  p99 %v  errors %d", round+1, "B4 durable insert", b.o.SSERate,
			br.Latency.P50.Round(time.Microsecond), br.Latency.P99.Round(time.Microsecond), br.Errors)
	}
	b.res.Events = map[string][]Run{"pending -> event": portalRuns, "B4 durable insert": b4Runs}
	b.res.add(Figure{Scenario: fmt.Sprintf("pending request made -> event received on the citizen's open /events stream, p99 at %.0f requests/s (%d streams)", b.o.SSERate, len(streams)),
		Value: median(p99s(portalRuns)), Unit: "ms", Baseline: "B4 at that rate", BaselineValue: median(p99s(b4Runs)), Goal: "<= 50 ms", Max: 50,
		Runs: p99s(portalRuns), Errors: errorsOf(portalRuns), Note: fmt.Sprintf("p50 %.1f ms", median(p50s(portalRuns)))})
	b.res.b4p99At500 = median(p99s(b4Runs))
	return nil
}

// cancelAll withdraws requests through the API.
func (b *bench) cancelAll(ctx context.Context, addr string, ids []string) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			h := &hconn{addr: addr}
			defer h.reset()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(ids) {
					return
				}
				_, _, _, _ = h.do(request(http.MethodDelete, "/api/v1/requests/"+ids[i], nil, "Authorization: Bearer "+b.fix.BankKey), false)
			}
		})
	}
	wg.Wait()
}

// phaseLongPoll: a company waits on GET /api/v1/requests/{id}?wait=30; the citizen approves; the time from
// the approval sent to the long poll answered.
func (b *bench) phaseLongPoll(ctx context.Context) error {
	logins := b.logins["big"]
	srv := b.servers["portal-full"]
	const workers = 16
	var runs []Run
	for round := range b.o.Rounds {
		samples := make([][]time.Duration, workers)
		var errs atomic.Int64
		start := time.Now()
		deadline := start.Add(b.o.Duration)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				api, poll, web := &hconn{addr: srv.addr}, &hconn{addr: srv.addr}, &hconn{addr: srv.addr}
				defer api.reset()
				defer poll.reset()
				defer web.reset()
				l := logins[w%len(logins)]
				for time.Now().Before(deadline) && ctx.Err() == nil {
					lat, ok := b.approveOnce(api, poll, web, l)
					if !ok {
						errs.Add(1)
						continue
					}
					samples[w] = append(samples[w], lat)
				}
			})
		}
		wg.Wait()
		r := finish(start, samples, int(errs.Load()))
		runs = append(runs, r)
		b.logf("   round %d %-28s %6d samples: p50 %v  p99 %v  errors %d", round+1, "approve -> long poll", r.Latency.N,
			r.Latency.P50.Round(time.Microsecond), r.Latency.P99.Round(time.Microsecond), r.Errors)
	}
	b.res.LongPoll = runs
	b.res.add(Figure{Scenario: fmt.Sprintf("citizen approves -> company's long poll (?wait=30) answered, p99 (%d concurrent flows)", workers),
		Value: median(p99s(runs)), Unit: "ms", Baseline: fmt.Sprintf("B4 at %.0f/s", b.o.SSERate), BaselineValue: b.res.b4p99At500,
		Goal: "<= 50 ms", Max: 50, Runs: p99s(runs), Errors: errorsOf(runs), Note: fmt.Sprintf("p50 %.1f ms", median(p50s(runs)))})
	return nil
}

// approveOnce makes a pending request, parks a long poll on it, approves it as the citizen and times the
// long poll's answer from the approval's sending; then collects the data, as the company would.
func (b *bench) approveOnce(api, poll, web *hconn, l Login) (time.Duration, bool) {
	st, body, _, err := api.do(b.pendingPOST(l.FIN), true)
	if err != nil || st != http.StatusAccepted {
		return 0, false
	}
	id := jsonID(body)
	answered := make(chan time.Time, 1)
	go func() {
		st, body, _, err := poll.do(request(http.MethodGet, "/api/v1/requests/"+id+"?wait=30", nil, "Authorization: Bearer "+b.fix.BankKey), true)
		if err != nil || st != http.StatusOK || !strings.Contains(string(body), `"status":"approved"`) {
			answered <- time.Time{}
			return
		}
		answered <- time.Now()
	}()
	time.Sleep(20 * time.Millisecond) // the poll is parked on the server by then
	t0 := time.Now()
	st, _, _, err = web.do(request(http.MethodPost, "/requests/"+id+"/approve", []byte{},
		"Cookie: "+l.Cookie, "X-CSRF-Token: "+l.CSRF, "Content-Type: application/x-www-form-urlencoded"), false)
	t1 := <-answered
	if err != nil || st != http.StatusSeeOther || t1.IsZero() {
		return 0, false
	}
	_, _, _, _ = api.do(request(http.MethodPost, "/api/v1/requests/"+id+"/collect", nil, "Authorization: Bearer "+b.fix.BankKey), false)
	return t1.Sub(t0), true
}

// metricsOf reads a few gauges of the portal's /metrics.
func metricsOf(addr string) map[string]float64 {
	h := &hconn{addr: addr}
	defer h.reset()
	out := map[string]float64{}
	st, body, _, err := h.do(request(http.MethodGet, "/metrics", nil), true)
	if err != nil || st != http.StatusOK {
		return out
	}
	for _, line := range strings.Split(string(body), "\n") {
		for _, name := range []string{"go_goroutines", "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes", "portal_event_streams"} {
			if rest, ok := strings.CutPrefix(line, name+" "); ok {
				var v float64
				fmt.Sscan(rest, &v)
				out[name] = v
			}
		}
	}
	return out
}

// openIdle opens n connections: event streams with the sessions' cookies, or (cookies nil) keep-alive
// connections that made one request to B1.
func openIdle(ctx context.Context, addr string, n int, cookies []Login) ([]func(), error) {
	closers := make([]func(), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 32 {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				var closer func()
				if cookies != nil {
					s, err := openStream(addr, cookies[i%len(cookies)].Cookie)
					if err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
					closer = s.close
				} else {
					h, err := dial(addr)
					if err == nil {
						var st int
						st, _, _, err = h.do(b1GET, false)
						if err == nil && st != http.StatusOK {
							err = fmt.Errorf("status %d", st)
						}
					}
					if err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
					closer = func() { h.Close() }
				}
				closers[i] = closer
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		closeAll(closers)
		return nil, firstErr
	}
	return closers, nil
}

func closeAll(closers []func()) {
	for _, c := range closers {
		if c != nil {
			c()
		}
	}
}

// phaseIdle: memory of idle /events connections (against idle keep-alive connections to B1) and the
// consented throughput with them open against without, interleaved.
func (b *bench) phaseIdle(ctx context.Context) error {
	srv, b1 := b.servers["portal-idle"], b.servers["b1"]
	logins := b.logins["big"]
	post := expect(func(_ int, i int64) []byte { return b.consentedPOST(i) }, http.StatusOK)
	closedLoop(ctx, srv.addr, b.o.Conns, b.o.Warmup, post)
	time.Sleep(time.Second)

	// B1's idle keep-alive connections: what a bare Echo server spends on one.
	rss0, _ := procRSS(b1.pid())
	b1Conns, err := openIdle(ctx, b1.addr, b.o.Idle, nil)
	if err != nil {
		return fmt.Errorf("idle connections to B1: %w", err)
	}
	time.Sleep(2 * time.Second)
	rss1, _ := procRSS(b1.pid())
	closeAll(b1Conns)
	b1Per := float64(rss1-rss0) / float64(b.o.Idle) / 1024
	b.logf("   B1: %d idle keep-alive connections: RSS %d -> %d MiB, %.1f KiB each", b.o.Idle, rss0>>20, rss1>>20, b1Per)

	m0 := metricsOf(srv.addr)
	rss0, _ = procRSS(srv.pid())
	t0 := time.Now()
	streams, err := openIdle(ctx, srv.addr, b.o.Idle, logins)
	if err != nil {
		return fmt.Errorf("idle event streams: %w", err)
	}
	opened := time.Since(t0)
	time.Sleep(2 * time.Second)
	rss1, _ = procRSS(srv.pid())
	m1 := metricsOf(srv.addr)
	per := float64(rss1-rss0) / float64(b.o.Idle) / 1024
	b.logf("   portal: %d idle event streams opened in %s: RSS %d -> %d MiB, %.1f KiB each; goroutines %.0f -> %.0f, heap in use %.0f -> %.0f MiB, stacks %.0f -> %.0f MiB",
		b.o.Idle, opened.Round(time.Millisecond), rss0>>20, rss1>>20, per, m0["go_goroutines"], m1["go_goroutines"],
		m0["go_memstats_heap_inuse_bytes"]/(1<<20), m1["go_memstats_heap_inuse_bytes"]/(1<<20),
		m0["go_memstats_stack_inuse_bytes"]/(1<<20), m1["go_memstats_stack_inuse_bytes"]/(1<<20))
	b.res.IdleMemory = map[string]float64{"rss_before": float64(rss0), "rss_after": float64(rss1), "kib_per_stream": per, "b1_kib_per_conn": b1Per,
		"goroutines_before": m0["go_goroutines"], "goroutines_after": m1["go_goroutines"],
		"heap_inuse_before": m0["go_memstats_heap_inuse_bytes"], "heap_inuse_after": m1["go_memstats_heap_inuse_bytes"],
		"stack_inuse_before": m0["go_memstats_stack_inuse_bytes"], "stack_inuse_after": m1["go_memstats_stack_inuse_bytes"]}

	// Five rounds at least: the pairs are cheap and the shared machine's noise is large. Even rounds run
	// "with" first, odd ones "without" first, so that neither always follows the other.
	var with, without []Run
	withRun := func() error {
		if streams == nil {
			if streams, err = openIdle(ctx, srv.addr, b.o.Idle, logins); err != nil {
				return err
			}
			time.Sleep(time.Second)
		}
		with = append(with, closedLoop(ctx, srv.addr, b.o.Conns, b.o.Duration, post))
		return nil
	}
	withoutRun := func() error {
		if streams != nil {
			closeAll(streams)
			streams = nil
			time.Sleep(time.Second)
		}
		without = append(without, closedLoop(ctx, srv.addr, b.o.Conns, b.o.Duration, post))
		return nil
	}
	for round := range max(b.o.Rounds, 5) {
		order := []func() error{withRun, withoutRun}
		if round%2 == 1 {
			order = []func() error{withoutRun, withRun}
		}
		for _, run := range order {
			if err := run(); err != nil {
				return err
			}
		}
		b.logf("   round %d consented POST with %d streams %6.0f/s, without %6.0f/s", round+1, b.o.Idle,
			with[len(with)-1].Rate, without[len(without)-1].Rate)
	}
	closeAll(streams)
	b.res.Idle = map[string][]Run{"with": with, "without": without}
	ratios := make([]float64, len(with))
	for i := range with {
		ratios[i] = ratio(with[i].Rate, without[i].Rate)
	}
	b.res.add(Figure{Scenario: fmt.Sprintf("%d idle /events connections: memory each (server RSS growth / connections)", b.o.Idle), Value: per, Unit: "KiB",
		Baseline: "B1 idle keep-alive conn", BaselineValue: b1Per, Goal: "<= 40 KB", Max: 40000.0 / 1024})
	b.res.add(Figure{Scenario: fmt.Sprintf("consented POST max throughput with %d idle /events connections open", b.o.Idle), Value: median(rates(with)), Unit: "req/s",
		Baseline: "same server without them", BaselineValue: median(rates(without)), Goal: ">= 0.9 x without", Min: 0.9, Runs: rates(with),
		Paired: median(ratios), Errors: errorsOf(with), Note: "ratio: the median of each round's with/without ratio (measured back to back)"})
	return nil
}

// phaseGrowth: the same reads and writes on the database with 10,000 and with 1,000,000 past requests, at a
// fixed modest rate (open loop), interleaved. The session citizens hold the heavy share of the past
// requests: about 100 times more of their own history on the large database.
func (b *bench) phaseGrowth(ctx context.Context) error {
	small, big := b.heavy("small"), b.heavy("big")
	scenarios := []openScenario{
		{"consent check + request, 10k", "portal-small", timed(func(_ int, i int64) []byte { return b.consentedPOST(i) }, http.StatusOK)},
		{"consent check + request, 1M", "portal-full", timed(func(_ int, i int64) []byte { return b.consentedPOST(i) }, http.StatusOK)},
		{"dashboard, 10k", "portal-small", timed(func(_ int, i int64) []byte { return dashboardGET(small[int(i)%len(small)]) }, http.StatusOK)},
		{"dashboard, 1M", "portal-full", timed(func(_ int, i int64) []byte { return dashboardGET(big[int(i)%len(big)]) }, http.StatusOK)},
	}
	history := b.historyAvailable()
	if history {
		scenarios = append(scenarios,
			openScenario{"history, 10k", "portal-small", timed(func(_ int, i int64) []byte {
				return request(http.MethodGet, "/history", nil, "Cookie: "+small[int(i)%len(small)].Cookie)
			}, http.StatusOK)},
			openScenario{"history, 1M", "portal-full", timed(func(_ int, i int64) []byte {
				return request(http.MethodGet, "/history", nil, "Cookie: "+big[int(i)%len(big)].Cookie)
			}, http.StatusOK)})
	}
	runs := b.openRuns(ctx, b.o.GrowRate, b.o.Duration, 64, scenarios)
	b.res.Growth = runs
	own := fmt.Sprintf("session citizens: about %d vs %d past requests each", int(0.8*float64(b.o.Small))/max(1, b.fix.Sessions),
		int(0.2*float64(b.o.Requests))/max(1, b.fix.Sessions))
	for _, pair := range [][3]string{
		{"consent check + POST /api/v1/requests", "consent check + request, 10k", "consent check + request, 1M"},
		{"dashboard GET / (" + own + ")", "dashboard, 10k", "dashboard, 1M"},
		{"history GET /history, first page (" + own + ")", "history, 10k", "history, 1M"},
	} {
		s, l := runs[pair[1]], runs[pair[2]]
		if len(s) == 0 {
			b.res.add(Figure{Scenario: fmt.Sprintf("%s, p50 latency at %d vs %d requests", pair[0], b.o.Requests, b.o.Small), Goal: "<= 1.2 x", Skipped: true,
				Note: "not available: GET /history answers 404 on this branch; measured once it exists"})
			continue
		}
		b.res.add(Figure{Scenario: fmt.Sprintf("%s, p50 latency at %d vs %d requests (%.0f/s open loop)", pair[0], b.o.Requests, b.o.Small, b.o.GrowRate),
			Value: median(p50s(l)), Unit: "ms", Baseline: fmt.Sprintf("%d requests", b.o.Small), BaselineValue: median(p50s(s)), Goal: "<= 1.2 x", MaxRatio: 1.2,
			Runs: p50s(l), Errors: errorsOf(l) + errorsOf(s),
			Note: fmt.Sprintf("p99 %.1f vs %.1f ms", median(p99s(l)), median(p99s(s)))})
	}
	return nil
}

// historyAvailable reports whether GET /history exists yet (it is built on another branch).
func (b *bench) historyAvailable() bool {
	h := &hconn{addr: b.servers["portal-full"].addr}
	defer h.reset()
	st, _, _, err := h.do(request(http.MethodGet, "/history", nil, "Cookie: "+b.logins["big"][0].Cookie), false)
	return err == nil && st == http.StatusOK
}

func (b *bench) report() error {
	if dir := filepath.Dir(b.o.JSON); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
	}
	js, err := json.MarshalIndent(b.res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(b.o.JSON, append(js, '\n'), 0o644); err != nil {
		return err
	}
	md := b.res.markdown()
	if err := os.WriteFile(b.o.Out, []byte(md), 0o644); err != nil {
		return err
	}
	b.logf("wrote %s and %s", b.o.Out, b.o.JSON)
	fmt.Fprint(b.out, tableOf(b.res.Figures))
	return nil
}

package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var (
	crashCycles = flag.Int("crash-cycles", 20, "kill-and-restart cycles of TestCrash_AcknowledgedWritesSurvive")
	crashSeed   = flag.Uint64("crash-seed", 0, "random seed of TestCrash_AcknowledgedWritesSurvive (0: from the clock)")
)

// TestCrash_AcknowledgedWritesSurvive builds the real binary and runs it on a demo database; in each cycle
// it drives concurrent company API requests (each with an Idempotency-Key) and a citizen's consent grants
// through the web, kills the process with SIGKILL at a random moment while they are in flight, and then
// proves that every acknowledged write is in the database (PRODUCT.md P5, §8 durability), that
// PRAGMA integrity_check is ok and that `portal audit verify` passes. After each restart, earlier
// acknowledged requests replayed with their Idempotency-Key answer the same id. Run more cycles with
// `go test ./cmd/portal -run Crash -crash-cycles 200`.
func TestCrash_AcknowledgedWritesSurvive(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -crash-seed %d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	dir := t.TempDir()
	bin := filepath.Join(dir, "portal")
	if out, err := osexec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "portal.db")

	var (
		acked       []ackedRequest
		grantsAcked int
		keys        map[string]string // API key by company VÖEN
		offers      = map[string][]string{}
		bankID      int64
	)
	for cycle := range *crashCycles {
		p := startPortal(t, bin, db, cycle == 0)
		if cycle == 0 {
			keys = p.demoKeys()
			if len(keys) < 4 {
				t.Fatalf("demo keys: %v", keys)
			}
			for voen, key := range keys {
				offers[voen] = p.offers(t, key)
			}
			bankID = companyID(t, db, "1400012345")
		}
		// Replay some earlier acknowledged requests: the same key and body answer the first answer's id.
		for range min(5, len(acked)) {
			a := acked[rng.IntN(len(acked))]
			status, id, err := p.createRequest(context.Background(), a.key, a.idemKey, a.body)
			if err != nil || (status != 200 && status != 202) || id != a.id {
				t.Fatalf("cycle %d: replay of %s: %d %q %v, want the first answer's id %s", cycle, a.idemKey, status, id, err, a.id)
			}
		}

		ctx, stop := context.WithCancel(context.Background())
		var mu sync.Mutex
		var wg sync.WaitGroup
		var sent atomic.Int64
		voens := make([]string, 0, len(keys))
		for v := range keys {
			if len(offers[v]) > 0 {
				voens = append(voens, v)
			}
		}
		for w := range 6 {
			wg.Add(1)
			wrng := rand.New(rand.NewPCG(seed, uint64(cycle*100+w)))
			go func() {
				defer wg.Done()
				for n := 0; ctx.Err() == nil; n++ {
					voen := voens[wrng.IntN(len(voens))]
					scopes := offers[voen]
					pick := []string{scopes[wrng.IntN(len(scopes))]}
					fin := []string{"5ABCD12", "7XYZ987", "3QWE456"}[wrng.IntN(3)]
					body := fmt.Sprintf(`{"citizen_fin":%q,"scopes":[%q],"purpose":"crash test"}`, fin, pick[0])
					idem := fmt.Sprintf("crash-%d-%d-%d-%d", seed%1000, cycle, w, n)
					sent.Add(1)
					status, id, err := p.createRequest(ctx, keys[voen], idem, body)
					if err == nil && (status == 200 || status == 202) {
						mu.Lock()
						acked = append(acked, ackedRequest{id: id, key: keys[voen], idemKey: idem, body: body})
						mu.Unlock()
					}
				}
			}()
		}
		// A citizen grants consents through the web at the same time (htmx: 200 means committed).
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, tok, err := p.webLogin("3QWE456", "demo-pass-3")
			if err != nil {
				return // killed during the login
			}
			for n := 0; ctx.Err() == nil; n++ {
				validity := []string{"30d", "90d", "1y", "unlimited"}[n%4]
				form := url.Values{"company_id": {fmt.Sprint(bankID)}, "scope": {"employment"}, "validity": {validity}}
				req, _ := http.NewRequestWithContext(ctx, "POST", p.url+"/consents", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("HX-Request", "true")
				req.Header.Set("X-CSRF-Token", tok)
				resp, err := c.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					grantsAcked++
					mu.Unlock()
				}
			}
		}()
		time.Sleep(time.Duration(200+rng.IntN(1000)) * time.Millisecond)
		p.kill(t) // SIGKILL while requests are in flight
		stop()
		wg.Wait()
		if sent.Load() == 0 {
			t.Fatalf("cycle %d: no request was sent", cycle)
		}
		verifyDurable(t, bin, db, acked, grantsAcked)
	}
	t.Logf("%d cycles, %d acknowledged API requests and %d consent grants all survived", *crashCycles, len(acked), grantsAcked)
}

// ackedRequest is a data request the server acknowledged (200 or 202).
type ackedRequest struct{ id, key, idemKey, body string }

// portalProc is a running portal binary.
type portalProc struct {
	cmd    *osexec.Cmd
	url    string
	stdout *lockedBuffer
	client *http.Client
	exited chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var listeningRE = regexp.MustCompile(`url=(http://[0-9.:]+)`)

// startPortal starts the binary on the database (seeding the demo data the first time) and waits until it
// listens.
func startPortal(t *testing.T, bin, db string, seed bool) *portalProc {
	t.Helper()
	args := []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--dev", "--api-rate-limit", "100000"}
	if seed {
		args = append(args, "--demo", "--demo-citizens", "20")
	}
	cmd := osexec.Command(bin, args...)
	p := &portalProc{cmd: cmd, stdout: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stdout = p.stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	var logTail lockedBuffer
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(&logTail, line)
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(p.exited) }()
	select {
	case p.url = <-found:
	case <-p.exited:
		t.Fatalf("portal exited at start:\n%s", logTail.String())
	case <-time.After(60 * time.Second):
		p.kill(t)
		t.Fatalf("portal did not start:\n%s", logTail.String())
	}
	p.client = &http.Client{Timeout: 10 * time.Second}
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *portalProc) kill(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("portal still running after SIGKILL")
	}
}

var demoKeyRE = regexp.MustCompile(`demo API key for .* \(VÖEN (\d+)\): (\S+)`)

func (p *portalProc) demoKeys() map[string]string {
	keys := map[string]string{}
	for _, m := range demoKeyRE.FindAllStringSubmatch(p.stdout.String(), -1) {
		keys[m[1]] = m[2]
	}
	return keys
}

// offers returns the scopes the key's company may ask for.
func (p *portalProc) offers(t *testing.T, key string) []string {
	t.Helper()
	req, _ := http.NewRequest("GET", p.url+"/api/v1/offers", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Offers []struct {
			Scope string `json:"scope"`
		} `json:"offers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range body.Offers {
		out = append(out, o.Scope)
	}
	return out
}

// createRequest sends POST /api/v1/requests and returns the status and the request's id.
func (p *portalProc) createRequest(ctx context.Context, key, idem, body string) (int, string, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", p.url+"/api/v1/requests", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", idem)
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var a struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return resp.StatusCode, "", err // cut off mid-answer: not acknowledged
	}
	return resp.StatusCode, a.ID, nil
}

var csrfMetaRE = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`)

// webLogin signs a citizen in through the login form and returns the client and the session's CSRF token.
func (p *portalProc) webLogin(fin, password string) (*http.Client, string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	token := func(path string) (string, error) {
		resp, err := c.Get(p.url + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		m := csrfMetaRE.FindSubmatch(b)
		if m == nil {
			return "", fmt.Errorf("no csrf token on %s", path)
		}
		return string(m[1]), nil
	}
	tok, err := token("/login")
	if err != nil {
		return nil, "", err
	}
	resp, err := c.PostForm(p.url+"/login", url.Values{"fin": {fin}, "password": {password}, "_csrf": {tok}})
	if err != nil {
		return nil, "", err
	}
	resp.Body.Close()
	tok, err = token("/")
	return c, tok, err
}

func companyID(t *testing.T, db, voen string) int64 {
	t.Helper()
	conn := openDB(t, db)
	defer conn.Close()
	var id int64
	if err := conn.QueryRow("SELECT id FROM companies WHERE voen = ?", voen).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func openDB(t *testing.T, db string) *sql.DB {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// verifyDurable proves, with the server dead, that every acknowledged request and consent grant is in the
// database, that the database is intact and that the audit chain verifies.
func verifyDurable(t *testing.T, bin, db string, acked []ackedRequest, grants int) {
	t.Helper()
	conn := openDB(t, db)
	var check string
	if err := conn.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	present := map[string]bool{}
	rows, err := conn.Query("SELECT id FROM data_requests")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		present[id] = true
	}
	rows.Close()
	for _, a := range acked {
		if !present[a.id] {
			t.Fatalf("acknowledged request %s (%s) is not in the database after the kill", a.id, a.idemKey)
		}
	}
	var events int
	if err := conn.QueryRow(`SELECT count(*) FROM consent_events e JOIN users u ON u.id = e.citizen_id
		WHERE u.fin = '3QWE456' AND e.scope = 'employment'`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events < grants {
		t.Fatalf("%d consent grants were acknowledged, %d consent events are in the database", grants, events)
	}
	conn.Close()
	if out, err := osexec.Command(bin, "audit", "verify", "--db", db).CombinedOutput(); err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
}

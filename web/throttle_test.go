package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portal"
	"portal/auth"
	"portal/web"
)

// Login throttling (PRODUCT.md §8): per FIN and per client address, 5 failures in 15 minutes; the client
// address is the socket's unless the request came through a trusted proxy. TestLogin_Throttled proves the
// per-FIN limit from one address.

// loginAs posts the login form with a forwarded-for address ("" for none) and returns the status.
func (b *browser) loginAs(fin, password, forwardedFor string) *http.Response {
	b.e.t.Helper()
	tok := b.csrf("/login")
	req, _ := http.NewRequest(http.MethodPost, b.e.http.URL+"/login",
		strings.NewReader(url.Values{"fin": {fin}, "password": {password}, "_csrf": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	resp, _ := b.do(req)
	return resp
}

func wantThrottled(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("%s: %d Retry-After %q, want 429 with Retry-After", what, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// finN is a well-formed FIN of nobody.
func finN(i int) string { return fmt.Sprintf("9ZZ%04d", i) }

func TestLogin_ThrottledPerAddressAcrossFINs(t *testing.T) {
	e := newTestEnv(t)
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	b := e.browser()
	for i := range 5 {
		if resp := b.loginAs(finN(i), "wrong password", ""); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, resp.StatusCode)
		}
	}
	// A sixth FIN, even with the right password, from the same address: refused.
	wantThrottled(t, "6th FIN from the same address", b.loginAs(finAysel, testPassword, ""))
	// Another browser on the same address is the same client.
	wantThrottled(t, "another cookie jar", e.browser().loginAs(finAysel, testPassword, ""))
	e.clock.Advance(15*time.Minute + time.Second)
	if resp := b.loginAs(finAysel, testPassword, ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the window: %d, want 303", resp.StatusCode)
	}
}

// TestLogin_ForgedForwardedForIgnored: without trusted proxies an X-Forwarded-For header is the client's
// own words, so changing it on every attempt does not escape the per-address limit.
func TestLogin_ForgedForwardedForIgnored(t *testing.T) {
	e := newTestEnv(t)
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	b := e.browser()
	for i := range 5 {
		b.loginAs(finN(i), "wrong password", fmt.Sprintf("198.51.100.%d", i+1))
	}
	wantThrottled(t, "fresh forged address", b.loginAs(finN(9), "wrong password", "198.51.100.99"))
}

// TestLogin_TrustedProxyForwardedFor: behind a trusted proxy (here the test client's own 127.0.0.1), the
// forwarded address is the client: one address is throttled, another is not; and a FIN is throttled
// whatever addresses the guesses come from.
func TestLogin_TrustedProxyForwardedFor(t *testing.T) {
	e := newTestEnvWith(t, func(o *web.Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} })
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	e.user("7XYZ987", "Rəşad Əliyev", portal.RoleCitizen)
	b := e.browser()
	for i := range 5 {
		b.loginAs(finN(i), "wrong password", "203.0.113.7")
	}
	wantThrottled(t, "the throttled client", b.loginAs(finAysel, testPassword, "203.0.113.7"))
	// A forged entry to the left of the proxy's does not help: the proxy appends the real address.
	wantThrottled(t, "forged left-most entry", b.loginAs(finAysel, testPassword, "192.0.2.1, 203.0.113.7"))
	if resp := b.loginAs(finAysel, testPassword, "203.0.113.8"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another client address: %d, want 303", resp.StatusCode)
	}

	t.Run("per FIN across addresses", func(t *testing.T) {
		c := e.browser()
		for i := range 5 {
			c.loginAs("7XYZ987", "wrong password", fmt.Sprintf("192.0.2.%d", 10+i))
		}
		wantThrottled(t, "6th guess from a 6th address", c.loginAs("7XYZ987", testPassword, "192.0.2.99"))
	})
}

// TestLogin_HashingCappedUnderLoad: 64 logins with wrong passwords at once (distinct FINs and client
// addresses, so none is throttled and each costs an argon2id hash) queue on the hasher's semaphore instead
// of taking every core, so the health probe and a signed-in citizen's dashboard are answered while those
// logins are still in flight. Without the cap, 64 hashes share two cores and the probes wait behind them.
func TestLogin_HashingCappedUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("64 argon2id hashes")
	}
	e := newTestEnvWith(t, func(o *web.Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		o.Hasher = auth.NewHasher(2)
	})
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	citizen := e.browser()
	citizen.login(finAysel, testPassword)

	const n = 64
	// The heap's peak during the storm shows how many hashes ran at once: each holds 19 MiB.
	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stopSampling:
				return
			case <-time.After(25 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	}()
	var started, finished, unauthorized atomic.Int32
	var wg sync.WaitGroup
	browsers, tokens := make([]*browser, n), make([]string, n)
	for i := range n {
		browsers[i] = e.browser()
		tokens[i] = browsers[i].csrf("/login")
	}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, tok := browsers[i], tokens[i]
			req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/login",
				strings.NewReader(url.Values{"fin": {finN(i)}, "password": {"wrong password"}, "_csrf": {tok}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.1", i/200, i%200))
			started.Add(1)
			resp, err := b.c.Do(req)
			if err == nil {
				if resp.StatusCode == http.StatusUnauthorized {
					unauthorized.Add(1)
				}
				resp.Body.Close()
			}
			finished.Add(1)
		}()
	}
	// Wait until every login has been sent and the first has been answered: the hasher is busy.
	for started.Load() < n || finished.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	probe := func(b *browser, path string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.http.URL+path, nil)
		resp, err := b.c.Do(req)
		if err != nil {
			t.Errorf("%s during the login storm: %v", path, err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s during the login storm: %d", path, resp.StatusCode)
		}
		if done := finished.Load(); done >= n {
			t.Errorf("%s was answered only after all %d logins finished", path, n)
		}
	}
	probe(e.browser(), "/healthz")
	probe(citizen, "/")
	probe(e.browser(), "/healthz")
	wg.Wait()
	close(stopSampling)
	<-sampled
	const hashMiB = 19
	if grew := (int64(peak.Load()) - int64(base.HeapAlloc)) >> 20; grew > 16*hashMiB {
		t.Errorf("the heap grew by %d MiB during the storm: about %d hashes ran at once, not 2", grew, grew/hashMiB)
	} else {
		t.Logf("the heap grew by at most %d MiB during the storm", grew)
	}
	if got := unauthorized.Load(); got < n*9/10 {
		t.Errorf("only %d of %d logins were checked (401); the rest were refused before hashing", got, n)
	}
}

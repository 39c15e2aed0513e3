//go:build unix

package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"syscall"
	"testing"
	"time"

	"portal"
)

// BenchmarkDashboard measures GET / for a signed-in citizen with a page of notifications, two pending
// requests and active consents, calling the server directly so that only the portal's own work counts.
func BenchmarkDashboard(b *testing.B) {
	e := newTestEnv(b)
	ctx := context.Background()
	aysel := e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	e.registry(finAysel)
	bank, key := e.company("Xəzər İnvest Bank", "1400012345", portal.ScopeIdentity, portal.ScopeAddress, portal.ScopeIncome)
	if _, err := e.store.GrantConsent(ctx, aysel.ID, bank.ID, portal.ScopeIdentity, portal.Validity1Year); err != nil {
		b.Fatal(err)
	}
	for range 12 { // delivered under the consent: a notification each
		e.api(key, http.MethodPost, "/api/v1/requests", reqBody(finAysel, "identity"))
	}
	for range 2 { // no consent: pending
		e.api(key, http.MethodPost, "/api/v1/requests", reqBody(finAysel, "address", "income"))
	}
	br := e.browser()
	br.login(finAysel, testPassword)
	u, _ := url.Parse(e.http.URL)
	cookies := br.c.Jar.Cookies(u)

	b.ReportAllocs()
	start := cpuTime(b)
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, e.http.URL+"/", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		e.server.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET /: %d", rec.Code)
		}
	}
	// CPU time, unlike wall time, hardly moves when other processes share the machine.
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time the process has used, all threads and the garbage collector included.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

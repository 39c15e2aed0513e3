package web_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"portal/web"
)

// Helpers for the security tests (issue 7).

// mutableTables are the tables whose every row a refused or read-only request must leave as it was.
var mutableTables = []string{"consents", "consent_events", "data_requests", "notifications", "companies", "offers", "api_keys", "users"}

// stateChecksum fingerprints everything a request could change: every row of the mutable tables, the
// sessions (without last_seen_at, which reading a page may refresh) and the number of audit entries.
func (e *testEnv) stateChecksum() string {
	e.t.Helper()
	db := e.readDB()
	h := sha256.New()
	dump := func(label, query string) {
		rows, err := db.Query(query)
		if err != nil {
			e.t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		n := 0
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.t.Fatal(err)
			}
			fmt.Fprintf(h, "%s %v\n", label, vals)
			n++
		}
		if err := rows.Err(); err != nil {
			e.t.Fatal(err)
		}
		fmt.Fprintf(h, "%s rows=%d\n", label, n)
	}
	for _, table := range mutableTables {
		dump(table, "SELECT * FROM "+table+" ORDER BY 1")
	}
	dump("sessions", "SELECT id_hash, user_id, data, created_at FROM sessions ORDER BY id_hash")
	dump("audit", "SELECT count(*) FROM audit_log")
	return hex.EncodeToString(h.Sum(nil))
}

// auditCount is the number of audit entries.
func (e *testEnv) auditCount() int {
	e.t.Helper()
	db := e.readDB()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM audit_log").Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// readDBs keeps one read-only connection pool per test database: walks fingerprint the database around
// every request, and opening it each time would dominate their run time.
var readDBs sync.Map // database path → *sql.DB

// readDB returns the read-only pool of the env's database, closed when the test ends.
func (e *testEnv) readDB() *sql.DB {
	e.t.Helper()
	path := e.store.Path()
	if db, ok := readDBs.Load(path); ok {
		return db.(*sql.DB)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		e.t.Fatal(err)
	}
	readDBs.Store(path, db)
	e.t.Cleanup(func() {
		readDBs.Delete(path)
		db.Close()
	})
	return db
}

// wantCSP is PRODUCT.md §8's Content-Security-Policy.
const wantCSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// checkSecurityHeaders reports every header of PRODUCT.md §8 missing from a response served over TLS.
func checkSecurityHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": wantCSP,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
	if hsts := h.Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=") {
		t.Errorf("%s: no HSTS over TLS (%q)", what, hsts)
	}
	if h.Get("X-Request-Id") == "" {
		t.Errorf("%s: no X-Request-Id", what)
	}
}

// Inline script and style: a <script> without src, a style attribute or element, an on...= handler.
var (
	scriptTagRE  = regexp.MustCompile(`(?is)<script\b[^>]*>`)
	styleAttrRE  = regexp.MustCompile(`(?is)<[a-z][^>]*\sstyle\s*=`)
	styleTagRE   = regexp.MustCompile(`(?i)<style\b`)
	handlerRE    = regexp.MustCompile(`(?is)<[a-z][^>]*\son[a-z]+\s*=`)
	srcAttrRE    = regexp.MustCompile(`(?i)\ssrc\s*=\s*"?/static/`)
	emptyScriptR = regexp.MustCompile(`(?is)<script\b[^>]*>\s*</script>`)
)

// inlineProblems lists the inline scripts, styles and event handlers in an HTML text (a page or a template).
func inlineProblems(html string) []string {
	var out []string
	for _, tag := range scriptTagRE.FindAllString(html, -1) {
		if !srcAttrRE.MatchString(tag) {
			out = append(out, "script without a local src: "+tag)
		}
	}
	// A script with a src must have no body either.
	for _, m := range regexp.MustCompile(`(?is)<script\b[^>]*>.*?</script>`).FindAllString(html, -1) {
		if !emptyScriptR.MatchString(m) {
			out = append(out, "script with a body: "+short(m))
		}
	}
	for _, re := range []*regexp.Regexp{styleAttrRE, styleTagRE, handlerRE} {
		for _, m := range re.FindAllString(html, -1) {
			out = append(out, "inline style or handler: "+short(m))
		}
	}
	return out
}

func short(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// walkableRoutes returns the routes a walk visits: every registered method and path except echo's
// internal not-found entries.
func walkableRoutes(e *echo.Echo) []*echo.Route {
	var out []*echo.Route
	for _, r := range e.Routes() {
		if strings.Contains(r.Name, "echo_route_not_found") || r.Method == echo.RouteNotFound {
			continue
		}
		out = append(out, r)
	}
	return out
}

// send makes one request with the browser (its cookies), extra headers and a form body, and returns the
// status, the headers and up to 1 MiB of the body. An event stream is cut after its headers and first bytes.
func (b *browser) send(method, path string, form string, headers map[string]string) (int, http.Header, string) {
	b.e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var body io.Reader
	if form != "" {
		body = strings.NewReader(form)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.e.http.URL+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		buf := make([]byte, 64)
		_, _ = resp.Body.Read(buf)
		return resp.StatusCode, resp.Header, ""
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header, string(raw)
}

// newTestEnvWith is newTestEnv with options of the test's choosing (trusted proxies, a hasher, a log).
func newTestEnvWith(t testing.TB, set func(*web.Options)) *testEnv {
	t.Helper()
	e := newTestEnv(t)
	opts := web.Options{Store: e.store, Clock: e.clock, Hasher: hasher}
	set(&opts)
	srv, err := web.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.server = srv
	e.http.Config.Handler = srv
	return e
}

package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/store/demo"
)

// walkEnv is a demo portal with the objects a route walk puts in paths: one of Aysel's consents, a pending
// request the bank made about her, the bank's first API key.
type walkEnv struct {
	*demoEnv
	consentID, requestID string
	keyID                int64
}

func newWalkEnv(t *testing.T) *walkEnv {
	t.Helper()
	e := newDemoEnv(t)
	e.registry(demo.AyselFIN)
	r := e.api(e.keys[e.bank.Name], "POST", "/api/v1/requests", `{"citizen_fin":"5ABCD12","scopes":["income"],"purpose":"Route walk"}`)
	if r.Status != http.StatusAccepted {
		t.Fatalf("pending request: %d %s", r.Status, r.Raw)
	}
	keys, err := e.store.APIKeys(t.Context(), e.bank.ID)
	if err != nil || len(keys) == 0 {
		t.Fatalf("bank keys: %v", err)
	}
	return &walkEnv{demoEnv: e, consentID: strconv.FormatInt(e.consentOf(e.aysel, e.bank, portal.ScopeIdentity).ID, 10),
		requestID: r.str("id"), keyID: keys[0].ID}
}

// path fills a route's parameters with the walk's objects.
func (w *walkEnv) path(route string) string {
	var out []string
	segs := strings.Split(route, "/")
	for i, seg := range segs {
		switch {
		case seg == ":id" && segs[i-1] == "consents":
			seg = w.consentID
		case seg == ":id" && segs[i-1] == "requests":
			seg = w.requestID
		case seg == ":id" && segs[i-1] == "companies":
			seg = strconv.FormatInt(w.bank.ID, 10)
		case seg == ":key":
			seg = strconv.FormatInt(w.keyID, 10)
		case seg == ":lang":
			seg = "en"
		case seg == "*":
			seg = "css/portal.css"
		case strings.HasPrefix(seg, ":"):
			w.t.Fatalf("route %s: no value for %s", route, seg)
		}
		out = append(out, seg)
	}
	return strings.Join(out, "/")
}

// roleOf is who may use a browser route: the admin for /admin, anybody for the login form and the public
// probes, the citizen for the rest.
func roleOf(path string) string {
	switch {
	case path == "/admin" || strings.HasPrefix(path, "/admin/"):
		return "admin"
	case path == "/login":
		return "anonymous"
	}
	return "citizen"
}

// plausibleForm is a form that a handler would accept: a grant's fields, a decision's, a company's, a
// login's and a password change's, all at once. The password "change" keeps the same password.
func (w *walkEnv) plausibleForm() url.Values {
	return url.Values{
		"company_id": {strconv.FormatInt(w.bank.ID, 10)}, "scope": {"employment"}, "validity": {"90d"}, "keep": {"30d"},
		"confirm": {"yes"}, "name": {"Walk Ltd"}, "voen": {"1999999999"}, "sector": {"other"},
		"fin": {demo.AyselFIN}, "password": {testPassword},
		"current_password": {testPassword}, "new_password": {testPassword}, "new_password2": {testPassword},
		"upto": {"999999"},
	}
}

// TestCSRF_EveryStateChangingRoute walks every non-GET browser route (the API takes bearer keys and no
// cookies) with a valid session of the route's role, and sends it (a) no token, (b) a wrong token, (c) a
// valid token from a cross-site page (Sec-Fetch-Site), (d) a valid token with a foreign Origin. Each must
// answer 403 and change nothing at all. A control run with a valid token proves the requests would
// otherwise reach their handlers.
func TestCSRF_EveryStateChangingRoute(t *testing.T) {
	w := newWalkEnv(t)
	browsers := map[string]*browser{"citizen": w.browser(), "admin": w.browser(), "anonymous": w.browser()}
	browsers["citizen"].login(demo.AyselFIN, testPassword)
	browsers["admin"].login(demo.AdminFIN, testPassword)
	tokens := map[string]string{
		"citizen": browsers["citizen"].csrf("/"), "admin": browsers["admin"].csrf("/admin"), "anonymous": browsers["anonymous"].csrf("/login"),
	}
	var walked []*echo.Route
	for _, r := range walkableRoutes(w.server.Echo()) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		walked = append(walked, r)
		role := roleOf(r.Path)
		b, tok := browsers[role], tokens[role]
		path := w.path(r.Path)
		attacks := []struct {
			name    string
			form    url.Values
			headers map[string]string
		}{
			{"no token", w.plausibleForm(), nil},
			{"wrong token", withToken(w.plausibleForm(), "A"+tok[1:]), map[string]string{"X-CSRF-Token": "A" + tok[1:]}},
			{"wrong token in header only", w.plausibleForm(), map[string]string{"X-CSRF-Token": "forged"}},
			{"cross-site", withToken(w.plausibleForm(), tok), map[string]string{"Sec-Fetch-Site": "cross-site", "X-CSRF-Token": tok}},
			{"foreign origin", withToken(w.plausibleForm(), tok), map[string]string{"Origin": "https://evil.example", "X-CSRF-Token": tok}},
		}
		for _, a := range attacks {
			before := w.stateChecksum()
			status, h, body := b.send(r.Method, path, a.form.Encode(), a.headers)
			if status != http.StatusForbidden {
				t.Errorf("%s %s as %s, %s: status %d, want 403 (%.200s)", r.Method, path, role, a.name, status, body)
			}
			if after := w.stateChecksum(); after != before {
				t.Errorf("%s %s as %s, %s: the database changed", r.Method, path, role, a.name)
			}
			checkSecurityHeaders(t, r.Method+" "+path, h)
		}
	}
	if len(walked) < 15 {
		t.Fatalf("walked only %d state-changing routes", len(walked))
	}
	// Control: a browser of the same role with its valid token gets past the check on every route (signed
	// in again when a route such as /logout ended its session).
	for _, r := range walked {
		role := roleOf(r.Path)
		b := browsers[role]
		tok := ""
		switch role {
		case "citizen":
			if !b.signedIn() {
				b.login(demo.AyselFIN, testPassword)
			}
			tok = b.csrf("/")
		case "admin":
			if !b.signedIn() {
				b.login(demo.AdminFIN, testPassword)
			}
			tok = b.csrf("/admin")
		default:
			tok = b.csrf("/login")
		}
		path := w.path(r.Path)
		if status, _, body := b.send(r.Method, path, withToken(w.plausibleForm(), tok).Encode(), nil); status == http.StatusForbidden {
			t.Errorf("control %s %s as %s with a valid token: 403 (%.200s): the walk proves nothing for this route", r.Method, path, role, body)
		}
	}
}

func withToken(form url.Values, tok string) url.Values {
	form.Set("_csrf", tok)
	return form
}

// TestRoutes_GETChangesNothing walks every GET route as an anonymous visitor, the citizen, the admin and a
// company (with its API key) and proves that none changes the database (sessions may only refresh their
// last-seen time; GET /lang sets a cookie and nothing else). Every answer also carries PRODUCT.md §8's
// headers, pages are never cached, and no HTML answer holds an inline script, style or event handler.
func TestRoutes_GETChangesNothing(t *testing.T) {
	w := newWalkEnv(t)
	citizen, admin := w.browser(), w.browser()
	citizen.login(demo.AyselFIN, testPassword)
	admin.login(demo.AdminFIN, testPassword)
	actors := []struct {
		name    string
		b       *browser
		headers map[string]string
	}{
		{"anonymous", w.browser(), nil},
		{"citizen", citizen, nil},
		{"admin", admin, nil},
		{"company", w.browser(), map[string]string{"Authorization": "Bearer " + w.keys[w.bank.Name]}},
		{"htmx citizen", citizen, map[string]string{"HX-Request": "true"}},
	}
	public := map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true, "/static/*": true, "/favicon.ico": true}
	walked := 0
	for _, r := range walkableRoutes(w.server.Echo()) {
		if r.Method != http.MethodGet {
			continue
		}
		path := w.path(r.Path)
		for _, a := range actors {
			before := w.stateChecksum()
			status, h, body := a.b.send(http.MethodGet, path, "", a.headers)
			if after := w.stateChecksum(); after != before {
				t.Errorf("GET %s as %s (status %d) changed the database", path, a.name, status)
			}
			if status >= 500 {
				t.Errorf("GET %s as %s: %d", path, a.name, status)
			}
			checkSecurityHeaders(t, "GET "+path+" as "+a.name, h)
			if !public[r.Path] && h.Get("Cache-Control") != "no-store" {
				t.Errorf("GET %s as %s: Cache-Control %q, want no-store", path, a.name, h.Get("Cache-Control"))
			}
			if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				for _, p := range inlineProblems(body) {
					t.Errorf("GET %s as %s: %s", path, a.name, p)
				}
			}
			walked++
		}
	}
	t.Logf("walked %d GET requests", walked)
}

// TestHeaders_EveryKindOfAnswer checks PRODUCT.md §8's headers on answers that the walks above do not all
// reach: an internal error (a handler that panics, registered only in this test), a 404, a 405, an API
// success and an API problem, a static file, an event stream and a HEAD request.
func TestHeaders_EveryKindOfAnswer(t *testing.T) {
	e := newTestEnv(t)
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	e.server.Echo().GET("/test-panic", func(echo.Context) error { panic("test panic: secret detail") })
	_, key := e.company("Header Bank", "1400012345", portal.ScopeIdentity)
	citizen := e.browser()
	citizen.login(finAysel, testPassword)
	anon := e.browser()
	cases := []struct {
		what       string
		b          *browser
		method     string
		path       string
		headers    map[string]string
		wantStatus int
	}{
		{"login page", anon, "GET", "/login", nil, 200},
		{"dashboard", citizen, "GET", "/", nil, 200},
		{"404 page", citizen, "GET", "/no-such-page", nil, 404},
		{"unrouted method", citizen, "PUT", "/healthz", nil, 403},
		{"500 page", citizen, "GET", "/test-panic", nil, 500},
		{"500 fragment", citizen, "GET", "/test-panic", map[string]string{"HX-Request": "true"}, 500},
		{"static", anon, "GET", "/static/js/portal.js", nil, 200},
		{"HEAD (not routed)", anon, "HEAD", "/static/css/portal.css", nil, 405},
		{"API success", anon, "GET", "/api/v1/offers", map[string]string{"Authorization": "Bearer " + key}, 200},
		{"API problem", anon, "GET", "/api/v1/offers", nil, 401},
		{"API 404", anon, "GET", "/api/v1/nothing", map[string]string{"Authorization": "Bearer " + key}, 404},
		{"event stream", citizen, "GET", "/events", nil, 200},
	}
	for _, c := range cases {
		status, h, body := c.b.send(c.method, c.path, "", c.headers)
		if status != c.wantStatus {
			t.Errorf("%s: status %d, want %d", c.what, status, c.wantStatus)
		}
		checkSecurityHeaders(t, c.what, h)
		if status == 500 && (strings.Contains(body, "secret detail") || !strings.Contains(body, h.Get("X-Request-Id"))) {
			t.Errorf("%s: the page leaks the panic or lacks the request id: %.300s", c.what, body)
		}
	}
}

// TestViews_NoInlineScriptOrStyle scans every template source for an inline script, a style attribute or
// element, or an event handler attribute: the CSP forbids them, so they would silently not work.
func TestViews_NoInlineScriptOrStyle(t *testing.T) {
	files, err := filepath.Glob("../views/*.templ")
	if err != nil || len(files) < 8 {
		t.Fatalf("templates: %v %v", files, err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range inlineProblems(string(src)) {
			t.Errorf("%s: %s", f, p)
		}
	}
	if p := inlineProblems(`<div style="x"><button onclick="x()"><script>alert(1)</script><style>`); len(p) < 4 {
		t.Errorf("the scanner misses inline code: %v", p)
	}
}

// TestViews_NoRawHTML: no template or view helper bypasses templ's escaping with templ.Raw, so data can
// never become markup.
func TestViews_NoRawHTML(t *testing.T) {
	files, _ := filepath.Glob("../views/*.templ")
	gofiles, _ := filepath.Glob("../views/*.go")
	for _, f := range append(files, gofiles...) {
		if strings.HasSuffix(f, "_templ.go") || strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(src), "templ.Raw(") || strings.Contains(string(src), "@templ.Raw") {
			t.Errorf("%s uses templ.Raw: data must go through templ's escaping", f)
		}
	}
}

// TestHTMXConfig_Exact: htmx is configured by exactly PRODUCT.md §8's meta tag, on every page.
func TestHTMXConfig_Exact(t *testing.T) {
	e := newTestEnv(t)
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	b := e.browser()
	check := func(path string) {
		_, doc := b.get(path)
		metas := doc.Find(`meta[name="htmx-config"]`)
		if metas.Length() != 1 {
			t.Fatalf("%s: %d htmx-config meta tags", path, metas.Length())
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(metas.AttrOr("content", "")), &got); err != nil {
			t.Fatalf("%s: htmx-config is not JSON: %v", path, err)
		}
		want := map[string]any{"selfRequestsOnly": true, "allowEval": false, "allowScriptTags": false, "historyCacheSize": 0.0, "includeIndicatorStyles": false}
		if len(got) != len(want) {
			t.Errorf("%s: htmx-config %v, want exactly %v", path, got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: htmx-config %s = %v, want %v", path, k, got[k], v)
			}
		}
	}
	check("/login")
	b.login(finAysel, testPassword)
	check("/")
	check("/no-such-page")
}

// TestNoEchoClientIPHelpers keeps true what the govulncheck allowlist says about echo v4's advisories on
// X-Real-IP and X-Forwarded-For (GO-2026-6875, GO-2026-6872): the portal never asks echo for the client's
// address (Context.RealIP, IPExtractor) and uses none of its proxy or rate-limiter middleware; the client
// address comes from auth.ClientIP, which believes forwarding headers only from --trusted-proxies.
func TestNoEchoClientIPHelpers(t *testing.T) {
	forbidden := regexp.MustCompile(`\.RealIP\(|IPExtractor|middleware\.(Proxy|RateLimiter)|ExtractIPFrom`)
	for _, dir := range []string{".", "../cmd/portal", "../auth", "../store", "../views"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if m := forbidden.FindString(string(src)); m != "" {
				t.Errorf("%s uses %s: see SECURITY.md on echo's client address helpers", f, m)
			}
		}
	}
}

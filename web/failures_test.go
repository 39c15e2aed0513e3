package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/auth"
	"portal/web"
)

// Errors and logs (issue 7): a failure shows a generic message and the request id, never its detail; the
// log has the detail and never a password, key, token, session id or FIN.

// logBuffer collects a server's log lines; handlers write from many goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newLoggedEnv(t *testing.T) (*testEnv, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	e := newTestEnvWith(t, func(o *web.Options) {
		o.Log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	return e, logs
}

// TestErrors_PanicIsGeneric: a handler that panics answers 500 with the generic page (or a problem document
// on the API) and the request id; the panic's text and stack go to the log under that id.
func TestErrors_PanicIsGeneric(t *testing.T) {
	e, logs := newLoggedEnv(t)
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	const secret = "internal detail: table users column password_hash"
	e.server.Echo().GET("/test-panic", func(echo.Context) error { panic(secret) })
	e.server.Echo().GET("/api/v1/test-panic", func(echo.Context) error { panic(secret) })
	b := e.browser()
	b.login(finAysel, testPassword)

	status, h, body := b.send("GET", "/test-panic", "", nil)
	id := h.Get("X-Request-Id")
	if status != http.StatusInternalServerError || strings.Contains(body, "password_hash") || strings.Contains(body, "goroutine") {
		t.Errorf("page: %d, leaks the detail: %v", status, strings.Contains(body, "password_hash"))
	}
	doc := parseHTML(t, body)
	if !strings.Contains(doc.Text(), id) || !strings.Contains(doc.Text(), az("err.generic")) {
		t.Errorf("the page lacks the generic message or the request id %s: %.300s", id, oneLine(doc.Text()))
	}
	if log := logs.String(); !strings.Contains(log, id) || !strings.Contains(log, "password_hash") || !strings.Contains(log, "goroutine") {
		t.Errorf("the log lacks the panic's detail and stack under %s", id)
	}

	r := e.api("", "GET", "/api/v1/test-panic", "")
	r.problem(t, http.StatusInternalServerError, "internal")
	if strings.Contains(r.Raw, "password_hash") || r.str("request_id") != r.Header.Get("X-Request-Id") || r.str("request_id") == "" {
		t.Errorf("API problem leaks the detail or lacks the request id: %s", r.Raw)
	}
}

// TestErrors_DatabaseDown: with the database closed under the running server, pages and the API answer
// 500 with the request id and nothing about the database; the log says what failed.
func TestErrors_DatabaseDown(t *testing.T) {
	e, logs := newLoggedEnv(t)
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	_, key := e.company("Down Bank", "1400012345", portal.ScopeIdentity)
	b := e.browser()
	b.login(finAysel, testPassword)
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/consents", "/companies"} {
		status, h, body := b.send("GET", path, "", nil)
		id := h.Get("X-Request-Id")
		if status != http.StatusInternalServerError {
			t.Errorf("%s: %d, want 500", path, status)
		}
		text := parseHTML(t, body).Text()
		if !strings.Contains(text, id) || !strings.Contains(text, az("err.generic")) {
			t.Errorf("%s: no generic message with request id %s: %.200s", path, id, oneLine(text))
		}
		for _, leak := range []string{"sql", "database is closed", "store:", "sqlite"} {
			if strings.Contains(strings.ToLower(body), leak) {
				t.Errorf("%s: the page says %q", path, leak)
			}
		}
		checkSecurityHeaders(t, "500 "+path, h)
	}
	r := e.api(key, "GET", "/api/v1/offers", "")
	r.problem(t, http.StatusInternalServerError, "internal")
	if strings.Contains(r.Raw, "sql") || r.str("request_id") == "" {
		t.Errorf("API: %s", r.Raw)
	}
	if status, _, _ := e.browser().send("GET", "/readyz", "", nil); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down: %d, want 503", status)
	}
	if !strings.Contains(logs.String(), "database is closed") {
		t.Error("the log does not say what failed")
	}
}

// TestLogs_NoSecrets runs a full session with the log captured at debug level: logins right and wrong, a
// throttled login, CSRF-protected forms, the company API with its key, an admin creating a key, a password
// change and an internal error. No password, session id, CSRF token, API key or FIN appears in the log.
func TestLogs_NoSecrets(t *testing.T) {
	e, logs := newLoggedEnv(t)
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	e.user("ADMIN01", "Administrator", portal.RoleAdmin)
	e.registry(finAysel)
	bank, key := e.company("Log Bank", "1400012345", portal.ScopeIdentity, portal.ScopeIncome)
	e.server.Echo().GET("/test-fail", func(c echo.Context) error {
		return portal.Errorf(portal.EINTERNAL, "lookup failed for %s", "request path") // a detail, not a secret
	})
	secrets := map[string]string{"test password": testPassword, "citizen FIN": finAysel, "API key": key}

	citizen := e.browser()
	anonTok := citizen.csrf("/login")
	secrets["anonymous CSRF token"] = anonTok
	citizen.loginAs("9QQQ999", "a wrong guess of a password", "")
	secrets["wrong password"], secrets["typed unknown FIN"] = "a wrong guess of a password", "9QQQ999"
	citizen.login(finAysel, testPassword)
	secrets["session id"] = citizen.cookie(auth.CookieName).Value
	tok := citizen.csrf("/")
	secrets["CSRF token"] = tok
	citizen.send("GET", "/companies?q="+finAysel, "", nil)
	citizen.send("GET", "/login?next=/consents", "", nil)
	citizen.post("/consents", url.Values{"_csrf": {tok}, "company_id": {idString(bank.ID)}, "scope": {"identity"}, "validity": {"30d"}})
	citizen.post("/consents", url.Values{"_csrf": {"forged"}, "company_id": {idString(bank.ID)}, "scope": {"income"}, "validity": {"30d"}})
	citizen.send("GET", "/test-fail", "", nil)

	r := e.api(key, "POST", "/api/v1/requests", `{"citizen_fin":"`+finAysel+`","scopes":["income"],"purpose":"Log test"}`, "Idempotency-Key", "log-test-1")
	if r.Status != http.StatusAccepted {
		t.Fatalf("API request: %d %s", r.Status, r.Raw)
	}
	e.api(key, "GET", "/api/v1/requests/"+r.str("id"), "")
	e.api(key+"x", "GET", "/api/v1/offers", "")
	e.api(key, "POST", "/api/v1/requests", `{"citizen_fin":"`+finAysel+`","scopes":["nope"],"purpose":1}`)
	citizen.post("/requests/"+r.str("id")+"/approve", url.Values{"_csrf": {tok}})

	admin := e.browser()
	admin.login("ADMIN01", testPassword)
	resp, doc := admin.adminSubmit("/admin/companies/"+idString(bank.ID), "/admin/companies/"+idString(bank.ID)+"/keys", url.Values{})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("admin key: %d", resp.StatusCode)
	}
	secrets["new API key"] = doc.Find(tid("new-key-value")).AttrOr("value", "")
	secrets["admin session id"] = admin.cookie(auth.CookieName).Value

	const newPassword = "the new secret passphrase"
	secrets["new password"] = newPassword
	citizen.post("/account/password", url.Values{"_csrf": {tok}, "current_password": {testPassword}, "new_password": {newPassword}, "new_password2": {newPassword}})
	secrets["session id after password change"] = citizen.cookie(auth.CookieName).Value
	guesser := e.browser()
	for i := range 6 {
		guesser.loginAs(finAysel, "guess "+string(rune('a'+i)), "") // the 6th is throttled
	}

	log := logs.String()
	if !strings.Contains(log, `"status":429`) || !strings.Contains(log, "internal error") || strings.Count(log, `"msg":"request"`) < 20 {
		t.Fatalf("the session did not run as planned; log:\n%s", log)
	}
	for what, s := range secrets {
		if s == "" {
			t.Errorf("%s: not captured", what)
			continue
		}
		if strings.Contains(log, s) {
			i := strings.Index(log, s)
			t.Errorf("the log contains the %s: …%s…", what, log[max(0, i-120):min(len(log), i+len(s)+40)])
		}
	}
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

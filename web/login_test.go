package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"portal"
)

func TestLogin(t *testing.T) {
	e := newTestEnv(t)
	e.user("5ABCD12", "Aysel Məmmədova", portal.RoleCitizen)

	t.Run("success greets the citizen by name", func(t *testing.T) {
		b := e.browser()
		b.login("5ABCD12", testPassword)
		resp, doc := b.get("/")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("dashboard status %d", resp.StatusCode)
		}
		if got := doc.Find(`[data-testid="greeting"]`).Text(); !strings.Contains(got, "Aysel Məmmədova") {
			t.Errorf("greeting = %q, want the citizen's name", got)
		}
		if doc.Find("html").AttrOr("lang", "") != "az" {
			t.Errorf("default language is not Azerbaijani")
		}
	})
	t.Run("lower-case FIN", func(t *testing.T) {
		b := e.browser()
		b.login("5abcd12", testPassword)
	})
	failures := map[string][2]string{
		"wrong password": {"5ABCD12", "not the password"},
		"unknown FIN":    {"9ZZZZ99", testPassword},
	}
	var messages []string
	for name, creds := range failures {
		t.Run(name, func(t *testing.T) {
			b := e.browser()
			tok := b.csrf("/login")
			resp, body := b.post("/login", url.Values{"fin": {creds[0]}, "password": {creds[1]}, "_csrf": {tok}})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
			if b.cookie("__Host-session") != nil {
				t.Error("a failed login set a session cookie")
			}
			messages = append(messages, loginError(t, body))
		})
	}
	if len(messages) == 2 && messages[0] != messages[1] {
		t.Errorf("failure messages differ (%q vs %q): they must not tell which was wrong", messages[0], messages[1])
	}
}

func loginError(t *testing.T, body string) string {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	msg := strings.TrimSpace(doc.Find(`[data-testid="login-error"]`).Text())
	if msg == "" {
		t.Fatalf("no login error shown: %.500s", body)
	}
	return msg
}

func TestLogin_SessionRotatesAndLogoutKillsIt(t *testing.T) {
	e := newTestEnv(t)
	e.user("7XYZ987", "Rəşad Əliyev", portal.RoleCitizen)
	b := e.browser()
	b.login("7XYZ987", testPassword)
	first := b.cookie("__Host-session")
	if first == nil {
		t.Fatal("no session cookie after login")
	}
	// Logging in again from the same browser replaces the id (no fixation).
	tok := b.csrf("/")
	if resp, _ := b.post("/login", url.Values{"fin": {"7XYZ987"}, "password": {testPassword}, "_csrf": {tok}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second login: %d", resp.StatusCode)
	}
	second := b.cookie("__Host-session")
	if second == nil || second.Value == first.Value {
		t.Fatal("session id did not change at login")
	}
	stolen := e.browser()
	stolen.c.Jar.SetCookies(mustURL(e.http.URL), []*http.Cookie{{Name: "__Host-session", Value: second.Value, Path: "/", Secure: true}})
	if resp, _ := stolen.get("/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("copied cookie before logout: %d, want 200", resp.StatusCode)
	}
	tok = b.csrf("/")
	if resp, _ := b.post("/logout", url.Values{"_csrf": {tok}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout status %d", resp.StatusCode)
	}
	if resp, _ := stolen.get("/"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("copied cookie after logout: %d %s, want a redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestLogin_SessionTimeouts(t *testing.T) {
	e := newTestEnv(t)
	e.user("3QWE456", "Leyla Həsənova", portal.RoleCitizen)
	t.Run("idle", func(t *testing.T) {
		b := e.browser()
		b.login("3QWE456", testPassword)
		e.clock.Advance(29 * time.Minute)
		if resp, _ := b.get("/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("after 29 idle minutes: %d, want 200", resp.StatusCode)
		}
		e.clock.Advance(31 * time.Minute)
		if resp, _ := b.get("/"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("after 31 idle minutes: %d, want a redirect to login", resp.StatusCode)
		}
	})
	t.Run("absolute", func(t *testing.T) {
		b := e.browser()
		b.login("3QWE456", testPassword)
		for range 12 * 3 { // busy all day: a request every 20 minutes
			e.clock.Advance(20 * time.Minute)
			resp, _ := b.get("/")
			if resp.StatusCode != http.StatusOK {
				return // ended at 12 hours, as it must; checked below that it was not earlier
			}
		}
		t.Error("session still alive after 12 hours of activity")
	})
}

func TestCSRF_LoginAndLogoutNeedToken(t *testing.T) {
	e := newTestEnv(t)
	e.user("5ABCD12", "Aysel Məmmədova", portal.RoleCitizen)
	b := e.browser()
	b.csrf("/login") // sets the anonymous token cookie
	if resp, _ := b.post("/login", url.Values{"fin": {"5ABCD12"}, "password": {testPassword}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without token: %d, want 403", resp.StatusCode)
	}
	b.login("5ABCD12", testPassword)
	for name, form := range map[string]url.Values{"no token": {}, "wrong token": {"_csrf": {"x" + strings.Repeat("A", 42)}}} {
		if resp, _ := b.post("/logout", form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("logout with %s: %d, want 403", name, resp.StatusCode)
		}
	}
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusOK {
		t.Errorf("session ended by a refused logout: %d", resp.StatusCode)
	}
	tok := b.csrf("/")
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/logout", strings.NewReader(url.Values{"_csrf": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := b.do(req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site logout with a valid token: %d, want 403", resp.StatusCode)
	}
}

func TestLogin_Throttled(t *testing.T) {
	e := newTestEnv(t)
	e.user("5ABCD12", "Aysel Məmmədova", portal.RoleCitizen)
	b := e.browser()
	tok := b.csrf("/login")
	for i := range 5 {
		resp, _ := b.post("/login", url.Values{"fin": {"5ABCD12"}, "password": {"wrong-password"}, "_csrf": {tok}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, resp.StatusCode)
		}
	}
	resp, _ := b.post("/login", url.Values{"fin": {"5ABCD12"}, "password": {testPassword}, "_csrf": {tok}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt: %d Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.clock.Advance(15*time.Minute + time.Second)
	b.login("5ABCD12", testPassword)
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestLogin_LogoutFromErrorPage: a signed-in citizen on a page that is not found can still sign out with the
// header's form: the error page carries the session's CSRF token.
func TestLogin_LogoutFromErrorPage(t *testing.T) {
	e := newTestEnv(t)
	e.user("5ABCD12", "Aysel Məmmədova", portal.RoleCitizen)
	b := e.browser()
	b.login("5ABCD12", testPassword)
	resp, doc := b.get("/no-such-page")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, want 404", resp.StatusCode)
	}
	tok, _ := doc.Find(`[data-testid="logout-form"] input[name="_csrf"]`).Attr("value")
	if tok == "" {
		t.Fatal("the error page's sign-out form has no CSRF token")
	}
	if resp, body := b.post("/logout", url.Values{"_csrf": {tok}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout from the error page: %d %.300s", resp.StatusCode, body)
	}
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("still signed in after logout: %d", resp.StatusCode)
	}
}

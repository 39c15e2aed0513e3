package web_test

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal"
	"portal/auth"
	"portal/web"
)

// Sessions (issue 7): fixation, ending other sessions, password change. Logout and the idle and absolute
// timeouts are proved by TestLogin_SessionRotatesAndLogoutKillsIt and TestLogin_SessionTimeouts.

// plant puts a session cookie with the value into the browser, as an attacker who can set cookies would.
func (b *browser) plant(value string) {
	b.c.Jar.SetCookies(mustURL(b.e.http.URL), []*http.Cookie{{Name: auth.CookieName, Value: value, Path: "/", Secure: true}})
}

func (b *browser) signedIn() bool {
	b.e.t.Helper()
	resp, _ := b.get("/account")
	return resp.StatusCode == http.StatusOK
}

// TestSession_FixationRefused: a session id chosen by an attacker never becomes the victim's session,
// whether it is made up or is the attacker's own live session planted in the victim's browser.
func TestSession_FixationRefused(t *testing.T) {
	e := newTestEnv(t)
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	e.user("7XYZ987", "Rəşad Əliyev", portal.RoleCitizen)

	t.Run("made-up id", func(t *testing.T) {
		raw := make([]byte, 32)
		_, _ = rand.Read(raw)
		planted := base64.RawURLEncoding.EncodeToString(raw)
		victim := e.browser()
		victim.plant(planted)
		victim.login(finAysel, testPassword)
		if got := victim.cookie(auth.CookieName); got == nil || got.Value == planted {
			t.Fatal("the planted id was adopted at login")
		}
		attacker := e.browser()
		attacker.plant(planted)
		if attacker.signedIn() {
			t.Error("the planted id opens the victim's session")
		}
	})
	t.Run("attacker's own session", func(t *testing.T) {
		attacker := e.browser()
		attacker.login("7XYZ987", testPassword)
		planted := attacker.cookie(auth.CookieName).Value
		victim := e.browser()
		victim.plant(planted) // the victim's browser now shows the attacker's account; she signs in as herself
		tok := victim.csrf("/")
		if resp, _ := victim.post("/login", url.Values{"fin": {finAysel}, "password": {testPassword}, "_csrf": {tok}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", resp.StatusCode)
		}
		if victim.cookie(auth.CookieName).Value == planted {
			t.Fatal("login kept the planted id")
		}
		_, doc := attacker.get("/")
		if strings.Contains(doc.Find(tid("user-name")).Text(), "Aysel") {
			t.Error("the attacker's cookie now opens the victim's session")
		}
	})
}

// TestSession_EndOthers: "sign out of all other devices" deletes every other session of the user at once
// (their cookies stop working), keeps this one, touches nobody else's, and is audited.
func TestSession_EndOthers(t *testing.T) {
	e := newTestEnv(t)
	aysel := e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	e.user("7XYZ987", "Rəşad Əliyev", portal.RoleCitizen)
	e.user("ADMIN01", "Administrator", portal.RoleAdmin)
	here, phone, laptop := e.browser(), e.browser(), e.browser()
	for _, b := range []*browser{here, phone, laptop} {
		b.login(finAysel, testPassword)
	}
	other := e.browser()
	other.login("7XYZ987", testPassword)

	_, doc := here.get("/account")
	if got := doc.Find(tid("session-count")).AttrOr("data-count", ""); got != "3" {
		t.Fatalf("account page shows %q sessions, want 3", got)
	}
	tok := here.csrf("/account")
	resp, _ := here.post("/sessions/end-others", url.Values{"_csrf": {tok}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Fatalf("end others: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, doc = here.get("/account")
	if fl := flashes(doc); len(fl) != 1 || fl[0] != az("flash.sessions_ended") {
		t.Errorf("flash %q", fl)
	}
	if got := doc.Find(tid("session-count")).AttrOr("data-count", ""); got != "1" {
		t.Errorf("after ending others: %q sessions, want 1", got)
	}
	if doc.Find(tid("end-others-form")).Length() != 0 {
		t.Error("the button is still offered with one session")
	}
	for name, b := range map[string]*browser{"phone": phone, "laptop": laptop} {
		if b.signedIn() {
			t.Errorf("the %s is still signed in", name)
		}
	}
	if !other.signedIn() {
		t.Error("another citizen's session ended")
	}
	if !here.signedIn() {
		t.Error("this session ended too")
	}
	if n, err := e.store.CountSessions(t.Context(), aysel.ID); err != nil || n != 1 {
		t.Errorf("sessions left: %d %v", n, err)
	}

	t.Run("admin too", func(t *testing.T) {
		a1, a2 := e.browser(), e.browser()
		a1.login("ADMIN01", testPassword)
		a2.login("ADMIN01", testPassword)
		a1.post("/sessions/end-others", url.Values{"_csrf": {a1.csrf("/account")}})
		if !a1.signedIn() || a2.signedIn() {
			t.Errorf("admin: this one signed in %v, the other %v", a1.signedIn(), a2.signedIn())
		}
	})
	t.Run("anonymous", func(t *testing.T) {
		b := e.browser()
		resp, _ := b.post("/sessions/end-others", url.Values{"_csrf": {b.csrf("/login")}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("anonymous: %d %s, want a redirect to login", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// TestEvents_ClosedWhenOtherSessionsEnd: the event stream of a session ended from another device closes
// within one heartbeat (plus scheduling slack); the stream of the session that ended the others stays open.
func TestEvents_ClosedWhenOtherSessionsEnd(t *testing.T) {
	const heartbeat = 400 * time.Millisecond
	e := newTestEnv(t)
	s, err := web.New(web.Options{Store: e.store, Clock: e.clock, Hasher: hasher, Heartbeat: heartbeat})
	if err != nil {
		t.Fatal(err)
	}
	e.server = s
	e.http.Config.Handler = s
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	here, there := e.browser(), e.browser()
	here.login(finAysel, testPassword)
	there.login(finAysel, testPassword)
	keptEvents, stopKept := here.openStream(t)
	defer stopKept()
	endedEvents, stopEnded := there.openStream(t)
	defer stopEnded()

	here.post("/sessions/end-others", url.Values{"_csrf": {here.csrf("/account")}})
	ended := time.Now()
	deadline := time.After(heartbeat + time.Second) // one heartbeat, and slack for a loaded machine
	for open := true; open; {
		select {
		case _, ok := <-endedEvents:
			open = ok
		case <-deadline:
			t.Fatalf("the ended session's stream is still open %s after the end", time.Since(ended))
		}
	}
	// The kept stream outlives a heartbeat.
	select {
	case _, ok := <-keptEvents:
		if !ok {
			t.Error("the stream of the session that stayed was closed")
		}
	case <-time.After(heartbeat + 200*time.Millisecond):
	}
}

// TestAccount_PasswordChange: the current password is required, the new one follows the password policy and
// is typed twice; a change ends every other session, keeps this browser signed in with a new session id,
// and the old password stops working.
func TestAccount_PasswordChange(t *testing.T) {
	e := newTestEnv(t)
	aysel := e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	here, other := e.browser(), e.browser()
	here.login(finAysel, testPassword)
	other.login(finAysel, testPassword)
	const newPassword = "a new and long passphrase"
	form := func(current, next, again string) url.Values {
		return url.Values{"_csrf": {here.csrf("/account/password")}, "current_password": {current}, "new_password": {next}, "new_password2": {again}}
	}
	refusals := []struct {
		name      string
		form      url.Values
		field     string
		wantKey   string
		wantCount int
	}{
		{"wrong current password", form("not my password", newPassword, newPassword), "current_password", "err.password_wrong", 0},
		{"new passwords differ", form(testPassword, newPassword, newPassword+"!"), "new_password2", "err.password_mismatch", 0},
		{"too short", form(testPassword, "short", "short"), "new_password", "err.password_length", 0},
		{"common", form(testPassword, "password123", "password123"), "new_password", "err.password_common", 0},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			resp, body := here.post("/account/password", r.form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			doc := parseHTML(t, body)
			if got := strings.TrimSpace(doc.Find(tid("error-" + r.field)).Text()); got != az(r.wantKey) {
				t.Errorf("%s error %q, want %q", r.field, got, az(r.wantKey))
			}
			if strings.Contains(body, newPassword) || strings.Contains(body, testPassword) {
				t.Error("a password is shown back in the form")
			}
			if !other.signedIn() {
				t.Fatal("a refused change ended the other session")
			}
		})
	}

	oldCookie := here.cookie(auth.CookieName).Value
	audits := e.auditCount()
	resp, _ := here.post("/account/password", form(testPassword, newPassword, newPassword))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Fatalf("change: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !here.signedIn() {
		t.Fatal("this browser was signed out")
	}
	if here.cookie(auth.CookieName).Value == oldCookie {
		t.Error("the session id did not change with the password")
	}
	if other.signedIn() {
		t.Error("the other device is still signed in after the password change")
	}
	stale := e.browser()
	stale.plant(oldCookie)
	if stale.signedIn() {
		t.Error("the pre-change cookie still works")
	}
	if e.auditCount() <= audits {
		t.Error("the change was not audited")
	}
	if n, _ := e.store.CountSessions(t.Context(), aysel.ID); n != 1 {
		t.Errorf("%d sessions after the change, want 1", n)
	}
	fresh := e.browser()
	tok := fresh.csrf("/login")
	if resp, _ := fresh.post("/login", url.Values{"fin": {finAysel}, "password": {testPassword}, "_csrf": {tok}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old password: %d, want 401", resp.StatusCode)
	}
	fresh.login(finAysel, newPassword)
}

// TestAccount_PasswordGuessingThrottled: a stolen session cannot be used to guess the current password:
// after 5 wrong guesses the form answers 429 until the window passes, even with the right password.
func TestAccount_PasswordGuessingThrottled(t *testing.T) {
	e := newTestEnv(t)
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	b := e.browser()
	b.login(finAysel, testPassword)
	tok := b.csrf("/account/password")
	try := func(current string) *http.Response {
		resp, _ := b.post("/account/password", url.Values{"_csrf": {tok}, "current_password": {current},
			"new_password": {"another long passphrase"}, "new_password2": {"another long passphrase"}})
		return resp
	}
	for i := range 5 {
		if resp := try("guess number " + string(rune('a'+i))); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d, want 422", i+1, resp.StatusCode)
		}
	}
	if resp := try(testPassword); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt: %d Retry-After %q, want 429", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.clock.Advance(15*time.Minute + time.Second)
	if resp := try(testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the window: %d, want 303", resp.StatusCode)
	}
}

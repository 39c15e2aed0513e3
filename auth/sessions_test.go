package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"portal"
)

// memBackend is an in-memory SessionBackend: a fake of an interface auth owns, counting writes so that
// tests can check that reads do not write.
type memBackend struct {
	mu      sync.Mutex
	rows    map[string]portal.Session
	touches int
	fail    error // returned by every call when set
}

func newMemBackend() *memBackend { return &memBackend{rows: map[string]portal.Session{}} }

func (b *memBackend) CreateSession(_ context.Context, s portal.Session) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	if _, ok := b.rows[string(s.IDHash)]; ok {
		return errors.New("duplicate id")
	}
	b.rows[string(s.IDHash)] = s
	return nil
}

func (b *memBackend) Session(_ context.Context, idHash []byte) (portal.Session, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return portal.Session{}, b.fail
	}
	s, ok := b.rows[string(idHash)]
	if !ok {
		return portal.Session{}, portal.Errorf(portal.ENOTFOUND, "session not found")
	}
	return s, nil
}

func (b *memBackend) UpdateSession(_ context.Context, idHash, data []byte, lastSeen time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	s, ok := b.rows[string(idHash)]
	if !ok {
		return portal.Errorf(portal.ENOTFOUND, "session not found")
	}
	s.Data, s.LastSeenAt = data, lastSeen
	b.rows[string(idHash)] = s
	return nil
}

func (b *memBackend) TouchSession(_ context.Context, idHash []byte, t time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	b.touches++
	if s, ok := b.rows[string(idHash)]; ok {
		s.LastSeenAt = t
		b.rows[string(idHash)] = s
	}
	return nil
}

func (b *memBackend) DeleteSession(_ context.Context, idHash []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	delete(b.rows, string(idHash))
	return nil
}

func (b *memBackend) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.rows)
}

var epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// sessionCookie returns the last Set-Cookie for name in rec, failing if there is none.
func sessionCookie(t *testing.T, rec *httptest.ResponseRecorder, name string) *http.Cookie {
	t.Helper()
	var found *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			found = c
		}
	}
	if found == nil {
		t.Fatalf("no %s cookie set; headers %v", name, rec.Header())
	}
	return found
}

func requestWith(c *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if c != nil {
		r.AddCookie(c)
	}
	return r
}

// login signs user 7 in and returns the session cookie.
func login(t *testing.T, s *SessionStore, r *http.Request) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if _, err := s.Login(rec, r, 7); err != nil {
		t.Fatal(err)
	}
	return sessionCookie(t, rec, s.Name())
}

func TestSessionStore_CookieAttributes(t *testing.T) {
	tests := []struct {
		name       string
		dev        bool
		cookieName string
		secure     bool
	}{
		{"production", false, "__Host-session", true},
		{"dev", true, "session", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSessionStore(newMemBackend(), portal.NewFakeClock(epoch), SessionOptions{Dev: tt.dev})
			c := login(t, s, requestWith(nil))
			if c.Name != tt.cookieName || c.Secure != tt.secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode ||
				c.Path != "/" || c.Domain != "" || c.MaxAge != 0 {
				t.Errorf("cookie %+v", c)
			}
			if _, ok := HashSessionID(c.Value); !ok {
				t.Errorf("cookie value %q is not a 32-byte base64url id", c.Value)
			}
		})
	}
}

func TestSessionStore_Current(t *testing.T) {
	b := newMemBackend()
	clock := portal.NewFakeClock(epoch)
	s := NewSessionStore(b, clock, SessionOptions{})
	c := login(t, s, requestWith(nil))

	t.Run("signed in", func(t *testing.T) {
		cur, err := s.Current(requestWith(c))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := HashSessionID(c.Value)
		if cur.UserID != 7 || string(cur.IDHash) != string(want) || !cur.CreatedAt.Equal(epoch) {
			t.Errorf("Current = %+v", cur)
		}
		if _, ok := b.rows[string(want)]; !ok {
			t.Error("the backend does not keep SHA-256 of the id")
		}
	})
	for _, tt := range []struct {
		name   string
		cookie *http.Cookie
	}{
		{"no cookie", nil},
		{"garbage cookie", &http.Cookie{Name: s.Name(), Value: "not-an-id"}},
		{"unknown id", &http.Cookie{Name: s.Name(), Value: strings.Repeat("A", 43)}},
		{"other cookie name", &http.Cookie{Name: "session", Value: c.Value}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Current(requestWith(tt.cookie)); err != ErrNoSession {
				t.Fatalf("Current = %v, want ErrNoSession", err)
			}
		})
	}
	t.Run("backend failure", func(t *testing.T) {
		b.fail = errors.New("disk on fire")
		defer func() { b.fail = nil }()
		_, err := s.Current(requestWith(c))
		if err == nil || err == ErrNoSession || !strings.Contains(err.Error(), "disk on fire") {
			t.Fatalf("Current = %v, want the backend's error", err)
		}
	})
}

func TestSessionStore_Timeouts(t *testing.T) {
	tests := []struct {
		name  string
		steps []time.Duration // requests at these gaps, each must succeed
		last  time.Duration   // then this gap
		alive bool
	}{
		{"idle just under 30m", nil, 29*time.Minute + 59*time.Second, true},
		{"idle 30m", nil, 30 * time.Minute, false},
		{"busy session survives past the idle timeout", []time.Duration{20 * time.Minute, 20 * time.Minute}, 20 * time.Minute, true},
		{"absolute 12h even when busy", repeat(25*time.Minute, 28), 20 * time.Minute, false}, // 11h40m + 20m
		{"just under absolute", repeat(25*time.Minute, 28), 19 * time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newMemBackend()
			clock := portal.NewFakeClock(epoch)
			s := NewSessionStore(b, clock, SessionOptions{})
			c := login(t, s, requestWith(nil))
			for i, d := range tt.steps {
				clock.Advance(d)
				if _, err := s.Current(requestWith(c)); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			clock.Advance(tt.last)
			_, err := s.Current(requestWith(c))
			if tt.alive && err != nil {
				t.Fatalf("Current = %v, want alive", err)
			}
			if !tt.alive {
				if err != ErrNoSession {
					t.Fatalf("Current = %v, want ErrNoSession", err)
				}
				if b.len() != 0 {
					t.Error("the expired row was not deleted")
				}
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestSessionStore_TouchAtMostOncePerMinute(t *testing.T) {
	b := newMemBackend()
	clock := portal.NewFakeClock(epoch)
	s := NewSessionStore(b, clock, SessionOptions{})
	c := login(t, s, requestWith(nil))
	for range 5 {
		clock.Advance(10 * time.Second)
		if _, err := s.Current(requestWith(c)); err != nil {
			t.Fatal(err)
		}
	}
	if b.touches != 0 {
		t.Fatalf("%d touches within the first minute", b.touches)
	}
	clock.Advance(10 * time.Second) // 60s since login
	cur, err := s.Current(requestWith(c))
	if err != nil {
		t.Fatal(err)
	}
	if b.touches != 1 || !cur.LastSeenAt.Equal(clock.Now()) {
		t.Fatalf("touches %d, LastSeenAt %v", b.touches, cur.LastSeenAt)
	}
}

func TestSessionStore_LoadsOncePerRequest(t *testing.T) {
	b := newMemBackend()
	s := NewSessionStore(b, portal.NewFakeClock(epoch), SessionOptions{})
	c := login(t, s, requestWith(nil))
	r := requestWith(c)
	first, err := s.Current(r)
	if err != nil {
		t.Fatal(err)
	}
	b.fail = errors.New("must not be called again")
	second, err := s.Current(r)
	if err != nil || second.Session != first.Session {
		t.Fatalf("second Current = %v, %v; want the cached session", second.Session, err)
	}
	viaGet, err := s.Get(r, s.Name())
	if err != nil || viaGet != first.Session {
		t.Fatalf("Get = %v, %v; want the cached session", viaGet, err)
	}
}

func TestSessionStore_Login(t *testing.T) {
	b := newMemBackend()
	s := NewSessionStore(b, portal.NewFakeClock(epoch), SessionOptions{})
	old := login(t, s, requestWith(nil))

	// Logging in again from a request that carries a session replaces it.
	r := requestWith(old)
	rec := httptest.NewRecorder()
	before, _ := s.Current(r)
	before.Session.Values["theme"] = "dark"
	sess, err := s.Login(rec, r, 9)
	if err != nil {
		t.Fatal(err)
	}
	fresh := sessionCookie(t, rec, s.Name())
	if fresh.Value == old.Value || fresh.MaxAge < 0 {
		t.Fatalf("Login kept id %q or expired the cookie: %+v", old.Value, fresh)
	}
	if n := len(rec.Result().Cookies()); n != 1 {
		t.Errorf("Login set %d cookies, want 1", n)
	}
	if _, err := s.Current(requestWith(old)); err != ErrNoSession {
		t.Errorf("old cookie after Login: %v, want ErrNoSession", err)
	}
	if b.len() != 1 {
		t.Errorf("%d rows, want only the new one", b.len())
	}
	if _, ok := sess.Values["theme"]; ok {
		t.Error("values carried over into the new session")
	}
	// The same request now sees the new session.
	cur, err := s.Current(r)
	if err != nil || cur.UserID != 9 || cur.Session != sess {
		t.Fatalf("Current after Login in the same request = %+v, %v", cur, err)
	}
	if cur, err := s.Current(requestWith(fresh)); err != nil || cur.UserID != 9 {
		t.Fatalf("new cookie: %+v, %v", cur, err)
	}
	if _, err := s.Login(httptest.NewRecorder(), requestWith(nil), 0); err == nil {
		t.Error("Login with user id 0 succeeded")
	}
}

func TestSessionStore_Logout(t *testing.T) {
	b := newMemBackend()
	clock := portal.NewFakeClock(epoch)
	s := NewSessionStore(b, clock, SessionOptions{})
	c := login(t, s, requestWith(nil))

	r := requestWith(c)
	rec := httptest.NewRecorder()
	if err := s.Logout(rec, r); err != nil {
		t.Fatal(err)
	}
	if exp := sessionCookie(t, rec, s.Name()); exp.MaxAge >= 0 || exp.Value != "" {
		t.Errorf("Logout cookie %+v, want expired", exp)
	}
	if b.len() != 0 {
		t.Error("Logout left the row")
	}
	if _, err := s.Current(requestWith(c)); err != ErrNoSession {
		t.Errorf("copied cookie after Logout: %v", err)
	}
	// Saving the registry after Logout must not bring the session back.
	if err := sessions.Save(r, httptest.NewRecorder()); err != nil || b.len() != 0 {
		t.Errorf("registry save after Logout: %v, %d rows", err, b.len())
	}
	if err := s.Logout(httptest.NewRecorder(), requestWith(nil)); err != nil {
		t.Errorf("Logout without a session: %v", err)
	}
}

func TestSessionStore_SaveValues(t *testing.T) {
	b := newMemBackend()
	clock := portal.NewFakeClock(epoch)
	s := NewSessionStore(b, clock, SessionOptions{})
	c := login(t, s, requestWith(nil))

	r := requestWith(c)
	cur, _ := s.Current(r)
	cur.Session.Values["lang"] = "az"
	cur.Session.Values["flash"] = "Razılıq geri götürüldü"
	clock.Advance(5 * time.Second)
	rec := httptest.NewRecorder()
	if err := sessions.Save(r, rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Result().Cookies()) != 0 {
		t.Error("saving an existing session re-sent the cookie")
	}
	again, err := s.Current(requestWith(c))
	if err != nil {
		t.Fatal(err)
	}
	if again.Session.Values["lang"] != "az" || again.Session.Values["flash"] != "Razılıq geri götürüldü" {
		t.Errorf("values %v", again.Session.Values)
	}
	if !again.LastSeenAt.Equal(clock.Now()) {
		t.Errorf("LastSeenAt %v, want the save time", again.LastSeenAt)
	}

	for _, tt := range []struct {
		name string
		key  any
		val  any
	}{
		{"int value", "n", 1},
		{"int key", 1, "x"},
		{"slice value", "f", []any{"x"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := requestWith(c)
			cur, _ := s.Current(r)
			cur.Session.Values[tt.key] = tt.val
			if err := cur.Session.Save(r, httptest.NewRecorder()); err == nil {
				t.Fatal("Save accepted a non-string key or value")
			}
		})
	}
}

func TestSessionStore_SaveWithoutUser(t *testing.T) {
	b := newMemBackend()
	s := NewSessionStore(b, portal.NewFakeClock(epoch), SessionOptions{})
	r := requestWith(nil)
	sess, err := s.Get(r, s.Name())
	if err != nil || !sess.IsNew {
		t.Fatalf("Get = %+v, %v", sess, err)
	}
	if err := sess.Save(r, httptest.NewRecorder()); err != nil {
		t.Fatalf("saving an empty anonymous session: %v", err)
	}
	sess.Values["x"] = "y"
	err = sess.Save(r, httptest.NewRecorder())
	if portal.ErrorCode(err) != portal.EUNAUTHORIZED {
		t.Fatalf("saving an anonymous session with values = %v, want EUNAUTHORIZED", err)
	}
	if b.len() != 0 {
		t.Error("an anonymous session was stored")
	}
}

func TestSessionStore_SaveAfterRowDeleted(t *testing.T) {
	b := newMemBackend()
	s := NewSessionStore(b, portal.NewFakeClock(epoch), SessionOptions{})
	c := login(t, s, requestWith(nil))
	r := requestWith(c)
	cur, _ := s.Current(r)
	// Another device ends this session while the request runs.
	_ = b.DeleteSession(context.Background(), cur.IDHash)
	cur.Session.Values["k"] = "v"
	rec := httptest.NewRecorder()
	err := cur.Session.Save(r, rec)
	if portal.ErrorCode(err) != portal.EUNAUTHORIZED {
		t.Fatalf("Save = %v, want EUNAUTHORIZED", err)
	}
	if b.len() != 0 {
		t.Error("Save brought an ended session back")
	}
	if exp := sessionCookie(t, rec, s.Name()); exp.MaxAge >= 0 {
		t.Errorf("cookie %+v not expired", exp)
	}
}

func TestSessionStore_SaveMaxAgeNegativeDeletes(t *testing.T) {
	b := newMemBackend()
	s := NewSessionStore(b, portal.NewFakeClock(epoch), SessionOptions{})
	c := login(t, s, requestWith(nil))
	r := requestWith(c)
	sess, err := s.Get(r, s.Name())
	if err != nil {
		t.Fatal(err)
	}
	sess.Options.MaxAge = -1
	rec := httptest.NewRecorder()
	if err := sess.Save(r, rec); err != nil {
		t.Fatal(err)
	}
	if b.len() != 0 {
		t.Error("Save with MaxAge < 0 left the row")
	}
	if exp := sessionCookie(t, rec, s.Name()); exp.MaxAge >= 0 {
		t.Errorf("cookie %+v not expired", exp)
	}
}

func TestIDHashAndUserID(t *testing.T) {
	s := NewSessionStore(newMemBackend(), portal.NewFakeClock(epoch), SessionOptions{})
	r := requestWith(nil)
	sess, _ := s.Get(r, s.Name())
	if IDHash(sess) != nil {
		t.Error("an unsaved session has an id hash")
	}
	if _, ok := UserID(sess); ok {
		t.Error("an anonymous session has a user")
	}
	sess, err := s.Login(httptest.NewRecorder(), r, 42)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := HashSessionID(sess.ID)
	if got := IDHash(sess); string(got) != string(want) {
		t.Errorf("IDHash = %x, want %x", got, want)
	}
	if id, ok := UserID(sess); !ok || id != 42 {
		t.Errorf("UserID = %d, %v", id, ok)
	}
	if IDHash(nil) != nil {
		t.Error("IDHash(nil) is not nil")
	}
}

package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"portal"
	"portal/auth"
	"portal/store"
	"portal/store/storetest"
)

// The real store must satisfy the interface auth defines.
var _ auth.SessionBackend = (*store.Store)(nil)

// setup opens a migrated database with one citizen, whose sessions the tests drive.
func setup(t *testing.T) (*store.Store, *portal.FakeClock, *auth.SessionStore, portal.User) {
	t.Helper()
	s, clock := storetest.New(t)
	u, err := s.CreateUser(context.Background(), portal.System,
		portal.User{FIN: "1ABCDEF", Name: "X", Role: portal.RoleCitizen}, "hash")
	if err != nil {
		t.Fatal(err)
	}
	return s, clock, auth.NewSessionStore(s, clock, auth.SessionOptions{}), u
}

func request(c *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if c != nil {
		r.AddCookie(c)
	}
	return r
}

func cookieFrom(t *testing.T, rec *httptest.ResponseRecorder, name string) *http.Cookie {
	t.Helper()
	var found *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			found = c
		}
	}
	if found == nil {
		t.Fatalf("no %s cookie in %v", name, rec.Header())
	}
	return found
}

func loginCookie(t *testing.T, ss *auth.SessionStore, r *http.Request, userID int64) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if _, err := ss.Login(rec, r, userID); err != nil {
		t.Fatal(err)
	}
	return cookieFrom(t, rec, ss.Name())
}

func TestStoreSessions_RoundTrip(t *testing.T) {
	s, clock, ss, u := setup(t)
	ctx := context.Background()
	c := loginCookie(t, ss, request(nil), u.ID)

	cur, err := ss.Current(request(c))
	if err != nil {
		t.Fatal(err)
	}
	if cur.UserID != u.ID || !cur.CreatedAt.Equal(storetest.Epoch) {
		t.Fatalf("Current = %+v", cur)
	}
	// The store reads the user with the session row, so that a page needs one statement for both.
	if cur.User == nil || cur.User.ID != u.ID || cur.User.Name != u.Name || cur.User.FIN != u.FIN || cur.User.Role != u.Role {
		t.Fatalf("Current.User = %+v, want %+v", cur.User, u)
	}
	if n, _ := s.CountSessions(ctx, u.ID); n != 1 {
		t.Fatalf("%d session rows, want 1", n)
	}

	t.Run("values", func(t *testing.T) {
		r := request(c)
		cur, _ := ss.Current(r)
		token := auth.CSRFToken(cur.Session)
		cur.Session.Values["lang"] = "az"
		clock.Advance(time.Minute)
		if err := cur.Session.Save(r, httptest.NewRecorder()); err != nil {
			t.Fatal(err)
		}
		again, err := ss.Current(request(c))
		if err != nil {
			t.Fatal(err)
		}
		if again.Session.Values["lang"] != "az" || !auth.ValidCSRF(again.Session, token) {
			t.Fatalf("values did not round-trip: %v", again.Session.Values)
		}
		if !again.LastSeenAt.Equal(clock.Now()) {
			t.Errorf("LastSeenAt %v, want %v", again.LastSeenAt, clock.Now())
		}
	})

	t.Run("keep current when ending others", func(t *testing.T) {
		other := loginCookie(t, ss, request(nil), u.ID)
		cur, _ := ss.Current(request(c))
		if n, err := s.DeleteOtherSessions(ctx, portal.System, u.ID, cur.IDHash); err != nil || n != 1 {
			t.Fatalf("DeleteOtherSessions = %d, %v", n, err)
		}
		if _, err := ss.Current(request(other)); err != auth.ErrNoSession {
			t.Errorf("the other session survived: %v", err)
		}
		if _, err := ss.Current(request(c)); err != nil {
			t.Errorf("the current session ended: %v", err)
		}
	})
}

func TestStoreSessions_LoginRotatesID(t *testing.T) {
	s, _, ss, u := setup(t)
	old := loginCookie(t, ss, request(nil), u.ID)
	fresh := loginCookie(t, ss, request(old), u.ID)
	if fresh.Value == old.Value {
		t.Fatal("Login kept the session id")
	}
	if _, err := ss.Current(request(old)); err != auth.ErrNoSession {
		t.Errorf("old cookie after a new login: %v", err)
	}
	if _, err := ss.Current(request(fresh)); err != nil {
		t.Errorf("new cookie: %v", err)
	}
	if n, _ := s.CountSessions(context.Background(), u.ID); n != 1 {
		t.Errorf("%d rows, want only the new session", n)
	}
}

func TestStoreSessions_Logout(t *testing.T) {
	s, _, ss, u := setup(t)
	c := loginCookie(t, ss, request(nil), u.ID)
	rec := httptest.NewRecorder()
	if err := ss.Logout(rec, request(c)); err != nil {
		t.Fatal(err)
	}
	if exp := cookieFrom(t, rec, ss.Name()); exp.MaxAge >= 0 {
		t.Errorf("cookie %+v not expired", exp)
	}
	if n, _ := s.CountSessions(context.Background(), u.ID); n != 0 {
		t.Errorf("%d rows after Logout", n)
	}
	if _, err := ss.Current(request(c)); err != auth.ErrNoSession {
		t.Errorf("copied cookie after Logout: %v", err)
	}
}

func TestStoreSessions_Timeouts(t *testing.T) {
	tests := []struct {
		name  string
		busy  int           // requests every 25 minutes before the last gap
		gap   time.Duration // the last gap
		alive bool
	}{
		{"idle 29m", 0, 29 * time.Minute, true},
		{"idle 30m", 0, 30 * time.Minute, false},
		{"busy for 11h59m", 28, 19 * time.Minute, true},
		{"absolute 12h", 28, 20 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock, ss, u := setup(t)
			c := loginCookie(t, ss, request(nil), u.ID)
			for i := range tt.busy {
				clock.Advance(25 * time.Minute)
				if _, err := ss.Current(request(c)); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
			}
			clock.Advance(tt.gap)
			_, err := ss.Current(request(c))
			if tt.alive != (err == nil) {
				t.Fatalf("Current = %v, want alive %v", err, tt.alive)
			}
			if !tt.alive {
				if err != auth.ErrNoSession {
					t.Fatalf("Current = %v, want ErrNoSession", err)
				}
				if n, _ := s.CountSessions(context.Background(), u.ID); n != 0 {
					t.Errorf("the expired row was kept")
				}
			}
		})
	}
}

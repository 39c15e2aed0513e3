package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/sessions"

	"portal"
)

// SessionBackend persists sessions. *store.Store implements it; auth owns the interface so that it need not
// import the store.
type SessionBackend interface {
	// CreateSession stores a new session row.
	CreateSession(ctx context.Context, s portal.Session) error
	// Session returns the row with the id hash, or an error with code portal.ENOTFOUND.
	Session(ctx context.Context, idHash []byte) (portal.Session, error)
	// UpdateSession rewrites a row's values and last-seen time; a missing row is portal.ENOTFOUND.
	UpdateSession(ctx context.Context, idHash, data []byte, lastSeen time.Time) error
	// TouchSession records that a row was used at t.
	TouchSession(ctx context.Context, idHash []byte, t time.Time) error
	// DeleteSession removes a row; a missing row is not an error.
	DeleteSession(ctx context.Context, idHash []byte) error
}

// Cookie names. Outside development the __Host- prefix makes browsers insist on Secure, Path=/ and no
// Domain, so neither a subdomain nor a plain-HTTP page can plant or overwrite the session cookie.
const (
	CookieName    = "__Host-session"
	DevCookieName = "session" // browsers refuse __Host- cookies over plain HTTP
)

// Default session lifetimes (PRODUCT.md §8).
const (
	DefaultIdle     = 30 * time.Minute
	DefaultAbsolute = 12 * time.Hour
)

// touchEvery is how stale LastSeenAt may get before a request writes it: updating it on every request
// would turn every page view into a database write. The idle timeout is therefore exact to within a minute.
const touchEvery = time.Minute

// idLen is the size of a session id in bytes: 256 random bits, unguessable, so the cookie needs no signature.
const idLen = 32

// SessionOptions configure a SessionStore.
type SessionOptions struct {
	// Dev drops the Secure flag and the __Host- prefix so that sessions work over http://localhost.
	Dev bool
	// Idle ends a session unused for this long; zero means DefaultIdle.
	Idle time.Duration
	// Absolute ends a session this long after login however busy it is; zero means DefaultAbsolute.
	Absolute time.Duration
}

// SessionStore is a gorilla/sessions Store whose sessions live as rows in a SessionBackend. The cookie
// carries only a random id; the backend keeps its SHA-256, so a leaked database copy cannot be replayed as
// cookies. Every stored session belongs to a user: sessions start at Login and end at Logout or timeout.
// Session values are restricted to string keys and string values, kept as JSON.
//
// A SessionStore is safe for concurrent use.
type SessionStore struct {
	backend SessionBackend
	clock   portal.Clock
	opts    SessionOptions
	name    string
}

// interface check: the web layer may hand a SessionStore to anything that takes a sessions.Store.
var _ sessions.Store = (*SessionStore)(nil)

// NewSessionStore returns a SessionStore over backend, reading the time from clock.
func NewSessionStore(backend SessionBackend, clock portal.Clock, opts SessionOptions) *SessionStore {
	if opts.Idle <= 0 {
		opts.Idle = DefaultIdle
	}
	if opts.Absolute <= 0 {
		opts.Absolute = DefaultAbsolute
	}
	name := CookieName
	if opts.Dev {
		name = DevCookieName
	}
	return &SessionStore{backend: backend, clock: clock, opts: opts, name: name}
}

// Name returns the session cookie's name, to pass to Get.
func (s *SessionStore) Name() string { return s.name }

// cookieOptions are the attributes every session cookie gets. MaxAge 0 makes it a browser-session cookie:
// it goes when the browser closes, and the server enforces the real lifetimes anyway.
func (s *SessionStore) cookieOptions() *sessions.Options {
	return &sessions.Options{Path: "/", Secure: !s.opts.Dev, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

// metaKey is the Values key under which a loaded session keeps what the store knows about its row. The
// type is unexported, so no caller can collide with it, and it is never written to the backend.
type metaKey struct{}

// meta is the row behind a session, absent until the session is stored.
type meta struct {
	id         string // the cookie value; needed to re-send the cookie
	idHash     []byte
	userID     int64
	createdAt  time.Time
	lastSeenAt time.Time
	user       *portal.User // as the backend read it with the row; nil if it did not
}

func metaOf(sess *sessions.Session) *meta {
	if sess == nil {
		return nil
	}
	m, _ := sess.Values[metaKey{}].(*meta)
	return m
}

// Get returns the request's session, loading it at most once per request through gorilla's registry.
func (s *SessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the request's cookie, without the registry's caching; use Get instead.
// When there is no cookie, or its session is unknown or has timed out, New returns a fresh, unsaved session
// (IsNew true) and a nil error, so a client-chosen id is never adopted. An expired session's row is deleted.
// Errors are backend failures or undecodable values; New then still returns a fresh session, as gorilla
// expects.
func (s *SessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := s.newSession(name)
	id, idHash, ok := cookieID(r, name)
	if !ok {
		return sess, nil
	}
	ctx := r.Context()
	row, err := s.backend.Session(ctx, idHash)
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		return sess, nil
	}
	if err != nil {
		return sess, fmt.Errorf("auth: load session: %w", err)
	}
	now := s.clock.Now()
	if now.Sub(row.LastSeenAt) >= s.opts.Idle || now.Sub(row.CreatedAt) >= s.opts.Absolute {
		if err := s.backend.DeleteSession(ctx, idHash); err != nil {
			return sess, fmt.Errorf("auth: delete expired session: %w", err)
		}
		return sess, nil
	}
	values, err := decodeValues(row.Data)
	if err != nil {
		return sess, fmt.Errorf("auth: load session: %w", err)
	}
	if now.Sub(row.LastSeenAt) >= touchEvery {
		if err := s.backend.TouchSession(ctx, idHash, now); err != nil {
			return sess, fmt.Errorf("auth: touch session: %w", err)
		}
		row.LastSeenAt = now
	}
	for k, v := range values {
		sess.Values[k] = v
	}
	sess.Values[metaKey{}] = &meta{id: id, idHash: idHash, userID: row.UserID,
		createdAt: row.CreatedAt, lastSeenAt: row.LastSeenAt, user: row.User}
	sess.ID = id
	sess.IsNew = false
	return sess, nil
}

func (s *SessionStore) newSession(name string) *sessions.Session {
	sess := sessions.NewSession(s, name)
	sess.Options = s.cookieOptions()
	sess.IsNew = true
	return sess
}

// Save stores the session and sets its cookie when the session is new. A session with Options.MaxAge < 0 is
// deleted instead and its cookie expired. A session without a user (one that did not come from Login) is
// not stored: Save returns nil if it holds no values, and an error otherwise so that values are not lost
// silently. If the row has gone meanwhile (logged out elsewhere), Save expires the cookie and returns an
// error with code portal.EUNAUTHORIZED rather than bring the session back.
func (s *SessionStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	m := metaOf(sess)
	if sess.Options != nil && sess.Options.MaxAge < 0 {
		if err := s.destroy(r, sess); err != nil {
			return err
		}
		s.expireCookie(w, sess.Name())
		return nil
	}
	if m == nil || m.userID == 0 {
		if len(userValues(sess)) == 0 {
			return nil
		}
		return portal.Errorf(portal.EUNAUTHORIZED, "session has no user; sessions start at Login")
	}
	data, err := encodeValues(sess)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	if m.idHash != nil {
		err := s.backend.UpdateSession(ctx, m.idHash, data, now)
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			s.expireCookie(w, sess.Name())
			delete(sess.Values, metaKey{})
			return &portal.Error{Code: portal.EUNAUTHORIZED, Message: "session has ended", Key: "err.session_ended", Err: err}
		}
		if err != nil {
			return fmt.Errorf("auth: save session: %w", err)
		}
		m.lastSeenAt = now
		return nil
	}
	id, idHash := newSessionID()
	row := portal.Session{IDHash: idHash, UserID: m.userID, Data: data, CreatedAt: now, LastSeenAt: now}
	if err := s.backend.CreateSession(ctx, row); err != nil {
		return fmt.Errorf("auth: create session: %w", err)
	}
	m.id, m.idHash, m.createdAt, m.lastSeenAt = id, idHash, now, now
	sess.ID, sess.IsNew = id, false
	opts := s.cookieOptions()
	if sess.Options != nil {
		opts.MaxAge = sess.Options.MaxAge
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), id, opts))
	return nil
}

// destroy deletes the session's row and the row the request's cookie names, and empties the session.
func (s *SessionStore) destroy(r *http.Request, sess *sessions.Session) error {
	var hashes [][]byte
	if m := metaOf(sess); m != nil && m.idHash != nil {
		hashes = append(hashes, m.idHash)
	}
	// The session may not have loaded (timed out, say); the cookie's row goes anyway.
	if _, h, ok := cookieID(r, sess.Name()); ok && (len(hashes) == 0 || !bytes.Equal(h, hashes[0])) {
		hashes = append(hashes, h)
	}
	for _, h := range hashes {
		if err := s.backend.DeleteSession(r.Context(), h); err != nil {
			return fmt.Errorf("auth: delete session: %w", err)
		}
	}
	clear(sess.Values)
	sess.ID, sess.IsNew = "", true
	return nil
}

func (s *SessionStore) expireCookie(w http.ResponseWriter, name string) {
	opts := s.cookieOptions()
	opts.MaxAge = -1
	http.SetCookie(w, sessions.NewCookie(name, "", opts))
}

// Login starts a session for userID with a brand-new id and empty values, deleting the row of any session
// the request's cookie named: a fresh id at every login defeats session fixation, and the old session
// cannot outlive the switch. The returned session is also the one later Get calls in this request see.
func (s *SessionStore) Login(w http.ResponseWriter, r *http.Request, userID int64) (*sessions.Session, error) {
	if userID <= 0 {
		return nil, fmt.Errorf("auth: login: invalid user id %d", userID)
	}
	// A load error (say, undecodable values) must not block logging in again; the session object is still
	// the registry's, and it is reset below.
	sess, _ := s.Get(r, s.name)
	// No expiring Set-Cookie here: the new cookie below replaces the old one under the same name.
	if err := s.destroy(r, sess); err != nil {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	sess.Options = s.cookieOptions()
	sess.Values[metaKey{}] = &meta{userID: userID}
	if err := s.Save(r, w, sess); err != nil {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	return sess, nil
}

// Logout deletes the request's session row and expires its cookie, so a copied cookie stops working at
// once. Logging out without a session is not an error.
func (s *SessionStore) Logout(w http.ResponseWriter, r *http.Request) error {
	sess, _ := s.Get(r, s.name)
	if err := s.destroy(r, sess); err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	// The emptied session has no user, so saving the registry later stores nothing.
	s.expireCookie(w, s.name)
	return nil
}

// Current describes the signed-in session of a request.
type Current struct {
	// Session is the gorilla session, for values (CSRFToken) and Save.
	Session *sessions.Session
	// UserID is the signed-in user's id.
	UserID int64
	// IDHash is the SHA-256 of the session id, as the backend stores it: the web layer passes it as the
	// session to keep when a citizen ends all their other sessions.
	IDHash []byte
	// CreatedAt is when the session started (the login), from which the absolute timeout counts.
	CreatedAt time.Time
	// LastSeenAt is when the session was last used, to within a minute.
	LastSeenAt time.Time
	// User is the signed-in account as the backend read it together with the session, in this request;
	// nil when the backend does not read it (then the caller must), or for a session started in this
	// request.
	User *portal.User
}

// ErrNoSession is returned by Current when the request carries no live session. Its code is
// portal.EUNAUTHORIZED, which the web layer answers with the login page. It is shared: do not modify it.
var ErrNoSession = &portal.Error{Code: portal.EUNAUTHORIZED, Message: "not signed in", Key: "err.unauthorized"}

// Current returns the request's signed-in session, or ErrNoSession if there is none or it timed out (idle
// for Idle since it was last seen, or Absolute since login; such a row is deleted). Other errors are
// backend failures. The session is loaded once per request and LastSeenAt written at most once a minute.
func (s *SessionStore) Current(r *http.Request) (Current, error) {
	sess, err := s.Get(r, s.name)
	if err != nil {
		return Current{}, fmt.Errorf("auth: current session: %w", err)
	}
	m := metaOf(sess)
	if m == nil || m.idHash == nil || m.userID == 0 {
		return Current{}, ErrNoSession
	}
	return Current{Session: sess, UserID: m.userID, IDHash: bytes.Clone(m.idHash),
		CreatedAt: m.createdAt, LastSeenAt: m.lastSeenAt, User: m.user}, nil
}

// IDHash returns the stored id hash of a saved session, or nil for one that was never stored.
func IDHash(sess *sessions.Session) []byte {
	if m := metaOf(sess); m != nil {
		return bytes.Clone(m.idHash)
	}
	return nil
}

// UserID returns the user a session belongs to, and false for a session that has none.
func UserID(sess *sessions.Session) (int64, bool) {
	if m := metaOf(sess); m != nil && m.userID != 0 {
		return m.userID, true
	}
	return 0, false
}

// HashSessionID returns the SHA-256 of a session id as carried in the cookie, the form the backend keeps.
func HashSessionID(id string) ([]byte, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(raw) != idLen {
		return nil, false
	}
	sum := sha256.Sum256(raw)
	return sum[:], true
}

// cookieID returns the id in the request's cookie and its hash, if the cookie is there and well-formed.
func cookieID(r *http.Request, name string) (id string, idHash []byte, ok bool) {
	c, err := r.Cookie(name)
	if err != nil {
		return "", nil, false
	}
	idHash, ok = HashSessionID(c.Value)
	return c.Value, idHash, ok
}

func newSessionID() (id string, idHash []byte) {
	raw := make([]byte, idLen)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails since Go 1.24
	sum := sha256.Sum256(raw)
	return base64.RawURLEncoding.EncodeToString(raw), sum[:]
}

// userValues returns the caller's values, without the store's own entry.
func userValues(sess *sessions.Session) map[any]any {
	out := make(map[any]any, len(sess.Values))
	for k, v := range sess.Values {
		if _, ok := k.(metaKey); !ok {
			out[k] = v
		}
	}
	return out
}

// encodeValues writes the session's values as a JSON object. Only string keys and values are allowed:
// they round-trip through JSON exactly, unlike gob's arbitrary types, and keep rows readable.
func encodeValues(sess *sessions.Session) ([]byte, error) {
	vals := make(map[string]string, len(sess.Values))
	for k, v := range userValues(sess) {
		ks, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("auth: save session: key %v is a %T, not a string", k, k)
		}
		vs, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("auth: save session: value of %q is a %T, not a string", ks, v)
		}
		vals[ks] = vs
	}
	data, err := json.Marshal(vals)
	if err != nil {
		return nil, fmt.Errorf("auth: encode session values: %w", err)
	}
	return data, nil
}

func decodeValues(data []byte) (map[string]string, error) {
	vals := map[string]string{}
	if len(data) == 0 {
		return vals, nil
	}
	if err := json.Unmarshal(data, &vals); err != nil {
		return nil, fmt.Errorf("decode session values: %w", err)
	}
	return vals, nil
}

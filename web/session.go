package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/auth"
	"portal/views/i18n"
)

const (
	userKey    = "user"
	sessionKey = "session"
	langCookie = "lang"
)

// userOf returns the signed-in user, or nil.
func userOf(c echo.Context) *portal.User {
	u, _ := c.Get(userKey).(*portal.User)
	return u
}

// currentOf returns the signed-in session, or nil.
func currentOf(c echo.Context) *auth.Current {
	cur, _ := c.Get(sessionKey).(*auth.Current)
	return cur
}

// withLang puts the visitor's language (cookie, Azerbaijani by default) in the request context.
func withLang(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		lang := i18n.Lang("az")
		if ck, err := c.Cookie(langCookie); err == nil {
			lang = i18n.ParseLang(ck.Value)
		}
		r := c.Request()
		c.SetRequest(r.WithContext(i18n.WithLang(r.Context(), lang)))
		return next(c)
	}
}

// loadSession attaches the signed-in user, if any, to the request.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		cur, err := s.sessions.Current(c.Request())
		if portal.ErrorCode(err) == portal.EUNAUTHORIZED {
			return next(c)
		}
		if err != nil {
			return fmt.Errorf("load session: %w", err)
		}
		u, err := s.sessionUser(c, cur)
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			return next(c)
		}
		if err != nil {
			return fmt.Errorf("load session user: %w", err)
		}
		c.Set(userKey, u)
		c.Set(sessionKey, &cur)
		return next(c)
	}
}

// sessionUser returns the session's user: the one the store read with the session row, in the same
// statement, or else (a session the store did not read, such as one started in this request) read now.
func (s *Server) sessionUser(c echo.Context, cur auth.Current) (*portal.User, error) {
	if cur.User != nil && cur.User.ID == cur.UserID {
		return cur.User, nil
	}
	u, err := s.store.User(c.Request().Context(), cur.UserID)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// requireRole sends anonymous visitors to the login page and refuses signed-in users of another role.
func requireRole(role portal.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := userOf(c)
			if u == nil {
				return redirectToLogin(c)
			}
			if u.Role != role {
				if role == portal.RoleCitizen && c.Request().Method == http.MethodGet && c.Path() == "/" {
					return c.Redirect(http.StatusSeeOther, "/admin")
				}
				return portal.Errorf(portal.EFORBIDDEN, "this page is not for the %s role", u.Role).WithKey("err.forbidden")
			}
			return next(c)
		}
	}
}

func redirectToLogin(c echo.Context) error {
	target := "/login"
	if r := c.Request(); r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// localPath returns next when it is a path on this site, "" otherwise, so a login link cannot send a
// citizen to another site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return ""
	}
	return next
}

// anonCSRFCookie names the double-submit cookie that protects forms shown before login (the login form
// itself), when there is no session to keep a token in.
func (s *Server) anonCSRFCookie() string {
	if s.opts.Dev {
		return "csrf"
	}
	return "__Host-csrf"
}

// csrfToken returns the token that the page's forms must send back: the session's synchronizer token when
// signed in, else the anonymous double-submit cookie's value (set here if missing).
func (s *Server) csrfToken(c echo.Context) (string, error) {
	if cur := currentOf(c); cur != nil {
		return auth.CSRFToken(cur.Session), nil
	}
	if ck, err := c.Cookie(s.anonCSRFCookie()); err == nil && s.validAnonToken(ck.Value) {
		return ck.Value, nil
	}
	var nonce [24]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", fmt.Errorf("csrf token: %w", err)
	}
	tok := s.signAnonToken(base64.RawURLEncoding.EncodeToString(nonce[:]))
	c.SetCookie(&http.Cookie{Name: s.anonCSRFCookie(), Value: tok, Path: "/", HttpOnly: true, Secure: !s.opts.Dev, SameSite: http.SameSiteLaxMode})
	return tok, nil
}

// signAnonToken appends an HMAC under the session key, so a cookie planted by a sibling site (which a plain
// double-submit cookie would accept) is refused: only this server makes valid tokens.
func (s *Server) signAnonToken(nonce string) string {
	m := hmac.New(sha256.New, s.opts.SessionKey)
	m.Write([]byte("anon-csrf:" + nonce))
	return nonce + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) validAnonToken(tok string) bool {
	nonce, _, ok := strings.Cut(tok, ".")
	return ok && nonce != "" && hmac.Equal([]byte(s.signAnonToken(nonce)), []byte(tok))
}

// checkCSRF refuses every state-changing request that is cross-origin (the standard library's check on
// Sec-Fetch-Site and Origin) or does not carry the page's token in the _csrf field or X-CSRF-Token header.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if err := cop.Check(r); err != nil {
			return portal.Errorf(portal.EFORBIDDEN, "cross-origin request refused").WithKey("err.csrf")
		}
		sent := r.Header.Get("X-CSRF-Token")
		if sent == "" {
			sent = c.FormValue("_csrf")
		}
		var want string
		if cur := currentOf(c); cur != nil {
			if !auth.ValidCSRF(cur.Session, sent) {
				return portal.Errorf(portal.EFORBIDDEN, "missing or wrong CSRF token").WithKey("err.csrf")
			}
			return next(c)
		}
		if ck, err := c.Cookie(s.anonCSRFCookie()); err == nil {
			want = ck.Value
		}
		if !s.validAnonToken(want) || subtle.ConstantTimeCompare([]byte(want), []byte(sent)) != 1 {
			return portal.Errorf(portal.EFORBIDDEN, "missing or wrong CSRF token").WithKey("err.csrf")
		}
		return next(c)
	}
}

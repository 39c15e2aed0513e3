package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/auth"
	"portal/store"
	"portal/views"
	"portal/views/i18n"
)

// handleLoginForm handles GET /login.
func (s *Server) handleLoginForm(c echo.Context) error {
	if u := userOf(c); u != nil {
		return c.Redirect(http.StatusSeeOther, homeOf(u))
	}
	p, err := s.pageFor(c, "login.title")
	if err != nil {
		return err
	}
	return s.render(c, views.LoginPage(p, views.LoginData{Next: localPath(c.QueryParam("next"))}))
}

func homeOf(u *portal.User) string {
	if u.IsAdmin() {
		return "/admin"
	}
	return "/"
}

// handleLogin handles POST /login. A wrong password and an unknown FIN get the same message and take the
// same time, so the form does not tell which FINs exist. Failures are throttled per FIN and per client address.
func (s *Server) handleLogin(c echo.Context) error {
	ctx := c.Request().Context()
	typed := c.FormValue("fin")
	password := c.FormValue("password")
	next := localPath(c.FormValue("next"))
	fail := func(status int, msg string) error {
		p, err := s.pageFor(c, "login.title")
		if err != nil {
			return err
		}
		return s.renderStatus(c, status, views.LoginPage(p, views.LoginData{FIN: typed, Error: msg, Next: next}))
	}
	if len(typed) > 64 || len(password) > 1024 {
		return fail(http.StatusBadRequest, i18n.T(ctx, "login.failed"))
	}
	fin, finErr := portal.ParseFIN(typed)
	ipKey := "ip:" + auth.ClientIP(c.Request(), s.opts.TrustedProxies)
	finKey := "fin:" + fin
	for _, key := range []string{ipKey, finKey} {
		if ok, wait := s.throttle.Allowed(key); !ok {
			s.metrics.logins.WithLabelValues("throttled").Inc()
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			return fail(http.StatusTooManyRequests, i18n.T(ctx, "login.throttled", int(math.Ceil(wait.Minutes()))))
		}
	}
	var user portal.User
	ok := false
	if finErr == nil {
		u, hash, err := s.store.UserByFIN(ctx, fin)
		switch {
		case err == nil:
			if ok, err = s.opts.Hasher.Verify(ctx, hash, password); err != nil {
				return fmt.Errorf("login: verify: %w", err)
			}
			user = u
		case portal.ErrorCode(err) == portal.ENOTFOUND:
			if err := s.opts.Hasher.DummyVerify(ctx, password); err != nil {
				return fmt.Errorf("login: dummy verify: %w", err)
			}
		default:
			return fmt.Errorf("login: find user: %w", err)
		}
	} else if err := s.opts.Hasher.DummyVerify(ctx, password); err != nil {
		return fmt.Errorf("login: dummy verify: %w", err)
	}
	if !ok {
		s.throttle.Fail(ipKey)
		if finErr == nil {
			s.throttle.Fail(finKey)
		}
		s.metrics.logins.WithLabelValues("failed").Inc()
		// The FIN typed is personal data: the audit keeps only the account id, when there is one.
		if err := s.store.RecordAudit(ctx, store.Audit{Actor: portal.System, Action: "login.fail", CitizenID: user.ID,
			Subject: subjectUser(user.ID)}); err != nil {
			return fmt.Errorf("login: audit failure: %w", err)
		}
		return fail(http.StatusUnauthorized, i18n.T(ctx, "login.failed"))
	}
	s.throttle.Reset(finKey)
	if err := s.startSession(c, user); err != nil {
		return err
	}
	s.metrics.logins.WithLabelValues("ok").Inc()
	if next == "" || (user.IsAdmin() != isAdminPath(next)) {
		next = homeOf(&user)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func isAdminPath(p string) bool { return p == "/admin" || len(p) > 6 && p[:7] == "/admin/" }

func subjectUser(id int64) string {
	if id == 0 {
		return ""
	}
	return "user:" + strconv.FormatInt(id, 10)
}

// startSession replaces any session the browser had with a new one (no fixation) and gives it a CSRF
// token; the store records the login with the new session, in one transaction.
func (s *Server) startSession(c echo.Context, u portal.User) error {
	w, r := c.Response(), c.Request()
	sess, err := s.sessions.Login(w, r, u.ID)
	if err != nil {
		return fmt.Errorf("login: start session: %w", err)
	}
	auth.CSRFToken(sess)
	if err := s.sessions.Save(r, w, sess); err != nil {
		return fmt.Errorf("login: save session: %w", err)
	}
	return nil
}

// handleLogout handles POST /logout: the session row is deleted, so a copied cookie dies with it.
func (s *Server) handleLogout(c echo.Context) error {
	if u := userOf(c); u != nil {
		actor, citizenID := actorOf(u)
		if err := s.sessions.Logout(c.Response(), c.Request()); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
		if err := s.store.RecordAudit(c.Request().Context(), store.Audit{Actor: actor, Action: "logout", CitizenID: citizenID, Subject: subjectUser(u.ID)}); err != nil {
			return fmt.Errorf("logout: audit: %w", err)
		}
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

// handleLang handles GET /lang/{lang}: it remembers the language in a cookie and goes back to the page.
func (s *Server) handleLang(c echo.Context) error {
	lang := i18n.ParseLang(c.Param("lang"))
	c.SetCookie(&http.Cookie{Name: langCookie, Value: string(lang), Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, Secure: !s.opts.Dev, SameSite: http.SameSiteLaxMode})
	next := localPath(c.QueryParam("next"))
	if next == "" {
		next = "/"
	}
	return c.Redirect(http.StatusSeeOther, next)
}

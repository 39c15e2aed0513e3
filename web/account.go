package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/auth"
	"portal/views"
)

// requireSignedIn sends anonymous visitors to the login page; any role may pass.
func requireSignedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if userOf(c) == nil {
			return redirectToLogin(c)
		}
		return next(c)
	}
}

// handleAccount handles GET /account: how many devices are signed in, with a button that signs out every
// other one, and the way to change the password.
func (s *Server) handleAccount(c echo.Context) error {
	u := userOf(c)
	p, err := s.pageFor(c, "account.title")
	if err != nil {
		return err
	}
	n, err := s.store.CountSessions(c.Request().Context(), u.ID)
	if err != nil {
		return fmt.Errorf("account: %w", err)
	}
	return s.render(c, views.AccountPage(p, views.AccountData{Sessions: n}))
}

// handleEndOtherSessions handles POST /sessions/end-others: every session of the user but this one is
// deleted, so a cookie copied or left on another device stops working at once, and that device's event
// stream closes within one heartbeat.
func (s *Server) handleEndOtherSessions(c echo.Context) error {
	u, cur := userOf(c), currentOf(c)
	actor, _ := actorOf(u)
	if _, err := s.store.DeleteOtherSessions(c.Request().Context(), actor, u.ID, cur.IDHash); err != nil {
		return fmt.Errorf("end other sessions: %w", err)
	}
	s.setFlash(c, views.FlashSuccess, "flash.sessions_ended")
	return c.Redirect(http.StatusSeeOther, "/account")
}

// handlePasswordForm handles GET /account/password.
func (s *Server) handlePasswordForm(c echo.Context) error {
	return s.renderPasswordForm(c, http.StatusOK, views.PasswordForm{})
}

func (s *Server) renderPasswordForm(c echo.Context, status int, f views.PasswordForm) error {
	p, err := s.pageFor(c, "account.password.title")
	if err != nil {
		return err
	}
	return s.renderStatus(c, status, views.PasswordPage(p, f))
}

// handlePasswordChange handles POST /account/password: the current password, and the new one twice. The new
// password follows the login policy (auth.CheckPassword). A change deletes every session of the user (the
// store does it in the same transaction), so a stolen session or a device left signed in is shut out; this
// browser gets a fresh session. Wrong current passwords are throttled per account like logins, so a
// hijacked session cannot be used to guess the password.
func (s *Server) handlePasswordChange(c echo.Context) error {
	ctx := c.Request().Context()
	u := userOf(c)
	current, next, again := c.FormValue("current_password"), c.FormValue("new_password"), c.FormValue("new_password2")
	f := views.PasswordForm{Errors: map[string]string{}}
	throttleKey := "pw:" + strconv.FormatInt(u.ID, 10)
	if ok, wait := s.throttle.Allowed(throttleKey); !ok {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
		f.Errors["current_password"] = "err.password_throttled"
		return s.renderPasswordForm(c, http.StatusTooManyRequests, f)
	}
	_, hash, err := s.store.UserByFIN(ctx, u.FIN)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	ok, err := s.opts.Hasher.Verify(ctx, hash, current) // refuses over-long input without hashing it
	if err != nil {
		return fmt.Errorf("change password: verify: %w", err)
	}
	if !ok {
		s.throttle.Fail(throttleKey)
		f.Errors["current_password"] = "err.password_wrong"
	}
	if err := auth.CheckPassword(next); err != nil {
		f.Errors["new_password"] = portal.ErrorKey(err)
	} else if next != again {
		f.Errors["new_password2"] = "err.password_mismatch"
	}
	if len(f.Errors) > 0 {
		return s.renderPasswordForm(c, http.StatusUnprocessableEntity, f)
	}
	s.throttle.Reset(throttleKey)
	newHash, err := s.opts.Hasher.Hash(ctx, next)
	if err != nil {
		return fmt.Errorf("change password: hash: %w", err)
	}
	actor, _ := actorOf(u)
	if err := s.store.SetPasswordHash(ctx, actor, u.ID, newHash); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	// Every session of the user, this one included, is gone: this browser signs in again with a new id.
	if err := s.startSession(c, *u); err != nil {
		return err
	}
	s.setFlash(c, views.FlashSuccess, "flash.password_changed")
	return c.Redirect(http.StatusSeeOther, "/account")
}

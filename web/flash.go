package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/views"
	"portal/views/i18n"
)

// Flash messages carry the outcome of a plain form POST across its 303 redirect (post/redirect/get). The
// cookie holds only a kind and a catalogue key ("success:flash.consent_granted"), never free text, so it
// carries no personal data and nobody can make the portal display words of their choosing: the key must be
// a flash or error key of the catalogue. The next page built by pageFor shows the message in the reader's
// language and clears the cookie.

// flashCookie names the flash cookie; __Host- outside development, as for the session.
func (s *Server) flashCookie() string {
	if s.opts.Dev {
		return "flash"
	}
	return "__Host-flash"
}

// setFlash leaves a message for the next page. key must be a catalogue key beginning "flash." or "err.".
func (s *Server) setFlash(c echo.Context, kind views.FlashKind, key string) {
	c.SetCookie(&http.Cookie{
		Name: s.flashCookie(), Value: string(kind) + ":" + key, Path: "/", MaxAge: 60,
		HttpOnly: true, Secure: !s.opts.Dev, SameSite: http.SameSiteLaxMode,
	})
}

// takeFlashes returns the message left for this page, if any, translated, and clears it.
func (s *Server) takeFlashes(c echo.Context) []views.Flash {
	ck, err := c.Cookie(s.flashCookie())
	if err != nil {
		return nil
	}
	c.SetCookie(&http.Cookie{
		Name: s.flashCookie(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: !s.opts.Dev, SameSite: http.SameSiteLaxMode,
	})
	kind, key, ok := strings.Cut(ck.Value, ":")
	if !ok || !(strings.HasPrefix(key, "flash.") || strings.HasPrefix(key, "err.")) {
		return nil
	}
	switch views.FlashKind(kind) {
	case views.FlashInfo, views.FlashSuccess, views.FlashError:
	default:
		return nil
	}
	ctx := c.Request().Context()
	if !i18n.Has(i18n.LangFrom(ctx), key) {
		return nil
	}
	return []views.Flash{{Kind: views.FlashKind(kind), Text: i18n.T(ctx, key)}}
}

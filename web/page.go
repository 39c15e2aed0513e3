package web

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/views"
	"portal/views/i18n"
)

// actorOf returns who a signed-in user acts as in the audit log, and the citizen an entry about them concerns
// (none for an admin).
func actorOf(u *portal.User) (portal.Actor, int64) {
	if u.IsAdmin() {
		return portal.Actor{Kind: portal.ActorAdmin, ID: u.ID}, 0
	}
	return portal.Actor{Kind: portal.ActorCitizen, ID: u.ID}, u.ID
}

// pageFor builds the layout's view model: language, user, CSRF token, unread count, request id, and the
// flash message a redirect left for this page.
func (s *Server) pageFor(c echo.Context, titleKey string) (views.Page, error) {
	p, err := s.pageWithoutUnread(c, titleKey)
	if err != nil {
		return views.Page{}, err
	}
	if u := userOf(c); u != nil && !u.IsAdmin() {
		if p.Unread, err = s.store.UnreadCount(c.Request().Context(), u.ID); err != nil {
			return views.Page{}, fmt.Errorf("page: %w", err)
		}
	}
	return p, nil
}

// pageWithoutUnread is pageFor without the unread count, for a handler that reads it together with its
// own figures in one statement; that handler must set Unread itself.
func (s *Server) pageWithoutUnread(c echo.Context, titleKey string) (views.Page, error) {
	p := s.page(c, i18n.T(c.Request().Context(), titleKey))
	tok, err := s.csrfToken(c)
	if err != nil {
		return views.Page{}, err
	}
	p.CSRF = tok
	p.Flashes = append(p.Flashes, s.takeFlashes(c)...)
	return p, nil
}

// page is the part of the view model that needs no database: enough for error pages, which must render
// even when the database is what failed.
func (s *Server) page(c echo.Context, title string) views.Page {
	return views.Page{
		Title:      title,
		Lang:       i18n.LangFrom(c.Request().Context()),
		Path:       c.Request().URL.RequestURI(),
		User:       userOf(c),
		RequestID:  RequestIDOf(c),
		ServerTime: s.clock.Now(),
		Dev:        s.opts.Dev,
	}
}

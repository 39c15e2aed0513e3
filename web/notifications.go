package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/views"
)

// notificationsPageSize is how many notifications a page shows.
const notificationsPageSize = 30

// handleNotifications handles GET /notifications: the citizen's notifications, newest first, each in the
// reader's language with a link to its request; unread ones marked. Older pages continue below the id in
// `before` (keyset).
func (s *Server) handleNotifications(c echo.Context) error {
	ctx := c.Request().Context()
	u := userOf(c)
	var before int64
	if v := c.QueryParam("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return portal.Errorf(portal.EINVALID, "before must be a notification id")
		}
		before = n
	}
	notes, err := s.store.Notifications(ctx, u.ID, before, notificationsPageSize+1)
	if err != nil {
		return fmt.Errorf("notifications: %w", err)
	}
	names, err := s.scopeNames(c)
	if err != nil {
		return err
	}
	d := views.NotificationsData{Paged: before != 0}
	if len(notes) > notificationsPageSize {
		notes = notes[:notificationsPageSize]
		d.Next = notes[len(notes)-1].ID
	}
	for _, n := range notes {
		d.Items = append(d.Items, views.NotificationItem{
			ID: n.ID, When: n.CreatedAt, Text: notificationText(ctx, n, names), Href: requestHref(n.RequestID), Unread: n.ReadAt == nil,
		})
	}
	if len(notes) > 0 {
		d.Upto = notes[0].ID
	}
	p, err := s.pageFor(c, "notifications.title")
	if err != nil {
		return err
	}
	return s.render(c, views.NotificationsPage(p, d))
}

// handleNotificationsRead handles POST /notifications/read: it marks as read the citizen's notifications up
// to the id in `upto`, the newest the page showed, so one that arrived after the page was shown stays
// unread. The citizen's other tabs update their badge from the event stream.
func (s *Server) handleNotificationsRead(c echo.Context) error {
	u := userOf(c)
	upto, err := strconv.ParseInt(c.FormValue("upto"), 10, 64)
	if err != nil || upto <= 0 {
		return portal.Errorf(portal.EINVALID, "upto must be a notification id")
	}
	if _, err := s.store.MarkNotificationsRead(c.Request().Context(), u.ID, upto); err != nil {
		return fmt.Errorf("mark notifications read: %w", err)
	}
	s.broker.Publish(citizenTopic(u.ID), Notice{Kind: "notifications"})
	return c.Redirect(http.StatusSeeOther, "/notifications")
}

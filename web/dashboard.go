package web

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"portal/views"
)

// handleDashboard handles GET /: the citizen's pending requests with live countdowns, recent activity and
// how many consents are active.
func (s *Server) handleDashboard(c echo.Context) error {
	ctx := c.Request().Context()
	u := userOf(c)
	now := s.clock.Now()
	p, err := s.pageWithoutUnread(c, "dashboard.title")
	if err != nil {
		return err
	}
	counts, err := s.store.DashboardCounts(ctx, u.ID, now)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	p.Unread = counts.Unread
	d := views.DashboardData{Name: u.Name, ActiveConsents: counts.ActiveConsents}
	open, err := s.store.OpenRequests(ctx, u.ID, now)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	names, err := s.scopeNames(c)
	if err != nil {
		return err
	}
	for _, r := range open {
		d.Pending = append(d.Pending, views.PendingItem{
			ID: r.ID, CompanyName: r.CompanyName, Scopes: names.list(r.Scopes), Deadline: r.Deadline, BindingCode: r.BindingCode,
		})
	}
	notes, err := s.store.Notifications(ctx, u.ID, 0, 10)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	for _, n := range notes {
		d.Recent = append(d.Recent, views.ActivityItem{When: n.CreatedAt, Text: notificationText(ctx, n, names), Href: requestHref(n.RequestID)})
	}
	return s.render(c, views.DashboardPage(p, d))
}

func requestHref(id string) string {
	if id == "" {
		return ""
	}
	return "/requests/" + id
}

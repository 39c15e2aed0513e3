package web

import (
	"github.com/labstack/echo/v4"

	"portal/views"
)

// handleAdminHome handles GET /admin.
func (s *Server) handleAdminHome(c echo.Context) error {
	p, err := s.pageFor(c, "admin.title")
	if err != nil {
		return err
	}
	return s.render(c, views.AdminHome(p))
}

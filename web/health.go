package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// handleHealthz handles GET /healthz: the process is alive.
func (s *Server) handleHealthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// handleReadyz handles GET /readyz: the database answers.
func (s *Server) handleReadyz(c echo.Context) error {
	if err := s.store.Ping(c.Request().Context()); err != nil {
		s.log.Error("readiness check failed", "id", RequestIDOf(c), "err", err)
		return c.String(http.StatusServiceUnavailable, "database unavailable\n")
	}
	return c.String(http.StatusOK, "ready\n")
}

package web

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPI is the OpenAPI 3.1 description of the company API, written to match the handlers; a test checks
// that every API route is described and every described path is routed.
//
//go:embed openapi.json
var openAPI []byte

// handleOpenAPI handles GET /api/v1/openapi.json.
func (s *Server) handleOpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPI)
}

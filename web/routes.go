package web

import (
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"portal"
	"portal/static"
)

// routes registers every route and middleware group in one place.
func (s *Server) routes() {
	e := s.e
	// Outermost first: every response, errors and streams included, gets an id and the security headers.
	e.Use(requestID, s.securityHeaders, s.logRequests, s.recoverPanic, withLang)

	e.GET("/healthz", s.handleHealthz)
	e.GET("/readyz", s.handleReadyz)
	e.GET("/metrics", echo.WrapHandler(s.metrics.handler()))
	e.GET("/static/*", s.handleStatic())
	e.GET("/favicon.ico", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/static/img/favicon.svg") })

	// Browser pages: session, CSRF on every state change, nothing cached.
	pages := e.Group("", middleware.BodyLimit("1M"), noStore, s.loadSession, s.checkCSRF)
	pages.GET("/login", s.handleLoginForm)
	pages.POST("/login", s.handleLogin)
	pages.POST("/logout", s.handleLogout)
	pages.GET("/lang/:lang", s.handleLang)
	// Account security (issue 7), for citizens and admins alike. Route-level middleware, not a group: an
	// empty-prefix group would take over the not-found route of the citizen group above.
	pages.GET("/account", s.handleAccount, requireSignedIn)
	pages.GET("/account/password", s.handlePasswordForm, requireSignedIn)
	pages.POST("/account/password", s.handlePasswordChange, requireSignedIn)
	pages.POST("/sessions/end-others", s.handleEndOtherSessions, requireSignedIn)

	citizen := pages.Group("", requireRole(portal.RoleCitizen))
	citizen.GET("/", s.handleDashboard)
	citizen.GET("/requests/:id", s.handleRequestPage)
	citizen.GET("/requests/:id/panel", s.handleRequestPanel)
	citizen.POST("/requests/:id/approve", s.handleRequestApprove)
	citizen.POST("/requests/:id/deny", s.handleRequestDeny)
	citizen.GET("/events", s.handleEvents)
	// Companies and consents (issue 3): the only routes that change a consent (P2).
	citizen.GET("/companies", s.handleCompanies)
	citizen.GET("/companies/:id", s.handleCompany)
	citizen.POST("/companies/:id/revoke-all", s.handleCompanyRevokeAll)
	citizen.GET("/consents", s.handleConsents)
	citizen.POST("/consents", s.handleConsentGrant)
	citizen.POST("/consents/:id/change", s.handleConsentChange)
	citizen.POST("/consents/:id/revoke", s.handleConsentRevoke)
	citizen.GET("/consents/revoke-all", s.handleRevokeAllConfirm)
	citizen.POST("/consents/revoke-all", s.handleRevokeAll)
	citizen.GET("/data", s.handleData)
	citizen.GET("/history", s.handleHistory)
	citizen.GET("/history.csv", s.handleHistoryCSV)
	citizen.GET("/history.json", s.handleHistoryJSON)
	citizen.GET("/notifications", s.handleNotifications)
	citizen.POST("/notifications/read", s.handleNotificationsRead)

	// The company API: an API key in the Authorization header, JSON in and out, never cached. No cookies
	// are read, so no CSRF check applies.
	api := e.Group("/api/v1", noStore)
	api.GET("/openapi.json", s.handleOpenAPI)
	keyed := api.Group("", s.requireAPIKey)
	keyed.POST("/requests", s.handleAPICreateRequest)
	keyed.GET("/requests/:id", s.handleAPIGetRequest)
	keyed.POST("/requests/:id/collect", s.handleAPICollect)
	keyed.DELETE("/requests/:id", s.handleAPICancel)
	keyed.GET("/offers", s.handleAPIOffers)

	admin := pages.Group("/admin", requireRole(portal.RoleAdmin))
	admin.GET("", s.handleAdminHome)
	admin.GET("/companies", s.handleAdminCompanies)
	admin.POST("/companies", s.handleAdminCompanyCreate)
	admin.GET("/companies/:id", s.handleAdminCompany)
	admin.POST("/companies/:id", s.handleAdminCompanyUpdate)
	admin.POST("/companies/:id/suspend", s.handleAdminCompanySuspend)
	admin.POST("/companies/:id/reactivate", s.handleAdminCompanyReactivate)
	admin.POST("/companies/:id/keys", s.handleAdminKeyCreate)
	admin.POST("/companies/:id/keys/:key/revoke", s.handleAdminKeyRevoke)
}

// handleStatic serves the embedded stylesheets and scripts. Their names carry versions, so they may be
// cached for a day; the portal works offline.
func (s *Server) handleStatic() echo.HandlerFunc {
	fsrv := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	return func(c echo.Context) error {
		name := c.Param("*")
		if st, err := fs.Stat(static.FS, name); err != nil || st.IsDir() {
			return echo.ErrNotFound // no directory listings, and our own 404 page
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=86400")
		fsrv.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

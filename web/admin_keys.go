package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/auth"
	"portal/views"
)

// handleAdminKeyCreate handles POST /admin/companies/{id}/keys: it creates an API key and shows it in this
// response (201), the one time it is ever shown: only its prefix and SHA-256 are stored, and it never
// travels in a URL or cookie. The page is not cached (Cache-Control: no-store on every page). A company may
// hold several keys, so a new one can be put in use before the old one is revoked.
func (s *Server) handleAdminKeyCreate(c echo.Context) error {
	ctx := c.Request().Context()
	comp, err := s.companyParam(c)
	if err != nil {
		return err
	}
	key, prefix, hash, err := auth.GenerateAPIKey()
	if err != nil {
		return fmt.Errorf("generate api key: %w", err)
	}
	actor, _ := actorOf(userOf(c))
	if _, err := s.store.CreateAPIKey(ctx, actor, comp.ID, prefix, hash); err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	offers, err := s.store.Offers(ctx, comp.ID)
	if err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	names, err := s.scopeCatalog(c)
	if err != nil {
		return err
	}
	return s.renderCompany(c, http.StatusCreated, views.AdminCompanyData{
		Company: comp, Form: views.CompanyFormOf(comp), Offers: offerRowsOf(names, offers), NewKey: key,
	})
}

// handleAdminKeyRevoke handles POST /admin/companies/{id}/keys/{key}/revoke ({key} is the key's numeric
// id): the key fails from the next API call on. A key of another company, or one already revoked, is not
// found.
func (s *Server) handleAdminKeyRevoke(c echo.Context) error {
	companyID, err := idParam(c, "id")
	if err != nil {
		return err
	}
	keyID, err := idParam(c, "key")
	if err != nil {
		return err
	}
	actor, _ := actorOf(userOf(c))
	if err := s.store.RevokeAPIKey(c.Request().Context(), actor, companyID, keyID); err != nil {
		return fmt.Errorf("revoke api key: %w", err)
	}
	return c.Redirect(http.StatusSeeOther, adminCompanyPath(companyID, "")+"?done=key_revoked")
}

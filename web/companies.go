package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/store"
	"portal/views"
)

// maxQuery caps the length of a catalogue search, in characters.
const maxQuery = 100

// handleCompanies handles GET /companies: the catalogue of active companies, searched by name (q) and
// filtered by sector, each with the scopes it asks for and the citizen's consents at a glance. An htmx
// request gets only the results (the search updates as the citizen types); a plain GET gets the page.
func (s *Server) handleCompanies(c echo.Context) error {
	ctx := c.Request().Context()
	u := userOf(c)
	d := views.CatalogueData{Query: strings.TrimSpace(c.QueryParam("q"))}
	if utf8.RuneCountInString(d.Query) > maxQuery {
		d.Query = string([]rune(d.Query)[:maxQuery])
	}
	if sec, err := portal.ParseSector(c.QueryParam("sector")); err == nil {
		d.Sector = sec // an unknown sector filters nothing, as "all sectors"
	}
	companies, err := s.store.FindCompanies(ctx, store.CompanyFilter{Query: d.Query, Sector: d.Sector, Status: portal.CompanyActive})
	if err != nil {
		return fmt.Errorf("companies: %w", err)
	}
	ids := make([]int64, len(companies))
	for i, co := range companies {
		ids[i] = co.ID
	}
	offers, err := s.store.OffersOf(ctx, ids)
	if err != nil {
		return fmt.Errorf("companies: %w", err)
	}
	consents, err := s.store.Consents(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("companies: %w", err)
	}
	now := s.clock.Now()
	active := map[int64]map[portal.Scope]bool{}
	for _, cs := range consents {
		if cs.ActiveAt(now) {
			if active[cs.CompanyID] == nil {
				active[cs.CompanyID] = map[portal.Scope]bool{}
			}
			active[cs.CompanyID][cs.Scope] = true
		}
	}
	cat, err := s.scopeInfoByCode(c)
	if err != nil {
		return err
	}
	for _, co := range companies {
		item := views.CompanyItem{ID: co.ID, Name: co.Name, Sector: co.Sector, Description: co.Description}
		for _, o := range offers[co.ID] {
			if o.Active() {
				item.Scopes = append(item.Scopes, views.ScopeState{Scope: o.Scope, Name: cat[o.Scope].Name, Active: active[co.ID][o.Scope]})
			}
		}
		d.Companies = append(d.Companies, item)
	}
	// The answer depends on HX-Request: a cache must not give the fragment to a full load, or the reverse.
	c.Response().Header().Add("Vary", "HX-Request")
	// htmx restoring history it did not cache asks for the whole page, with HX-Request set.
	if isHTMX(c) && c.Request().Header.Get("HX-History-Restore-Request") != "true" {
		return s.render(c, views.CompanyResults(d))
	}
	p, err := s.pageFor(c, "companies.title")
	if err != nil {
		return err
	}
	return s.render(c, views.CompaniesPage(p, d))
}

// handleCompany handles GET /companies/{id}: the company, each of its offers with the citizen's consent and
// the grant, change and revoke controls, and "revoke everything". A suspended company's page opens only for
// a citizen who holds an active consent to it, so that they can revoke it.
func (s *Server) handleCompany(c echo.Context) error {
	id, ok := parseID(c.Param("id"))
	if !ok {
		return errCompanyNotFound()
	}
	d, err := s.companyData(c, id)
	if err != nil {
		return err
	}
	if d.Company.Status != portal.CompanyActive && d.ActiveCount() == 0 {
		return errCompanyNotFound()
	}
	p, err := s.pageFor(c, "company.title")
	if err != nil {
		return err
	}
	p.Title = d.Company.Name
	return s.render(c, views.CompanyPage(p, d))
}

// companyData builds a company page's view model for the signed-in citizen; an unknown company is not found.
func (s *Server) companyData(c echo.Context, companyID int64) (views.CompanyData, error) {
	ctx := c.Request().Context()
	u := userOf(c)
	co, err := s.store.Company(ctx, companyID)
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		return views.CompanyData{}, errCompanyNotFound()
	}
	if err != nil {
		return views.CompanyData{}, fmt.Errorf("company page: %w", err)
	}
	offers, err := s.store.Offers(ctx, co.ID)
	if err != nil {
		return views.CompanyData{}, fmt.Errorf("company page: %w", err)
	}
	consents, err := s.store.ConsentsFor(ctx, u.ID, co.ID)
	if err != nil {
		return views.CompanyData{}, fmt.Errorf("company page: %w", err)
	}
	cat, err := s.scopeInfoByCode(c)
	if err != nil {
		return views.CompanyData{}, err
	}
	tok, err := s.csrfToken(c)
	if err != nil {
		return views.CompanyData{}, err
	}
	now := s.clock.Now()
	d := views.CompanyData{Company: co, CSRF: tok}
	for _, o := range offers {
		card := views.OfferCard{
			CompanyID: co.ID, CompanyName: co.Name, CompanySuspended: co.Status != portal.CompanyActive,
			Offer: o, ScopeName: cat[o.Scope].Name, Now: now, CSRF: tok,
		}
		for i := range consents {
			if consents[i].Scope == o.Scope {
				card.Consent = &consents[i]
			}
		}
		d.Offers = append(d.Offers, card)
	}
	return d, nil
}

// scopeInfoByCode is the scope catalogue in the visitor's language, by scope code.
func (s *Server) scopeInfoByCode(c echo.Context) (map[portal.Scope]store.ScopeInfo, error) {
	cat, err := s.scopeCatalog(c)
	if err != nil {
		return nil, err
	}
	out := make(map[portal.Scope]store.ScopeInfo, len(cat))
	for _, si := range cat {
		out[si.Scope] = si
	}
	return out, nil
}

// parseID reads a positive decimal id from a path or form value.
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

func errCompanyNotFound() error {
	return portal.Errorf(portal.ENOTFOUND, "company not found").WithKey("err.company_not_found")
}

// redirectBack ends a plain form POST: 303 to the local path next (from the form) or else to fallback.
func redirectBack(c echo.Context, next, fallback string) error {
	if next = localPath(next); next == "" {
		next = fallback
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// companyPath is a company's page.
func companyPath(id int64) string { return "/companies/" + strconv.FormatInt(id, 10) }

package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/store"
	"portal/views"
	"portal/views/i18n"
)

// handleAdminCompanies handles GET /admin/companies: the companies found by name (q) and status, and the
// register form.
func (s *Server) handleAdminCompanies(c echo.Context) error {
	return s.renderCompanies(c, http.StatusOK, views.CompanyForm{})
}

// handleAdminCompanyCreate handles POST /admin/companies: it registers a company and goes to its page. A
// mistake re-renders the form (422) with the message beside each wrong field, what was typed kept, and
// nothing written.
func (s *Server) handleAdminCompanyCreate(c echo.Context) error {
	in := companyInputOf(c)
	comp, errs := in.Validate()
	if err := s.checkVOENFree(c, comp, errs, 0); err != nil {
		return err
	}
	form := companyFormOf(in, errs)
	if len(errs) > 0 {
		return s.renderCompanies(c, http.StatusUnprocessableEntity, form)
	}
	actor, _ := actorOf(userOf(c))
	created, err := s.store.CreateCompany(c.Request().Context(), actor, comp, nil)
	if isVOENTaken(err) {
		form.Errors["voen"] = "err.voen_taken"
		return s.renderCompanies(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return fmt.Errorf("register company: %w", err)
	}
	return c.Redirect(http.StatusSeeOther, adminCompanyPath(created.ID, "")+"?done=created")
}

func (s *Server) renderCompanies(c echo.Context, status int, form views.CompanyForm) error {
	ctx := c.Request().Context()
	p, err := s.pageFor(c, "admin.companies.title")
	if err != nil {
		return err
	}
	d := views.AdminCompaniesData{Query: strings.TrimSpace(c.QueryParam("q")), Form: form}
	if len([]rune(d.Query)) > 200 {
		d.Query = string([]rune(d.Query)[:200])
	}
	f := store.CompanyFilter{Query: d.Query}
	switch st := portal.CompanyStatus(c.QueryParam("status")); st {
	case portal.CompanyActive, portal.CompanySuspended:
		f.Status, d.Status = st, string(st)
	}
	if d.Companies, err = s.store.FindCompanies(ctx, f); err != nil {
		return fmt.Errorf("admin companies: %w", err)
	}
	return s.renderStatus(c, status, views.AdminCompaniesPage(p, d))
}

// handleAdminCompany handles GET /admin/companies/{id}: the company's details and offers to edit, its API
// access and its API keys.
func (s *Server) handleAdminCompany(c echo.Context) error {
	ctx := c.Request().Context()
	comp, err := s.companyParam(c)
	if err != nil {
		return err
	}
	offers, err := s.store.Offers(ctx, comp.ID)
	if err != nil {
		return fmt.Errorf("admin company: %w", err)
	}
	names, err := s.scopeCatalog(c)
	if err != nil {
		return err
	}
	return s.renderCompany(c, http.StatusOK, views.AdminCompanyData{
		Company: comp, Form: views.CompanyFormOf(comp), Offers: offerRowsOf(names, offers),
	})
}

// handleAdminCompanyUpdate handles POST /admin/companies/{id}: the details and every offer row, saved
// together in one transaction. A row whose box is ticked is offered (added, changed or restored); an
// offered row whose box is cleared is withdrawn, which stops new requests for that scope and leaves
// consents as they are (P2). Any mistake re-renders the page (422) with every problem beside its field
// and nothing written.
func (s *Server) handleAdminCompanyUpdate(c echo.Context) error {
	ctx := c.Request().Context()
	comp, err := s.companyParam(c)
	if err != nil {
		return err
	}
	saved, err := s.store.Offers(ctx, comp.ID)
	if err != nil {
		return fmt.Errorf("admin company update: %w", err)
	}
	names, err := s.scopeCatalog(c)
	if err != nil {
		return err
	}
	in := companyInputOf(c)
	edited, errs := in.Validate()
	if err := s.checkVOENFree(c, edited, errs, comp.ID); err != nil {
		return err
	}
	rows, offers, rowsOK := offerRowsFrom(c, names, saved)
	d := views.AdminCompanyData{Company: comp, Form: companyFormOf(in, errs), Offers: rows}
	if len(errs) > 0 || !rowsOK {
		return s.renderCompany(c, http.StatusUnprocessableEntity, d)
	}
	edited.ID = comp.ID
	actor, _ := actorOf(userOf(c))
	if _, err := s.store.UpdateCompany(ctx, actor, edited, offers); isVOENTaken(err) {
		d.Form.Errors["voen"] = "err.voen_taken"
		return s.renderCompany(c, http.StatusUnprocessableEntity, d)
	} else if err != nil {
		return fmt.Errorf("admin company update: %w", err)
	}
	return c.Redirect(http.StatusSeeOther, adminCompanyPath(comp.ID, "")+"?done=saved")
}

// handleAdminCompanySuspend handles POST /admin/companies/{id}/suspend: the company's API calls are refused
// from the next one on (the API checks the status on every call); its pending and approved requests are
// cancelled and their citizens notified in the same transaction; consents stay as they are (P2).
func (s *Server) handleAdminCompanySuspend(c echo.Context) error {
	return s.setCompanyStatus(c, portal.CompanySuspended)
}

// handleAdminCompanyReactivate handles POST /admin/companies/{id}/reactivate: API access is restored;
// cancelled requests stay cancelled.
func (s *Server) handleAdminCompanyReactivate(c echo.Context) error {
	return s.setCompanyStatus(c, portal.CompanyActive)
}

func (s *Server) setCompanyStatus(c echo.Context, status portal.CompanyStatus) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	actor, _ := actorOf(userOf(c))
	_, cancelled, err := s.store.SetCompanyStatus(c.Request().Context(), actor, id, status)
	if err != nil {
		return fmt.Errorf("set company status: %w", err)
	}
	// The cancelled requests and their notifications are committed: tell the citizens' open pages.
	s.announceAll(cancelled)
	if status == portal.CompanySuspended {
		return c.Redirect(http.StatusSeeOther, adminCompanyPath(id, "")+"?done=suspended&cancelled="+strconv.Itoa(len(cancelled)))
	}
	return c.Redirect(http.StatusSeeOther, adminCompanyPath(id, "")+"?done=reactivated")
}

// renderCompany renders a company's page with its keys and the message of the action just done, if any.
func (s *Server) renderCompany(c echo.Context, status int, d views.AdminCompanyData) error {
	ctx := c.Request().Context()
	p, err := s.pageFor(c, "admin.companies.title")
	if err != nil {
		return err
	}
	p.Title = d.Company.Name
	// The language switcher comes back to the company's page: a POST's own path (the new key's) has no GET.
	p.Path = adminCompanyPath(d.Company.ID, "")
	keys, err := s.store.APIKeys(ctx, d.Company.ID)
	if err != nil {
		return fmt.Errorf("admin company: %w", err)
	}
	for _, k := range keys {
		d.Keys = append(d.Keys, views.APIKeyRow{ID: k.ID, Prefix: k.Prefix, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt})
	}
	if status == http.StatusOK {
		if f, ok := doneFlash(c); ok {
			p.Flashes = append(p.Flashes, f)
		}
	}
	return s.renderStatus(c, status, views.AdminCompanyPage(p, d))
}

// doneFlash is the message for ?done=..., which the actions' redirects carry. Only known values give a
// message, always from the catalogue, so a link cannot put words on the page.
func doneFlash(c echo.Context) (views.Flash, bool) {
	ctx := c.Request().Context()
	q := c.QueryParams()
	switch done := q.Get("done"); done {
	case "created", "saved", "reactivated", "key_revoked":
		return views.Flash{Kind: views.FlashSuccess, Text: i18n.T(ctx, "admin.notice."+done)}, true
	case "suspended":
		n, err := strconv.Atoi(q.Get("cancelled"))
		if err != nil || n < 0 {
			n = 0
		}
		return views.Flash{Kind: views.FlashSuccess, Text: i18n.T(ctx, "admin.notice.suspended", n)}, true
	}
	return views.Flash{}, false
}

// companyParam loads the company named by the route's {id}; an id that is not a number is not found.
func (s *Server) companyParam(c echo.Context) (portal.Company, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return portal.Company{}, err
	}
	return s.store.Company(c.Request().Context(), id)
}

// idParam parses a positive numeric route parameter; anything else is not found.
func idParam(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, portal.Errorf(portal.ENOTFOUND, "no such %s", name).WithKey("err.not_found")
	}
	return id, nil
}

func adminCompanyPath(id int64, action string) string {
	p := "/admin/companies/" + strconv.FormatInt(id, 10)
	if action != "" {
		p += "/" + action
	}
	return p
}

// checkVOENFree adds the "taken" problem to errs when another company (not self) has the form's well-formed
// VÖEN, so that the form lists it together with the other mistakes. The store's unique constraint stays the
// guard against two admins registering the same VÖEN at once.
func (s *Server) checkVOENFree(c echo.Context, comp portal.Company, errs portal.FieldErrors, self int64) error {
	if _, bad := errs["voen"]; bad {
		return nil
	}
	other, err := s.store.CompanyByVOEN(c.Request().Context(), comp.VOEN)
	switch {
	case portal.ErrorCode(err) == portal.ENOTFOUND:
		return nil
	case err != nil:
		return fmt.Errorf("check VÖEN: %w", err)
	case other.ID != self:
		errs["voen"] = "err.voen_taken"
	}
	return nil
}

func isVOENTaken(err error) bool {
	return portal.ErrorCode(err) == portal.ECONFLICT && portal.ErrorKey(err) == "err.voen_taken"
}

// companyInputOf reads the register and edit form's fields.
func companyInputOf(c echo.Context) portal.CompanyInput {
	return portal.CompanyInput{
		Name: c.FormValue("name"), VOEN: c.FormValue("voen"), Sector: c.FormValue("sector"),
		Description: c.FormValue("description"), Website: c.FormValue("website"), ContactEmail: c.FormValue("contact_email"),
	}
}

// companyFormOf keeps what was typed, with the problems found.
func companyFormOf(in portal.CompanyInput, errs portal.FieldErrors) views.CompanyForm {
	if errs == nil {
		errs = portal.FieldErrors{}
	}
	return views.CompanyForm{Name: in.Name, VOEN: in.VOEN, Sector: in.Sector, Description: in.Description,
		Website: in.Website, ContactEmail: in.ContactEmail, Errors: errs}
}

// scopeCatalog reads every scope's name and description in the visitor's language.
func (s *Server) scopeCatalog(c echo.Context) ([]store.ScopeInfo, error) {
	cat, err := s.store.ScopeCatalog(c.Request().Context(), string(i18n.LangFrom(c.Request().Context())))
	if err != nil {
		return nil, fmt.Errorf("scope catalogue: %w", err)
	}
	return cat, nil
}

// offerRowsOf shows the saved offers: one row per scope of the catalogue. A withdrawn offer keeps its
// fields, so that offering it again is one tick; a scope never offered gets usual defaults.
func offerRowsOf(cat []store.ScopeInfo, offers []portal.Offer) []views.OfferRow {
	saved := make(map[portal.Scope]portal.Offer, len(offers))
	for _, o := range offers {
		saved[o.Scope] = o
	}
	rows := make([]views.OfferRow, 0, len(cat))
	for _, si := range cat {
		r := views.OfferRow{Scope: si.Scope, Name: si.Name, Description: si.Description,
			LegalBasis: string(portal.BasisConsent), Retention: "365", Frequency: string(portal.FrequencyOneOff)}
		if o, ok := saved[si.Scope]; ok {
			r.Purpose, r.LegalBasis, r.LawName = o.Purpose, string(o.LegalBasis), o.LawName
			r.Retention, r.Frequency = strconv.Itoa(o.RetentionDays), string(o.Frequency)
			r.Offered, r.Saved, r.WithdrawnAt = o.Active(), o.Active(), o.WithdrawnAt
		}
		rows = append(rows, r)
	}
	return rows
}

// offerRowsFrom reads the offers form: every row as typed (to show again) and the offers of the ticked
// rows. Each ticked row is checked in full; ok is false when any row has a problem.
func offerRowsFrom(c echo.Context, cat []store.ScopeInfo, saved []portal.Offer) (rows []views.OfferRow, offers []portal.Offer, ok bool) {
	rows = offerRowsOf(cat, saved)
	ok = true
	for i := range rows {
		r := &rows[i]
		field := func(name string) string { return c.FormValue("offer." + string(r.Scope) + "." + name) }
		r.Offered = field("offered") != ""
		r.Purpose, r.LegalBasis, r.LawName, r.Retention, r.Frequency =
			field("purpose"), field("legal_basis"), field("law_name"), field("retention_days"), field("frequency")
		if !r.Offered {
			continue
		}
		days, err := strconv.Atoi(strings.TrimSpace(r.Retention))
		if err != nil {
			days = 0 // not a number: the domain's retention rule reports it
		}
		o := portal.Offer{Scope: r.Scope, Purpose: strings.TrimSpace(r.Purpose), LegalBasis: portal.LegalBasis(r.LegalBasis),
			RetentionDays: days, Frequency: portal.Frequency(r.Frequency)}
		if o.LegalBasis == portal.BasisLaw {
			o.LawName = strings.TrimSpace(r.LawName) // a law's name means nothing under another basis
		}
		if errs := o.FieldErrors(); len(errs) > 0 {
			r.Errors, ok = errs, false
			continue
		}
		offers = append(offers, o)
	}
	return rows, offers, ok
}

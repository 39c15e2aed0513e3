package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/views"
	"portal/views/i18n"
)

// The consent routes are the only ones that change a consent (P2), and each acts only on the signed-in
// citizen's own consents. Every change commits its consent event and audit entry in the store's transaction
// before the answer is sent (P5).
//
// The forms work in two ways. With htmx (on a company's page) a grant, change or revoke answers with the
// offer's updated card, the message for the page's live region and the "revoke everything" section; an error
// goes through the one error handler, which retargets it to the flash region. As plain forms they answer
// 303 back to the page (the form's "next" field) with a flash message: a success, or the error in the
// citizen's language, nothing having changed. A consent or company that is not the citizen's to act on
// answers 404 either way.

// historyLimit is how many consent events GET /consents shows; /history has them all.
const historyLimit = 200

// handleConsentGrant handles POST /consents: grant consent to company_id for scope with validity (30d, 90d,
// 1y, unlimited). Granting a scope whose consent is active only re-dates it: there is one consent per
// citizen, company and scope.
func (s *Server) handleConsentGrant(c echo.Context) error {
	ctx := c.Request().Context()
	u := userOf(c)
	next := c.FormValue("next")
	companyID, ok := parseID(c.FormValue("company_id"))
	if !ok {
		return s.consentFailed(c, errUnknownCompany(), next, "/companies")
	}
	co, err := s.store.Company(ctx, companyID)
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		return s.consentFailed(c, errUnknownCompany(), next, "/companies")
	}
	if err != nil {
		return fmt.Errorf("grant consent: %w", err)
	}
	back := companyPath(co.ID)
	if co.Status != portal.CompanyActive {
		return s.consentFailed(c, portal.Errorf(portal.ECONFLICT, "company %d is suspended", co.ID).WithKey("err.company_suspended_grant"), next, back)
	}
	scope, err := portal.ParseScope(c.FormValue("scope"))
	if err != nil {
		return s.consentFailed(c, err, next, back)
	}
	offers, err := s.store.Offers(ctx, co.ID)
	if err != nil {
		return fmt.Errorf("grant consent: %w", err)
	}
	i := slices.IndexFunc(offers, func(o portal.Offer) bool { return o.Scope == scope })
	switch {
	case i < 0:
		return s.consentFailed(c, portal.Errorf(portal.EINVALID, "company %d does not offer %s", co.ID, scope).WithKey("err.scope_not_offered"), next, back)
	case !offers[i].Active():
		return s.consentFailed(c, portal.Errorf(portal.ECONFLICT, "the offer of %s is withdrawn", scope).WithKey("err.offer_withdrawn"), next, back)
	}
	v, err := portal.ParseValidity(c.FormValue("validity"))
	if err != nil {
		return s.consentFailed(c, err, next, back)
	}
	before, err := s.store.ConsentsFor(ctx, u.ID, co.ID)
	if err != nil {
		return fmt.Errorf("grant consent: %w", err)
	}
	wasActive := slices.ContainsFunc(before, func(cs portal.Consent) bool { return cs.Scope == scope && cs.ActiveAt(s.clock.Now()) })
	if _, err := s.store.GrantConsent(ctx, u.ID, co.ID, scope, v); err != nil {
		return s.consentFailed(c, err, next, back)
	}
	key := "flash.consent_granted"
	if wasActive {
		key = "flash.consent_changed"
	}
	return s.consentDone(c, co.ID, scope, key, next)
}

// handleConsentChange handles POST /consents/{id}/change: a new validity, counted from now, for one of the
// citizen's active consents, while the company still asks for the scope.
func (s *Server) handleConsentChange(c echo.Context) error {
	ctx := c.Request().Context()
	u := userOf(c)
	cur, err := s.ownConsent(c)
	if err != nil {
		return err
	}
	next, back := c.FormValue("next"), companyPath(cur.CompanyID)
	co, err := s.store.Company(ctx, cur.CompanyID)
	if err != nil {
		return fmt.Errorf("change consent: %w", err)
	}
	offers, err := s.store.Offers(ctx, co.ID)
	if err != nil {
		return fmt.Errorf("change consent: %w", err)
	}
	i := slices.IndexFunc(offers, func(o portal.Offer) bool { return o.Scope == cur.Scope })
	if co.Status != portal.CompanyActive || i < 0 || !offers[i].Active() {
		// Only revoking is left: a suspended company or a withdrawn offer takes no new validity.
		return s.consentFailed(c, portal.Errorf(portal.ECONFLICT, "consent %d can only be revoked", cur.ID).WithKey("err.consent_change_closed"), next, back)
	}
	v, err := portal.ParseValidity(c.FormValue("validity"))
	if err != nil {
		return s.consentFailed(c, err, next, back)
	}
	if _, err := s.store.ChangeConsent(ctx, u.ID, cur.ID, v); err != nil {
		return s.consentFailed(c, err, next, back)
	}
	return s.consentDone(c, cur.CompanyID, cur.Scope, "flash.consent_changed", next)
}

// handleConsentRevoke handles POST /consents/{id}/revoke: the consent ends now, and any approved request of
// that company that needed it and was not yet collected is cancelled in the same transaction (P3). Revoking
// stays possible for a suspended company and a withdrawn offer.
func (s *Server) handleConsentRevoke(c echo.Context) error {
	ctx := c.Request().Context()
	u := userOf(c)
	cur, err := s.ownConsent(c)
	if err != nil {
		return err
	}
	next := c.FormValue("next")
	_, cancelled, err := s.store.RevokeConsent(ctx, u.ID, cur.ID)
	if err != nil {
		return s.consentFailed(c, err, next, companyPath(cur.CompanyID))
	}
	s.announceAll(cancelled)
	return s.consentDone(c, cur.CompanyID, cur.Scope, "flash.consent_revoked", next)
}

// handleCompanyRevokeAll handles POST /companies/{id}/revoke-all: every active consent of the citizen to the
// company ends, in one transaction, each with its event, audit entry and P3 cancellations.
func (s *Server) handleCompanyRevokeAll(c echo.Context) error {
	ctx := c.Request().Context()
	u := userOf(c)
	id, ok := parseID(c.Param("id"))
	if !ok {
		return errCompanyNotFound()
	}
	if _, err := s.store.Company(ctx, id); err != nil {
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			return errCompanyNotFound()
		}
		return fmt.Errorf("revoke company consents: %w", err)
	}
	back := companyPath(id)
	revoked, cancelled, err := s.store.RevokeCompanyConsents(ctx, u.ID, id)
	if err != nil {
		return fmt.Errorf("revoke company consents: %w", err)
	}
	s.announceAll(cancelled)
	if len(revoked) == 0 {
		return s.consentFailed(c, errNothingToRevoke(), c.FormValue("next"), back)
	}
	s.setFlash(c, views.FlashSuccess, "flash.company_consents_revoked")
	return redirectBack(c, c.FormValue("next"), back)
}

// handleConsents handles GET /consents: the citizen's active consents grouped by company, with revoke
// buttons and "revoke all", and the history of their consent events.
func (s *Server) handleConsents(c echo.Context) error {
	d, err := s.consentsData(c, true)
	if err != nil {
		return err
	}
	p, err := s.pageFor(c, "consents.title")
	if err != nil {
		return err
	}
	return s.render(c, views.ConsentsPage(p, d))
}

// handleRevokeAllConfirm handles GET /consents/revoke-all: the confirmation step before revoking every consent.
func (s *Server) handleRevokeAllConfirm(c echo.Context) error {
	d, err := s.consentsData(c, false)
	if err != nil {
		return err
	}
	p, err := s.pageFor(c, "revoke_all.title")
	if err != nil {
		return err
	}
	return s.render(c, views.RevokeAllPage(p, d))
}

// handleRevokeAll handles POST /consents/revoke-all: with confirm=yes (the confirmation page's form) every
// active consent of the citizen ends, in one transaction; without it, the citizen is sent to confirm first.
func (s *Server) handleRevokeAll(c echo.Context) error {
	if c.FormValue("confirm") != "yes" {
		return c.Redirect(http.StatusSeeOther, "/consents/revoke-all")
	}
	revoked, cancelled, err := s.store.RevokeAllConsents(c.Request().Context(), userOf(c).ID)
	if err != nil {
		return fmt.Errorf("revoke all consents: %w", err)
	}
	s.announceAll(cancelled)
	if len(revoked) == 0 {
		return s.consentFailed(c, errNothingToRevoke(), "/consents", "/consents")
	}
	s.setFlash(c, views.FlashSuccess, "flash.all_consents_revoked")
	return c.Redirect(http.StatusSeeOther, "/consents")
}

// consentsData builds the view model of GET /consents (with the history when history is set) and of the
// revoke-all confirmation.
func (s *Server) consentsData(c echo.Context, history bool) (views.ConsentsData, error) {
	ctx := c.Request().Context()
	u := userOf(c)
	var d views.ConsentsData
	var err error
	if d.CSRF, err = s.csrfToken(c); err != nil {
		return d, err
	}
	consents, err := s.store.Consents(ctx, u.ID)
	if err != nil {
		return d, fmt.Errorf("consents: %w", err)
	}
	var events []portal.ConsentEvent
	if history {
		if events, err = s.store.ConsentEvents(ctx, u.ID, historyLimit); err != nil {
			return d, fmt.Errorf("consents: %w", err)
		}
	}
	var ids []int64
	for _, cs := range consents {
		ids = append(ids, cs.CompanyID)
	}
	for _, ev := range events {
		ids = append(ids, ev.CompanyID)
	}
	slices.Sort(ids)
	companies, err := s.store.CompaniesByID(ctx, slices.Compact(ids))
	if err != nil {
		return d, fmt.Errorf("consents: %w", err)
	}
	cat, err := s.scopeInfoByCode(c)
	if err != nil {
		return d, err
	}
	now := s.clock.Now()
	// The store orders consents by company id; the page orders companies by name.
	byCompany := map[int64]int{}
	for _, cs := range consents {
		if !cs.ActiveAt(now) {
			continue
		}
		i, ok := byCompany[cs.CompanyID]
		if !ok {
			i = len(d.Groups)
			byCompany[cs.CompanyID] = i
			d.Groups = append(d.Groups, views.ConsentGroup{Company: companies[cs.CompanyID]})
		}
		d.Groups[i].Consents = append(d.Groups[i].Consents, views.ConsentItem{Consent: cs, ScopeName: cat[cs.Scope].Name})
	}
	for _, g := range d.Groups {
		slices.SortStableFunc(g.Consents, func(a, b views.ConsentItem) int {
			return slices.Index(portal.Scopes, a.Consent.Scope) - slices.Index(portal.Scopes, b.Consent.Scope)
		})
	}
	slices.SortStableFunc(d.Groups, func(a, b views.ConsentGroup) int {
		switch {
		case a.Company.Name < b.Company.Name:
			return -1
		case a.Company.Name > b.Company.Name:
			return 1
		}
		return 0
	})
	for _, ev := range events {
		d.History = append(d.History, views.ConsentHistoryItem{Event: ev, CompanyName: companies[ev.CompanyID].Name, ScopeName: cat[ev.Scope].Name})
	}
	return d, nil
}

// ownConsent returns the signed-in citizen's consent named by the path's id. A malformed id, an unknown one
// and another citizen's are the same 404, so ids tell nothing about other citizens.
func (s *Server) ownConsent(c echo.Context) (portal.Consent, error) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		return portal.Consent{}, errConsentNotFound()
	}
	cs, err := s.store.Consent(c.Request().Context(), userOf(c).ID, id)
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		return portal.Consent{}, errConsentNotFound()
	}
	if err != nil {
		return portal.Consent{}, fmt.Errorf("consent: %w", err)
	}
	return cs, nil
}

// consentDone answers a successful grant, change or revoke: for htmx the offer's new card with the message,
// otherwise a 303 back to the form's page with the message as a flash.
func (s *Server) consentDone(c echo.Context, companyID int64, scope portal.Scope, flashKey, next string) error {
	if !isHTMX(c) {
		s.setFlash(c, views.FlashSuccess, flashKey)
		return redirectBack(c, next, companyPath(companyID)+"#offer-"+string(scope))
	}
	d, err := s.companyData(c, companyID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(d.Offers, func(o views.OfferCard) bool { return o.Offer.Scope == scope })
	if i < 0 {
		return fmt.Errorf("consent done: company %d has no offer of %s", companyID, scope)
	}
	ctx := c.Request().Context()
	return s.render(c, views.OfferUpdateFragment(views.OfferUpdate{
		Card: d.Offers[i], Company: d, Flash: views.Flash{Kind: views.FlashSuccess, Text: i18n.T(ctx, flashKey)},
	}))
}

// consentFailed answers a refused consent action. For htmx, and for what is not the citizen's to act on
// (404) or a fault of ours, the error goes to the one error handler. A plain form's mistake (a bad value, an
// action that no longer fits) goes back to the page with the message as an error flash: nothing changed.
func (s *Server) consentFailed(c echo.Context, err error, next, fallback string) error {
	var pe *portal.Error
	if isHTMX(c) || !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case portal.EINVALID, portal.ECONFLICT:
		s.setFlash(c, views.FlashError, portal.ErrorKey(err))
		return redirectBack(c, next, fallback)
	}
	return err
}

func errConsentNotFound() error {
	return portal.Errorf(portal.ENOTFOUND, "consent not found").WithKey("err.consent_not_found")
}

func errUnknownCompany() error {
	return portal.Errorf(portal.EINVALID, "unknown company").WithKey("err.company_unknown")
}

func errNothingToRevoke() error {
	return portal.Errorf(portal.ECONFLICT, "no active consent to revoke").WithKey("err.nothing_to_revoke")
}

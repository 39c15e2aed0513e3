package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/views"
	"portal/views/i18n"
)

// requestData builds the request page's view model for the signed-in citizen; another citizen's request
// is not found.
func (s *Server) requestData(c echo.Context, id string) (views.RequestData, error) {
	tok, err := s.csrfToken(c)
	if err != nil {
		return views.RequestData{}, err
	}
	return s.requestDataFor(c.Request().Context(), userOf(c), tok, id)
}

// requestDataFor is requestData for a citizen and CSRF token given outright, for an event stream, which
// outlives its request's echo.Context. ctx carries the language.
func (s *Server) requestDataFor(ctx context.Context, u *portal.User, tok, id string) (views.RequestData, error) {
	r, err := s.store.CitizenRequest(ctx, u.ID, id)
	if err != nil {
		return views.RequestData{}, err
	}
	names, err := s.scopeNamesIn(ctx)
	if err != nil {
		return views.RequestData{}, err
	}
	offers, err := s.store.Offers(ctx, r.CompanyID)
	if err != nil {
		return views.RequestData{}, fmt.Errorf("request offers: %w", err)
	}
	byScope := map[portal.Scope]portal.Offer{}
	for _, o := range offers {
		byScope[o.Scope] = o
	}
	now := s.clock.Now()
	d := views.RequestData{
		ID: r.ID, CompanyName: r.CompanyName, Purpose: r.Purpose, Status: r.StatusAt(now), Reason: r.Reason,
		BindingCode: r.BindingCode, CreatedAt: r.CreatedAt, Deadline: r.Deadline, Now: now, CSRF: tok,
	}
	for _, sc := range r.Scopes {
		rs := views.RequestScope{Scope: sc, Name: names[sc]}
		for _, f := range sc.Fields() {
			rs.Fields = append(rs.Fields, i18n.T(ctx, "field."+f))
		}
		if o, ok := byScope[sc]; ok {
			rs.OfferPurpose, rs.LegalBasis, rs.LawName, rs.RetentionDays = o.Purpose, o.LegalBasis, o.LawName, o.RetentionDays
		}
		d.Scopes = append(d.Scopes, rs)
	}
	return d, nil
}

// handleRequestPage handles GET /requests/{id}.
func (s *Server) handleRequestPage(c echo.Context) error {
	d, err := s.requestData(c, c.Param("id"))
	if err != nil {
		return err
	}
	p, err := s.pageFor(c, "request.page_title")
	if err != nil {
		return err
	}
	p.Watch, p.WatchSeen = d.ID, string(d.Status)
	return s.render(c, views.RequestPage(p, d))
}

// handleRequestPanel handles GET /requests/{id}/panel: the live part of the page, which the page fetches
// again when its countdown reaches zero.
func (s *Server) handleRequestPanel(c echo.Context) error {
	d, err := s.requestData(c, c.Param("id"))
	if err != nil {
		return err
	}
	return s.render(c, views.RequestPanel(d))
}

// handleRequestApprove handles POST /requests/{id}/approve, with an optional keep validity that also grants
// a standing consent for the request's scopes.
func (s *Server) handleRequestApprove(c echo.Context) error {
	var keep portal.Validity
	if v := c.FormValue("keep"); v != "" {
		var err error
		if keep, err = portal.ParseValidity(v); err != nil {
			return s.decisionFailed(c, err)
		}
	}
	return s.decide(c, true, keep)
}

// handleRequestDeny handles POST /requests/{id}/deny.
func (s *Server) handleRequestDeny(c echo.Context) error { return s.decide(c, false, "") }

func (s *Server) decide(c echo.Context, approve bool, keep portal.Validity) error {
	u := userOf(c)
	r, err := s.store.DecideRequest(c.Request().Context(), u.ID, c.Param("id"), approve, keep)
	if err != nil {
		return s.decisionFailed(c, err)
	}
	s.announce(r.CitizenID, r.ID)
	if isHTMX(c) {
		return s.handleRequestPanel(c)
	}
	return c.Redirect(http.StatusSeeOther, "/requests/"+r.ID)
}

// decisionFailed shows why a decision was refused (too late, already decided, a bad choice) on the request
// panel itself; a request that is not the citizen's stays a plain 404.
func (s *Server) decisionFailed(c echo.Context, cause error) error {
	if portal.ErrorCode(cause) == portal.ENOTFOUND || portal.ErrorCode(cause) == portal.EINTERNAL {
		return cause
	}
	d, err := s.requestData(c, c.Param("id"))
	if err != nil {
		return err
	}
	d.Message = i18n.T(c.Request().Context(), portal.ErrorKey(cause))
	status := statusOf[portal.ErrorCode(cause)]
	if isHTMX(c) {
		// htmx swaps only 2xx answers by default; the panel with its message replaces the stale one.
		return s.render(c, views.RequestPanel(d))
	}
	p, err := s.pageFor(c, "request.page_title")
	if err != nil {
		return err
	}
	p.Watch, p.WatchSeen = d.ID, string(d.Status)
	return s.renderStatus(c, status, views.RequestPage(p, d))
}

package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/auth"
	"portal/views"
	"portal/views/i18n"
)

// statusOf maps an error code to its HTTP status.
var statusOf = map[string]int{
	portal.EINVALID:                 http.StatusBadRequest,
	portal.ENOTFOUND:                http.StatusNotFound,
	portal.EUNAUTHORIZED:            http.StatusUnauthorized,
	portal.EFORBIDDEN:               http.StatusForbidden,
	portal.ECONFLICT:                http.StatusConflict,
	portal.EINTERNAL:                http.StatusInternalServerError,
	portal.CodeInvalidRequest:       http.StatusBadRequest,
	portal.CodeUnauthorized:         http.StatusUnauthorized,
	portal.CodeCompanySuspended:     http.StatusForbidden,
	portal.CodeCitizenNotFound:      http.StatusNotFound,
	portal.CodeScopeNotOffered:      http.StatusUnprocessableEntity,
	portal.CodeRateLimited:          http.StatusTooManyRequests,
	portal.CodeNotFound:             http.StatusNotFound,
	portal.CodeNotApproved:          http.StatusConflict,
	portal.CodeAlreadyCollected:     http.StatusConflict,
	portal.CodeExpired:              http.StatusGone,
	portal.CodeNotPending:           http.StatusConflict,
	portal.CodeIdempotencyKeyReused: http.StatusUnprocessableEntity,
	portal.CodeBodyTooLarge:         http.StatusRequestEntityTooLarge,
}

// apiCodeOf gives the stable API code for the generic codes, so a company always gets one of PRODUCT.md §6's.
var apiCodeOf = map[string]string{
	portal.EINVALID:      portal.CodeInvalidRequest,
	portal.ENOTFOUND:     portal.CodeNotFound,
	portal.EUNAUTHORIZED: portal.CodeUnauthorized,
	portal.EFORBIDDEN:    "forbidden",
	portal.ECONFLICT:     "conflict",
	portal.EINTERNAL:     "internal",
}

// Problem is an RFC 9457 problem document with the portal's stable code.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	RequestID string `json:"request_id,omitempty"`
}

// classify turns any error into a domain error: echo's own (404 for an unknown route, 405, 413) included.
func classify(err error) *portal.Error {
	var pe *portal.Error
	if errors.As(err, &pe) {
		return pe
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return &portal.Error{Code: portal.ENOTFOUND, Message: "no such resource", Err: err}
		case http.StatusMethodNotAllowed:
			return &portal.Error{Code: portal.EINVALID, Message: "method not allowed", Err: err}
		case http.StatusRequestEntityTooLarge:
			return &portal.Error{Code: portal.CodeBodyTooLarge, Message: "the request body is too large", Err: err}
		case http.StatusUnauthorized:
			return &portal.Error{Code: portal.EUNAUTHORIZED, Message: "authentication required", Err: err}
		case http.StatusForbidden:
			return &portal.Error{Code: portal.EFORBIDDEN, Message: "forbidden", Err: err}
		case http.StatusBadRequest:
			return &portal.Error{Code: portal.EINVALID, Message: "bad request", Err: err}
		}
	}
	return &portal.Error{Code: portal.EINTERNAL, Message: "internal error", Err: err}
}

// handleError is the one error handler: a problem+json document on the API, a fragment for htmx, a page
// otherwise. Only internal errors are logged with their detail; no detail reaches the client.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		s.log.Warn("error after response started", "id", RequestIDOf(c), "err", err)
		return
	}
	pe := classify(err)
	status, ok := statusOf[pe.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status == http.StatusMethodNotAllowed || errors.Is(err, echo.ErrMethodNotAllowed) {
		status = http.StatusMethodNotAllowed
	}
	if status >= 500 {
		s.log.Error("internal error", "id", RequestIDOf(c), "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		s.writeProblem(c, status, pe)
		return
	}
	ctx := c.Request().Context()
	msg := i18n.T(ctx, "err.generic")
	switch {
	case status == http.StatusNotFound && pe.Key != "":
		msg = i18n.T(ctx, pe.Key) // what was not found, when the handler says ("This consent was not found.")
	case status == http.StatusNotFound:
		msg = i18n.T(ctx, "err.page_not_found")
	case status == http.StatusForbidden:
		msg = i18n.T(ctx, "err.forbidden")
	case status < 500:
		msg = i18n.T(ctx, portal.ErrorKey(pe))
	}
	page := s.page(c, i18n.T(ctx, "error.title"))
	if cur := currentOf(c); cur != nil {
		// A signed-in user's error page still has the header's sign-out form: give it its token (taken from
		// the session already loaded, no database needed), or signing out from a 404 page would be refused.
		page.CSRF = auth.CSRFToken(cur.Session)
	}
	var rerr error
	if isHTMX(c) {
		// htmx swaps no 4xx or 5xx answer by default, and the element that asked may be a small control:
		// the error goes to the layout's live flash region instead, scrolled into view. portal.js lets htmx
		// swap an error answer that names its target this way.
		c.Response().Header().Set("HX-Retarget", "#flash-region")
		c.Response().Header().Set("HX-Reswap", "innerHTML show:top")
		rerr = s.renderStatus(c, status, views.ErrorFragment(views.ErrorData{Status: status, Message: msg, RequestID: RequestIDOf(c)}))
	} else {
		rerr = s.renderStatus(c, status, views.ErrorPage(page, views.ErrorData{Status: status, Message: msg, RequestID: RequestIDOf(c)}))
	}
	if rerr != nil {
		s.log.Error("render error page", "id", RequestIDOf(c), "err", rerr)
	}
}

// writeProblem answers the API with an RFC 9457 document.
func (s *Server) writeProblem(c echo.Context, status int, pe *portal.Error) {
	code := pe.Code
	if api, ok := apiCodeOf[code]; ok {
		code = api
	}
	p := Problem{
		Type:      "/api/v1/problems/" + code,
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    portal.ErrorMessage(pe),
		Code:      code,
		RequestID: RequestIDOf(c),
	}
	if status == http.StatusMethodNotAllowed {
		p.Code, p.Detail = "method_not_allowed", "method not allowed"
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().WriteHeader(status)
	if err := jsonEncode(c.Response(), p); err != nil {
		s.log.Warn("write problem", "id", RequestIDOf(c), "err", err)
	}
}

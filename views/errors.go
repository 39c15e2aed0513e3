package views

import (
	"context"
	"net/http"
)

// errorStatus is the HTTP status an error page reports, 500 when none was given.
func errorStatus(d ErrorData) int {
	if d.Status == 0 {
		return http.StatusInternalServerError
	}
	return d.Status
}

// errorTitleKey chooses the error page's heading by status.
func errorTitleKey(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "error.unauthorized.title"
	case http.StatusForbidden:
		return "error.forbidden.title"
	case http.StatusNotFound:
		return "error.not_found.title"
	case http.StatusTooManyRequests:
		return "error.too_many.title"
	default:
		return "error.title"
	}
}

// errorMessage is the message given, or a generic one for the status.
func errorMessage(ctx context.Context, d ErrorData) string {
	if d.Message != "" {
		return d.Message
	}
	switch d.Status {
	case http.StatusNotFound:
		return t(ctx, "error.not_found")
	case http.StatusForbidden:
		return t(ctx, "error.forbidden")
	default:
		return t(ctx, "error.generic")
	}
}

// errorRequestID is the request id to show: the error's, else the page's.
func errorRequestID(p Page, d ErrorData) string {
	if d.RequestID != "" {
		return d.RequestID
	}
	return p.RequestID
}

package portal

import (
	"errors"
	"fmt"
)

// Generic error codes, mapped by the web layer to HTTP statuses.
const (
	EINVALID      = "EINVALID"      // the input is malformed
	ENOTFOUND     = "ENOTFOUND"     // the thing does not exist, or is not the caller's to see
	EUNAUTHORIZED = "EUNAUTHORIZED" // no valid credentials
	EFORBIDDEN    = "EFORBIDDEN"    // credentials are valid but the action is not allowed
	ECONFLICT     = "ECONFLICT"     // the action does not fit the current state
	EINTERNAL     = "EINTERNAL"     // a fault of ours; details go to the log only
)

// Product error codes of the company API (PRODUCT.md §6); they are part of the public contract.
const (
	CodeInvalidRequest       = "invalid_request"
	CodeUnauthorized         = "unauthorized"
	CodeCompanySuspended     = "company_suspended"
	CodeCitizenNotFound      = "citizen_not_found"
	CodeScopeNotOffered      = "scope_not_offered"
	CodeRateLimited          = "rate_limited"
	CodeNotFound             = "not_found"
	CodeNotApproved          = "not_approved"
	CodeAlreadyCollected     = "already_collected"
	CodeExpired              = "expired"
	CodeNotPending           = "not_pending"
	CodeIdempotencyKeyReused = "idempotency_key_reused"
	CodeBodyTooLarge         = "body_too_large"
)

// Error is the one error type of the domain. Code is one of the constants above; Message is an English
// sentence safe to show to a company or to log; Key, when set, names the translation catalogue entry that
// tells a citizen or admin the same in their language.
type Error struct {
	Code    string
	Message string
	Key     string
	Err     error
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithKey returns e with a translation key for users.
func (e *Error) WithKey(key string) *Error {
	e.Key = key
	return e
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap gives the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other non-nil error,
// and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the public message of the first *Error in err's chain; internal errors get a generic
// sentence so that nothing internal leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "An internal error occurred."
}

// ErrorKey returns the translation key of the first *Error in err's chain, or "err."+code.
func ErrorKey(err error) string {
	var e *Error
	if errors.As(err, &e) {
		if e.Key != "" {
			return e.Key
		}
		return "err." + e.Code
	}
	return "err." + EINTERNAL
}

package portal_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"portal"
)

func TestErrorHelpers(t *testing.T) {
	const generic = "An internal error occurred."
	notFound := portal.Errorf(portal.ENOTFOUND, "company %d not found", 7).WithKey("err.company_missing")
	expired := portal.Errorf(portal.CodeExpired, "the request has expired")
	internal := portal.Errorf(portal.EINTERNAL, "open /var/lib/portal/portal.db: disk I/O error")

	tests := []struct {
		name     string
		err      error
		wantCode string
		wantMsg  string
		wantKey  string
	}{
		{"error with key", notFound, portal.ENOTFOUND, "company 7 not found", "err.company_missing"},
		{"error without key gets err.<code>", expired, portal.CodeExpired, "the request has expired", "err.expired"},
		{"wrapped once", fmt.Errorf("store: company: %w", notFound), portal.ENOTFOUND, "company 7 not found", "err.company_missing"},
		{"wrapped twice", fmt.Errorf("web: %w", fmt.Errorf("store: %w", expired)), portal.CodeExpired, "the request has expired", "err.expired"},
		{"joined", errors.Join(io.EOF, notFound), portal.ENOTFOUND, "company 7 not found", "err.company_missing"},
		{"internal *Error hides its message", internal, portal.EINTERNAL, generic, "err.EINTERNAL"},
		{"wrapped internal *Error hides its message", fmt.Errorf("x: %w", internal), portal.EINTERNAL, generic, "err.EINTERNAL"},
		{"plain error is internal", errors.New("sql: database is locked"), portal.EINTERNAL, generic, "err.EINTERNAL"},
		{"wrapped plain error is internal", fmt.Errorf("store: %w", io.ErrUnexpectedEOF), portal.EINTERNAL, generic, "err.EINTERNAL"},
		{"*Error wrapping a plain error keeps its own code", &portal.Error{Code: portal.ECONFLICT, Message: "busy", Err: io.EOF}, portal.ECONFLICT, "busy", "err.ECONFLICT"},
		// nil is no error: no code. The message and key of nil are the generic ones (nothing leaks either way).
		{"nil", nil, "", generic, "err.EINTERNAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := portal.ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode = %q, want %q", got, tt.wantCode)
			}
			if got := portal.ErrorMessage(tt.err); got != tt.wantMsg {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.wantMsg)
			}
			if got := portal.ErrorKey(tt.err); got != tt.wantKey {
				t.Errorf("ErrorKey = %q, want %q", got, tt.wantKey)
			}
		})
	}
}

func TestError_Error(t *testing.T) {
	tests := []struct {
		name string
		err  *portal.Error
		want string
	}{
		{"without cause", portal.Errorf(portal.EINVALID, "bad %s", "input"), "EINVALID: bad input"},
		{"with cause", &portal.Error{Code: portal.EINTERNAL, Message: "read", Err: io.EOF}, "EINTERNAL: read: EOF"},
		{"key is not part of the text", portal.Errorf(portal.ENOTFOUND, "gone").WithKey("err.gone"), "ENOTFOUND: gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestError_Unwrap(t *testing.T) {
	t.Run("cause is reachable", func(t *testing.T) {
		err := fmt.Errorf("store: %w", &portal.Error{Code: portal.EINTERNAL, Message: "read", Err: io.EOF})
		if !errors.Is(err, io.EOF) {
			t.Error("errors.Is(err, io.EOF) = false, want true")
		}
	})
	t.Run("no cause", func(t *testing.T) {
		if got := portal.Errorf(portal.EINVALID, "x").Unwrap(); got != nil {
			t.Errorf("Unwrap() = %v, want nil", got)
		}
	})
}

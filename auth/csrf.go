package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/gorilla/sessions"
)

// Where a form or an htmx call sends the CSRF token: a hidden field in forms, a header in htmx requests
// (set from a meta tag by the page's script).
const (
	CSRFField  = "_csrf"
	CSRFHeader = "X-CSRF-Token"
)

// csrfKey is the session value that holds the synchronizer token.
const csrfKey = "_csrf"

// CSRFToken returns the session's synchronizer token, creating a random 256-bit one when the session has
// none. A new token changes the session's values, so the caller saves the session. The token lives as long
// as the session; a fresh session at login brings a fresh token.
func CSRFToken(sess *sessions.Session) string {
	if t, ok := sess.Values[csrfKey].(string); ok && t != "" {
		return t
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails since Go 1.24
	t := base64.RawURLEncoding.EncodeToString(raw)
	sess.Values[csrfKey] = t
	return t
}

// ValidCSRF reports whether token is the session's synchronizer token. It compares in constant time and
// refuses an empty token or a session without one, so a missing field never matches a missing value.
func ValidCSRF(sess *sessions.Session, token string) bool {
	if sess == nil || token == "" {
		return false
	}
	want, ok := sess.Values[csrfKey].(string)
	if !ok || want == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1
}

// CrossOrigin returns the standard library's protection against cross-origin state-changing requests,
// which relies on the Sec-Fetch-Site and Origin headers browsers send. The web layer wraps every non-API
// route with its Handler, in addition to the synchronizer token: the token covers browsers that send
// neither header, and this covers the login form, which has no session to keep a token in. The company
// API is left out, since its callers are servers authenticating with a bearer key, not browsers with
// cookies.
func CrossOrigin() *http.CrossOriginProtection {
	return http.NewCrossOriginProtection()
}

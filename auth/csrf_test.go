package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/sessions"
)

func TestCSRF(t *testing.T) {
	sess := sessions.NewSession(nil, "s")
	tok := CSRFToken(sess)
	if len(tok) != 43 {
		t.Fatalf("token %q is not 32 bytes of base64url", tok)
	}
	if again := CSRFToken(sess); again != tok {
		t.Fatalf("CSRFToken changed: %q then %q", tok, again)
	}
	if other := CSRFToken(sessions.NewSession(nil, "s")); other == tok {
		t.Fatal("two sessions got the same token")
	}
	empty := sessions.NewSession(nil, "s")
	emptyValue := sessions.NewSession(nil, "s")
	emptyValue.Values[csrfKey] = ""

	tests := []struct {
		name  string
		sess  *sessions.Session
		token string
		want  bool
	}{
		{"match", sess, tok, true},
		{"mismatch", sess, tok[:42] + "x", false},
		{"prefix", sess, tok[:10], false},
		{"empty token", sess, "", false},
		{"session without token", empty, "", false},
		{"session with empty token", emptyValue, "", false},
		{"nil session", nil, tok, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidCSRF(tt.sess, tt.token); got != tt.want {
				t.Fatalf("ValidCSRF = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCrossOrigin(t *testing.T) {
	h := CrossOrigin().Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tests := []struct {
		name     string
		method   string
		fetch    string
		wantCode int
	}{
		{"same-origin POST", http.MethodPost, "same-origin", http.StatusOK},
		{"cross-site POST", http.MethodPost, "cross-site", http.StatusForbidden},
		{"cross-site GET", http.MethodGet, "cross-site", http.StatusOK},
		{"POST without browser headers", http.MethodPost, "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/consents/1/revoke", nil)
			if tt.fetch != "" {
				r.Header.Set("Sec-Fetch-Site", tt.fetch)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tt.wantCode {
				t.Fatalf("status %d, want %d", rec.Code, tt.wantCode)
			}
		})
	}
}

package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal"
	"portal/store/demo"
)

// p2Actor is someone other than the citizen who walks every route in TestP2_NoOtherRouteChangesConsents.
// prepare readies the actor's browser before each request (signs in again if a route such as /logout ended
// the session) and returns the headers and form fields that authenticate it. A new kind of actor (a CLI
// caller through some future HTTP surface, a second admin...) is one more entry in the table.
type p2Actor struct {
	name    string
	prepare func(t *testing.T, e *demoEnv, b *browser) (http.Header, url.Values)
}

func p2Actors() []p2Actor {
	return []p2Actor{
		{"admin", func(t *testing.T, e *demoEnv, b *browser) (http.Header, url.Values) {
			// A valid admin session and its CSRF token, in the header (as htmx sends it) and the form.
			tok := csrfOr(b, "/admin", func() { b.login(demo.AdminFIN, testPassword) })
			return http.Header{"X-Csrf-Token": {tok}}, url.Values{"_csrf": {tok}}
		}},
		{"anonymous", func(t *testing.T, e *demoEnv, b *browser) (http.Header, url.Values) {
			tok := csrfOr(b, "/login", nil)
			return http.Header{"X-Csrf-Token": {tok}}, url.Values{"_csrf": {tok}}
		}},
		// The company API (another issue) authenticates with a bearer key: its routes are walked with the
		// bank's key as soon as they are registered, and every other route sees the key too.
		{"company key", func(t *testing.T, e *demoEnv, b *browser) (http.Header, url.Values) {
			return http.Header{"Authorization": {"Bearer " + e.keys[e.bank.Name]}}, url.Values{}
		}},
	}
}

// csrfOr returns the CSRF token of the page at path; when the page does not answer 200 (the session ended),
// it runs relogin first.
func csrfOr(b *browser, path string, relogin func()) string {
	b.e.t.Helper()
	if resp, _ := b.get(path); resp.StatusCode != http.StatusOK && relogin != nil {
		relogin()
	}
	return b.csrf(path)
}

// TestP2_NoOtherRouteChangesConsents walks every registered route (s.Echo().Routes()) as each actor other
// than the citizen, with plausible values (the ids of real consents and companies in the path, a grant's
// form fields, confirm=yes, a data request's JSON), and proves that none of them changes a consent or adds
// a consent event (P2: only the citizen decides). A control run as the citizen proves that the same
// requests do change consents where the citizen may.
func TestP2_NoOtherRouteChangesConsents(t *testing.T) {
	e := newDemoEnv(t)
	bankIdentity := e.consentOf(e.aysel, e.bank, portal.ScopeIdentity)
	telecomContact := e.consentOf(e.aysel, e.telecom, portal.ScopeContact)
	// Candidates for an ":id" in a path: a consent of Aysel's, a company she consented to.
	ids := []string{strconv.FormatInt(bankIdentity.ID, 10), strconv.FormatInt(telecomContact.ID, 10), strconv.FormatInt(e.bank.ID, 10)}
	routes := e.server.Echo().Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	walked := 0
	for _, actor := range p2Actors() {
		b := e.browser()
		for _, r := range routes {
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
			default:
				continue // echo's internal route-not-found entries
			}
			for _, path := range expandPath(r.Path, ids) {
				header, form := actor.prepare(t, e, b)
				before := e.consentTables()
				status := p2Request(t, e, b, r.Method, path, header, form)
				if after := e.consentTables(); after != before {
					t.Errorf("%s %s as %s (status %d) changed consents:\nbefore:\n%s\nafter:\n%s", r.Method, path, actor.name, status, before, after)
				}
				walked++
			}
		}
	}
	t.Logf("walked %d requests over %d routes", walked, len(routes))

	t.Run("control: the citizen's own requests do change consents", func(t *testing.T) {
		b := e.browser()
		b.login(demo.AyselFIN, testPassword)
		tok := b.csrf("/")
		before := e.consentTables()
		p2Request(t, e, b, http.MethodPost, "/consents/"+ids[0]+"/revoke", http.Header{"X-Csrf-Token": {tok}}, url.Values{"_csrf": {tok}})
		if e.consentTables() == before {
			t.Error("the walk's revoke request, sent by the citizen, changed nothing: the walk proves nothing")
		}
	})
}

// expandPath fills a route's parameters: each candidate id for ":id", plausible values for the rest.
func expandPath(route string, ids []string) []string {
	paths := []string{""}
	for _, seg := range strings.Split(strings.TrimPrefix(route, "/"), "/") {
		var values []string
		switch {
		case seg == ":id":
			values = ids
		case seg == ":lang":
			values = []string{"en"}
		case seg == "*":
			values = []string{"css/portal.css"}
		case strings.HasPrefix(seg, ":"):
			values = []string{"1"}
		default:
			values = []string{seg}
		}
		var next []string
		for _, p := range paths {
			for _, v := range values {
				next = append(next, p+"/"+v)
			}
		}
		paths = next
	}
	return paths
}

// p2Request sends one request of the walk and returns its status (0 when it did not answer in time, as an
// event stream would not).
func p2Request(t *testing.T, e *demoEnv, b *browser, method, path string, header http.Header, form url.Values) int {
	t.Helper()
	form.Set("company_id", strconv.FormatInt(e.bank.ID, 10))
	form.Set("scope", string(portal.ScopeIncome))
	form.Set("validity", string(portal.ValidityUnlimited))
	form.Set("keep", string(portal.ValidityUnlimited))
	form.Set("confirm", "yes")
	var body string
	contentType := "application/x-www-form-urlencoded"
	if strings.HasPrefix(path, "/api/") {
		body = `{"citizen_fin":"` + demo.AyselFIN + `","scopes":["identity","income"],"purpose":"P2 route walk"}`
		contentType = "application/json"
	} else if method != http.MethodGet && method != http.MethodHead {
		body = form.Encode()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.http.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := b.c.Do(req)
	if errors.Is(err, context.DeadlineExceeded) {
		return 0
	}
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 32<<10)
	for {
		if _, err := resp.Body.Read(buf); err != nil {
			break // the end, or a stream cut by the deadline
		}
	}
	return resp.StatusCode
}

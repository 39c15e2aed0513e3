package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"portal"
	"portal/auth"
	"portal/store/demo"
)

// The access control matrix (issue 7): every route against every kind of caller, with other people's ids.
// Each cell is the one answer allowed. A route that has no row fails the test, so a new route must be
// placed in the matrix.

// The callers, in the matrix's column order.
const (
	colAnon      = iota // no cookie, no key (an anonymous CSRF token for state changes, as the login form has)
	colA                // citizen A (Aysel): owns the consents and requests in the paths
	colB                // citizen B (Rəşad): another citizen
	colAdmin            // the administrator
	colX                // company X's API key (the bank): made the requests in the paths
	colY                // company Y's API key (the insurer)
	colRevoked          // a revoked key of company X
	colSuspended        // the key of a suspended company
	nCols
)

var colNames = [nCols]string{"anonymous", "citizen A", "citizen B", "admin", "company X", "company Y", "revoked key", "suspended company"}

// Short names for the answers, so that a row reads at a glance.
const (
	ok200   = http.StatusOK
	new201  = http.StatusCreated
	acc202  = http.StatusAccepted
	see301  = http.StatusMovedPermanently
	see303  = http.StatusSeeOther // pages: to the login page (anonymous) or the home page; forms: done
	auth401 = http.StatusUnauthorized
	deny403 = http.StatusForbidden
	nf404   = http.StatusNotFound
	bad422  = http.StatusUnprocessableEntity
)

// matrixRow is one route with the path and body its cells send, and the answer of each caller.
type matrixRow struct {
	method, route string
	path          string
	body          string // a form for pages, JSON for the API
	want          [nCols]int
}

// matrixEnv holds the objects the paths name: A's consents and requests, X's requests, company ids.
type matrixEnv struct {
	*demoEnv
	revokedKey, suspendedKey string
	suspended                portal.Company
	// A's requests made by X: to view, approve, deny, collect (approved by A) and cancel.
	reqView, reqApprove, reqDeny, reqCollect, reqCancel string
	employerKeyID                                       int64
}

func newMatrixEnv(t *testing.T) *matrixEnv {
	t.Helper()
	e := newDemoEnv(t)
	ctx := t.Context()
	m := &matrixEnv{demoEnv: e}
	e.registry(demo.AyselFIN)
	key, prefix, hash, err := auth.GenerateAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := e.store.CreateAPIKey(ctx, portal.System, e.bank.ID, prefix, hash)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.RevokeAPIKey(ctx, portal.System, e.bank.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	m.revokedKey = key
	m.suspended, m.suspendedKey = e.company("Dayandırılmış MMC", "1999000001", portal.ScopeIdentity, portal.ScopeIncome)
	if _, _, err := e.store.SetCompanyStatus(ctx, portal.System, m.suspended.ID, portal.CompanySuspended); err != nil {
		t.Fatal(err)
	}
	for _, id := range []*string{&m.reqView, &m.reqApprove, &m.reqDeny, &m.reqCollect, &m.reqCancel} {
		r := e.api(e.keys[e.bank.Name], "POST", "/api/v1/requests", `{"citizen_fin":"5ABCD12","scopes":["income"],"purpose":"Matrix"}`)
		if r.Status != http.StatusAccepted {
			t.Fatalf("pending request: %d %s", r.Status, r.Raw)
		}
		*id = r.str("id")
	}
	if _, err := e.store.DecideRequest(ctx, e.aysel.ID, m.reqCollect, true, ""); err != nil {
		t.Fatal(err)
	}
	ekeys, err := e.store.APIKeys(ctx, e.employer.ID)
	if err != nil || len(ekeys) == 0 {
		t.Fatalf("employer keys: %v", err)
	}
	m.employerKeyID = ekeys[0].ID
	return m
}

func (m *matrixEnv) rows() []matrixRow {
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	consent := func(c portal.Company, sc portal.Scope) string { return id(m.consentOf(m.aysel, c, sc).ID) }
	bank, employer := id(m.bank.ID), id(m.employer.ID)
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	company := form("name", "Matris MMC", "voen", "1999000002", "sector", "other")
	same := form("current_password", testPassword, "new_password", testPassword, "new_password2", testPassword)
	apiBody := `{"citizen_fin":"5ABCD12","scopes":["identity"],"purpose":"Matrix"}`

	// Columns: anonymous, A, B, admin, X, Y, revoked key, suspended company.
	public := [nCols]int{ok200, ok200, ok200, ok200, ok200, ok200, ok200, ok200}
	// A page anyone signed in may see (anonymous and API callers go to the login page).
	signedInPage := [nCols]int{see303, ok200, ok200, ok200, see303, see303, see303, see303}
	// A form anyone signed in may send; API callers have no CSRF token.
	signedInForm := [nCols]int{see303, see303, see303, see303, deny403, deny403, deny403, deny403}
	citizenPage := [nCols]int{see303, ok200, ok200, deny403, see303, see303, see303, see303}
	// A's own object: B does not find it, the admin may not look.
	aOnlyPage := [nCols]int{see303, ok200, nf404, deny403, see303, see303, see303, see303}
	aOnlyForm := [nCols]int{see303, see303, nf404, deny403, deny403, deny403, deny403, deny403}
	adminPage := [nCols]int{see303, deny403, deny403, ok200, see303, see303, see303, see303}
	adminForm := [nCols]int{see303, deny403, deny403, see303, deny403, deny403, deny403, deny403}
	// X's request: only X finds it; Y does not; a revoked key is unknown; a suspended company is refused.
	xOnlyAPI := [nCols]int{auth401, auth401, auth401, auth401, ok200, nf404, auth401, deny403}
	keyedAPI := [nCols]int{auth401, auth401, auth401, auth401, ok200, ok200, auth401, deny403}

	return []matrixRow{
		{"GET", "/healthz", "/healthz", "", public},
		{"GET", "/readyz", "/readyz", "", public},
		{"GET", "/metrics", "/metrics", "", public},
		{"GET", "/static/*", "/static/css/portal.css", "", public},
		{"GET", "/favicon.ico", "/favicon.ico", "", [nCols]int{see301, see301, see301, see301, see301, see301, see301, see301}},
		{"GET", "/api/v1/openapi.json", "/api/v1/openapi.json", "", public},
		{"GET", "/login", "/login", "", [nCols]int{ok200, see303, see303, see303, ok200, ok200, ok200, ok200}},
		{"GET", "/lang/:lang", "/lang/en", "", [nCols]int{see303, see303, see303, see303, see303, see303, see303, see303}},

		// Pages of the citizen: only A may see and act on A's consents and requests.
		{"GET", "/", "/", "", [nCols]int{see303, ok200, ok200, see303, see303, see303, see303, see303}},
		{"GET", "/companies", "/companies", "", citizenPage},
		{"GET", "/companies/:id", "/companies/" + bank, "", citizenPage},
		{"GET", "/consents", "/consents", "", citizenPage},
		{"GET", "/consents/revoke-all", "/consents/revoke-all", "", citizenPage},
		{"GET", "/data", "/data", "", citizenPage},
		// History and notifications (issue 5): each citizen's own, with no id in the path.
		{"GET", "/history", "/history", "", citizenPage},
		{"GET", "/history.csv", "/history.csv", "", citizenPage},
		{"GET", "/history.json", "/history.json", "", citizenPage},
		{"GET", "/notifications", "/notifications", "", citizenPage},
		{"POST", "/notifications/read", "/notifications/read", form("upto", "999999"),
			[nCols]int{see303, see303, see303, deny403, deny403, deny403, deny403, deny403}},
		{"GET", "/events", "/events", "", citizenPage},
		{"GET", "/requests/:id", "/requests/" + m.reqView, "", aOnlyPage},
		{"GET", "/requests/:id/panel", "/requests/" + m.reqView + "/panel", "", aOnlyPage},

		// The company API, before the consent rows below revoke anything.
		{"POST", "/api/v1/requests", "/api/v1/requests", apiBody, [nCols]int{auth401, auth401, auth401, auth401, ok200, acc202, auth401, deny403}},
		{"GET", "/api/v1/requests/:id", "/api/v1/requests/" + m.reqView, "", xOnlyAPI},
		{"POST", "/api/v1/requests/:id/collect", "/api/v1/requests/" + m.reqCollect + "/collect", "", xOnlyAPI},
		{"DELETE", "/api/v1/requests/:id", "/api/v1/requests/" + m.reqCancel, "", xOnlyAPI},
		{"GET", "/api/v1/offers", "/api/v1/offers", "", keyedAPI},

		{"POST", "/requests/:id/approve", "/requests/" + m.reqApprove + "/approve", "", aOnlyForm},
		{"POST", "/requests/:id/deny", "/requests/" + m.reqDeny + "/deny", "", aOnlyForm},
		{"POST", "/consents", "/consents", form("company_id", id(m.insurer.ID), "scope", "contact", "validity", "30d"),
			[nCols]int{see303, see303, see303, deny403, deny403, deny403, deny403, deny403}},
		{"POST", "/consents/:id/change", "/consents/" + consent(m.telecom, portal.ScopeContact) + "/change", form("validity", "90d"), aOnlyForm},
		{"POST", "/consents/:id/revoke", "/consents/" + consent(m.bank, portal.ScopeIdentity) + "/revoke", "", aOnlyForm},
		// Company ids are public: B "revokes all" of B's own consents to the bank (none: nothing to revoke).
		{"POST", "/companies/:id/revoke-all", "/companies/" + bank + "/revoke-all", "",
			[nCols]int{see303, see303, see303, deny403, deny403, deny403, deny403, deny403}},
		{"POST", "/consents/revoke-all", "/consents/revoke-all", form("confirm", "yes"),
			[nCols]int{see303, see303, see303, deny403, deny403, deny403, deny403, deny403}},

		// The admin console: the admin only.
		{"GET", "/admin", "/admin", "", adminPage},
		{"GET", "/admin/companies", "/admin/companies", "", adminPage},
		{"GET", "/admin/companies/:id", "/admin/companies/" + employer, "", adminPage},
		{"POST", "/admin/companies", "/admin/companies", company, adminForm},
		{"POST", "/admin/companies/:id", "/admin/companies/" + employer, form("name", m.employer.Name, "voen", m.employer.VOEN, "sector", "employer"), adminForm},
		{"POST", "/admin/companies/:id/suspend", "/admin/companies/" + employer + "/suspend", "", adminForm},
		{"POST", "/admin/companies/:id/reactivate", "/admin/companies/" + employer + "/reactivate", "", adminForm},
		{"POST", "/admin/companies/:id/keys", "/admin/companies/" + employer + "/keys", "",
			[nCols]int{see303, deny403, deny403, new201, deny403, deny403, deny403, deny403}},
		{"POST", "/admin/companies/:id/keys/:key/revoke", "/admin/companies/" + employer + "/keys/" + id(m.employerKeyID) + "/revoke", "", adminForm},

		// Account security: anyone signed in, for their own account only (no id in the path).
		{"GET", "/account", "/account", "", signedInPage},
		{"GET", "/account/password", "/account/password", "", signedInPage},
		{"POST", "/account/password", "/account/password", same, signedInForm},
		{"POST", "/sessions/end-others", "/sessions/end-others", "", signedInForm},
		// Login and logout last: a wrong password for everyone (4 failures, under the throttle's 5).
		{"POST", "/login", "/login", form("fin", demo.RashadFIN, "password", "not the password"),
			[nCols]int{auth401, auth401, auth401, auth401, deny403, deny403, deny403, deny403}},
		{"POST", "/logout", "/logout", "", [nCols]int{see303, see303, see303, see303, deny403, deny403, deny403, deny403}},
	}
}

// matrixCaller sends requests as one column: a browser with its session (signed in again if a row ended
// it) and CSRF token, or an API client with its key and no cookies.
type matrixCaller struct {
	e   *matrixEnv
	fin string // "" for anonymous and API callers
	key string
	b   *browser
}

func (c *matrixCaller) call(t *testing.T, row matrixRow) (int, string) {
	t.Helper()
	headers := map[string]string{}
	body := row.body
	if c.key != "" {
		headers["Authorization"] = "Bearer " + c.key
		c.b = c.e.browser() // no cookies at all
	} else {
		if c.b == nil || (c.fin != "" && !c.alive()) {
			c.b = c.e.browser()
			if c.fin != "" {
				c.b.login(c.fin, testPassword)
			}
		}
		if row.method != http.MethodGet {
			page := "/login"
			if c.fin != "" {
				page = "/account"
			}
			tok := c.b.csrf(page)
			headers["X-CSRF-Token"] = tok
			if !strings.HasPrefix(row.path, "/api/") {
				body = withCSRF(body, tok)
			}
		}
	}
	if strings.HasPrefix(row.path, "/api/") && body != "" {
		status, _, raw := c.b.sendJSON(row.method, row.path, body, headers)
		return status, raw
	}
	status, _, raw := c.b.send(row.method, row.path, body, headers)
	return status, raw
}

// alive reports whether the caller's session still exists (a logout or a password change ends it).
func (c *matrixCaller) alive() bool {
	ck := c.b.cookie(auth.CookieName)
	if ck == nil {
		return false
	}
	h, ok := auth.HashSessionID(ck.Value)
	if !ok {
		return false
	}
	_, err := c.e.store.Session(c.e.t.Context(), h)
	return err == nil
}

func withCSRF(form, tok string) string {
	v, _ := url.ParseQuery(form)
	v.Set("_csrf", tok)
	return v.Encode()
}

func TestAccess_Matrix(t *testing.T) {
	m := newMatrixEnv(t)
	callers := [nCols]*matrixCaller{
		colAnon:      {e: m},
		colA:         {e: m, fin: demo.AyselFIN},
		colB:         {e: m, fin: demo.RashadFIN},
		colAdmin:     {e: m, fin: demo.AdminFIN},
		colX:         {e: m, key: m.keys[m.bank.Name]},
		colY:         {e: m, key: m.keys[m.insurer.Name]},
		colRevoked:   {e: m, key: m.revokedKey},
		colSuspended: {e: m, key: m.suspendedKey},
	}
	rows := m.rows()
	// Every registered route has a row, and every row a route.
	have := map[string]bool{}
	for _, r := range rows {
		have[r.method+" "+r.route] = true
	}
	registered := map[string]bool{}
	for _, r := range walkableRoutes(m.server.Echo()) {
		key := r.Method + " " + r.Path
		registered[key] = true
		if !have[key] {
			t.Errorf("route %s has no row in the access matrix: add one", key)
		}
	}
	for key := range have {
		if !registered[key] {
			t.Errorf("matrix row %s names no registered route", key)
		}
	}
	cells := 0
	for _, row := range rows {
		for col, c := range callers {
			status, body := c.call(t, row)
			if status != row.want[col] {
				t.Errorf("%s %s as %s: %d, want %d (%.150s)", row.method, row.route, colNames[col], status, row.want[col], oneLine(body))
			}
			cells++
		}
	}
	t.Logf("%d routes × %d callers = %d cells", len(rows), nCols, cells)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// sendJSON is send with a JSON body.
func (b *browser) sendJSON(method, path, body string, headers map[string]string) (int, http.Header, string) {
	b.e.t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range headers {
		h[k] = v
	}
	return b.send(method, path, body, h)
}

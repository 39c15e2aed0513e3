package web_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"portal"
	"portal/auth"
	"portal/store/storetest"
)

// Helpers for the admin tests (issue 6).

// newAdminEnv is a portal with an admin signed in.
func newAdminEnv(t *testing.T) (*testEnv, *browser, portal.User) {
	t.Helper()
	e := newTestEnv(t)
	u := e.user("ADMIN01", "Administrator", portal.RoleAdmin)
	b := e.browser()
	b.login("ADMIN01", testPassword)
	return e, b, u
}

// submit posts a form with the CSRF token of the page at tokenPage and parses the answer.
func (b *browser) adminSubmit(tokenPage, path string, form url.Values) (*http.Response, *goquery.Document) {
	b.e.t.Helper()
	v := url.Values{}
	for k, vs := range form {
		v[k] = slices.Clone(vs)
	}
	v.Set("_csrf", b.csrf(tokenPage))
	resp, body := b.post(path, v)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		b.e.t.Fatal(err)
	}
	return resp, doc
}

// formValues is what a browser would submit from the form: text controls, ticked boxes, chosen options.
func adminFormValues(t *testing.T, doc *goquery.Document, sel string) url.Values {
	t.Helper()
	form := doc.Find(sel)
	if form.Length() != 1 {
		t.Fatalf("%d forms match %s", form.Length(), sel)
	}
	v := url.Values{}
	form.Find("input").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		if name == "" || name == "_csrf" {
			return
		}
		switch in.AttrOr("type", "text") {
		case "checkbox", "radio":
			if _, ok := in.Attr("checked"); ok {
				v.Add(name, in.AttrOr("value", "on"))
			}
		case "submit", "button":
		default:
			v.Add(name, in.AttrOr("value", ""))
		}
	})
	form.Find("textarea").Each(func(_ int, ta *goquery.Selection) { v.Add(ta.AttrOr("name", ""), ta.Text()) })
	form.Find("select").Each(func(_ int, s *goquery.Selection) {
		opt := s.Find("option[selected]")
		if opt.Length() == 0 {
			opt = s.Find("option").First()
		}
		v.Add(s.AttrOr("name", ""), opt.AttrOr("value", ""))
	})
	return v
}

// rawDB opens the test's database file directly, as a second process would.
func adminDB(t *testing.T, e *testEnv) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+e.store.Path()+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// insertRequest writes a data request row as the company API would have (the API is another issue).
func adminInsertRequest(t *testing.T, db *sql.DB, companyID, citizenID int64, status portal.RequestStatus, created, deadline time.Time) string {
	t.Helper()
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	code, decided := "", sql.NullInt64{}
	switch status {
	case portal.StatusPending:
		code = "7KQX"
	case portal.StatusApproved, portal.StatusDenied:
		decided = sql.NullInt64{Int64: created.Add(time.Minute).UnixMilli(), Valid: true}
	}
	_, err := db.Exec(`INSERT INTO data_requests (id, company_id, citizen_id, scopes, purpose, status, binding_code, created_at, deadline, decided_at)
		VALUES (?, ?, ?, 'identity', 'test', ?, ?, ?, ?, ?)`, id, companyID, citizenID, string(status), code, created.UnixMilli(), deadline.UnixMilli(), decided)
	if err != nil {
		t.Fatalf("insert request: %v", err)
	}
	return id
}

func adminCount(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// adminCompany registers a company with offers through the store.
func (e *testEnv) adminCompany(voen string, scopes ...portal.Scope) portal.Company {
	e.t.Helper()
	c, errs := portal.CompanyInput{Name: "Company " + voen, VOEN: voen, Sector: "bank"}.Validate()
	if len(errs) > 0 {
		e.t.Fatal(errs)
	}
	var offers []portal.Offer
	for _, sc := range scopes {
		offers = append(offers, portal.Offer{Scope: sc, Purpose: "Purpose of " + string(sc), LegalBasis: portal.BasisConsent, RetentionDays: 365, Frequency: portal.FrequencyOneOff})
	}
	c, err := e.store.CreateCompany(context.Background(), portal.System, c, offers)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func adminAuditHead(t *testing.T, e *testEnv) int64 {
	t.Helper()
	seq, _, err := e.store.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// auditSince returns the audit entries after seq.
func adminAuditSince(t *testing.T, e *testEnv, seq int64) []portal.AuditEntry {
	t.Helper()
	head := adminAuditHead(t, e)
	var out []portal.AuditEntry
	for s := seq + 1; s <= head; s++ {
		a, err := e.store.AuditEntry(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func adminText(doc *goquery.Document, testID string) string {
	return strings.TrimSpace(doc.Find(`[data-testid="` + testID + `"]`).Text())
}

// adminPath fills a route's parameters.
func adminPath(route string, companyID, keyID int64) string {
	p := strings.ReplaceAll(route, ":id", strconv.FormatInt(companyID, 10))
	return strings.ReplaceAll(p, ":key", strconv.FormatInt(keyID, 10))
}

// adminRoutes lists every registered route under /admin.
func adminRoutes(e *testEnv) [][2]string {
	var out [][2]string
	for _, r := range e.server.Echo().Routes() {
		if r.Method == echo.RouteNotFound {
			continue // a group's catch-all, which echo registers for its middleware
		}
		if r.Path == "/admin" || strings.HasPrefix(r.Path, "/admin/") {
			out = append(out, [2]string{r.Method, r.Path})
		}
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[1]+a[0], b[1]+b[0]) })
	return out
}

// The tests.

func TestAdminOverview(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	db := adminDB(t, e)
	citizen := e.user("5ABCD12", "Aysel Məmmədova", portal.RoleCitizen)
	a := e.adminCompany("1700000001", portal.ScopeIdentity)
	e.adminCompany("1700000002")
	s := e.adminCompany("1700000003")
	if _, _, err := e.store.SetCompanyStatus(context.Background(), portal.System, s.ID, portal.CompanySuspended); err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()                 // 13:00 in Baku
	midnight := now.Add(-13 * time.Hour) // 00:00 in Baku
	adminInsertRequest(t, db, a.ID, citizen.ID, portal.StatusPending, now.Add(-time.Minute), now.Add(4*time.Minute))
	adminInsertRequest(t, db, a.ID, citizen.ID, portal.StatusPending, now.Add(-time.Hour), now.Add(-55*time.Minute)) // expired, not swept
	adminInsertRequest(t, db, a.ID, citizen.ID, portal.StatusApproved, now.Add(-time.Minute), now.Add(4*time.Minute))
	adminInsertRequest(t, db, a.ID, citizen.ID, portal.StatusDelivered, midnight, time.Time{})
	adminInsertRequest(t, db, a.ID, citizen.ID, portal.StatusDelivered, midnight.Add(-time.Second), time.Time{}) // yesterday in Baku

	// Two API error answers: an unknown API route and one more; a page's 404 is not an API error.
	for _, p := range []string{"/api/v1/no-such-call", "/api/v1/requests/nope", "/no-such-page"} {
		if resp, _ := b.get(p); resp.StatusCode < 400 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
	}

	resp, doc := b.get("/admin")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for id, want := range map[string]string{
		"companies-total": "3", "companies-active": "2", "companies-suspended": "1",
		"pending-now": "1", "requests-today-total": "4", "api-errors": "2",
	} {
		if got := adminText(doc, id); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	byStatus := map[string]string{}
	doc.Find(`[data-testid="requests-today-row"]`).Each(func(_ int, r *goquery.Selection) {
		byStatus[r.AttrOr("data-status", "")] = strings.TrimSpace(r.Find(`[data-testid="count"]`).Text())
	})
	want := map[string]string{"pending": "1", "approved": "1", "delivered": "1", "denied": "0", "expired": "1", "cancelled": "0"}
	if !reflect.DeepEqual(byStatus, want) {
		t.Errorf("requests today = %v, want %v", byStatus, want)
	}
	if html, _ := doc.Html(); strings.Contains(html, "Aysel") || strings.Contains(html, "5ABCD12") {
		t.Error("the overview names a citizen (P6)")
	}

	t.Run("API errors older than an hour drop out", func(t *testing.T) {
		e.clock.Advance(61 * time.Minute)
		b.login("ADMIN01", testPassword) // the session has been idle too long
		_, doc := b.get("/admin")
		if got := adminText(doc, "api-errors"); got != "0" {
			t.Errorf("api-errors = %q an hour later, want 0", got)
		}
	})
	t.Run("a new day in Baku starts the count again", func(t *testing.T) {
		e.clock.Set(midnight.Add(24 * time.Hour))
		b.login("ADMIN01", testPassword)
		_, doc := b.get("/admin")
		if got := adminText(doc, "requests-today-total"); got != "0" {
			t.Errorf("requests today = %q after midnight in Baku, want 0", got)
		}
	})
}

// TestAdmin_OnlyAdmins walks every /admin route: a citizen gets 403, an anonymous visitor the login page.
func TestAdmin_OnlyAdmins(t *testing.T) {
	e := newTestEnv(t)
	e.user("5ABCD12", "Aysel Məmmədova", portal.RoleCitizen)
	c := e.adminCompany("1700000001", portal.ScopeIdentity)
	_, prefix, hash, _ := auth.GenerateAPIKey()
	key, err := e.store.CreateAPIKey(context.Background(), portal.System, c.ID, prefix, hash)
	if err != nil {
		t.Fatal(err)
	}
	citizen, anon := e.browser(), e.browser()
	citizen.login("5ABCD12", testPassword)
	routes := adminRoutes(e)
	if len(routes) < 9 {
		t.Fatalf("only %d admin routes registered: %v", len(routes), routes)
	}
	before := map[string][][]string{}
	for _, tbl := range []string{"companies", "offers", "api_keys"} {
		before[tbl] = storetest.Dump(t, e.store.Path(), tbl)
	}
	form := url.Values{"name": {"X"}, "voen": {"1700000009"}, "sector": {"bank"}}
	for _, r := range routes {
		path := adminPath(r[1], c.ID, key.ID)
		t.Run(r[0]+" "+r[1], func(t *testing.T) {
			var resp *http.Response
			if r[0] == http.MethodGet {
				resp, _ = citizen.get(path)
			} else {
				resp, _ = citizen.adminSubmit("/", path, form)
			}
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("citizen: %d, want 403", resp.StatusCode)
			}
			if r[0] == http.MethodGet {
				resp, _ = anon.get(path)
			} else {
				resp, _ = anon.adminSubmit("/login", path, form)
			}
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
				t.Errorf("anonymous: %d %q, want a redirect to /login", resp.StatusCode, loc)
			}
		})
	}
	for tbl, rows := range before {
		if !reflect.DeepEqual(storetest.Dump(t, e.store.Path(), tbl), rows) {
			t.Errorf("a refused visitor changed %s", tbl)
		}
	}
}

// TestAdmin_NeverTouchesConsents walks every /admin route as an admin with plausible values and proves
// that no consent and no consent event changes (P2), that the citizens' requests are only ever cancelled
// for the suspension, and that every action is audited with the admin as actor.
func TestAdmin_NeverTouchesConsents(t *testing.T) {
	e, b, admin := newAdminEnv(t)
	ctx := context.Background()
	db := adminDB(t, e)
	aysel := e.user("5ABCD12", "Aysel Məmmədova", portal.RoleCitizen)
	resad := e.user("7XYZ987", "Rəşad Əliyev", portal.RoleCitizen)
	c := e.adminCompany("1700000001", portal.ScopeIdentity, portal.ScopeAddress, portal.ScopeContact)
	for _, g := range []struct {
		who   int64
		scope portal.Scope
	}{{aysel.ID, portal.ScopeIdentity}, {aysel.ID, portal.ScopeAddress}, {resad.ID, portal.ScopeContact}} {
		if _, err := e.store.GrantConsent(ctx, g.who, c.ID, g.scope, portal.Validity90Days); err != nil {
			t.Fatal(err)
		}
	}
	now := e.clock.Now()
	adminInsertRequest(t, db, c.ID, aysel.ID, portal.StatusPending, now, now.Add(5*time.Minute))
	adminInsertRequest(t, db, c.ID, resad.ID, portal.StatusApproved, now, now.Add(5*time.Minute))
	_, prefix, hash, _ := auth.GenerateAPIKey()
	key, err := e.store.CreateAPIKey(ctx, portal.System, c.ID, prefix, hash)
	if err != nil {
		t.Fatal(err)
	}
	consents, events := storetest.Dump(t, e.store.Path(), "consents"), storetest.Dump(t, e.store.Path(), "consent_events")
	companyPage := fmt.Sprintf("/admin/companies/%d", c.ID)

	// What each route is given, and the state it needs first.
	actions := map[string]struct {
		prepare func()
		form    func() url.Values
	}{
		"GET /admin":               {},
		"GET /admin/companies":     {},
		"GET /admin/companies/:id": {},
		"POST /admin/companies": {form: func() url.Values {
			return url.Values{"name": {"Yeni Şirkət"}, "voen": {"1700000002"}, "sector": {"telecom"}}
		}},
		"POST /admin/companies/:id/keys":    {},
		"POST /admin/companies/:id/suspend": {},
		"POST /admin/companies/:id/reactivate": {prepare: func() {
			if got, _ := e.store.Company(ctx, c.ID); got.Status == portal.CompanyActive {
				if _, _, err := e.store.SetCompanyStatus(ctx, portal.System, c.ID, portal.CompanySuspended); err != nil {
					t.Fatal(err)
				}
			}
		}},
		"POST /admin/companies/:id/keys/:key/revoke": {},
		"POST /admin/companies/:id": {form: func() url.Values {
			_, doc := b.get(companyPage)
			v := adminFormValues(t, doc, `[data-testid="company-form"]`)
			v.Set("description", "Changed by the admin")
			v.Del("offer.address.offered") // withdraw a consented scope
			v.Set("offer.income.offered", "1")
			v.Set("offer.income.purpose", "Credit scoring")
			v.Set("offer.identity.purpose", "A changed purpose")
			return v
		}},
	}
	for _, r := range adminRoutes(e) {
		name := r[0] + " " + r[1]
		act, ok := actions[name]
		if !ok {
			t.Errorf("route %s is not covered by this test: add it to the table", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			if act.prepare != nil {
				act.prepare()
			}
			seq := adminAuditHead(t, e)
			path := adminPath(r[1], c.ID, key.ID)
			var resp *http.Response
			if r[0] == http.MethodGet {
				resp, _ = b.get(path)
			} else {
				var form url.Values
				if act.form != nil {
					form = act.form()
				}
				resp, _ = b.adminSubmit("/admin", path, form)
			}
			if resp.StatusCode >= 400 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if !reflect.DeepEqual(storetest.Dump(t, e.store.Path(), "consents"), consents) || !reflect.DeepEqual(storetest.Dump(t, e.store.Path(), "consent_events"), events) {
				t.Fatalf("%s changed a consent or consent event (P2)", name)
			}
			entries := adminAuditSince(t, e, seq)
			if r[0] == http.MethodPost {
				if len(entries) == 0 {
					t.Fatalf("%s was not audited", name)
				}
				for _, a := range entries {
					if a.Actor != (portal.Actor{Kind: portal.ActorAdmin, ID: admin.ID}) {
						t.Errorf("audit %s by %+v, want the admin", a.Action, a.Actor)
					}
				}
			} else if len(entries) != 0 {
				t.Errorf("a page view wrote %d audit entries", len(entries))
			}
		})
	}
	// The only change to the citizens' requests is the suspension's cancellation.
	if n := adminCount(t, db, "SELECT count(*) FROM data_requests WHERE status <> 'cancelled' OR reason <> 'company_suspended'"); n != 0 {
		t.Errorf("%d requests not cancelled for the suspension", n)
	}
}

// TestAdminPages_AllLanguagesAfterPOST renders the pages that only a POST shows (a refused registration, a
// refused edit, a new key) and a company with used and revoked keys in each language, with no missing
// catalogue key.
func TestAdminPages_AllLanguagesAfterPOST(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	ctx := context.Background()
	c := e.adminCompany("1700000001", portal.ScopeIdentity, portal.ScopeAddress)
	for range 2 {
		_, prefix, hash, _ := auth.GenerateAPIKey()
		k, err := e.store.CreateAPIKey(ctx, portal.System, c.ID, prefix, hash)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.store.TouchAPIKey(ctx, k.ID, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if k.ID == 1 {
			if err := e.store.RevokeAPIKey(ctx, portal.System, c.ID, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	page := fmt.Sprintf("/admin/companies/%d", c.ID)
	_, doc := b.get(page)
	edit := adminFormValues(t, doc, `[data-testid="company-form"]`)
	edit.Set("website", "javascript:alert(1)")
	edit.Del("offer.address.offered") // withdrawn, so the page shows a withdrawn row next time
	edit.Set("offer.identity.purpose", "")
	for _, lang := range []string{"az", "en", "ru"} {
		b.get("/lang/" + lang + "?next=/")
		for _, p := range []struct {
			path string
			form url.Values
			want int
		}{
			{"/admin/companies", url.Values{"name": {""}, "voen": {"1"}, "sector": {"x"}, "website": {"x"}, "contact_email": {"x"}, "description": {strings.Repeat("a", 2001)}}, http.StatusUnprocessableEntity},
			{page, edit, http.StatusUnprocessableEntity},
			{page + "/keys", nil, http.StatusCreated},
		} {
			resp, doc := b.adminSubmit("/admin", p.path, p.form)
			if resp.StatusCode != p.want {
				t.Errorf("%s POST %s: %d, want %d", lang, p.path, resp.StatusCode, p.want)
			}
			if got := doc.Find("html").AttrOr("lang", ""); got != lang {
				t.Errorf("%s POST %s: <html lang=%q>", lang, p.path, got)
			}
			if html, _ := doc.Html(); strings.Contains(html, "⟦") {
				i := strings.Index(html, "⟦")
				t.Errorf("%s POST %s: missing catalogue key near %q", lang, p.path, html[i:min(len(html), i+60)])
			}
		}
	}
}

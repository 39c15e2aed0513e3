package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"portal"
	"portal/auth"
	"portal/store/demo"
	"portal/store/storetest"
	"portal/views"
	"portal/views/i18n"
)

// demoEnv is a test portal seeded with the demo data of PRODUCT.md §9 (named citizens, companies and Aysel's
// consents; no generated citizens). Every demo account's password is testPassword.
type demoEnv struct {
	*testEnv
	bank, insurer, telecom, employer portal.Company
	aysel, rashad                    portal.User
	keys                             map[string]string // each demo company's API key, by company name
}

// oneHash hashes every password to the same stored hash: that of testPassword, made once per test binary.
type oneHash struct{ hash string }

func (h oneHash) Hash(context.Context, string) (string, error) { return h.hash, nil }

func newDemoEnv(t *testing.T) *demoEnv {
	t.Helper()
	e := newTestEnv(t)
	ctx := context.Background()
	res, err := demo.Seed(ctx, e.store, oneHash{passwordHash(t)}, demo.Options{Citizens: -1, NewAPIKey: auth.GenerateAPIKey, Now: e.clock.Now})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	d := &demoEnv{testEnv: e, keys: res.Keys}
	for voen, c := range map[string]*portal.Company{demo.BankVOEN: &d.bank, demo.InsuranceVOEN: &d.insurer, demo.TelecomVOEN: &d.telecom, demo.EmployerVOEN: &d.employer} {
		co, err := e.store.CompanyByVOEN(ctx, voen)
		if err != nil {
			t.Fatal(err)
		}
		*c = co
	}
	for fin, u := range map[string]*portal.User{demo.AyselFIN: &d.aysel, demo.RashadFIN: &d.rashad} {
		got, _, err := e.store.UserByFIN(ctx, fin)
		if err != nil {
			t.Fatal(err)
		}
		*u = got
	}
	return d
}

// citizen returns a browser signed in as the citizen with the FIN, and the session's CSRF token.
func (e *testEnv) signedIn(fin string) (*browser, string) {
	e.t.Helper()
	b := e.browser()
	b.login(fin, testPassword)
	return b, b.csrf("/")
}

// exec changes the database behind the store's back, for states that no use case of this issue makes: a
// suspended company, a withdrawn offer.
func (e *testEnv) exec(query string, args ...any) {
	e.t.Helper()
	db, err := sql.Open("sqlite", "file:"+e.store.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query, args...); err != nil {
		e.t.Fatalf("exec %q: %v", query, err)
	}
}

func (e *testEnv) suspend(c portal.Company) {
	e.exec("UPDATE companies SET status = 'suspended' WHERE id = ?", c.ID)
}

func (e *testEnv) withdraw(c portal.Company, sc portal.Scope) {
	e.exec("UPDATE offers SET withdrawn_at = ? WHERE company_id = ? AND scope = ?", e.clock.Now().UnixMilli(), c.ID, string(sc))
}

// consentTables is every row of consents and consent_events as text, to prove that something changed
// nothing.
func (e *testEnv) consentTables() string {
	e.t.Helper()
	return fmt.Sprint(storetest.Dump(e.t, e.store.Path(), "consents"), storetest.Dump(e.t, e.store.Path(), "consent_events"))
}

// consentsOf returns the citizen's consent rows.
func (e *testEnv) consentsOf(u portal.User) []portal.Consent {
	e.t.Helper()
	cs, err := e.store.Consents(context.Background(), u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return cs
}

// consentOf returns the citizen's consent to the company for the scope, failing the test if there is none.
func (e *testEnv) consentOf(u portal.User, c portal.Company, sc portal.Scope) portal.Consent {
	e.t.Helper()
	for _, cs := range e.consentsOf(u) {
		if cs.CompanyID == c.ID && cs.Scope == sc {
			return cs
		}
	}
	e.t.Fatalf("no consent of %s to %s for %s", u.FIN, c.Name, sc)
	return portal.Consent{}
}

// htmx posts a form as htmx does: HX-Request and the CSRF token in the X-CSRF-Token header.
func (b *browser) htmx(path, token string, form url.Values) (*http.Response, *goquery.Document) {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", token)
	resp, body := b.do(req)
	return resp, parseHTML(b.e.t, body)
}

// htmxGet gets a page as htmx does, with extra headers.
func (b *browser) htmxGet(path string, headers map[string]string) (*http.Response, string) {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.http.URL+path, nil)
	req.Header.Set("HX-Request", "true")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return b.do(req)
}

// submit posts a plain form with the token and, when it answers 303, follows the redirect as a browser does.
func (b *browser) submit(path, token string, form url.Values) (*http.Response, *goquery.Document) {
	b.e.t.Helper()
	form.Set("_csrf", token)
	resp, body := b.post(path, form)
	if resp.StatusCode != http.StatusSeeOther {
		return resp, parseHTML(b.e.t, body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "/") {
		b.e.t.Fatalf("POST %s redirected to %q, want a local path", path, loc)
	}
	_, doc := b.get(loc)
	return resp, doc
}

func parseHTML(t testing.TB, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func tid(id string) string { return `[data-testid="` + id + `"]` }

// flashes returns the texts of the flash messages on a page.
func flashes(doc *goquery.Document) []string {
	var out []string
	doc.Find(tid("flashes") + " " + tid("flash")).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Text()))
	})
	return out
}

// offerCard returns the card of the scope's offer on a company page or in an htmx answer.
func offerCard(doc *goquery.Document, sc portal.Scope) *goquery.Selection {
	return doc.Find(tid("offer") + `[data-scope="` + string(sc) + `"]`)
}

func az(key string, args ...any) string { return i18n.Lookup(i18n.AZ, key, args...) }

func idPath(format string, id int64) string { return fmt.Sprintf(format, id) }

// formOf builds form values from name, value pairs; values are formatted with fmt.
func formOf(kv ...any) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(fmt.Sprint(kv[i]), fmt.Sprint(kv[i+1]))
	}
	return v
}

// bakuZone is the zone the pages show times in.
var bakuZone = views.Baku

package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"portal"
)

// Fuzz tests of the browser forms (issue 7): whatever a signed-in user types, a form handler never answers
// 5xx. Seed corpora live in testdata/fuzz/<FuzzName>/.

// FuzzConsentGrantForm posts POST /consents with arbitrary fields, as plain forms and as htmx.
func FuzzConsentGrantForm(f *testing.F) {
	for _, s := range [][3]string{
		{"1", "identity", "30d"}, {"1", "income", "unlimited"}, {"0", "", ""}, {"-1", "identity", "1y"},
		{"99999999999999999999", "identity", "90d"}, {"1", "IDENTITY", "30D"}, {"1 ", "identity\x00", "30d "},
		{"1e3", "ıdentity", "∞"}, {"<script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)"},
	} {
		f.Add(s[0], s[1], s[2], false)
		f.Add(s[0], s[1], s[2], true)
	}
	e := newTestEnv(f)
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	co, _ := e.company("Fuzz Bank", "1400012345", portal.ScopeIdentity, portal.ScopeIncome)
	b := e.browser()
	b.login(finAysel, testPassword)
	tok := b.csrf("/")
	f.Fuzz(func(t *testing.T, companyID, scope, validity string, htmx bool) {
		env := *e
		env.t = t
		b := &browser{e: &env, c: b.c}
		if companyID == "1" {
			companyID = strconv.FormatInt(co.ID, 10)
		}
		form := url.Values{"_csrf": {tok}, "company_id": {companyID}, "scope": {scope}, "validity": {validity}}
		headers := map[string]string{}
		if htmx {
			headers["HX-Request"] = "true"
		}
		status, _, body := b.send(http.MethodPost, "/consents", form.Encode(), headers)
		if status >= 500 || status == http.StatusForbidden {
			t.Fatalf("company_id=%q scope=%q validity=%q htmx=%v: %d %.300s", companyID, scope, validity, htmx, status, body)
		}
	})
}

// FuzzAdminCompanyForm posts POST /admin/companies with arbitrary fields.
func FuzzAdminCompanyForm(f *testing.F) {
	for _, s := range [][6]string{
		{"Xəzər Bank", "1400012345", "bank", "", "https://bank.example", "dpo@bank.example"},
		{"", "", "", "", "", ""},
		{"<script>alert(1)</script>", "140001234x", "casino", "\u202e", "javascript:alert(1)", "\"><img src=x onerror=alert(1)>@x"},
		{"A", " 1400012346 ", " bank ", "d", "http://[::1", "a@b"},
		{"\x00", "١٤٠٠٠١٢٣٤٥", "bank\x00", "\xff\xfe", "https://xn--80ak6aa92e.com/", "a@b@c"},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5])
	}
	e := newTestEnv(f)
	e.user("ADMIN01", "Administrator", portal.RoleAdmin)
	b := e.browser()
	b.login("ADMIN01", testPassword)
	tok := b.csrf("/admin")
	f.Fuzz(func(t *testing.T, name, voen, sector, description, website, email string) {
		env := *e
		env.t = t
		b := &browser{e: &env, c: b.c}
		form := url.Values{"_csrf": {tok}, "name": {name}, "voen": {voen}, "sector": {sector}, "description": {description},
			"website": {website}, "contact_email": {email}}
		status, _, body := b.send(http.MethodPost, "/admin/companies", form.Encode(), nil)
		if status != http.StatusSeeOther && status != http.StatusUnprocessableEntity {
			t.Fatalf("%q: %d %.300s", form, status, body)
		}
		if status == http.StatusUnprocessableEntity {
			checkInert(t, "register form", body)
		}
	})
}

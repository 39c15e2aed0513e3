package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal"
)

// TestPages_AllLanguages renders every page built so far in each language and fails on a missing
// catalogue key (the catalogue marks one with ⟦key⟧).
func TestPages_AllLanguages(t *testing.T) {
	e := newTestEnv(t)
	aysel := e.user("5ABCD12", "Aysel Məmmədova", portal.RoleCitizen)
	e.user("ADMIN01", "Administrator", portal.RoleAdmin)
	citizenCompany := pagesCompany(t, e, aysel)
	historyEntries(e, aysel)
	citizen, admin, anon := e.browser(), e.browser(), e.browser()
	citizen.login("5ABCD12", testPassword)
	admin.login("ADMIN01", testPassword)
	adminCompany := fmt.Sprintf("/admin/companies/%d", e.adminCompany("1700000001", portal.ScopeIdentity).ID)
	pages := []struct {
		who  *browser
		path string
		want int
	}{
		{anon, "/login", http.StatusOK},
		{citizen, "/", http.StatusOK},
		{admin, "/admin", http.StatusOK},
		{admin, "/admin/companies", http.StatusOK},
		{admin, "/admin/companies?q=nothing&status=suspended", http.StatusOK},
		{admin, adminCompany, http.StatusOK},
		{admin, adminCompany + "?done=suspended&cancelled=2", http.StatusOK},
		{admin, "/admin/companies/4242", http.StatusNotFound},
		{citizen, "/admin/companies", http.StatusForbidden},
		{citizen, "/no-such-page", http.StatusNotFound},
		{citizen, "/admin", http.StatusForbidden},
		// consents (issue 3)
		{citizen, "/companies", http.StatusOK},
		{citizen, "/companies?q=no-such-company", http.StatusOK},
		{citizen, citizenCompany, http.StatusOK},
		{citizen, "/consents", http.StatusOK},
		{citizen, "/consents/revoke-all", http.StatusOK},
		{citizen, "/data", http.StatusOK},
		{citizen, "/companies/99999", http.StatusNotFound},
		{admin, "/companies", http.StatusForbidden},
		{citizen, "/history", http.StatusOK},
		{citizen, "/history?status=grant&from=2026-03-01&to=2026-03-31", http.StatusOK},
		{citizen, "/history?status=stolen", http.StatusBadRequest},
		{citizen, "/notifications", http.StatusOK},
	}
	for _, lang := range []string{"az", "en", "ru"} {
		for _, p := range pages {
			if resp, _ := p.who.get("/lang/" + lang + "?next=/"); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("switch to %s: %d", lang, resp.StatusCode)
			}
			resp, doc := p.who.get(p.path)
			if resp.StatusCode != p.want {
				t.Errorf("%s %s: status %d, want %d", lang, p.path, resp.StatusCode, p.want)
			}
			if got := doc.Find("html").AttrOr("lang", ""); got != lang {
				t.Errorf("%s %s: <html lang=%q>", lang, p.path, got)
			}
			html, _ := doc.Html()
			if strings.Contains(html, "⟦") {
				i := strings.Index(html, "⟦")
				t.Errorf("%s %s: missing catalogue key near %q", lang, p.path, html[i:min(len(html), i+60)])
			}
		}
	}
}

func TestPages_AnonymousGoesToLogin(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser()
	for _, path := range []string{"/", "/admin"} {
		resp, _ := b.get(path)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("anonymous %s: %d %q, want a redirect to /login", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func TestLang_RejectsForeignRedirect(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser()
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
		resp, _ := b.get("/lang/en?next=" + next)
		if loc := resp.Header.Get("Location"); loc != "/" {
			t.Errorf("next=%s redirected to %q, want /", next, loc)
		}
	}
}

// TestHeaders_EveryResponse checks PRODUCT.md §8's headers on pages, errors, static files and probes.
func TestHeaders_EveryResponse(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser()
	for _, path := range []string{"/login", "/no-such-page", "/static/css/portal.css", "/static/js/htmx-2.0.11.min.js", "/healthz", "/readyz", "/metrics", "/"} {
		resp, _ := b.get(path)
		h := resp.Header
		if got := h.Get("Content-Security-Policy"); got != "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'" {
			t.Errorf("%s: CSP = %q", path, got)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s: nosniff/referrer headers missing: %v", path, h)
		}
		if h.Get("Strict-Transport-Security") == "" {
			t.Errorf("%s: no HSTS over TLS", path)
		}
		if h.Get("X-Request-Id") == "" {
			t.Errorf("%s: no request id", path)
		}
	}
	resp, _ := b.get("/login")
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("login page Cache-Control = %q, want no-store", resp.Header.Get("Cache-Control"))
	}
}

func TestProbes(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser()
	// In this order: /metrics shows the requests counted before it.
	for _, probe := range [][2]string{{"/healthz", "ok"}, {"/readyz", "ready"}, {"/metrics", "portal_http_requests_total"}} {
		path, want := probe[0], probe[1]
		resp, err := b.c.Get(e.http.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %.100q, want 200 containing %q", path, resp.StatusCode, body, want)
		}
	}
	if resp, _ := b.get("/static/css/"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("static directory listing: %d, want 404", resp.StatusCode)
	}
}

// pagesCompany registers a company whose page shows every kind of offer (a law basis, a contract, a withdrawn
// offer), grants the citizen consents to it (one then revoked) and returns the page's path.
func pagesCompany(t *testing.T, e *testEnv, citizen portal.User) string {
	t.Helper()
	ctx := t.Context()
	offers := []portal.Offer{
		{Scope: portal.ScopeIdentity, Purpose: "Müştərinin müəyyənləşdirilməsi", LegalBasis: portal.BasisLaw, LawName: "Bank haqqında Qanun", RetentionDays: 1825, Frequency: portal.FrequencyOneOff},
		{Scope: portal.ScopeAddress, Purpose: "Çıxarışların göndərilməsi", LegalBasis: portal.BasisContract, RetentionDays: 365, Frequency: portal.FrequencyRecurring},
		{Scope: portal.ScopeIncome, Purpose: "Kredit qabiliyyəti", LegalBasis: portal.BasisConsent, RetentionDays: 365, Frequency: portal.FrequencyOneOff},
		{Scope: portal.ScopeContact, Purpose: "Bildirişlər", LegalBasis: portal.BasisConsent, RetentionDays: 365, Frequency: portal.FrequencyRecurring},
	}
	c, err := e.store.CreateCompany(ctx, portal.System, portal.Company{Name: "Test Bank", VOEN: "1400012345", Sector: "bank", Description: "Bank", Website: "https://bank.example", ContactEmail: "dpo@bank.example"}, offers)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range []portal.Scope{portal.ScopeIdentity, portal.ScopeContact, portal.ScopeIncome} {
		if _, err := e.store.GrantConsent(ctx, citizen.ID, c.ID, sc, portal.Validity1Year); err != nil {
			t.Fatal(err)
		}
	}
	income, err := e.store.ConsentsFor(ctx, citizen.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range income {
		if cs.Scope == portal.ScopeIncome {
			if _, _, err := e.store.RevokeConsent(ctx, citizen.ID, cs.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.exec("UPDATE offers SET withdrawn_at = ? WHERE company_id = ? AND scope = 'contact'", e.clock.Now().UnixMilli(), c.ID)
	return "/companies/" + strconv.FormatInt(c.ID, 10)
}

// historyEntries gives the history and notification pages something in every state to render: requests
// delivered, pending, denied, cancelled and expired, and consent grants, changes and revokes (issue 5).
func historyEntries(e *testEnv, citizen portal.User) {
	e.t.Helper()
	ctx := context.Background()
	e.registry(citizen.FIN)
	bank, key := e.company("Xəzər İnvest Bank", "1400012399", portal.ScopeIdentity, portal.ScopeIncome, portal.ScopeAddress)
	c, err := e.store.GrantConsent(ctx, citizen.ID, bank.ID, portal.ScopeIdentity, portal.Validity30Days)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.ChangeConsent(ctx, citizen.ID, c.ID, portal.ValidityUnlimited); err != nil {
		e.t.Fatal(err)
	}
	body := `{"citizen_fin":"` + citizen.FIN + `","scopes":["%s"],"purpose":"Kredit müraciəti"}`
	request := func(scope string) string {
		e.t.Helper()
		r := e.api(key, "POST", "/api/v1/requests", fmt.Sprintf(body, scope))
		if r.str("id") == "" {
			e.t.Fatalf("request: %s", r.Raw)
		}
		return r.str("id")
	}
	request("identity") // delivered under the consent
	request("income")   // expires
	e.clock.Advance(6 * time.Minute)
	if _, err := e.store.DecideRequest(ctx, citizen.ID, request("income"), false, ""); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.DecideRequest(ctx, citizen.ID, request("address"), true, portal.Validity90Days); err != nil {
		e.t.Fatal(err)
	}
	if _, _, err := e.store.RevokeConsent(ctx, citizen.ID, c.ID); err != nil {
		e.t.Fatal(err)
	}
	e.api(key, "DELETE", "/api/v1/requests/"+request("income"), "") // cancelled
	request("income")                                               // pending
}

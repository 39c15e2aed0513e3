package browser_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const bank = "Xəzər İnvest Bank"

// Journey 1: log in, switch language to English and back, log out.
func TestJourney_LoginLanguageLogout(t *testing.T) {
	forEachViewport(t, func(t *testing.T, b *tab) {
		b.login("5abcd12", "demo-pass-1")
		if got := b.text(`[data-testid="greeting"]`); !strings.Contains(got, "Aysel Məmmədova") || !strings.HasPrefix(got, "Xoş gəlmisiniz") {
			t.Fatalf("greeting = %q", got)
		}
		b.do(chromedp.Click(`[data-testid="lang-switcher"] a[href^="/lang/en"]`))
		b.waitFor("English", `document.documentElement.lang === "en"`, 10*time.Second)
		if got := b.text(`[data-testid="greeting"]`); !strings.HasPrefix(got, "Welcome") {
			t.Errorf("English greeting = %q", got)
		}
		b.do(chromedp.Click(`[data-testid="lang-switcher"] a[href^="/lang/ru"]`))
		b.waitFor("Russian", `document.documentElement.lang === "ru"`, 10*time.Second)
		b.do(chromedp.Click(`[data-testid="lang-switcher"] a[href^="/lang/az"]`))
		b.waitFor("Azerbaijani", `document.documentElement.lang === "az"`, 10*time.Second)
		b.do(chromedp.Click(`[data-testid="logout-form"] button`))
		b.waitFor("the login page", `location.pathname === "/login" && document.readyState === "complete"`, 10*time.Second)
		b.open("/")
		b.waitFor("a redirect to login", `location.pathname === "/login"`, 10*time.Second)
	})
}

// Journey 3: with the dashboard open, a company request arrives over SSE without a reload; the countdown
// ticks; the binding code matches the API's; the citizen approves; the company collects the data.
func TestJourney_LiveApproval(t *testing.T) {
	forEachViewport(t, func(t *testing.T, b *tab) {
		fin, pw := freshCitizen()
		b.login(fin, pw)
		b.open("/")
		b.waitFor("the event stream", `document.body.getAttribute("sse-connect") === "/events"`, 5*time.Second)
		// A marker that a reload would wipe out.
		b.do(chromedp.Evaluate[chromedp.Void](`window.__noReload = true`))
		time.Sleep(500 * time.Millisecond) // the stream connects
		status, r := apiRequest(t, key(t, bank), "POST", "/api/v1/requests",
			fmt.Sprintf(`{"citizen_fin":%q,"scopes":["income"],"purpose":"Kredit limiti"}`, fin))
		if status != 202 {
			t.Fatalf("API: %d %v", status, r)
		}
		id, code := r["id"].(string), r["binding_code"].(string)
		sel := fmt.Sprintf(`[data-request-id=%q]`, id)
		b.waitFor("the request on the dashboard", fmt.Sprintf(`!!document.querySelector('%s')`, sel), 5*time.Second)
		if !run(b, chromedp.Evaluate[bool](`window.__noReload === true`)) {
			t.Fatal("the dashboard reloaded to show the request")
		}
		b.screenshot("dashboard-pending")
		first := b.text(sel + ` [data-testid="countdown"]`)
		b.waitFor("the countdown to tick", fmt.Sprintf(`document.querySelector('%s [data-testid="countdown"]').textContent.trim() !== %q`, sel, first), 5*time.Second)
		b.do(chromedp.Click(sel + ` [data-testid="pending-review"]`))
		b.waitLoaded("the request page", `!!document.querySelector('[data-testid="approve"]')`, 10*time.Second)
		if got := b.text(`#request-panel [data-testid="binding-code"]`); got != code {
			t.Fatalf("binding code on screen %q, API %q", got, code)
		}
		b.screenshot("request-pending")
		b.do(chromedp.Click(`[data-testid="approve"]`))
		b.waitFor("approved", `document.querySelector('[data-testid="request-panel"]').dataset.status === "approved"`, 10*time.Second)
		status, got := apiRequest(t, key(t, bank), "POST", "/api/v1/requests/"+id+"/collect", "")
		if status != 200 || got["data"] == nil {
			t.Fatalf("collect: %d %v", status, got)
		}
		b.waitFor("delivered on the open page", `document.querySelector('[data-testid="request-panel"]').dataset.status === "delivered"`, 10*time.Second)
	})
}

// Journey 4: a request left alone expires on an open page: the buttons vanish and the status says expired.
func TestJourney_ExpiresOnOpenPage(t *testing.T) {
	forEachViewport(t, func(t *testing.T, b *tab) {
		fin, pw := freshCitizen()
		b.login(fin, pw)
		status, r := apiRequest(t, key(t, bank), "POST", "/api/v1/requests",
			fmt.Sprintf(`{"citizen_fin":%q,"scopes":["income"],"purpose":"Kredit limiti"}`, fin))
		if status != 202 {
			t.Fatalf("API: %d %v", status, r)
		}
		id := r["id"].(string)
		b.open("/requests/" + id)
		b.waitFor("the buttons", `!!document.querySelector('[data-testid="approve"]')`, 5*time.Second)
		b.waitFor("expiry", `document.querySelector('[data-testid="request-panel"]').dataset.status === "expired"`, approvalWindow+10*time.Second)
		if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="approve"], [data-testid="deny"]').length`)); n != 0 {
			t.Errorf("%d decision buttons left after expiry", n)
		}
		if status, got := apiRequest(t, key(t, bank), "GET", "/api/v1/requests/"+id, ""); got["status"] != "expired" {
			t.Errorf("API after expiry: %d %v", status, got)
		}
	})
}

// Journey 5: a request decided in a second tab updates the first tab.
func TestJourney_SecondTab(t *testing.T) {
	forEachViewport(t, func(t *testing.T, b *tab) {
		fin, pw := freshCitizen()
		b.login(fin, pw)
		_, r := apiRequest(t, key(t, bank), "POST", "/api/v1/requests",
			fmt.Sprintf(`{"citizen_fin":%q,"scopes":["income"],"purpose":"Kredit limiti"}`, fin))
		id := r["id"].(string)
		b.open("/requests/" + id)
		b.waitFor("the buttons", `!!document.querySelector('[data-testid="deny"]')`, 5*time.Second)
		time.Sleep(500 * time.Millisecond) // the stream connects
		other := b.newTab()
		other.open("/requests/" + id)
		other.waitFor("the buttons in the second tab", `!!document.querySelector('[data-testid="deny"]')`, 5*time.Second)
		other.do(chromedp.Click(`[data-testid="deny"]`))
		other.waitFor("denied in the second tab", `document.querySelector('[data-testid="request-panel"]').dataset.status === "denied"`, 10*time.Second)
		b.waitFor("denied in the first tab", `document.querySelector('[data-testid="request-panel"]').dataset.status === "denied"`, 10*time.Second)
		if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="approve"]').length`)); n != 0 {
			t.Error("the first tab still offers approval")
		}
	})
}

// baku is the time zone in which the portal shows dates (Azerbaijan keeps UTC+4 all year).
var baku = time.FixedZone("Baku", 4*60*60)

// untilDates are the ways an end date shown on a page may read when a consent of that many years, months
// and days is given or changed between before and now (the day may turn meanwhile).
func untilDates(before time.Time, y, m, d int) []string {
	return []string{
		before.UTC().AddDate(y, m, d).In(baku).Format("02.01.2006"),
		time.Now().UTC().AddDate(y, m, d).In(baku).Format("02.01.2006"),
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// Journey 2: browse the catalogue, search (htmx, no reload), open a bank, grant address for 90 days, see it
// on /consents, change it to 1 year, revoke it, and find the three events in the consent history.
func TestJourney_ConsentGrantChangeRevoke(t *testing.T) {
	forEachViewport(t, func(t *testing.T, b *tab) {
		fin, pw := freshCitizen()
		b.login(fin, pw)
		b.do(chromedp.Click(`[data-testid="site-nav"] a[href="/companies"]`))
		b.waitLoaded("the catalogue", `location.pathname === "/companies" && document.querySelectorAll('[data-testid="company"]').length > 1`, 10*time.Second)
		all := run(b, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="company"]').length`))
		b.screenshotViewport("catalogue")
		b.do(chromedp.Evaluate[chromedp.Void](`window.__noReload = true`))

		// Typing narrows the list as it goes, case-insensitively in Azerbaijani ("xəzər" finds "Xəzər").
		b.do(chromedp.SendKeys(`#company-q`, "xəzər"))
		b.waitFor("the search results", fmt.Sprintf(`(() => {
			const names = [...document.querySelectorAll('[data-testid="company-link"]')].map(a => a.textContent.trim());
			return names.length === 1 && names[0] === %q;
		})()`, bank), 10*time.Second)
		if !run(b, chromedp.Evaluate[bool](`window.__noReload === true`)) {
			t.Fatal("the catalogue reloaded to search")
		}
		// The status line (a live region) counts the results: "Tapılan şirkətlər: 1".
		if got := b.text(`[data-testid="company-count"]`); !strings.HasSuffix(got, ": 1") {
			t.Errorf("result count %q after the search (of %d)", got, all)
		}
		if loc := b.location(); !strings.Contains(loc, "q=") {
			t.Errorf("the search is not in the address (%s): it cannot be shared or reloaded", loc)
		}

		b.do(chromedp.Click(`[data-testid="company-link"]`))
		b.waitLoaded("the bank's page", `!!document.querySelector('#offer-address [data-testid="grant-form"]')`, 10*time.Second)
		if got := b.text(`[data-testid="company-name"]`); got != bank {
			t.Fatalf("company page of %q", got)
		}
		b.do(chromedp.Evaluate[chromedp.Void](`window.__noReload = true`))
		before := time.Now()
		b.grant("address", "90d")
		if got := b.text(`#offer-address [data-testid="consent-state"]`); !containsAny(got, untilDates(before, 0, 0, 90)) {
			t.Errorf("after the grant the offer says %q, want active until %v", got, untilDates(before, 0, 0, 90))
		}
		if got := b.text(`[data-testid="flash"]`); got == "" {
			t.Error("no message after the grant")
		}
		// The clicked button went with the old card: the new card has the focus, so the keyboard goes on there.
		b.waitFor("the focus on the new card", `document.activeElement === document.querySelector("#offer-address")`, 5*time.Second)
		companyPage := b.location()

		// My consents lists it, by company.
		b.do(chromedp.Click(`[data-testid="site-nav"] a[href="/consents"]`))
		b.waitFor("my consents", `location.pathname === "/consents" && !!document.querySelector('[data-testid="consent"][data-scope="address"]')`, 10*time.Second)
		if got := b.text(`[data-testid="consent-group"] h3`); got != bank {
			t.Errorf("consent listed under %q", got)
		}
		if got := b.text(`[data-testid="consent"][data-scope="address"] [data-testid="consent-until"]`); !containsAny(got, untilDates(before, 0, 0, 90)) {
			t.Errorf("my consents says %q", got)
		}

		// Back to the bank from there, change to a year, then revoke, each without a reload.
		b.do(chromedp.Click(`[data-testid="consent-group"] h3 a`))
		b.waitLoaded("the bank's page again", `!!document.querySelector('#offer-address [data-testid="change-form"]')`, 10*time.Second)
		if loc := b.location(); loc != companyPage {
			t.Errorf("the consent's company link leads to %s, want %s", loc, companyPage)
		}
		b.do(chromedp.Evaluate[chromedp.Void](`window.__noReload = true`))
		before = time.Now()
		b.do(
			chromedp.Click(`#offer-address #change-address-1y`),
			chromedp.Click(`#offer-address [data-testid="change-button"]`),
		)
		b.waitFor("a year's validity", fmt.Sprintf(`(() => {
			const s = document.querySelector('#offer-address [data-testid="consent-state"]').textContent;
			return %s.some(d => s.includes(d));
		})()`, jsonList(untilDates(before, 1, 0, 0))), 10*time.Second)
		b.do(chromedp.Click(`#offer-address [data-testid="revoke-button"]`))
		b.waitFor("revoked", `document.querySelector('#offer-address').dataset.state === "revoked"`, 10*time.Second)
		if !run(b, chromedp.Evaluate[bool](`window.__noReload === true`)) {
			t.Error("the company page reloaded to change or revoke")
		}
		if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll('#offer-address [data-testid="grant-form"]').length`)); n != 1 {
			t.Error("after the revoke the offer cannot be granted again")
		}

		// The history on my consents has all three, newest first; the consent is no longer active.
		b.do(chromedp.Click(`[data-testid="site-nav"] a[href="/consents"]`))
		b.waitFor("my consents again", `location.pathname === "/consents" && !!document.querySelector('[data-testid="consent-history"]')`, 10*time.Second)
		if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="consent"]').length`)); n != 0 {
			t.Errorf("%d active consents after the revoke", n)
		}
		kinds := run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="consent-event"]')].map(r => r.dataset.kind)`))
		if !slices.Equal(kinds, []string{"revoke", "change", "grant"}) {
			t.Errorf("consent history %v, want revoke, change, grant", kinds)
		}
		rows := run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="consent-event"]')].map(r => r.textContent.replace(/\s+/g, " ").trim())`))
		for _, r := range rows {
			if !strings.Contains(r, bank) {
				t.Errorf("history row %q does not name the bank", r)
			}
		}
	})
}

func jsonList(s []string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Journey 6: the admin registers an insurer with two offers through the forms, creates a key (shown once)
// that works on the API, suspends the company (the next call is 403 company_suspended) and reactivates it
// (calls work again).
func TestJourney_AdminCompanyKeys(t *testing.T) {
	forEachViewport(t, func(t *testing.T, b *tab) {
		name := "Günəş Sığorta (" + b.vp.name + ")"
		voen := fmt.Sprintf("17%08d", time.Now().UnixNano()%100_000_000)
		b.login("ADMIN01", "admin-demo-pass")
		b.do(chromedp.Click(`[data-testid="site-nav"] a[href="/admin/companies"]`))
		b.waitFor("the register form", `location.pathname === "/admin/companies" && !!document.querySelector('[data-testid="register-form"]')`, 10*time.Second)
		b.do(
			chromedp.SendKeys(`#company-name`, name),
			chromedp.SendKeys(`#company-voen`, voen),
			chromedp.SetValue(`#company-sector`, "insurance"),
			chromedp.SendKeys(`#company-description`, "Avtomobil və əmlak sığortası."),
			chromedp.SendKeys(`#company-website`, "https://gunes.example"),
			chromedp.SendKeys(`#company-contact_email`, "info@gunes.example"),
			chromedp.Click(`[data-testid="register-submit"]`),
		)
		b.waitFor("the new company's page", `/^\/admin\/companies\/\d+$/.test(location.pathname) && !!document.querySelector('[data-testid="company-form"]')`, 10*time.Second)
		if got := b.text(`[data-testid="company-name"]`); got != name {
			t.Fatalf("registered %q", got)
		}

		// Two offers: identity under a contract, contact with consent (the form's default basis).
		b.do(
			chromedp.Click(`#offer-identity-offered`),
			chromedp.SendKeys(`#offer-identity-purpose`, "Sığorta müqaviləsinin bağlanması"),
			chromedp.SetValue(`#offer-identity-legal_basis`, "contract"),
			chromedp.Click(`#offer-contact-offered`),
			chromedp.SendKeys(`#offer-contact-purpose`, "Polisin bitməsi barədə xatırlatma"),
			chromedp.Click(`[data-testid="company-save"]`),
		)
		b.waitFor("the offers saved", `location.search.includes("done=saved") && document.readyState === "complete"`, 10*time.Second)
		offered := run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="offer-row"]')]
			.filter(r => r.querySelector('[data-testid="offer-offered"]').checked).map(r => r.dataset.scope)`))
		if !slices.Equal(offered, []string{"identity", "contact"}) {
			t.Fatalf("offered after saving: %v", offered)
		}

		// A key, shown this once.
		b.do(chromedp.Click(`[data-testid="key-create-form"] button`))
		b.waitFor("the new key", `!!document.querySelector('[data-testid="new-key-value"]')`, 10*time.Second)
		apiKey := run(b, chromedp.Value(`[data-testid="new-key-value"]`))
		if !strings.HasPrefix(apiKey, "pk_") {
			t.Fatalf("key on the page: %q", apiKey)
		}
		b.checkAxe("the new key's page")
		status, r := apiRequest(t, apiKey, "GET", "/api/v1/offers", "")
		if offers, _ := r["offers"].([]any); status != 200 || len(offers) != 2 {
			t.Errorf("offers through the new key: %d %v", status, r)
		}
		citizen, _ := freshCitizen()
		ask := fmt.Sprintf(`{"citizen_fin":%q,"scopes":["identity"],"purpose":"Sığorta müqaviləsi"}`, citizen)
		if status, r := apiRequest(t, apiKey, "POST", "/api/v1/requests", ask); status != 202 || r["status"] != "pending" {
			t.Fatalf("a request with the new key: %d %v", status, r)
		}

		b.do(chromedp.Click(`[data-testid="suspend-form"] button`))
		b.waitFor("suspended", `document.querySelector('[data-testid="company-status"]').dataset.status === "suspended" && !!document.querySelector('[data-testid="reactivate-form"]')`, 10*time.Second)
		if html := run(b, chromedp.OuterHTML("html")); strings.Contains(html, apiKey) {
			t.Error("the key is shown again after it was created")
		}
		if status, r := apiRequest(t, apiKey, "POST", "/api/v1/requests", ask); status != 403 || r["code"] != "company_suspended" {
			t.Errorf("a request while suspended: %d %v, want 403 company_suspended", status, r)
		}

		b.do(chromedp.Click(`[data-testid="reactivate-form"] button`))
		b.waitFor("active again", `document.querySelector('[data-testid="company-status"]').dataset.status === "active" && !!document.querySelector('[data-testid="suspend-form"]')`, 10*time.Second)
		if status, r := apiRequest(t, apiKey, "POST", "/api/v1/requests", ask); status != 202 || r["status"] != "pending" {
			t.Errorf("a request after reactivation: %d %v", status, r)
		}
	})
}

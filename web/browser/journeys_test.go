package browser_test

import (
	"fmt"
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
		first := b.text(sel + ` [data-testid="countdown"]`)
		b.waitFor("the countdown to tick", fmt.Sprintf(`document.querySelector('%s [data-testid="countdown"]').textContent.trim() !== %q`, sel, first), 5*time.Second)
		b.do(chromedp.Click(sel + ` [data-testid="pending-review"]`))
		b.waitFor("the request page", `!!document.querySelector('[data-testid="approve"]')`, 10*time.Second)
		if got := b.text(`#request-panel [data-testid="binding-code"]`); got != code {
			t.Fatalf("binding code on screen %q, API %q", got, code)
		}
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

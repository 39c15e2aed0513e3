package web_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"portal"
)

// Hostile strings (issue 7): markup, attribute breakouts, javascript: URLs, a right-to-left override and
// 10 KB names in what companies and admins type render as text on every page that shows them.

const (
	xssScript = `<script>alert(1)</script>`
	xssAttr   = `"><img src=x onerror=alert(1)>`
	rlo       = "\u202e" // RIGHT-TO-LEFT OVERRIDE: "abc\u202egpj.exe" shows as "abcexe.jpg"
)

// hostile is a hostile text with a tag of where it was put, so a page shows which field leaked.
func hostile(where string) string { return where + " " + xssScript + xssAttr + rlo + "gpj.exe" }

// checkInert fails when a page holds live markup from the hostile strings: a script other than the three
// static ones, an onerror attribute, an injected img, a javascript: link. It also checks that the hostile
// texts named in wantText are there, as text.
func checkInert(t *testing.T, what, body string, wantText ...string) {
	t.Helper()
	low := strings.ToLower(body)
	if strings.Contains(low, "<script>alert") || strings.Contains(low, "<img src=x") {
		i := max(strings.Index(low, "<script>alert"), strings.Index(low, "<img src=x"))
		t.Errorf("%s: unescaped markup: …%s…", what, body[max(0, i-80):min(len(body), i+60)])
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("%s: event handler attribute %s=%q on <%s>", what, a.Key, a.Val, goquery.NodeName(s))
			}
			v := strings.ToLower(strings.TrimSpace(a.Val))
			if (a.Key == "href" || a.Key == "src" || a.Key == "action" || a.Key == "formaction") && strings.HasPrefix(v, "javascript:") {
				t.Errorf("%s: %s=%q on <%s>", what, a.Key, a.Val, goquery.NodeName(s))
			}
		}
	})
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src := s.AttrOr("src", ""); !strings.HasPrefix(src, "/static/js/") {
			t.Errorf("%s: a script that is not ours: %s", what, short(outer(s)))
		}
	})
	if n := doc.Find("img").Length(); n != 0 {
		t.Errorf("%s: %d injected <img>", what, n)
	}
	text := doc.Text()
	for _, w := range wantText {
		if !strings.Contains(text, w) {
			t.Errorf("%s: the text %.60q is not shown as text", what, w)
		}
	}
}

func TestHostileStrings_RenderAsText(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	aysel := e.user(finAysel, "Aysel "+xssAttr, portal.RoleCitizen)
	e.user("ADMIN01", "Administrator", portal.RoleAdmin)
	e.registry(finAysel)
	long := strings.Repeat("Ə"+xssScript, 10<<10/len("Ə"+xssScript)) // 10 KB
	name, desc, purpose, law := hostile("name"), hostile("description"), hostile("purpose"), hostile("law")
	offers := []portal.Offer{
		{Scope: portal.ScopeIdentity, Purpose: purpose, LegalBasis: portal.BasisLaw, LawName: law, RetentionDays: 30, Frequency: portal.FrequencyOneOff},
		{Scope: portal.ScopeIncome, Purpose: purpose, LegalBasis: portal.BasisConsent, RetentionDays: 30, Frequency: portal.FrequencyOneOff},
	}
	// Stored directly, as a migration or another tool could: the admin form would refuse the website.
	co, err := e.store.CreateCompany(ctx, portal.System, portal.Company{Name: name, VOEN: "1400000001", Sector: "bank",
		Description: desc, Website: "javascript:alert(1)", ContactEmail: "dpo@bank.example"}, offers)
	if err != nil {
		t.Fatal(err)
	}
	longCo, err := e.store.CreateCompany(ctx, portal.System, portal.Company{Name: long, VOEN: "1400000002", Sector: "other", Description: long}, offers[1:])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.GrantConsent(ctx, aysel.ID, co.ID, portal.ScopeIdentity, portal.Validity30Days); err != nil {
		t.Fatal(err)
	}
	key := e.apiKey(co.ID)
	reqPurpose := hostile("request")[:60]
	body, _ := json.Marshal(map[string]any{"citizen_fin": finAysel, "scopes": []string{"income"}, "purpose": reqPurpose})
	r := e.api(key, "POST", "/api/v1/requests", string(body))
	if r.Status != http.StatusAccepted {
		t.Fatalf("request: %d %s", r.Status, r.Raw)
	}

	citizen := e.browser()
	citizen.login(finAysel, testPassword)
	events, stop := citizen.openStream(t)
	defer stop()
	// A second request while the stream is open: its pending list arrives as an event.
	r2 := e.api(key, "POST", "/api/v1/requests", string(body))
	ev := waitEvent(t, events, "pending", r2.str("binding_code"), 5*time.Second)
	checkInert(t, "pending event", ev.Data, "name "+xssScript)

	admin := e.browser()
	admin.login("ADMIN01", testPassword)
	coPath := "/companies/" + strconv.FormatInt(co.ID, 10)
	pages := []struct {
		b    *browser
		path string
		want []string
	}{
		{citizen, "/", []string{name}},
		{citizen, "/companies", []string{name}},
		{citizen, "/companies?q=" + url.QueryEscape(xssScript), []string{name}},
		{citizen, coPath, []string{name, desc, purpose, law, "javascript:alert(1)"}},
		{citizen, "/companies/" + strconv.FormatInt(longCo.ID, 10), []string{long}},
		{citizen, "/consents", []string{name}},
		{citizen, "/requests/" + r.str("id"), []string{name, reqPurpose, purpose}},
		{citizen, "/requests/" + r.str("id") + "/panel", nil},
		{citizen, "/account", nil},
		{citizen, "/history", []string{name, reqPurpose}},
		{citizen, "/notifications", []string{name}},
		{admin, "/admin", nil},
		{admin, "/admin/companies", []string{name}},
		{admin, "/admin/companies?q=" + url.QueryEscape(xssAttr), nil},
		{admin, "/admin" + coPath, []string{desc}},
	}
	for _, p := range pages {
		resp, doc := p.b.get(p.path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", p.path, resp.StatusCode)
			continue
		}
		html, _ := doc.Html()
		checkInert(t, p.path, html, p.want...)
	}
	// The javascript: website is text, not a link.
	_, doc := citizen.get(coPath)
	if w := doc.Find(tid("company-website")); w.Is("a") || w.Find("a").Length() > 0 {
		t.Error("the javascript: website is rendered as a link")
	}

	t.Run("exports", func(t *testing.T) {
		// Downloads, never pages: an attachment the browser does not sniff as HTML, with the text intact.
		for _, path := range []string{"/history.csv", "/history.json"} {
			status, h, body := citizen.send("GET", path, "", nil)
			if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") || h.Get("X-Content-Type-Options") != "nosniff" ||
				strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Errorf("%s: %d %v", path, status, h)
			}
			if path == "/history.csv" {
				rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
				if err != nil {
					t.Fatalf("csv: %v", err)
				}
				found := false
				for _, r := range rows {
					found = found || slices.Contains(r, name)
				}
				if !found {
					t.Errorf("the company name is not a CSV cell as it is")
				}
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Fatalf("json: %v", err)
			}
			if !jsonHasString(v, name) {
				t.Errorf("the company name is not in the JSON export as it is")
			}
		}
	})

	t.Run("admin form", func(t *testing.T) {
		// The register form refuses the javascript: website and shows everything typed back as text.
		form := url.Values{"name": {name}, "voen": {"1400000003"}, "sector": {"bank"}, "description": {desc},
			"website": {"javascript:alert(1)"}, "contact_email": {xssAttr}}
		resp, doc := admin.adminSubmit("/admin/companies", "/admin/companies", form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("register: %d, want 422", resp.StatusCode)
		}
		html, _ := doc.Html()
		checkInert(t, "register form (422)", html)
		if got := doc.Find(`input[name="name"]`).AttrOr("value", ""); got != name {
			t.Errorf("the typed name is not kept verbatim: %q", got)
		}
		// With a proper website it is registered, and its page and the list show it as text.
		form.Set("website", "https://bank.example/"+url.PathEscape(xssScript))
		form.Set("contact_email", "dpo@bank.example")
		form.Set("voen", "1400000004")
		resp, doc = admin.adminSubmit("/admin/companies", "/admin/companies", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("register a hostile-named company: %d", resp.StatusCode)
		}
		_, doc = admin.get(resp.Header.Get("Location"))
		html, _ = doc.Html()
		checkInert(t, "registered company page", html, desc)
		// A 10 KB name is refused, not a crash.
		form.Set("name", long)
		form.Set("voen", "1400000005")
		if resp, _ := admin.adminSubmit("/admin/companies", "/admin/companies", form); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("10 KB name: %d, want 422", resp.StatusCode)
		}
	})
}

func outer(s *goquery.Selection) string {
	h, _ := goquery.OuterHtml(s)
	return h
}

// jsonHasString reports whether a decoded JSON value holds the string s anywhere.
func jsonHasString(v any, s string) bool {
	switch v := v.(type) {
	case string:
		return v == s
	case []any:
		return slices.ContainsFunc(v, func(x any) bool { return jsonHasString(x, s) })
	case map[string]any:
		for _, x := range v {
			if jsonHasString(x, s) {
				return true
			}
		}
	}
	return false
}

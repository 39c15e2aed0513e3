package views_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"portal"
	"portal/views"
	"portal/views/i18n"
)

var (
	now     = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // 13:00 in Baku
	citizen = &portal.User{ID: 1, FIN: "5ABCD12", Name: "Aysel Məmmədova", Role: portal.RoleCitizen}
	admin   = &portal.User{ID: 2, FIN: "ADMIN01", Name: "Admin", Role: portal.RoleAdmin}
)

func page(lang i18n.Lang, u *portal.User, path string) views.Page {
	return views.Page{
		Title: "Title", Lang: lang, Path: path, User: u, CSRF: "tok\"en<&>", Unread: 3,
		RequestID: "req-123", ServerTime: now, Dev: true,
		Flashes: []views.Flash{{Kind: views.FlashSuccess, Text: "ok"}, {Kind: views.FlashError, Text: "bad"}, {Kind: views.FlashInfo, Text: "fyi"}},
	}
}

var dashboard = views.DashboardData{
	Name:           "Aysel Məmmədova",
	ActiveConsents: 4,
	Pending: []views.PendingItem{
		{ID: "ab12", CompanyName: "Kapital Bank", Scopes: []string{"Şəxsiyyət", "Gəlir"}, Deadline: now.Add(4*time.Minute + 30*time.Second), BindingCode: "7KQX"},
		{ID: "cd34", CompanyName: "Azercell", Scopes: []string{"Əlaqə"}, Deadline: now.Add(-time.Second)},
	},
	Recent: []views.ActivityItem{
		{When: now.Add(-time.Hour), Text: "Kapital Bank razılığınız əsasında məlumatlarınızı aldı", Href: "/requests/ab12"},
		{When: now.Add(-2 * time.Hour), Text: "Plain entry"},
	},
}

// render renders c into a document, failing the test on the rules every page keeps: no missing
// translation, no inline script, no inline style.
func render(t *testing.T, ctx context.Context, c templ.Component) (*goquery.Document, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	html := buf.String()
	if i := strings.Index(html, "⟦"); i >= 0 {
		t.Errorf("missing translation near %q", html[i:min(len(html), i+60)])
	}
	for _, tag := range regexp.MustCompile(`(?i)<script\b[^>]*>`).FindAllString(html, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("inline script: %s", tag)
		}
	}
	if regexp.MustCompile(`(?i)\sstyle=`).MatchString(html) || strings.Contains(strings.ToLower(html), "<style") {
		t.Error("inline style in the page")
	}
	if regexp.MustCompile(`(?i)\son[a-z]+=`).MatchString(html) {
		t.Error("inline event handler in the page")
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc, html
}

func mustHave(t *testing.T, doc *goquery.Document, sel string) *goquery.Selection {
	t.Helper()
	s := doc.Find(sel)
	if s.Length() == 0 {
		t.Errorf("no %s", sel)
	}
	return s
}

func testid(id string) string { return `[data-testid="` + id + `"]` }

// checkLayout asserts what every full page has.
func checkLayout(t *testing.T, doc *goquery.Document, lang i18n.Lang, u *portal.User) {
	t.Helper()
	if got, _ := doc.Find("html").Attr("lang"); got != string(lang) {
		t.Errorf("html lang = %q, want %q", got, lang)
	}
	if got := doc.Find("title").Text(); !strings.HasSuffix(got, i18n.Lookup(lang, "app.name")) || !strings.HasPrefix(got, "Title") {
		t.Errorf("title = %q", got)
	}
	cfg, _ := doc.Find(`meta[name="htmx-config"]`).Attr("content")
	var conf map[string]any
	if err := json.Unmarshal([]byte(cfg), &conf); err != nil {
		t.Errorf("htmx-config %q: %v", cfg, err)
	}
	for k, want := range map[string]any{"selfRequestsOnly": true, "allowEval": false, "allowScriptTags": false, "historyCacheSize": 0.0, "includeIndicatorStyles": false} {
		if conf[k] != want {
			t.Errorf("htmx-config %s = %v, want %v", k, conf[k], want)
		}
	}
	if got, _ := doc.Find(`meta[name="csrf-token"]`).Attr("content"); got != "tok\"en<&>" {
		t.Errorf("csrf-token meta = %q", got)
	}
	if got, _ := doc.Find(`meta[name="server-time"]`).Attr("content"); got != "2026-03-02T09:00:00Z" {
		t.Errorf("server-time meta = %q", got)
	}
	var hdr map[string]string
	raw, _ := doc.Find("body").Attr("hx-headers")
	if err := json.Unmarshal([]byte(raw), &hdr); err != nil || hdr["X-CSRF-Token"] != "tok\"en<&>" {
		t.Errorf("hx-headers = %q (%v)", raw, err)
	}
	for _, src := range []string{"/static/js/htmx-2.0.11.min.js", "/static/js/htmx-ext-sse-2.2.4.min.js", "/static/js/portal.js"} {
		s := mustHave(t, doc, `script[src="`+src+`"]`)
		if _, ok := s.Attr("defer"); !ok {
			t.Errorf("%s is not deferred", src)
		}
	}
	mustHave(t, doc, `link[rel="stylesheet"][href="/static/css/portal.css"]`)
	mustHave(t, doc, `a.skip-link[href="#main"]`)
	mustHave(t, doc, "main#main")
	mustHave(t, doc, "footer")
	mustHave(t, doc, testid("dev-banner"))
	if n := doc.Find(testid("flash")).Length(); n != 3 {
		t.Errorf("%d flashes, want 3", n)
	}
	// The switcher: three links back to the page, the current language marked.
	links := doc.Find(testid("lang-switcher") + " a")
	if links.Length() != 3 {
		t.Errorf("%d language links", links.Length())
	}
	links.Each(func(i int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		l := i18n.Langs[i]
		if want := "/lang/" + string(l) + "?next=%2Fcompanies%2F7%3Fq%3Da%26b"; href != want {
			t.Errorf("language link %q, want %q", href, want)
		}
		_, cur := a.Attr("aria-current")
		if cur != (l == lang) {
			t.Errorf("language %s aria-current = %v", l, cur)
		}
	})
	nav := doc.Find(testid("site-nav") + " a")
	logout := doc.Find(testid("logout-form"))
	switch {
	case u == nil:
		if nav.Length() != 0 || logout.Length() != 0 || doc.Find(testid("unread-badge")).Length() != 0 {
			t.Error("an anonymous page has navigation, a logout form or a badge")
		}
	default:
		if got := doc.Find(testid("user-name")).Text(); got != u.Name {
			t.Errorf("user name %q", got)
		}
		if m, _ := logout.Attr("method"); m != "post" {
			t.Errorf("logout method %q", m)
		}
		if a, _ := logout.Attr("action"); a != "/logout" {
			t.Errorf("logout action %q", a)
		}
		if v, _ := logout.Find(`input[name="_csrf"]`).Attr("value"); v != "tok\"en<&>" {
			t.Errorf("logout _csrf = %q", v)
		}
		var hrefs []string
		nav.Each(func(_ int, a *goquery.Selection) { h, _ := a.Attr("href"); hrefs = append(hrefs, h) })
		want := "/ /companies /consents /history /notifications /data"
		if u.IsAdmin() {
			want = "/admin /admin/companies"
		}
		if got := strings.Join(hrefs, " "); got != want {
			t.Errorf("nav = %q, want %q", got, want)
		}
		cur := doc.Find(testid("site-nav") + ` a[aria-current="page"]`)
		if u.IsAdmin() {
			if cur.Length() != 0 {
				t.Error("admin nav marks a current page for /companies/7")
			}
		} else if h, _ := cur.Attr("href"); cur.Length() != 1 || h != "/companies" {
			t.Errorf("current nav entry %q (%d)", h, cur.Length())
		}
		badge := doc.Find(testid("unread-badge"))
		if u.IsAdmin() {
			if badge.Length() != 0 {
				t.Error("admin has an unread badge")
			}
		} else {
			if id, _ := badge.Attr("id"); id != "unread-badge" {
				t.Errorf("badge id %q", id)
			}
			if _, hidden := badge.Attr("hidden"); hidden {
				t.Error("badge hidden with 3 unread")
			}
			if got := badge.Find(".visually-hidden").Text(); got != i18n.Lookup(lang, "unread.label", 3) {
				t.Errorf("badge label %q", got)
			}
		}
	}
}

func TestPages(t *testing.T) {
	users := map[string]*portal.User{"anonymous": nil, "citizen": citizen, "admin": admin}
	for _, lang := range i18n.Langs {
		for who, u := range users {
			t.Run(string(lang)+"/"+who, func(t *testing.T) {
				// The context says az; the page's language must win.
				ctx := i18n.WithLang(context.Background(), i18n.AZ)
				p := page(lang, u, "/companies/7?q=a&b")

				t.Run("login", func(t *testing.T) {
					doc, _ := render(t, ctx, views.LoginPage(p, views.LoginData{FIN: "5abcd12", Error: i18n.Lookup(lang, "login.failed"), Next: "/consents"}))
					checkLayout(t, doc, lang, u)
					form := mustHave(t, doc, testid("login-form"))
					if a, _ := form.Attr("action"); a != "/login" {
						t.Errorf("form action %q", a)
					}
					if m, _ := form.Attr("method"); m != "post" {
						t.Errorf("form method %q", m)
					}
					errEl := mustHave(t, doc, testid("login-error"))
					if r, _ := errEl.Attr("role"); r != "alert" {
						t.Errorf("error role %q", r)
					}
					if errEl.Text() != i18n.Lookup(lang, "login.failed") {
						t.Errorf("error text %q", errEl.Text())
					}
					fin := form.Find(`input[name="fin"]`)
					for attr, want := range map[string]string{"value": "5abcd12", "autocomplete": "username", "autocapitalize": "characters", "inputmode": "text", "maxlength": "7", "aria-invalid": "true"} {
						if got, _ := fin.Attr(attr); got != want {
							t.Errorf("fin %s = %q, want %q", attr, got, want)
						}
					}
					for _, in := range []*goquery.Selection{fin, form.Find(`input[name="password"]`)} {
						if d, _ := in.Attr("aria-describedby"); !strings.Contains(d, "login-error") {
							t.Errorf("%s is not described by the error: %q", in.AttrOr("name", ""), d)
						}
						id, _ := in.Attr("id")
						if form.Find(`label[for="`+id+`"]`).Length() != 1 {
							t.Errorf("no label for %s", id)
						}
					}
					if ac, _ := form.Find(`input[name="password"]`).Attr("autocomplete"); ac != "current-password" {
						t.Errorf("password autocomplete %q", ac)
					}
					if v, _ := form.Find(`input[type="hidden"][name="_csrf"]`).Attr("value"); v != "tok\"en<&>" {
						t.Errorf("_csrf %q", v)
					}
					if v, _ := form.Find(`input[type="hidden"][name="next"]`).Attr("value"); v != "/consents" {
						t.Errorf("next %q", v)
					}
				})

				t.Run("login without error", func(t *testing.T) {
					doc, _ := render(t, ctx, views.LoginPage(p, views.LoginData{}))
					if doc.Find(testid("login-error")).Length() != 0 {
						t.Error("error shown without error")
					}
					if _, ok := doc.Find(`input[name="fin"]`).Attr("aria-invalid"); ok {
						t.Error("fin marked invalid without error")
					}
				})

				t.Run("dashboard", func(t *testing.T) {
					doc, html := render(t, ctx, views.DashboardPage(p, dashboard))
					checkLayout(t, doc, lang, u)
					if got, want := doc.Find(testid("greeting")).Text(), i18n.Lookup(lang, "dashboard.greeting", "Aysel Məmmədova"); got != want {
						t.Errorf("greeting %q, want %q", got, want)
					}
					list := mustHave(t, doc, "#pending-list")
					items := list.Find(testid("pending-item"))
					if items.Length() != 2 {
						t.Fatalf("%d pending items", items.Length())
					}
					first := items.First()
					if h, _ := first.Find(`a[href="/requests/ab12"]`).Attr("href"); h == "" {
						t.Error("no link to the request")
					}
					cd := first.Find(testid("countdown"))
					if d, _ := cd.Attr("data-deadline"); d != "2026-03-02T09:04:30Z" {
						t.Errorf("data-deadline %q", d)
					}
					if cd.Text() != "04:30" || cd.HasClass("expired") {
						t.Errorf("countdown %q expired=%v", cd.Text(), cd.HasClass("expired"))
					}
					if live, _ := cd.Attr("aria-live"); live != "off" {
						t.Errorf("countdown aria-live %q inside the live pending list: a screen reader would read every second", live)
					}
					if got := first.Find(testid("binding-code")).Text(); got != "7KQX" {
						t.Errorf("binding code %q", got)
					}
					if !strings.Contains(first.Text(), "Şəxsiyyət, Gəlir") {
						t.Error("scopes not listed")
					}
					last := items.Last().Find(testid("countdown"))
					if last.Text() != i18n.Lookup(lang, "countdown.expired") || !last.HasClass("expired") {
						t.Errorf("past deadline: %q expired=%v", last.Text(), last.HasClass("expired"))
					}
					if items.Last().Find(testid("binding-code")).Length() != 0 {
						t.Error("binding code shown without one")
					}
					if got := doc.Find(testid("active-consents-count")).Text(); got != "4" {
						t.Errorf("active consents %q", got)
					}
					if n := doc.Find(testid("recent-item")).Length(); n != 2 {
						t.Errorf("%d recent items", n)
					}
					if got := doc.Find(testid("recent-item") + " time").First().Text(); got != "02.03.2026 12:00" {
						t.Errorf("recent time %q", got)
					}
					if !strings.Contains(html, `href="/requests/ab12"`) {
						t.Error("activity link missing")
					}
				})

				t.Run("dashboard empty", func(t *testing.T) {
					p := p
					p.Unread = 0
					doc, _ := render(t, ctx, views.DashboardPage(p, views.DashboardData{Name: "Rəşad Əliyev"}))
					mustHave(t, doc, "#pending-list "+testid("pending-empty"))
					mustHave(t, doc, testid("recent-empty"))
					if got := doc.Find(testid("active-consents-count")).Text(); got != "0" {
						t.Errorf("active consents %q", got)
					}
					if u != nil && !u.IsAdmin() {
						if _, hidden := doc.Find(testid("unread-badge")).Attr("hidden"); !hidden {
							t.Error("badge shown with 0 unread")
						}
					}
				})

				for _, status := range []int{0, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests, http.StatusInternalServerError} {
					t.Run("error "+http.StatusText(status), func(t *testing.T) {
						doc, _ := render(t, ctx, views.ErrorPage(p, views.ErrorData{Status: status, RequestID: "req-456"}))
						checkLayout(t, doc, lang, u)
						mustHave(t, doc, testid("error-page"))
						if got, want := doc.Find(testid("request-id")).Text(), i18n.Lookup(lang, "error.request_id", "req-456"); got != want {
							t.Errorf("request id %q, want %q", got, want)
						}
						if strings.TrimSpace(doc.Find(testid("error-message")).Text()) == "" {
							t.Error("no message")
						}
						if status != http.StatusUnauthorized {
							mustHave(t, doc, testid("back-home")+`[href="/"]`)
						}
					})
				}

				t.Run("admin home", func(t *testing.T) {
					doc, _ := render(t, ctx, views.AdminHome(p, views.AdminOverviewData{}))
					checkLayout(t, doc, lang, u)
					mustHave(t, doc, testid("admin-title"))
				})
			})
		}
	}
}

func TestErrorPage_MessageAndPageRequestID(t *testing.T) {
	ctx := context.Background()
	p := page(i18n.EN, citizen, "/x")
	doc, _ := render(t, ctx, views.ErrorPage(p, views.ErrorData{Status: 404, Message: "Gone."}))
	if got := doc.Find(testid("error-message")).Text(); got != "Gone." {
		t.Errorf("message %q", got)
	}
	if got := doc.Find(testid("request-id")).Text(); got != "Request ID: req-123" {
		t.Errorf("request id falls back to the page's: %q", got)
	}
	if got := doc.Find("h1").Text(); got != "Page not found" {
		t.Errorf("heading %q", got)
	}
}

func TestFragments(t *testing.T) {
	for _, lang := range i18n.Langs {
		ctx := i18n.WithLang(context.Background(), lang)
		doc, _ := render(t, ctx, views.ErrorFragment(views.ErrorData{Status: 500, RequestID: "r1"}))
		if got := doc.Find(testid("error-fragment") + " p").First().Text(); got != i18n.Lookup(lang, "error.generic") {
			t.Errorf("%s: fragment message %q", lang, got)
		}
		doc, _ = render(t, ctx, views.PendingList(now, dashboard.Pending))
		if n := doc.Find(testid("pending-item")).Length(); n != 2 {
			t.Errorf("%s: %d items", lang, n)
		}
		doc, _ = render(t, ctx, views.UnreadBadge(120))
		if got := doc.Find(`#unread-badge [aria-hidden="true"]`).Text(); got != "99+" {
			t.Errorf("badge %q", got)
		}
		for _, s := range portal.RequestStatuses {
			doc, _ = render(t, ctx, views.StatusPill(s))
			if !doc.Find(".status").HasClass("status-" + string(s)) {
				t.Errorf("status pill for %s", s)
			}
		}
	}
}

func TestLayout_AnonymousWithoutServerTime(t *testing.T) {
	p := views.Page{Title: "X"}
	doc, _ := render(t, i18n.WithLang(context.Background(), i18n.RU), views.LoginPage(p, views.LoginData{}))
	if got, _ := doc.Find("html").Attr("lang"); got != "ru" {
		t.Errorf("lang from the context: %q", got)
	}
	if doc.Find(`meta[name="server-time"]`).Length() != 0 {
		t.Error("server-time meta without a time")
	}
	if doc.Find(testid("dev-banner")).Length() != 0 {
		t.Error("dev banner outside dev")
	}
	if got, _ := doc.Find(testid("lang-switcher") + " a").First().Attr("href"); got != "/lang/az" {
		t.Errorf("language link without a path: %q", got)
	}
}

func TestFormatTime(t *testing.T) {
	ctx := context.Background()
	tm := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if got := views.FormatTime(ctx, tm); got != "02.03.2026 13:00" {
		t.Errorf("FormatTime = %q", got)
	}
	if got := views.FormatDate(ctx, time.Date(2026, 3, 2, 21, 0, 0, 0, time.UTC)); got != "03.03.2026" {
		t.Errorf("FormatDate across midnight in Baku = %q", got)
	}
	if views.FormatTime(ctx, time.Time{}) != "" || views.FormatDate(ctx, time.Time{}) != "" {
		t.Error("zero time is not empty")
	}
}

// TestLiveSwaps_BindAtOnce: every element that the event stream replaces whole (sse-swap with an outerHTML
// swap), and every form whose answer replaces one, settles at once. htmx binds the new element's sse-swap
// listener when the swap settles, so with the default 20 ms settle an event arriving meanwhile was lost
// (a request approved and collected in quick succession stayed "approved" on the open page).
func TestLiveSwaps_BindAtOnce(t *testing.T) {
	ctx := i18n.WithLang(context.Background(), i18n.AZ)
	pending := views.RequestData{ID: "ab12", CompanyName: "Kapital Bank", Purpose: "Kredit", Status: portal.StatusPending,
		BindingCode: "7KQX", CreatedAt: now, Deadline: now.Add(5 * time.Minute), Now: now, CSRF: "tok"}
	approved := pending
	approved.Status = portal.StatusApproved
	docs := map[string]templ.Component{
		"request page":           views.RequestPage(page(i18n.AZ, citizen, "/requests/ab12"), pending),
		"approved request panel": views.RequestPanel(approved),
		"dashboard":              views.DashboardPage(page(i18n.AZ, citizen, "/"), dashboard),
		"unread badge":           views.UnreadBadge(2),
	}
	live := 0
	for name, c := range docs {
		doc, _ := render(t, ctx, c)
		doc.Find("[sse-swap]").Each(func(_ int, el *goquery.Selection) {
			swap := el.AttrOr("hx-swap", "innerHTML")
			if !strings.HasPrefix(swap, "outerHTML") {
				return // the element stays, and so does its listener
			}
			live++
			if !strings.Contains(swap, "settle:0ms") {
				t.Errorf("%s: #%s (sse-swap %q) swaps %q, not settling at once", name, el.AttrOr("id", "?"), el.AttrOr("sse-swap", ""), swap)
			}
			if id := el.AttrOr("id", ""); id != "" {
				doc.Find(`[hx-target="#` + id + `"]`).Each(func(_ int, f *goquery.Selection) {
					if s := f.AttrOr("hx-swap", ""); !strings.Contains(s, "settle:0ms") {
						t.Errorf("%s: %s targeting #%s swaps %q, not settling at once", name, goquery.NodeName(f), id, s)
					}
				})
			}
		})
	}
	if live < 4 {
		t.Errorf("found %d live elements replaced whole; want the request panels and the unread badges", live)
	}
}

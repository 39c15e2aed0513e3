package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"portal"
	"portal/views/i18n"
)

// badgeMatches checks that the header's unread badge on the page shows the store's unread count.
func (a *apiEnv) badgeMatches(doc *goquery.Document, citizen portal.User) {
	a.t.Helper()
	want, err := a.store.UnreadCount(context.Background(), citizen.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	badge := doc.Find(`[data-testid="unread-badge"]`)
	if badge.Length() != 1 {
		a.t.Fatalf("%d unread badges on the page", badge.Length())
	}
	if got := badge.AttrOr("data-count", ""); got != strconv.Itoa(want) {
		a.t.Errorf("badge data-count = %q, store.UnreadCount = %d", got, want)
	}
}

func TestNotifications_ListInEachLanguage(t *testing.T) {
	a := newAPIEnv(t)
	ctx := context.Background()
	a.grant(a.aysel, a.bank, portal.ScopeIdentity)
	delivered := a.request(a.bankKey, finAysel, "identity")
	a.clock.Advance(time.Second)
	pending := a.request(a.otherKey, finAysel, "contact")
	a.request(a.bankKey, finRashad, "income") // another citizen's
	b := a.browser()
	b.login(finAysel, testPassword)
	for _, lang := range i18n.Langs {
		b.get("/lang/" + string(lang) + "?next=/")
		resp, doc := b.get("/notifications")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", lang, resp.StatusCode)
		}
		cat, err := a.store.ScopeCatalog(ctx, string(lang))
		if err != nil {
			t.Fatal(err)
		}
		scope := map[portal.Scope]string{}
		for _, si := range cat {
			scope[si.Scope] = si.Name
		}
		items := doc.Find(`[data-testid="notification"]`)
		if items.Length() != 2 {
			t.Fatalf("%s: %d notifications, want Aysel's 2", lang, items.Length())
		}
		want := []struct{ text, href string }{
			{i18n.Lookup(lang, "notif.pending", "Şirvan Telekom", scope[portal.ScopeContact]), "/requests/" + pending},
			{i18n.Lookup(lang, "notif.delivered", "Xəzər İnvest Bank", scope[portal.ScopeIdentity]), "/requests/" + delivered},
		}
		items.Each(func(i int, s *goquery.Selection) {
			link := s.Find("a")
			if link.Text() != want[i].text || link.AttrOr("href", "") != want[i].href {
				t.Errorf("%s: notification %d = %q → %q, want %q → %q", lang, i, link.Text(), link.AttrOr("href", ""), want[i].text, want[i].href)
			}
			if s.AttrOr("data-unread", "") != "true" || !s.HasClass("notification-unread") || s.Find(`[data-testid="unread-tag"]`).Text() != i18n.Lookup(lang, "notifications.new") {
				t.Errorf("%s: notification %d is not visibly marked unread", lang, i)
			}
			if s.Find("time").AttrOr("datetime", "") == "" {
				t.Errorf("%s: notification %d has no time", lang, i)
			}
		})
		a.badgeMatches(doc, a.aysel)
	}
}

func TestNotifications_MarkReadUpTo(t *testing.T) {
	a := newAPIEnv(t)
	for range 3 {
		a.clock.Advance(time.Second)
		a.request(a.bankKey, finAysel, "income")
	}
	b := a.browser()
	b.login(finAysel, testPassword)
	_, doc := b.get("/notifications")
	a.badgeMatches(doc, a.aysel)
	form := doc.Find(`[data-testid="mark-read-form"]`)
	tok := form.Find(`input[name="_csrf"]`).AttrOr("value", "")
	upto := form.Find(`input[name="upto"]`).AttrOr("value", "")
	if form.AttrOr("action", "") != "/notifications/read" || form.AttrOr("method", "") != "post" || tok == "" || upto != doc.Find(`[data-testid="notification"]`).First().AttrOr("data-id", "") {
		t.Fatalf("mark-read form: action %q, csrf %q, upto %q", form.AttrOr("action", ""), tok, upto)
	}
	// A notification arrives after the page was shown.
	a.clock.Advance(time.Second)
	late := a.request(a.otherKey, finAysel, "contact")

	t.Run("refused without the CSRF token", func(t *testing.T) {
		if resp, _ := b.post("/notifications/read", formOf("upto", upto)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
	})
	t.Run("refused without an id", func(t *testing.T) {
		if resp, _ := b.post("/notifications/read", formOf("_csrf", tok, "upto", "x")); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d, want 400", resp.StatusCode)
		}
	})
	resp, _ := b.post("/notifications/read", formOf("_csrf", tok, "upto", upto))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/notifications" {
		t.Fatalf("mark read: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n, _ := a.store.UnreadCount(context.Background(), a.aysel.ID); n != 1 {
		t.Errorf("unread = %d, want only the one that arrived after the page was shown", n)
	}
	_, doc = b.get("/notifications")
	doc.Find(`[data-testid="notification"]`).Each(func(i int, s *goquery.Selection) {
		unread := s.AttrOr("data-unread", "") == "true"
		isLate := strings.HasSuffix(s.Find("a").AttrOr("href", ""), late)
		if unread != isLate {
			t.Errorf("notification %d: unread %v, late %v", i, unread, isLate)
		}
	})
	a.badgeMatches(doc, a.aysel)
	// The badge is right on every page, not only this one.
	for _, path := range []string{"/", "/history", "/requests/" + late} {
		_, doc := b.get(path)
		a.badgeMatches(doc, a.aysel)
	}
}

func TestNotifications_Pages(t *testing.T) {
	a := newAPIEnv(t)
	for range 35 {
		a.clock.Advance(time.Second)
		a.request(a.bankKey, finAysel, "income")
	}
	b := a.browser()
	b.login(finAysel, testPassword)
	var ids []int64
	path := "/notifications"
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("the pages do not end")
		}
		_, doc := b.get(path)
		doc.Find(`[data-testid="notification"]`).Each(func(_ int, s *goquery.Selection) {
			id, _ := strconv.ParseInt(s.AttrOr("data-id", ""), 10, 64)
			ids = append(ids, id)
		})
		path = doc.Find(`[data-testid="notifications-older"]`).AttrOr("href", "")
	}
	if len(ids) != 35 {
		t.Fatalf("%d notifications over the pages, want 35", len(ids))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] >= ids[i-1] {
			t.Fatalf("not newest first, or repeated: %v", ids)
		}
	}
	if resp, _ := b.get("/notifications?before=x"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("before=x: %d, want 400", resp.StatusCode)
	}
}

// events opens the citizen's event stream for the rest of the test.
func (b *browser) events(t *testing.T) <-chan sseEvent {
	t.Helper()
	ch, stop := b.openStream(t)
	t.Cleanup(stop)
	return ch
}

// waitBadge waits for an "unread" event showing count.
func waitBadge(t *testing.T, events <-chan sseEvent, count int) {
	t.Helper()
	waitEvent(t, events, "unread", `data-count="`+strconv.Itoa(count)+`"`, 5*time.Second)
}

// TestNotifications_BadgeLive: the header badge of an open page follows the unread count over the event
// stream when a request arrives, when another tab marks notifications read, and when a consent's end nears.
func TestNotifications_BadgeLive(t *testing.T) {
	a := newAPIEnv(t)
	ctx := context.Background()
	tab1, tab2 := a.browser(), a.browser()
	tab1.login(finAysel, testPassword)
	tab2.login(finAysel, testPassword)
	events := tab1.events(t)

	a.request(a.bankKey, finAysel, "income")
	waitBadge(t, events, 1)

	_, doc := tab2.get("/notifications")
	form := doc.Find(`[data-testid="mark-read-form"]`)
	tab2.post("/notifications/read", formOf("_csrf", form.Find(`input[name="_csrf"]`).AttrOr("value", ""), "upto", form.Find(`input[name="upto"]`).AttrOr("value", "")))
	waitBadge(t, events, 0)

	if _, err := a.store.GrantConsent(ctx, a.aysel.ID, a.bank.ID, portal.ScopeAddress, portal.Validity30Days); err != nil {
		t.Fatal(err)
	}
	a.clock.Advance(24 * 24 * time.Hour)
	if err := a.server.Housekeep(ctx); err != nil {
		t.Fatal(err)
	}
	waitBadge(t, events, 1)
}

// TestNotifications_ConsentExpires: a week before a consent ends, the sweeper's housekeeping tells the
// citizen once, naming the company, the data and the day it ends, in the reader's language.
func TestNotifications_ConsentExpires(t *testing.T) {
	a := newAPIEnv(t)
	ctx := context.Background()
	a.grant(a.aysel, a.bank, portal.ScopeIdentity, portal.ScopeAddress) // a year
	if _, err := a.store.GrantConsent(ctx, a.aysel.ID, a.other.ID, portal.ScopeContact, portal.Validity30Days); err != nil {
		t.Fatal(err)
	}
	a.clock.Advance(22 * 24 * time.Hour)
	if err := a.server.Housekeep(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := a.store.UnreadCount(ctx, a.aysel.ID); n != 0 {
		t.Fatalf("%d notifications 8 days before the end, want none", n)
	}
	a.clock.Advance(24 * time.Hour)
	for range 2 { // housekeeping runs every minute: it tells once
		if err := a.server.Housekeep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	b := a.browser()
	b.login(finAysel, testPassword)
	for lang, scope := range map[i18n.Lang]string{i18n.AZ: "Əlaqə", i18n.EN: "Contact", i18n.RU: "Контакты"} {
		b.get("/lang/" + string(lang) + "?next=/")
		_, doc := b.get("/notifications")
		items := doc.Find(`[data-testid="notification"]`)
		if items.Length() != 1 {
			t.Fatalf("%s: %d notifications, want one", lang, items.Length())
		}
		want := i18n.Lookup(lang, "notif.consent_expires", "Şirvan Telekom", scope, "01.04.2026")
		if got := strings.TrimSpace(items.Find(".activity-text").Text()); !strings.HasSuffix(got, want) || !strings.Contains(want, "01.04.2026") {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
		if items.Find("a").Length() != 0 {
			t.Errorf("%s: a consent notification links to a request", lang)
		}
		a.badgeMatches(doc, a.aysel)
	}
}

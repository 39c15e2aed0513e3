package views_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"portal"
	"portal/views"
	"portal/views/i18n"
)

var history = views.HistoryData{
	Form:      views.HistoryForm{Company: "7", Status: "grant", From: "2026-03-01", To: "2026-03-02"},
	Companies: []views.HistoryCompany{{ID: "3", Name: "Azercell"}, {ID: "7", Name: "Kapital Bank"}},
	Query:     "company=7&from=2026-03-01&status=grant&to=2026-03-02",
	Next:      "MTIzOnJlcXVlc3Q6YWI",
	Paged:     true,
	Items: []views.HistoryItem{
		{Kind: "request", ID: "r1", At: now, CompanyName: "Kapital Bank", Scopes: []string{"Şəxsiyyət", "Gəlir"}, Purpose: "Kredit",
			Status: portal.StatusDelivered, DeliveredAt: ptr(now.Add(time.Minute))},
		{Kind: "request", ID: "r2", At: now, CompanyName: "Kapital Bank", Scopes: []string{"Gəlir"}, Purpose: "Kredit",
			Status: portal.StatusCancelled, Reason: portal.ReasonConsentRevoked, DecidedAt: ptr(now)},
		{Kind: "request", ID: "r3", At: now, CompanyName: "Azercell", Scopes: []string{"Əlaqə"}, Purpose: "Nömrə", Status: portal.StatusExpired, Reason: portal.ReasonApprovalTimeout},
		{Kind: "request", ID: "r4", At: now, CompanyName: "Azercell", Scopes: []string{"Əlaqə"}, Purpose: "Nömrə", Status: portal.StatusDenied, Reason: portal.ReasonCitizenDenied, DecidedAt: ptr(now)},
		{Kind: "request", ID: "r5", At: now, CompanyName: "Azercell", Scopes: []string{"Əlaqə"}, Purpose: "Nömrə", Status: portal.StatusExpired, Reason: portal.ReasonPickupTimeout},
		{Kind: "request", ID: "r6", At: now, CompanyName: "Azercell", Scopes: []string{"Əlaqə"}, Purpose: "Nömrə", Status: portal.StatusCancelled, Reason: portal.ReasonCompanySuspended},
		{Kind: "request", ID: "r7", At: now, CompanyName: "Azercell", Scopes: []string{"Əlaqə"}, Purpose: "Nömrə", Status: portal.StatusCancelled, Reason: portal.ReasonCompanyCancelled},
		{Kind: "request", ID: "r8", At: now, CompanyName: "Azercell", Scopes: []string{"Əlaqə"}, Purpose: "Nömrə", Status: portal.StatusPending},
		{Kind: "consent", ID: "11", At: now, CompanyName: "Kapital Bank", Scopes: []string{"Gəlir"}, ConsentKind: portal.ConsentGranted,
			Validity: portal.Validity1Year, ValidUntil: ptr(now.AddDate(1, 0, 0)), RequestID: "r1"},
		{Kind: "consent", ID: "12", At: now, CompanyName: "Kapital Bank", Scopes: []string{"Gəlir"}, ConsentKind: portal.ConsentChanged, Validity: portal.ValidityUnlimited},
		{Kind: "consent", ID: "13", At: now, CompanyName: "Kapital Bank", Scopes: []string{"Gəlir"}, ConsentKind: portal.ConsentRevoked},
	},
}

func TestHistoryPage(t *testing.T) {
	for _, lang := range i18n.Langs {
		t.Run(string(lang), func(t *testing.T) {
			ctx := i18n.WithLang(context.Background(), i18n.AZ) // the page's language must win
			doc, _ := render(t, ctx, views.HistoryPage(page(lang, citizen, "/companies/7?q=a&b"), history))
			checkLayout(t, doc, lang, citizen)
			form := mustHave(t, doc, testid("history-filters"))
			if got := form.Find(`#history-company option[selected]`).AttrOr("value", ""); got != "7" {
				t.Errorf("selected company %q", got)
			}
			if got := form.Find(`#history-status option[selected]`).AttrOr("value", ""); got != "grant" {
				t.Errorf("selected status %q", got)
			}
			if got := form.Find(`#history-status optgroup`).Length(); got != 2 {
				t.Errorf("%d status groups, want requests and consents", got)
			}
			if form.Find(`#history-from`).AttrOr("value", "") != "2026-03-01" || form.Find(`#history-to`).AttrOr("value", "") != "2026-03-02" {
				t.Error("period not kept")
			}
			rows := doc.Find(testid("history-entry"))
			if rows.Length() != len(history.Items) {
				t.Fatalf("%d rows", rows.Length())
			}
			first := rows.First()
			if first.Find(`a[href="/requests/r1"]`).Length() != 1 || first.Find(testid("status")).AttrOr("data-status", "") != "delivered" {
				t.Error("request row: no link or status")
			}
			if got := first.Find("time").Text(); got != "02.03.2026 13:00" {
				t.Errorf("time %q, want Baku local", got)
			}
			if !strings.Contains(rows.Eq(1).Text(), i18n.Lookup(lang, "reason.consent_revoked")) {
				t.Error("cancelled row does not say why")
			}
			grant := rows.Eq(8)
			if grant.AttrOr("data-kind", "") != "consent" || !strings.Contains(grant.Text(), i18n.Lookup(lang, "history.valid_until", "02.03.2027")) ||
				grant.Find(`a[href="/requests/r1"]`).Length() != 1 {
				t.Errorf("consent grant row %q", grant.Text())
			}
			if !strings.Contains(rows.Eq(9).Text(), i18n.Lookup(lang, "history.valid_unlimited")) {
				t.Error("unlimited validity not said")
			}
			if got := rows.Eq(10).Find(testid("status")).Text(); got != i18n.Lookup(lang, "history.consent_status.revoke") {
				t.Errorf("revoke status %q", got)
			}
			if got := doc.Find(testid("history-csv")).AttrOr("href", ""); got != "/history.csv?"+history.Query {
				t.Errorf("CSV link %q", got)
			}
			if got := doc.Find(testid("history-json")).AttrOr("href", ""); got != "/history.json?"+history.Query {
				t.Errorf("JSON link %q", got)
			}
			older := doc.Find(testid("history-older"))
			want := "/history?" + history.Query + "&cursor=" + history.Next
			if older.AttrOr("href", "") != want || older.AttrOr("hx-get", "") != want || older.AttrOr("hx-push-url", "") != "true" || older.AttrOr("hx-target", "") != "#history-results" {
				t.Errorf("older link href %q hx-get %q", older.AttrOr("href", ""), older.AttrOr("hx-get", ""))
			}
			if got := doc.Find(testid("history-newest")).AttrOr("href", ""); got != "/history?"+history.Query {
				t.Errorf("newest link %q", got)
			}
		})
	}
}

func TestHistoryResults(t *testing.T) {
	for _, lang := range i18n.Langs {
		ctx := i18n.WithLang(context.Background(), lang)
		t.Run(string(lang)+"/fragment", func(t *testing.T) {
			doc, html := render(t, ctx, views.HistoryResults(history))
			if !strings.HasPrefix(html, `<section id="history-results"`) || strings.Contains(html, "<html") {
				t.Errorf("fragment starts %.60q", html)
			}
			mustHave(t, doc, testid("history-table"))
		})
		t.Run(string(lang)+"/empty first page", func(t *testing.T) {
			doc, _ := render(t, ctx, views.HistoryResults(views.HistoryData{}))
			mustHave(t, doc, testid("history-empty"))
			if doc.Find(testid("history-pager")).Length() != 0 {
				t.Error("pager without pages")
			}
			if got := doc.Find(testid("history-csv")).AttrOr("href", ""); got != "/history.csv" {
				t.Errorf("CSV link %q", got)
			}
		})
		t.Run(string(lang)+"/error", func(t *testing.T) {
			doc, _ := render(t, ctx, views.HistoryResults(views.HistoryData{Error: i18n.Lookup(lang, "err.history_period")}))
			if got := doc.Find(testid("history-error")).AttrOr("role", ""); got != "alert" {
				t.Errorf("error role %q", got)
			}
			if doc.Find(testid("history-table")).Length() != 0 || doc.Find(testid("history-csv")).Length() != 0 {
				t.Error("entries or downloads shown with an error")
			}
		})
	}
}

func TestNotificationsPage(t *testing.T) {
	d := views.NotificationsData{
		Items: []views.NotificationItem{
			{ID: 9, When: now, Text: "Kapital Bank məlumatlarınızı istəyir", Href: "/requests/ab12", Unread: true},
			{ID: 8, When: now.Add(-time.Hour), Text: "Razılığınızın müddəti bitir"},
		},
		Upto: 9, Next: 8, Paged: true,
	}
	for _, lang := range i18n.Langs {
		t.Run(string(lang), func(t *testing.T) {
			ctx := context.Background()
			doc, _ := render(t, ctx, views.NotificationsPage(page(lang, citizen, "/companies/7?q=a&b"), d))
			checkLayout(t, doc, lang, citizen)
			items := doc.Find(testid("notification"))
			if items.Length() != 2 {
				t.Fatalf("%d items", items.Length())
			}
			unread := items.First()
			if unread.AttrOr("data-unread", "") != "true" || unread.Find(testid("unread-tag")).Text() != i18n.Lookup(lang, "notifications.new") ||
				unread.Find(`a[href="/requests/ab12"]`).Length() != 1 {
				t.Error("unread notification not marked in words, or no link")
			}
			read := items.Last()
			if read.AttrOr("data-unread", "") != "false" || read.Find(testid("unread-tag")).Length() != 0 || read.Find("a").Length() != 0 {
				t.Error("read notification marked, or linked without a request")
			}
			form := mustHave(t, doc, testid("mark-read-form"))
			if form.Find(`input[name="upto"]`).AttrOr("value", "") != "9" || form.Find(`input[name="_csrf"]`).AttrOr("value", "") != "tok\"en<&>" {
				t.Error("mark-read form without upto or token")
			}
			if got := doc.Find(testid("notifications-older")).AttrOr("href", ""); got != "/notifications?before=8" {
				t.Errorf("older link %q", got)
			}
			mustHave(t, doc, testid("notifications-newest"))
		})
	}
	t.Run("all read, none at all", func(t *testing.T) {
		doc, _ := render(t, context.Background(), views.NotificationsPage(page(i18n.EN, citizen, "/notifications"), views.NotificationsData{
			Items: []views.NotificationItem{{ID: 1, When: now, Text: "x"}}, Upto: 1}))
		if doc.Find(testid("mark-read-form")).Length() != 0 || doc.Find(testid("notifications-pager")).Length() != 0 {
			t.Error("mark-read form or pager with nothing to do")
		}
		doc, _ = render(t, context.Background(), views.NotificationsPage(page(i18n.EN, citizen, "/notifications"), views.NotificationsData{}))
		mustHave(t, doc, testid("notifications-empty"))
	})
}

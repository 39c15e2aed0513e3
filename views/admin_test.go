package views_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"portal"
	"portal/views"
	"portal/views/i18n"
)

// checkFormAccessibility asserts that every control has a label, that every control with an error is
// marked invalid and described by its message, and that every error summary link leads to a control.
func checkFormAccessibility(t *testing.T, doc *goquery.Document) {
	t.Helper()
	doc.Find("main input, main select, main textarea").Each(func(_ int, in *goquery.Selection) {
		if typ, _ := in.Attr("type"); typ == "hidden" || typ == "submit" {
			return
		}
		id, _ := in.Attr("id")
		if id == "" || doc.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("control %q (id %q) has no label", in.AttrOr("name", ""), id)
		}
	})
	doc.Find(".error-message").Each(func(_ int, msg *goquery.Selection) {
		id, _ := msg.Attr("id")
		ctl := doc.Find("#" + strings.TrimSuffix(id, "-error"))
		if ctl.Length() != 1 {
			t.Errorf("error %q belongs to no control", id)
			return
		}
		if v, _ := ctl.Attr("aria-invalid"); v != "true" {
			t.Errorf("control of %q is not aria-invalid", id)
		}
		if d, _ := ctl.Attr("aria-describedby"); !strings.Contains(" "+d+" ", " "+id+" ") {
			t.Errorf("control of %q is described by %q", id, d)
		}
	})
	doc.Find(testid("error-summary") + " a").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		if !strings.HasPrefix(href, "#") || doc.Find(href).Length() != 1 {
			t.Errorf("summary link %q leads nowhere", href)
		}
	})
}

func TestAdminPages(t *testing.T) {
	withdrawn := now.Add(-48 * time.Hour)
	used := now.Add(-time.Hour)
	company := portal.Company{ID: 7, Name: "Xəzər İnvest Bank", VOEN: "1700123456", Sector: "bank", Status: portal.CompanyActive, CreatedAt: now}
	for _, lang := range i18n.Langs {
		t.Run(string(lang), func(t *testing.T) {
			ctx := i18n.WithLang(context.Background(), lang)
			p := page(lang, admin, "/companies/7?q=a&b")

			t.Run("overview", func(t *testing.T) {
				d := views.AdminOverviewData{Day: now, CompaniesActive: 5, CompaniesSuspended: 1, PendingNow: 2, APIErrors: 9, APIServerErrors: 1, RequestsTotal: 3}
				for _, st := range portal.RequestStatuses {
					d.RequestsToday = append(d.RequestsToday, views.StatusCount{Status: st, Count: 1})
				}
				doc, _ := render(t, ctx, views.AdminHome(p, d))
				checkLayout(t, doc, lang, admin)
				for id, want := range map[string]string{"companies-total": "6", "companies-active": "5", "companies-suspended": "1", "pending-now": "2", "api-errors": "9", "requests-today-total": "3"} {
					if got := doc.Find(testid(id)).Text(); got != want {
						t.Errorf("%s = %q, want %q", id, got, want)
					}
				}
				if n := doc.Find(testid("requests-today-row")).Length(); n != len(portal.RequestStatuses) {
					t.Errorf("%d status rows", n)
				}
			})

			t.Run("companies with register errors", func(t *testing.T) {
				d := views.AdminCompaniesData{Query: "bank", Status: "suspended", Companies: []portal.Company{company},
					Form: views.CompanyForm{Name: "", VOEN: "12", Sector: "casino", Website: "javascript:alert(1)", ContactEmail: "x@",
						Errors: portal.FieldErrors{"name": "err.company_name", "voen": "err.voen_format", "sector": "err.sector_unknown", "website": "err.website_format", "contact_email": "err.email_format"}}}
				doc, _ := render(t, ctx, views.AdminCompaniesPage(p, d))
				checkLayout(t, doc, lang, admin)
				checkFormAccessibility(t, doc)
				if n := doc.Find(testid("error-summary") + " li").Length(); n != 5 {
					t.Errorf("%d summary items, want 5", n)
				}
				if v, _ := doc.Find("#company-voen").Attr("value"); v != "12" {
					t.Errorf("typed VÖEN not kept: %q", v)
				}
				if v, _ := doc.Find(`#search-status option[selected]`).Attr("value"); v != "suspended" {
					t.Errorf("status filter not kept: %q", v)
				}
				if h, _ := doc.Find(testid("company-link")).Attr("href"); h != "/admin/companies/7" {
					t.Errorf("company link %q", h)
				}
			})

			t.Run("company with errors and a new key", func(t *testing.T) {
				rows := []views.OfferRow{
					{Scope: portal.ScopeIdentity, Name: "Identity", Offered: true, Saved: true, Purpose: "", LegalBasis: "law", Retention: "x", Frequency: "one_off",
						Errors: portal.FieldErrors{"purpose": "err.purpose_length", "law_name": "err.law_name", "retention_days": "err.retention"}},
					{Scope: portal.ScopeAddress, Name: "Address", WithdrawnAt: &withdrawn, Purpose: "Deliver", LegalBasis: "contract", Retention: "30", Frequency: "recurring"},
					{Scope: portal.ScopeContact, Name: "Contact", LegalBasis: "consent", Retention: "365", Frequency: "one_off"},
				}
				d := views.AdminCompanyData{Company: company, Form: views.CompanyFormOf(company), Offers: rows, NewKey: "pk_abcdefgh_secret",
					Keys: []views.APIKeyRow{{ID: 1, Prefix: "abcdefgh", CreatedAt: now, LastUsedAt: &used}, {ID: 2, Prefix: "zyxwvuts", CreatedAt: now, RevokedAt: &used}}}
				d.Form.Errors = portal.FieldErrors{"voen": "err.voen_taken"}
				doc, _ := render(t, ctx, views.AdminCompanyPage(p, d))
				checkLayout(t, doc, lang, admin)
				checkFormAccessibility(t, doc)
				if n := doc.Find(testid("error-summary") + " li").Length(); n != 4 {
					t.Errorf("%d summary items, want 4", n)
				}
				if v, _ := doc.Find(testid("new-key-value")).Attr("value"); v != "pk_abcdefgh_secret" {
					t.Errorf("new key %q", v)
				}
				if tgt, _ := doc.Find(testid("new-key-copy")).Attr("data-copy-target"); tgt != "new-api-key" {
					t.Errorf("copy target %q", tgt)
				}
				if n := doc.Find(testid("key-revoke-form")).Length(); n != 1 {
					t.Errorf("%d revoke forms, want 1 (for the live key)", n)
				}
				if a, _ := doc.Find(testid("key-revoke-form")).Attr("action"); a != "/admin/companies/7/keys/1/revoke" {
					t.Errorf("revoke action %q", a)
				}
				offered := doc.Find(`input[name="offer.identity.offered"]`)
				if _, ok := offered.Attr("checked"); !ok {
					t.Error("offered row not ticked")
				}
				if _, ok := doc.Find(`input[name="offer.address.offered"]`).Attr("checked"); ok {
					t.Error("withdrawn row ticked")
				}
				if got := doc.Find(`[data-scope="address"] ` + testid("offer-state")).Text(); !strings.Contains(got, "28.02.2026") {
					t.Errorf("withdrawn state %q", got)
				}
				if doc.Find(testid("suspend-form")).Length() != 1 || doc.Find(testid("reactivate-form")).Length() != 0 {
					t.Error("an active company shows no suspend form, or a reactivate form")
				}
			})

			t.Run("suspended company", func(t *testing.T) {
				c := company
				c.Status = portal.CompanySuspended
				doc, _ := render(t, ctx, views.AdminCompanyPage(p, views.AdminCompanyData{Company: c, Form: views.CompanyFormOf(c)}))
				if doc.Find(testid("reactivate-form")).Length() != 1 || doc.Find(testid("suspend-form")).Length() != 0 {
					t.Error("a suspended company shows no reactivate form, or a suspend form")
				}
				mustHave(t, doc, testid("keys-empty"))
			})
		})
	}
}

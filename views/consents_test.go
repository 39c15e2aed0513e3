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

func ptr[T any](v T) *T { return &v }

var (
	bank = portal.Company{ID: 7, Name: "Xəzər İnvest Bank", VOEN: "1400012345", Sector: "bank", Description: "Universal bank",
		Website: "https://xezerinvest.example", ContactEmail: "dpo@xezerinvest.example", Status: portal.CompanyActive}
	lawOffer      = portal.Offer{ID: 1, CompanyID: 7, Scope: portal.ScopeIdentity, Purpose: "KYC", LegalBasis: portal.BasisLaw, LawName: "AML Law", RetentionDays: 1825, Frequency: portal.FrequencyOneOff}
	contractOffer = portal.Offer{ID: 2, CompanyID: 7, Scope: portal.ScopeAddress, Purpose: "Statements", LegalBasis: portal.BasisContract, RetentionDays: 365, Frequency: portal.FrequencyRecurring}
	withdrawn     = portal.Offer{ID: 3, CompanyID: 7, Scope: portal.ScopeIncome, Purpose: "Credit", LegalBasis: portal.BasisConsent, RetentionDays: 365, Frequency: portal.FrequencyOneOff, WithdrawnAt: ptr(now.Add(-time.Hour))}
	consentOffer  = portal.Offer{ID: 4, CompanyID: 7, Scope: portal.ScopeContact, Purpose: "Notices", LegalBasis: portal.BasisConsent, RetentionDays: 365, Frequency: portal.FrequencyRecurring}
	vehiclesOffer = portal.Offer{ID: 5, CompanyID: 7, Scope: portal.ScopeVehicles, Purpose: "Insurance", LegalBasis: portal.BasisConsent, RetentionDays: 365, Frequency: portal.FrequencyRecurring}

	activeConsent  = &portal.Consent{ID: 11, CitizenID: 1, CompanyID: 7, Scope: portal.ScopeIdentity, Granted: true, Validity: portal.Validity1Year, GrantedAt: now, ValidUntil: ptr(now.AddDate(1, 0, 0))}
	forever        = &portal.Consent{ID: 12, CitizenID: 1, CompanyID: 7, Scope: portal.ScopeIncome, Granted: true, Validity: portal.ValidityUnlimited, GrantedAt: now}
	revokedConsent = &portal.Consent{ID: 13, CitizenID: 1, CompanyID: 7, Scope: portal.ScopeAddress, Granted: false, Validity: portal.Validity30Days, GrantedAt: now.AddDate(0, 0, -3), RevokedAt: ptr(now.Add(-time.Hour))}
	expiredConsent = &portal.Consent{ID: 14, CitizenID: 1, CompanyID: 7, Scope: portal.ScopeContact, Granted: true, Validity: portal.Validity30Days, GrantedAt: now.AddDate(0, 0, -40), ValidUntil: ptr(now.AddDate(0, 0, -10))}
)

func card(o portal.Offer, c *portal.Consent, suspended bool) views.OfferCard {
	return views.OfferCard{CompanyID: 7, CompanyName: bank.Name, CompanySuspended: suspended, Offer: o, ScopeName: "Scope " + string(o.Scope), Consent: c, Now: now, CSRF: "tok"}
}

func companyData(suspended bool) views.CompanyData {
	co := bank
	if suspended {
		co.Status = portal.CompanySuspended
	}
	return views.CompanyData{Company: co, CSRF: "tok", Offers: []views.OfferCard{
		card(lawOffer, activeConsent, suspended), card(contractOffer, revokedConsent, suspended),
		card(withdrawn, forever, suspended), card(consentOffer, expiredConsent, suspended), card(vehiclesOffer, nil, suspended),
	}}
}

var consentsData = views.ConsentsData{
	CSRF: "tok",
	Groups: []views.ConsentGroup{
		{Company: bank, Consents: []views.ConsentItem{{Consent: *activeConsent, ScopeName: "Identity"}, {Consent: *forever, ScopeName: "Income"}}},
		{Company: portal.Company{ID: 8, Name: "Odlar", Status: portal.CompanySuspended}, Consents: []views.ConsentItem{{Consent: *activeConsent, ScopeName: "Vehicles"}}},
	},
	History: []views.ConsentHistoryItem{
		{Event: portal.ConsentEvent{ID: 3, ConsentID: 11, Kind: portal.ConsentRevoked, At: now, OldActive: true, OldValidUntil: ptr(now.AddDate(1, 0, 0)), NewValidity: portal.Validity1Year}, CompanyName: "Xəzər", ScopeName: "Identity"},
		{Event: portal.ConsentEvent{ID: 2, ConsentID: 11, Kind: portal.ConsentChanged, At: now, OldActive: true, NewActive: true, NewValidity: portal.ValidityUnlimited}, CompanyName: "Xəzər", ScopeName: "Identity"},
		{Event: portal.ConsentEvent{ID: 1, ConsentID: 11, Kind: portal.ConsentGranted, At: now, NewActive: true, NewValidUntil: ptr(now.AddDate(0, 0, 30)), NewValidity: portal.Validity30Days}, CompanyName: "Xəzər", ScopeName: "Identity"},
	},
}

var dataData = views.DataData{Scopes: []views.DataScope{
	{Scope: portal.ScopeIdentity, Name: "Identity", Fields: []views.DataField{{Name: "fin", Value: "5ABCD12", Present: true}, {Name: "patronymic"}}},
	{Scope: portal.ScopeIncome, Name: "Income", Fields: []views.DataField{{Name: "monthly_salaries", Present: true, Table: &views.DataTable{Columns: []string{"month", "amount_azn"}, Rows: [][]string{{"2026-01", "2150.00"}}}}}},
	{Scope: portal.ScopeVehicles, Name: "Vehicles", Fields: []views.DataField{{Name: "vehicles", Present: true, Table: &views.DataTable{Columns: []string{"plate"}}}}},
	{Scope: portal.ScopeSocial, Name: "Social", Fields: []views.DataField{{Name: "benefits"}}},
}}

// TestConsentPages renders every page and fragment of issue 3 in each language, in every state, against
// the rules every page keeps (no missing translation, no inline script or style) and the layout's.
func TestConsentPages(t *testing.T) {
	for _, lang := range i18n.Langs {
		t.Run(string(lang), func(t *testing.T) {
			ctx := i18n.WithLang(context.Background(), lang)
			p := page(lang, citizen, "/companies/7?q=a&b")
			catalogue := views.CatalogueData{Query: "bank", Sector: "bank", Companies: []views.CompanyItem{
				{ID: 7, Name: bank.Name, Sector: "bank", Description: "d", Scopes: []views.ScopeState{{Scope: "identity", Name: "Identity", Active: true}, {Scope: "address", Name: "Address"}}},
				{ID: 8, Name: "Odlar", Sector: "insurance", Scopes: []views.ScopeState{{Scope: "vehicles", Name: "Vehicles"}}},
			}}

			doc, _ := render(t, ctx, views.CompaniesPage(p, catalogue))
			checkLayout(t, doc, lang, citizen)
			if n := doc.Find(testid("company")).Length(); n != 2 {
				t.Errorf("%d companies", n)
			}
			if doc.Find(`[data-scope="identity"][data-active="true"] .visually-hidden`).Length() != 1 {
				t.Error("a consented scope is not marked for screen readers")
			}
			render(t, ctx, views.CompaniesPage(p, views.CatalogueData{}))
			render(t, ctx, views.CompanyResults(catalogue))

			for _, suspended := range []bool{false, true} {
				doc, _ = render(t, ctx, views.CompanyPage(p, companyData(suspended)))
				checkLayout(t, doc, lang, citizen)
				states := map[string]string{}
				doc.Find(testid("offer")).Each(func(_ int, s *goquery.Selection) { states[s.AttrOr("data-scope", "")] = s.AttrOr("data-state", "") })
				if states["identity"] != "active" || states["address"] != "revoked" || states["income"] != "active" || states["contact"] != "expired" || states["vehicles"] != "none" {
					t.Errorf("states %v", states)
				}
				grants := doc.Find(testid("grant-form")).Length()
				if want := map[bool]int{false: 3, true: 0}[suspended]; grants != want {
					t.Errorf("suspended=%v: %d grant forms, want %d", suspended, grants, want)
				}
				if n := doc.Find(testid("revoke-form")).Length(); n != 2 {
					t.Errorf("suspended=%v: %d revoke forms, want 2 (the active consents, withdrawn offer included)", suspended, n)
				}
				if (doc.Find(testid("company-suspended")).Length() == 1) != suspended {
					t.Errorf("suspended=%v: notice shown %v", suspended, !suspended)
				}
				doc.Find(`fieldset`).Each(func(_ int, f *goquery.Selection) {
					if strings.TrimSpace(f.Find("legend").Text()) == "" {
						t.Error("a fieldset without a legend")
					}
				})
			}
			frag, _ := render(t, ctx, views.OfferUpdateFragment(views.OfferUpdate{Card: card(lawOffer, activeConsent, false), Company: companyData(false), Flash: views.Flash{Kind: views.FlashSuccess, Text: "ok"}}))
			if frag.Find("#flash-region").AttrOr("hx-swap-oob", "") != "innerHTML" || frag.Find("#company-actions").AttrOr("hx-swap-oob", "") != "true" {
				t.Error("the update fragment's out-of-band parts are missing")
			}
			render(t, ctx, views.CompanyPage(p, views.CompanyData{Company: bank}))

			doc, _ = render(t, ctx, views.ConsentsPage(p, consentsData))
			checkLayout(t, doc, lang, citizen)
			if n := doc.Find(testid("consent-event")).Length(); n != 3 {
				t.Errorf("%d history rows", n)
			}
			render(t, ctx, views.ConsentsPage(p, views.ConsentsData{}))
			doc, _ = render(t, ctx, views.RevokeAllPage(p, consentsData))
			checkLayout(t, doc, lang, citizen)
			if got := doc.Find(testid("revoke-all-confirm")).Text(); got != i18n.Lookup(lang, "revoke_all.confirm", 3) {
				t.Errorf("confirm button %q", got)
			}
			render(t, ctx, views.RevokeAllPage(p, views.ConsentsData{}))

			doc, _ = render(t, ctx, views.DataPage(p, dataData))
			checkLayout(t, doc, lang, citizen)
			if n := doc.Find(testid("data-table")).Length(); n != 1 {
				t.Errorf("%d tables, want 1 (an empty list is text)", n)
			}
			if n := doc.Find(testid("data-empty")).Length(); n != 1 {
				t.Errorf("%d empty scopes, want 1", n)
			}
		})
	}
}

package web_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"portal"
)

// catalogue returns the ids of the companies listed in a catalogue page or fragment.
func catalogue(doc *goquery.Document) []int64 {
	var ids []int64
	doc.Find(tid("company")).Each(func(_ int, s *goquery.Selection) {
		id, _ := strconv.ParseInt(s.AttrOr("data-company-id", ""), 10, 64)
		ids = append(ids, id)
	})
	return ids
}

func TestCompanies_Catalogue(t *testing.T) {
	e := newDemoEnv(t)
	e.suspend(e.employer)
	e.withdraw(e.bank, portal.ScopeIncome)
	b, _ := e.signedIn(e.aysel.FIN)

	resp, doc := b.get("/companies")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	ids := catalogue(doc)
	if len(ids) != 7 {
		t.Errorf("%d companies listed, want the 7 active demo companies", len(ids))
	}
	if slices.Contains(ids, e.employer.ID) {
		t.Error("a suspended company is listed")
	}
	bank := doc.Find(tid("company") + `[data-company-id="` + strconv.FormatInt(e.bank.ID, 10) + `"]`)
	if got := bank.Find(tid("company-link")).Text(); got != e.bank.Name {
		t.Errorf("bank name %q", got)
	}
	if got, _ := bank.Find(tid("company-link")).Attr("href"); got != "/companies/"+strconv.FormatInt(e.bank.ID, 10) {
		t.Errorf("bank link %q", got)
	}
	if got := bank.Find(tid("company-sector")).Text(); got != az("sector.bank") {
		t.Errorf("bank sector %q", got)
	}
	var scopes, active []string
	bank.Find(tid("company-scope")).Each(func(_ int, s *goquery.Selection) {
		scopes = append(scopes, s.AttrOr("data-scope", ""))
		if s.AttrOr("data-active", "") == "true" {
			active = append(active, s.AttrOr("data-scope", ""))
		}
	})
	// The withdrawn income offer is not advertised; Aysel's two consents to the bank show at a glance.
	if got := strings.Join(scopes, " "); got != "identity id_document address employment" {
		t.Errorf("bank scopes %q", got)
	}
	if got := strings.Join(active, " "); got != "identity address" {
		t.Errorf("bank scopes with consent %q", got)
	}
	if got := strings.TrimSpace(bank.Find(tid("company-state")).Text()); got != az("companies.state_some", 2, 4) {
		t.Errorf("bank state %q", got)
	}
	if got := strings.TrimSpace(doc.Find(tid("company-count")).Text()); got != az("companies.count", 7) {
		t.Errorf("count %q", got)
	}
}

func TestCompanies_SearchAndFilter(t *testing.T) {
	e := newDemoEnv(t)
	b, _ := e.signedIn(e.rashad.FIN)
	tests := []struct {
		name, query string
		want        []int64
	}{
		{"name, any case", "?q=XƏZƏR", []int64{e.bank.ID}},
		{"part of a name", "?q=telekom", []int64{e.telecom.ID}},
		{"sector", "?sector=insurance", []int64{e.insurer.ID}},
		{"name and sector", "?q=bank&sector=telecom", nil},
		{"nothing matches", "?q=no-such-company", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, doc := b.get("/companies" + tt.query)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := catalogue(doc); !slices.Equal(got, tt.want) {
				t.Errorf("companies %v, want %v", got, tt.want)
			}
			if tt.want == nil && doc.Find(tid("companies-empty")).Length() != 1 {
				t.Error("no empty-state message")
			}
		})
	}
	t.Run("the form keeps the search", func(t *testing.T) {
		_, doc := b.get("/companies?q=bank&sector=bank")
		if v, _ := doc.Find(`input[name="q"]`).Attr("value"); v != "bank" {
			t.Errorf("q = %q", v)
		}
		if v, _ := doc.Find(`select[name="sector"] option[selected]`).Attr("value"); v != "bank" {
			t.Errorf("selected sector %q", v)
		}
	})
	t.Run("unknown sector filters nothing", func(t *testing.T) {
		_, doc := b.get("/companies?sector=casino")
		if n := len(catalogue(doc)); n != 8 {
			t.Errorf("%d companies, want all 8", n)
		}
	})
	t.Run("search as you type: htmx gets the fragment", func(t *testing.T) {
		_, doc := b.get("/companies")
		in := doc.Find(`input[name="q"]`)
		for attr, want := range map[string]string{"hx-get": "/companies", "hx-trigger": "input changed delay:300ms, search", "hx-target": "#company-results"} {
			if got := in.AttrOr(attr, ""); got != want {
				t.Errorf("search input %s = %q, want %q", attr, got, want)
			}
		}
		if doc.Find("#company-results").Length() != 1 {
			t.Error("no #company-results on the page")
		}
		resp, body := b.htmxGet("/companies?q=sığorta", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if strings.Contains(body, "<html") || strings.Contains(body, "<nav") {
			t.Errorf("htmx got a full page: %.200s", body)
		}
		frag := parseHTML(t, body)
		if got := catalogue(frag); !slices.Equal(got, []int64{e.insurer.ID}) {
			t.Errorf("fragment companies %v", got)
		}
		count := frag.Find("#company-count")
		if count.AttrOr("hx-swap-oob", "") != "innerHTML" || strings.TrimSpace(count.Text()) != az("companies.count", 1) {
			t.Errorf("fragment count %q (oob %q)", count.Text(), count.AttrOr("hx-swap-oob", ""))
		}
		if !slices.Contains(resp.Header.Values("Vary"), "HX-Request") {
			t.Errorf("Vary = %v, want HX-Request", resp.Header.Values("Vary"))
		}
	})
	t.Run("htmx restoring history gets the page", func(t *testing.T) {
		_, body := b.htmxGet("/companies?q=bank", map[string]string{"HX-History-Restore-Request": "true"})
		if !strings.Contains(body, "<html") {
			t.Errorf("history restore got a fragment: %.200s", body)
		}
	})
}

func TestCompany_Page(t *testing.T) {
	e := newDemoEnv(t)
	b, _ := e.signedIn(e.aysel.FIN)
	resp, doc := b.get(idPath("/companies/%d", e.bank.ID))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := doc.Find(tid("company-name")).Text(); got != e.bank.Name {
		t.Errorf("name %q", got)
	}
	if got := doc.Find(tid("company-voen")).Text(); got != e.bank.VOEN {
		t.Errorf("VÖEN %q", got)
	}
	if got := doc.Find(tid("company-website")).AttrOr("href", ""); got != e.bank.Website {
		t.Errorf("website %q", got)
	}
	if got := doc.Find(tid("company-contact")).AttrOr("href", ""); got != "mailto:"+e.bank.ContactEmail {
		t.Errorf("contact %q", got)
	}
	offers, err := e.store.Offers(t.Context(), e.bank.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := doc.Find(tid("offer")).Length(); n != len(offers) {
		t.Fatalf("%d offer cards, want %d", n, len(offers))
	}
	for _, o := range offers {
		card := offerCard(doc, o.Scope)
		if got := card.Find(tid("offer-purpose")).Text(); got != o.Purpose {
			t.Errorf("%s purpose %q", o.Scope, got)
		}
		wantBasis := az("basis." + string(o.LegalBasis))
		if o.LegalBasis == portal.BasisLaw {
			wantBasis = az("basis.law_named", o.LawName)
		}
		if got := card.Find(tid("offer-basis")).Text(); got != wantBasis {
			t.Errorf("%s basis %q, want %q", o.Scope, got, wantBasis)
		}
		if got := card.Find(tid("offer-retention")).Text(); got != az("company.retention_days", o.RetentionDays) {
			t.Errorf("%s retention %q", o.Scope, got)
		}
		if got := card.Find(tid("offer-frequency")).Text(); got != az("freq."+string(o.Frequency)) {
			t.Errorf("%s frequency %q", o.Scope, got)
		}
		var fields, labels []string
		card.Find(tid("offer-fields") + " li").Each(func(_ int, s *goquery.Selection) {
			fields = append(fields, s.AttrOr("data-field", ""))
			labels = append(labels, s.Text())
		})
		if !slices.Equal(fields, o.Scope.Fields()) {
			t.Errorf("%s fields %v, want %v", o.Scope, fields, o.Scope.Fields())
		}
		for i, f := range o.Scope.Fields() {
			if i < len(labels) && labels[i] != az("field."+f) {
				t.Errorf("%s field %s labelled %q", o.Scope, f, labels[i])
			}
		}
	}
	// Aysel's state: identity and address active for a year, the rest never given.
	for sc, want := range map[portal.Scope]string{portal.ScopeIdentity: "active", portal.ScopeAddress: "active", portal.ScopeIncome: "none", portal.ScopeEmployment: "none"} {
		card := offerCard(doc, sc)
		if got := card.AttrOr("data-state", ""); got != want {
			t.Errorf("%s state %q, want %q", sc, got, want)
		}
		active := want == "active"
		if (card.Find(tid("revoke-form")).Length() == 1) != active || (card.Find(tid("change-form")).Length() == 1) != active || (card.Find(tid("grant-form")).Length() == 1) == active {
			t.Errorf("%s: grant/change/revoke controls do not fit the state %s", sc, want)
		}
	}
	until := e.consentOf(e.aysel, e.bank, portal.ScopeIdentity).ValidUntil
	if got := offerCard(doc, portal.ScopeIdentity).Find(tid("consent-state")).Text(); until == nil || !strings.Contains(got, until.In(bakuZone).Format("02.01.2006")) {
		t.Errorf("identity state %q, want its end date", got)
	}
	// The grant form: a fieldset with a legend, one labelled radio per validity, a button naming the scope.
	grant := offerCard(doc, portal.ScopeIncome).Find(tid("grant-form"))
	if grant.Find("fieldset legend").Length() != 1 {
		t.Error("grant form has no fieldset legend")
	}
	var validities []string
	grant.Find(`input[type="radio"][name="validity"]`).Each(func(_ int, s *goquery.Selection) {
		validities = append(validities, s.AttrOr("value", ""))
		if id := s.AttrOr("id", ""); grant.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("radio %s has no label", id)
		}
	})
	if strings.Join(validities, " ") != "30d 90d 1y unlimited" {
		t.Errorf("validities %v", validities)
	}
	if got := grant.Find("button .visually-hidden").Text(); !strings.Contains(got, "Gəlir") {
		t.Errorf("grant button's hidden text %q does not name the scope", got)
	}
	if doc.Find(tid("company-revoke-all")).Length() != 1 {
		t.Error("no 'revoke everything' for a company with active consents")
	}

	t.Run("not found", func(t *testing.T) {
		for _, path := range []string{"/companies/9999", "/companies/abc", "/companies/-1", "/companies/0"} {
			if resp, _ := b.get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, resp.StatusCode)
			}
		}
	})
}

func TestCompany_WithdrawnOffer(t *testing.T) {
	e := newDemoEnv(t)
	e.withdraw(e.bank, portal.ScopeAddress) // Aysel holds an active consent for it
	e.withdraw(e.bank, portal.ScopeIncome)  // she holds none
	b, tok := e.signedIn(e.aysel.FIN)
	_, doc := b.get(idPath("/companies/%d", e.bank.ID))
	for _, sc := range []portal.Scope{portal.ScopeAddress, portal.ScopeIncome} {
		card := offerCard(doc, sc)
		if got := strings.TrimSpace(card.Find(tid("offer-withdrawn")).Text()); got != az("company.offer_withdrawn") {
			t.Errorf("%s: withdrawn notice %q", sc, got)
		}
		if card.Find(tid("grant-form")).Length() != 0 || card.Find(tid("change-form")).Length() != 0 {
			t.Errorf("%s: a withdrawn offer offers to grant or change", sc)
		}
	}
	if offerCard(doc, portal.ScopeAddress).Find(tid("revoke-form")).Length() != 1 {
		t.Error("the active consent for a withdrawn offer cannot be revoked")
	}
	before := e.consentTables()
	_, got := b.submit("/consents", tok, formOf("company_id", e.bank.ID, "scope", "income", "validity", "1y"))
	if f := flashes(got); len(f) != 1 || f[0] != az("err.offer_withdrawn") {
		t.Errorf("grant for a withdrawn offer: flashes %q", f)
	}
	address := e.consentOf(e.aysel, e.bank, portal.ScopeAddress)
	_, got = b.submit(idPath("/consents/%d/change", address.ID), tok, formOf("validity", "30d"))
	if f := flashes(got); len(f) != 1 || f[0] != az("err.consent_change_closed") {
		t.Errorf("change for a withdrawn offer: flashes %q", f)
	}
	if e.consentTables() != before {
		t.Fatal("a refused grant or change changed consents")
	}
	if resp, _ := b.submit(idPath("/consents/%d/revoke", address.ID), tok, formOf()); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if e.consentOf(e.aysel, e.bank, portal.ScopeAddress).ActiveAt(e.clock.Now()) {
		t.Error("the consent for the withdrawn offer is still active")
	}
}

func TestCompany_Suspended(t *testing.T) {
	e := newDemoEnv(t)
	e.suspend(e.insurer) // Aysel holds a vehicles consent to it; Rəşad holds none
	path := idPath("/companies/%d", e.insurer.ID)
	rashad, _ := e.signedIn(e.rashad.FIN)
	if resp, _ := rashad.get(path); resp.StatusCode != http.StatusNotFound {
		t.Errorf("suspended company for a citizen without consents: %d, want 404", resp.StatusCode)
	}
	aysel, tok := e.signedIn(e.aysel.FIN)
	resp, doc := aysel.get(path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("suspended company for a citizen holding consents: %d, want 200", resp.StatusCode)
	}
	if doc.Find(tid("company-suspended")).Length() != 1 {
		t.Error("no suspension notice")
	}
	if n := doc.Find(tid("grant-form")).Length() + doc.Find(tid("change-form")).Length(); n != 0 {
		t.Errorf("%d grant or change forms for a suspended company", n)
	}
	before := e.consentTables()
	_, got := aysel.submit("/consents", tok, formOf("company_id", e.insurer.ID, "scope", "identity", "validity", "1y"))
	if f := flashes(got); len(f) != 1 || f[0] != az("err.company_suspended_grant") {
		t.Errorf("grant to a suspended company: flashes %q", f)
	}
	if e.consentTables() != before {
		t.Fatal("a grant to a suspended company changed consents")
	}
	vehicles := e.consentOf(e.aysel, e.insurer, portal.ScopeVehicles)
	if offerCard(doc, portal.ScopeVehicles).Find(tid("revoke-form")).Length() != 1 {
		t.Fatal("no revoke form for the consent to a suspended company")
	}
	resp, frag := aysel.htmx(idPath("/consents/%d/revoke", vehicles.ID), tok, formOf())
	if resp.StatusCode != http.StatusOK || offerCard(frag, portal.ScopeVehicles).AttrOr("data-state", "") != "revoked" {
		t.Fatalf("revoke with htmx: %d, state %q", resp.StatusCode, offerCard(frag, portal.ScopeVehicles).AttrOr("data-state", ""))
	}
	if resp, _ := aysel.get(path); resp.StatusCode != http.StatusNotFound {
		t.Errorf("after revoking the last consent the suspended company's page answers %d, want 404", resp.StatusCode)
	}
}

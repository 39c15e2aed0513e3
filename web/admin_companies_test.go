package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"portal"
	"portal/store/storetest"
	"portal/views/i18n"
)

func validRegistration() url.Values {
	return url.Values{
		"name": {"Odlar Sığorta"}, "voen": {"1700123456"}, "sector": {"insurance"},
		"description": {"Avtomobil sığortası"}, "website": {"https://odlar.example"}, "contact_email": {"dpo@odlar.example"},
	}
}

// checkFieldError asserts that the form shows the catalogue message of key beside the field, tied to the
// control, and lists it in the error summary.
func checkFieldError(t *testing.T, doc *goquery.Document, id, name, key string) {
	t.Helper()
	msg := doc.Find(`[data-testid="error-` + name + `"]`)
	if got, want := strings.TrimSpace(msg.Text()), i18n.Lookup(i18n.AZ, key); got != want {
		t.Errorf("message beside %s = %q, want %q", name, got, want)
	}
	ctl := doc.Find("#" + id)
	if v, _ := ctl.Attr("aria-invalid"); v != "true" {
		t.Errorf("%s is not aria-invalid", id)
	}
	if d, _ := ctl.Attr("aria-describedby"); !strings.Contains(d, msg.AttrOr("id", "?")) {
		t.Errorf("%s aria-describedby = %q, want the message's id %q", id, d, msg.AttrOr("id", ""))
	}
	if doc.Find(`[data-testid="error-summary"] a[href="#`+id+`"]`).Length() != 1 {
		t.Errorf("the error summary does not link to %s", id)
	}
}

// controlValue is the value a form control shows.
func controlValue(doc *goquery.Document, id string) string {
	s := doc.Find("#" + id)
	switch goquery.NodeName(s) {
	case "textarea":
		return s.Text()
	case "select":
		return s.Find("option[selected]").AttrOr("value", "")
	}
	return s.AttrOr("value", "")
}

func TestAdminCompanies_Register(t *testing.T) {
	e, b, admin := newAdminEnv(t)
	db := adminDB(t, e)
	e.adminCompany("1700000001")

	tests := []struct {
		name, field, value, key string
	}{
		{"empty name", "name", "   ", "err.company_name"},
		{"VÖEN too short", "voen", "170012345", "err.voen_format"},
		{"VÖEN with a letter", "voen", "17001234S6", "err.voen_format"},
		{"VÖEN taken", "voen", "1700000001", "err.voen_taken"},
		{"unknown sector", "sector", "casino", "err.sector_unknown"},
		{"no sector", "sector", "", "err.sector_unknown"},
		{"javascript: URL", "website", "javascript:alert(1)", "err.website_format"},
		{"URL without a host", "website", "https://", "err.website_format"},
		{"ftp URL", "website", "ftp://odlar.example", "err.website_format"},
		{"bad e-mail", "contact_email", "dpo@", "err.email_format"},
		{"e-mail with a name", "contact_email", "DPO <dpo@odlar.example>", "err.email_format"},
		{"description too long", "description", strings.Repeat("ə", 2001), "err.description_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			companies, audit := adminCount(t, db, "SELECT count(*) FROM companies"), adminAuditHead(t, e)
			form := validRegistration()
			form.Set(tt.field, tt.value)
			resp, doc := b.adminSubmit("/admin/companies", "/admin/companies", form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			checkFieldError(t, doc, "company-"+tt.field, tt.field, tt.key)
			if n := doc.Find(".error-message").Length(); n != 1 {
				t.Errorf("%d messages, want only the one beside %s", n, tt.field)
			}
			for name, vs := range form {
				if name == "sector" && tt.field == "sector" {
					continue // a select can only show its own options
				}
				if got := controlValue(doc, "company-"+name); got != vs[0] {
					t.Errorf("%s shows %.40q, want what was typed %.40q", name, got, vs[0])
				}
			}
			if adminCount(t, db, "SELECT count(*) FROM companies") != companies || adminAuditHead(t, e) != audit {
				t.Error("a refused registration wrote something")
			}
		})
	}

	t.Run("several mistakes at once", func(t *testing.T) {
		form := url.Values{"name": {""}, "voen": {"12"}, "sector": {"bank"}, "website": {"x"}, "contact_email": {"y"}}
		resp, doc := b.adminSubmit("/admin/companies", "/admin/companies", form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if n := doc.Find(`[data-testid="error-summary"] li`).Length(); n != 4 {
			t.Errorf("%d problems in the summary, want 4", n)
		}
	})

	t.Run("a taken VÖEN is listed with the other mistakes", func(t *testing.T) {
		form := validRegistration()
		form.Set("name", "")
		form.Set("voen", "1700000001")
		resp, doc := b.adminSubmit("/admin/companies", "/admin/companies", form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", resp.StatusCode)
		}
		checkFieldError(t, doc, "company-name", "name", "err.company_name")
		checkFieldError(t, doc, "company-voen", "voen", "err.voen_taken")
	})

	t.Run("success", func(t *testing.T) {
		seq := adminAuditHead(t, e)
		resp, _ := b.adminSubmit("/admin/companies", "/admin/companies", validRegistration())
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", resp.StatusCode)
		}
		c, err := e.store.CompanyByVOEN(context.Background(), "1700123456")
		if err != nil {
			t.Fatal(err)
		}
		if loc := resp.Header.Get("Location"); loc != fmt.Sprintf("/admin/companies/%d?done=created", c.ID) {
			t.Errorf("Location %q", loc)
		}
		if c.Name != "Odlar Sığorta" || c.Sector != "insurance" || c.Website != "https://odlar.example" || c.ContactEmail != "dpo@odlar.example" || c.Status != portal.CompanyActive {
			t.Errorf("company = %+v", c)
		}
		entries := adminAuditSince(t, e, seq)
		if len(entries) != 1 || entries[0].Action != "company.create" || entries[0].Actor != (portal.Actor{Kind: portal.ActorAdmin, ID: admin.ID}) {
			t.Errorf("audit = %+v", entries)
		}
		_, doc := b.get(resp.Header.Get("Location"))
		if got := adminText(doc, "company-name"); got != "Odlar Sığorta" {
			t.Errorf("company page heading %q", got)
		}
		if got := adminText(doc, "flash"); got != i18n.Lookup(i18n.AZ, "admin.notice.created") {
			t.Errorf("flash %q", got)
		}
	})
}

func TestAdminCompanies_Search(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	ctx := context.Background()
	for _, in := range []portal.CompanyInput{
		{Name: "Xəzər İnvest Bank", VOEN: "1700000001", Sector: "bank"},
		{Name: "Odlar Sığorta", VOEN: "1700000002", Sector: "insurance"},
		{Name: "Şirvan Bank", VOEN: "1700000003", Sector: "bank"},
	} {
		c, _ := in.Validate()
		if _, err := e.store.CreateCompany(ctx, portal.System, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	sirvan, _ := e.store.CompanyByVOEN(ctx, "1700000003")
	if _, _, err := e.store.SetCompanyStatus(ctx, portal.System, sirvan.ID, portal.CompanySuspended); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"", []string{"Odlar Sığorta", "Xəzər İnvest Bank", "Şirvan Bank"}},
		{"?q=bank", []string{"Xəzər İnvest Bank", "Şirvan Bank"}},
		{"?q=BANK&status=active", []string{"Xəzər İnvest Bank"}},
		{"?status=suspended", []string{"Şirvan Bank"}},
		{"?status=bogus", []string{"Odlar Sığorta", "Xəzər İnvest Bank", "Şirvan Bank"}},
		{"?q=nothing", nil},
	} {
		resp, doc := b.get("/admin/companies" + tt.query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", tt.query, resp.StatusCode)
		}
		var got []string
		doc.Find(`[data-testid="company-link"]`).Each(func(_ int, a *goquery.Selection) { got = append(got, a.Text()) })
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.query, got, tt.want)
		}
		if len(tt.want) == 0 && doc.Find(`[data-testid="companies-empty"]`).Length() != 1 {
			t.Errorf("%s: no empty state", tt.query)
		}
	}
}

func TestAdminCompany_EditDetailsAndOffers(t *testing.T) {
	e, b, admin := newAdminEnv(t)
	ctx := context.Background()
	c := e.adminCompany("1700000001", portal.ScopeIdentity, portal.ScopeAddress)
	aysel := e.user("5ABCD12", "Aysel Məmmədova", portal.RoleCitizen)
	if _, err := e.store.GrantConsent(ctx, aysel.ID, c.ID, portal.ScopeAddress, portal.ValidityUnlimited); err != nil {
		t.Fatal(err)
	}
	consents, events := storetest.Dump(t, e.store.Path(), "consents"), storetest.Dump(t, e.store.Path(), "consent_events")
	page := fmt.Sprintf("/admin/companies/%d", c.ID)
	_, doc := b.get(page)
	if n := doc.Find(`[data-testid="offer-row"]`).Length(); n != len(portal.Scopes) {
		t.Fatalf("%d offer rows, want one per scope (%d)", n, len(portal.Scopes))
	}
	form := adminFormValues(t, doc, `[data-testid="company-form"]`)

	t.Run("per-row errors, nothing written", func(t *testing.T) {
		offers, _ := e.store.Offers(ctx, c.ID)
		seq := adminAuditHead(t, e)
		bad := url.Values{}
		for k, v := range form {
			bad[k] = slices.Clone(v)
		}
		bad.Set("name", "Renamed")
		bad.Set("offer.identity.purpose", "")
		bad.Set("offer.identity.retention_days", "forever")
		bad.Set("offer.income.offered", "1")
		bad.Set("offer.income.purpose", "Scoring")
		bad.Set("offer.income.legal_basis", "law")
		bad.Set("offer.income.law_name", " ")
		bad.Set("offer.vehicles.purpose", "typed but not offered")
		resp, doc := b.adminSubmit(page, page, bad)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", resp.StatusCode)
		}
		checkFieldError(t, doc, "offer-identity-purpose", "offer.identity.purpose", "err.purpose_length")
		checkFieldError(t, doc, "offer-identity-retention_days", "offer.identity.retention_days", "err.retention")
		checkFieldError(t, doc, "offer-income-law_name", "offer.income.law_name", "err.law_name")
		if n := doc.Find(".error-message").Length(); n != 3 {
			t.Errorf("%d messages, want 3", n)
		}
		for id, want := range map[string]string{
			"company-name": "Renamed", "offer-identity-retention_days": "forever", "offer-income-purpose": "Scoring",
			"offer-income-legal_basis": "law", "offer-vehicles-purpose": "typed but not offered",
		} {
			if got := controlValue(doc, id); got != want {
				t.Errorf("%s shows %q, want what was typed %q", id, got, want)
			}
		}
		if _, ok := doc.Find("#offer-income-offered").Attr("checked"); !ok {
			t.Error("the ticked income row lost its tick")
		}
		after, _ := e.store.Offers(ctx, c.ID)
		got, _ := e.store.Company(ctx, c.ID)
		if !reflect.DeepEqual(after, offers) || got.Name != c.Name || adminAuditHead(t, e) != seq {
			t.Error("a refused save wrote something")
		}
	})

	t.Run("VÖEN of another company", func(t *testing.T) {
		other := e.adminCompany("1700000002")
		v := url.Values{}
		for k, vs := range form {
			v[k] = slices.Clone(vs)
		}
		v.Set("voen", other.VOEN)
		resp, doc := b.adminSubmit(page, page, v)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", resp.StatusCode)
		}
		checkFieldError(t, doc, "company-voen", "voen", "err.voen_taken")
	})

	t.Run("add, change and withdraw", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		seq := adminAuditHead(t, e)
		v := url.Values{}
		for k, vs := range form {
			v[k] = slices.Clone(vs)
		}
		v.Set("name", "Xəzər İnvest Bank")
		v.Set("website", "https://xezer.example")
		v.Set("offer.identity.legal_basis", "law")
		v.Set("offer.identity.law_name", "Banklar haqqında Qanun")
		v.Set("offer.identity.retention_days", "1825")
		v.Del("offer.address.offered")
		v.Set("offer.income.offered", "1")
		v.Set("offer.income.purpose", "Kredit qabiliyyətinin qiymətləndirilməsi")
		v.Set("offer.income.frequency", "recurring")
		v.Set("offer.contact.law_name", "ignored without a law basis")
		resp, _ := b.adminSubmit(page, page, v)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page+"?done=saved" {
			t.Fatalf("status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		got, _ := e.store.Company(ctx, c.ID)
		if got.Name != "Xəzər İnvest Bank" || got.Website != "https://xezer.example" {
			t.Errorf("company = %+v", got)
		}
		offers, _ := e.store.Offers(ctx, c.ID)
		by := map[portal.Scope]portal.Offer{}
		for _, o := range offers {
			by[o.Scope] = o
		}
		if o := by[portal.ScopeIdentity]; o.LegalBasis != portal.BasisLaw || o.LawName != "Banklar haqqında Qanun" || o.RetentionDays != 1825 || !o.Active() {
			t.Errorf("identity = %+v", o)
		}
		if o := by[portal.ScopeAddress]; o.Active() {
			t.Errorf("address = %+v, want withdrawn", o)
		}
		if o := by[portal.ScopeIncome]; !o.Active() || o.Frequency != portal.FrequencyRecurring || o.RetentionDays != 365 {
			t.Errorf("income = %+v", o)
		}
		if _, ok := by[portal.ScopeContact]; ok {
			t.Error("an unticked row became an offer")
		}
		entries := adminAuditSince(t, e, seq)
		if len(entries) != 1 || entries[0].Action != "company.update" || entries[0].Actor != (portal.Actor{Kind: portal.ActorAdmin, ID: admin.ID}) {
			t.Fatalf("audit = %+v", entries)
		}
		var d map[string][]string
		if err := json.Unmarshal([]byte(entries[0].Details), &d); err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{"fields": {"name", "website"}, "offers_added": {"income"}, "offers_changed": {"identity"}, "offers_withdrawn": {"address"}}
		if !reflect.DeepEqual(d, want) {
			t.Errorf("audit details = %v, want %v", d, want)
		}
		if !reflect.DeepEqual(storetest.Dump(t, e.store.Path(), "consents"), consents) || !reflect.DeepEqual(storetest.Dump(t, e.store.Path(), "consent_events"), events) {
			t.Error("withdrawing an offer changed consents (P2)")
		}
		_, doc := b.get(page + "?done=saved")
		if got := adminText(doc, "flash"); got != i18n.Lookup(i18n.AZ, "admin.notice.saved") {
			t.Errorf("flash %q", got)
		}
		if got := strings.TrimSpace(doc.Find(`[data-scope="address"] [data-testid="offer-state"]`).Text()); !strings.Contains(got, "02.03.2026") {
			t.Errorf("address row state %q, want withdrawn today", got)
		}
	})

	t.Run("saving the form unchanged changes nothing", func(t *testing.T) {
		_, doc := b.get(page)
		offers, _ := e.store.Offers(ctx, c.ID)
		seq := adminAuditHead(t, e)
		resp, _ := b.adminSubmit(page, page, adminFormValues(t, doc, `[data-testid="company-form"]`))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		after, _ := e.store.Offers(ctx, c.ID)
		if !reflect.DeepEqual(after, offers) {
			t.Error("an unchanged form changed the offers")
		}
		entries := adminAuditSince(t, e, seq)
		if len(entries) != 1 || entries[0].Details != `{"fields":[],"offers_added":[],"offers_changed":[],"offers_withdrawn":[]}` {
			t.Errorf("audit = %+v", entries)
		}
	})

	t.Run("unknown company", func(t *testing.T) {
		for _, p := range []string{"/admin/companies/4242", "/admin/companies/x", "/admin/companies/-1"} {
			if resp, _ := b.get(p); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", p, resp.StatusCode)
			}
		}
		if resp, _ := b.adminSubmit("/admin", "/admin/companies/4242", validRegistration()); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST: %d, want 404", resp.StatusCode)
		}
	})
}

func TestAdminCompany_SuspendAndReactivate(t *testing.T) {
	e, b, admin := newAdminEnv(t)
	ctx := context.Background()
	db := adminDB(t, e)
	a := e.adminCompany("1700000001", portal.ScopeIdentity, portal.ScopeAddress)
	other := e.adminCompany("1700000002", portal.ScopeIdentity)
	aysel := e.user("5ABCD12", "Aysel Məmmədova", portal.RoleCitizen)
	resad := e.user("7XYZ987", "Rəşad Əliyev", portal.RoleCitizen)
	for _, who := range []int64{aysel.ID, resad.ID} {
		if _, err := e.store.GrantConsent(ctx, who, a.ID, portal.ScopeIdentity, portal.Validity1Year); err != nil {
			t.Fatal(err)
		}
	}
	now := e.clock.Now()
	pending := adminInsertRequest(t, db, a.ID, aysel.ID, portal.StatusPending, now.Add(-time.Minute), now.Add(4*time.Minute))
	approved := adminInsertRequest(t, db, a.ID, resad.ID, portal.StatusApproved, now.Add(-2*time.Minute), now.Add(3*time.Minute))
	delivered := adminInsertRequest(t, db, a.ID, aysel.ID, portal.StatusDelivered, now.Add(-time.Hour), time.Time{})
	denied := adminInsertRequest(t, db, a.ID, resad.ID, portal.StatusDenied, now.Add(-time.Hour), now.Add(-55*time.Minute))
	othersPending := adminInsertRequest(t, db, other.ID, aysel.ID, portal.StatusPending, now.Add(-time.Minute), now.Add(4*time.Minute))
	othersApproved := adminInsertRequest(t, db, other.ID, resad.ID, portal.StatusApproved, now.Add(-time.Minute), now.Add(4*time.Minute))
	consents, events := storetest.Dump(t, e.store.Path(), "consents"), storetest.Dump(t, e.store.Path(), "consent_events")
	notifications := adminCount(t, db, "SELECT count(*) FROM notifications")
	page := fmt.Sprintf("/admin/companies/%d", a.ID)

	e.clock.Advance(time.Second)
	seq := adminAuditHead(t, e)
	resp, _ := b.adminSubmit(page, page+"/suspend", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page+"?done=suspended&cancelled=2" {
		t.Fatalf("suspend: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got, _ := e.store.Company(ctx, a.ID); got.Status != portal.CompanySuspended {
		t.Errorf("status %s", got.Status)
	}
	status := func(id string) (string, string, int64) {
		var st, reason string
		var decided int64
		if err := db.QueryRow("SELECT status, reason, coalesce(decided_at, 0) FROM data_requests WHERE id = ?", id).Scan(&st, &reason, &decided); err != nil {
			t.Fatal(err)
		}
		return st, reason, decided
	}
	for id, want := range map[string][2]string{
		pending: {"cancelled", "company_suspended"}, approved: {"cancelled", "company_suspended"},
		delivered: {"delivered", ""}, denied: {"denied", ""},
		othersPending: {"pending", ""}, othersApproved: {"approved", ""},
	} {
		st, reason, decided := status(id)
		if st != want[0] || reason != want[1] {
			t.Errorf("request %s: %s/%q, want %s/%q", id[:8], st, reason, want[0], want[1])
		}
		if want[0] == "cancelled" && decided != e.clock.Now().UnixMilli() {
			t.Errorf("request %s decided at %d, want now", id[:8], decided)
		}
	}
	if got := adminCount(t, db, "SELECT count(*) FROM notifications"); got != notifications+2 {
		t.Errorf("%d new notifications, want 2", got-notifications)
	}
	for who, req := range map[int64]string{aysel.ID: pending, resad.ID: approved} {
		if n := adminCount(t, db, "SELECT count(*) FROM notifications WHERE citizen_id = ? AND kind = 'cancelled' AND request_id = ?", who, req); n != 1 {
			t.Errorf("citizen %d: %d cancellation notifications, want 1", who, n)
		}
	}
	if !reflect.DeepEqual(storetest.Dump(t, e.store.Path(), "consents"), consents) || !reflect.DeepEqual(storetest.Dump(t, e.store.Path(), "consent_events"), events) {
		t.Error("suspending changed consents (P2)")
	}
	var actions []string
	for _, en := range adminAuditSince(t, e, seq) {
		actions = append(actions, en.Action)
		if en.Actor != (portal.Actor{Kind: portal.ActorAdmin, ID: admin.ID}) {
			t.Errorf("%s by %+v", en.Action, en.Actor)
		}
	}
	if !slices.Equal(actions, []string{"request.cancel", "request.cancel", "company.suspend"}) {
		t.Errorf("audit actions %v", actions)
	}
	_, doc := b.get(resp.Header.Get("Location"))
	if got := adminText(doc, "flash"); got != i18n.Lookup(i18n.AZ, "admin.notice.suspended", 2) {
		t.Errorf("flash %q", got)
	}
	if doc.Find(`[data-testid="reactivate-form"]`).Length() != 1 {
		t.Error("no reactivate form on a suspended company's page")
	}

	t.Run("suspending twice is a conflict", func(t *testing.T) {
		if resp, _ := b.adminSubmit(page, page+"/suspend", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("status %d, want 409", resp.StatusCode)
		}
	})
	t.Run("reactivate", func(t *testing.T) {
		resp, _ := b.adminSubmit(page, page+"/reactivate", nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page+"?done=reactivated" {
			t.Fatalf("reactivate: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if got, _ := e.store.Company(ctx, a.ID); got.Status != portal.CompanyActive {
			t.Errorf("status %s", got.Status)
		}
		if st, _, _ := status(pending); st != "cancelled" {
			t.Errorf("a cancelled request is %s after reactivation", st)
		}
		if e, _ := e.store.AuditEntry(ctx, adminAuditHead(t, e)); e.Action != "company.reactivate" {
			t.Errorf("last audit %s", e.Action)
		}
		if resp, _ := b.adminSubmit(page, page+"/reactivate", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("reactivating an active company: %d, want 409", resp.StatusCode)
		}
	})
}

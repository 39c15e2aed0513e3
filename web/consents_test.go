package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"portal"
	"portal/views/i18n"
)

// history returns the kinds of the consent events listed on /consents, newest first.
func history(doc *goquery.Document) []string {
	var kinds []string
	doc.Find(tid("consent-event")).Each(func(_ int, s *goquery.Selection) { kinds = append(kinds, s.AttrOr("data-kind", "")) })
	return kinds
}

// TestConsents_Journey grants, changes and revokes with plain forms (no JavaScript): each POST answers 303
// back to the company page with a message, and /consents then shows exactly three events.
func TestConsents_Journey(t *testing.T) {
	e := newDemoEnv(t)
	b, tok := e.signedIn(e.rashad.FIN)
	page := idPath("/companies/%d", e.bank.ID)

	resp, doc := b.submit("/consents", tok, formOf("company_id", e.bank.ID, "scope", "income", "validity", "90d", "next", page))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Fatalf("grant: %d to %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	if f := flashes(doc); len(f) != 1 || f[0] != az("flash.consent_granted") {
		t.Errorf("after grant: flashes %q", f)
	}
	c := e.consentOf(e.rashad, e.bank, portal.ScopeIncome)
	if !c.ActiveAt(e.clock.Now()) || c.Validity != portal.Validity90Days || !c.ValidUntil.Equal(e.clock.Now().AddDate(0, 0, 90)) {
		t.Fatalf("after grant: %+v", c)
	}
	if got := offerCard(doc, portal.ScopeIncome).AttrOr("data-state", ""); got != "active" {
		t.Errorf("income card state %q after grant", got)
	}
	// The message is shown once.
	if _, again := b.get(page); len(flashes(again)) != 0 {
		t.Errorf("the flash came back: %q", flashes(again))
	}

	e.clock.Advance(20 * time.Minute) // within the session's idle timeout
	_, doc = b.submit(idPath("/consents/%d/change", c.ID), tok, formOf("validity", "unlimited", "next", page))
	if f := flashes(doc); len(f) != 1 || f[0] != az("flash.consent_changed") {
		t.Errorf("after change: flashes %q", f)
	}
	if c = e.consentOf(e.rashad, e.bank, portal.ScopeIncome); c.Validity != portal.ValidityUnlimited || c.ValidUntil != nil {
		t.Fatalf("after change: %+v", c)
	}

	e.clock.Advance(10 * time.Minute)
	_, doc = b.submit(idPath("/consents/%d/revoke", c.ID), tok, formOf("next", "/consents"))
	if f := flashes(doc); len(f) != 1 || f[0] != az("flash.consent_revoked") {
		t.Errorf("after revoke: flashes %q", f)
	}
	if c = e.consentOf(e.rashad, e.bank, portal.ScopeIncome); c.ActiveAt(e.clock.Now()) || c.RevokedAt == nil {
		t.Fatalf("after revoke: %+v", c)
	}
	if n := len(e.consentsOf(e.rashad)); n != 1 {
		t.Errorf("%d consent rows, want 1", n)
	}

	_, doc = b.get("/consents")
	if got := history(doc); !slices.Equal(got, []string{"revoke", "change", "grant"}) {
		t.Errorf("history %v, want exactly revoke, change, grant (newest first)", got)
	}
	rows := doc.Find(tid("consent-event"))
	change := rows.Eq(1)
	if got := change.Find(tid("event-before")).Text(); !strings.Contains(got, c.GrantedAt.AddDate(0, 0, 90).In(bakuZone).Format("02.01.2006")) {
		t.Errorf("change's old state %q, want the 90-day end", got)
	}
	if got := change.Find(tid("event-after")).Text(); !strings.Contains(got, az("consent.active_until_revoked")) {
		t.Errorf("change's new state %q", got)
	}
	if got := strings.TrimSpace(rows.Eq(0).Find(tid("event-after")).Text()); got != az("consent.state_inactive") {
		t.Errorf("revoke's new state %q", got)
	}
	if doc.Find(tid("consent")).Length() != 0 || doc.Find(tid("consents-empty")).Length() != 1 {
		t.Error("a revoked consent is listed as active")
	}
}

// TestConsents_JourneyHTMX does the same in place: each answer is the offer's card, the message for the
// live region and the company's "revoke everything" section.
func TestConsents_JourneyHTMX(t *testing.T) {
	e := newDemoEnv(t)
	b, tok := e.signedIn(e.rashad.FIN)

	resp, frag := b.htmx("/consents", tok, formOf("company_id", e.telecom.ID, "scope", "contact", "validity", "30d"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("grant: %d", resp.StatusCode)
	}
	card := offerCard(frag, portal.ScopeContact)
	if card.AttrOr("id", "") != "offer-contact" || card.AttrOr("data-state", "") != "active" {
		t.Fatalf("grant answered card id %q state %q", card.AttrOr("id", ""), card.AttrOr("data-state", ""))
	}
	flash := frag.Find("#flash-region")
	if flash.AttrOr("hx-swap-oob", "") != "innerHTML" || strings.TrimSpace(flash.Find(tid("flash")).Text()) != az("flash.consent_granted") {
		t.Errorf("grant's message %q (oob %q)", flash.Text(), flash.AttrOr("hx-swap-oob", ""))
	}
	actions := frag.Find("#company-actions")
	if actions.AttrOr("hx-swap-oob", "") != "true" || actions.Find(tid("company-revoke-all")).Length() != 1 {
		t.Error("the 'revoke everything' section did not appear with the first consent")
	}
	if frag.Find("html > head > title").Length() != 0 || frag.Find(tid("site-nav")).Length() != 0 {
		t.Error("htmx got a full page")
	}
	c := e.consentOf(e.rashad, e.telecom, portal.ScopeContact)
	change := card.Find(tid("change-form"))
	if change.AttrOr("hx-post", "") != idPath("/consents/%d/change", c.ID) || change.AttrOr("hx-target", "") != "#offer-contact" || change.AttrOr("hx-swap", "") != "outerHTML" {
		t.Errorf("change form hx-post %q target %q swap %q", change.AttrOr("hx-post", ""), change.AttrOr("hx-target", ""), change.AttrOr("hx-swap", ""))
	}
	if v := change.Find(`input[name="validity"][checked]`).AttrOr("value", ""); v != "30d" {
		t.Errorf("change form preselects %q, want the current 30d", v)
	}

	_, frag = b.htmx(idPath("/consents/%d/change", c.ID), tok, formOf("validity", "1y"))
	if got := strings.TrimSpace(frag.Find(tid("flash")).Text()); got != az("flash.consent_changed") {
		t.Errorf("change's message %q", got)
	}
	if v := offerCard(frag, portal.ScopeContact).Find(`input[name="validity"][checked]`).AttrOr("value", ""); v != "1y" {
		t.Errorf("after change the card preselects %q", v)
	}

	_, frag = b.htmx(idPath("/consents/%d/revoke", c.ID), tok, formOf())
	card = offerCard(frag, portal.ScopeContact)
	if card.AttrOr("data-state", "") != "revoked" || card.Find(tid("grant-form")).Length() != 1 {
		t.Errorf("after revoke: state %q, grant form %d", card.AttrOr("data-state", ""), card.Find(tid("grant-form")).Length())
	}
	if frag.Find("#company-actions").Find(tid("company-revoke-all")).Length() != 0 {
		t.Error("'revoke everything' still offered with nothing active")
	}
	evs, err := e.store.ConsentEvents(t.Context(), e.rashad.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []portal.ConsentEventKind
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
	}
	if !slices.Equal(kinds, []portal.ConsentEventKind{portal.ConsentRevoked, portal.ConsentChanged, portal.ConsentGranted}) {
		t.Errorf("events %v", kinds)
	}
}

// TestConsents_GrantActiveOnlyChangesValidity grants a scope already granted: the one row is re-dated and
// the event is a change.
func TestConsents_GrantActiveOnlyChangesValidity(t *testing.T) {
	e := newDemoEnv(t)
	b, tok := e.signedIn(e.aysel.FIN)
	before := e.consentOf(e.aysel, e.bank, portal.ScopeIdentity)
	rows := len(e.consentsOf(e.aysel))
	e.clock.Advance(10 * time.Minute)
	_, doc := b.submit("/consents", tok, formOf("company_id", e.bank.ID, "scope", "identity", "validity", "30d"))
	if f := flashes(doc); len(f) != 1 || f[0] != az("flash.consent_changed") {
		t.Errorf("flashes %q, want the change message", f)
	}
	after := e.consentOf(e.aysel, e.bank, portal.ScopeIdentity)
	if after.ID != before.ID || len(e.consentsOf(e.aysel)) != rows {
		t.Errorf("granting an active consent made a new row")
	}
	if after.Validity != portal.Validity30Days || !after.GrantedAt.Equal(before.GrantedAt) {
		t.Errorf("after: %+v (before %+v)", after, before)
	}
	evs, _ := e.store.ConsentEvents(t.Context(), e.aysel.ID, 1)
	if len(evs) != 1 || evs[0].Kind != portal.ConsentChanged || evs[0].ConsentID != before.ID {
		t.Errorf("newest event %+v, want a change of %d", evs, before.ID)
	}
}

// TestConsents_BadInput sends what a citizen's browser should never send, and some that it may (a stale
// page): each answer is a clear message in the citizen's language and nothing changes, as a plain form
// (303 back with an error flash) and with htmx (the error fragment retargeted to the flash region).
func TestConsents_BadInput(t *testing.T) {
	e := newDemoEnv(t)
	e.withdraw(e.bank, portal.ScopeEmployment)
	b, tok := e.signedIn(e.aysel.FIN)
	revoked := e.consentOf(e.aysel, e.telecom, portal.ScopeContact)
	if _, _, err := e.store.RevokeConsent(t.Context(), e.aysel.ID, revoked.ID); err != nil {
		t.Fatal(err)
	}
	identity := e.consentOf(e.aysel, e.bank, portal.ScopeIdentity)
	grant := func(kv ...any) func() (string, url.Values) {
		return func() (string, url.Values) { return "/consents", formOf(kv...) }
	}
	tests := []struct {
		name   string
		req    func() (string, url.Values)
		key    string
		status int // with htmx
	}{
		{"unknown company", grant("company_id", 99999, "scope", "identity", "validity", "1y"), "err.company_unknown", 400},
		{"non-numeric company", grant("company_id", "bank", "scope", "identity", "validity", "1y"), "err.company_unknown", 400},
		{"no company", grant("scope", "identity", "validity", "1y"), "err.company_unknown", 400},
		{"unknown scope", grant("company_id", e.bank.ID, "scope", "dna", "validity", "1y"), "err.scope_unknown", 400},
		{"scope not offered", grant("company_id", e.bank.ID, "scope", "vehicles", "validity", "1y"), "err.scope_not_offered", 400},
		{"withdrawn offer", grant("company_id", e.bank.ID, "scope", "employment", "validity", "1y"), "err.offer_withdrawn", 409},
		{"bad validity", grant("company_id", e.bank.ID, "scope", "income", "validity", "2y"), "err.validity", 400},
		{"no validity", grant("company_id", e.bank.ID, "scope", "income"), "err.validity", 400},
		{"change: bad validity", func() (string, url.Values) {
			return idPath("/consents/%d/change", identity.ID), formOf("validity", "forever")
		}, "err.validity", 400},
		{"change an inactive consent", func() (string, url.Values) {
			return idPath("/consents/%d/change", revoked.ID), formOf("validity", "1y")
		}, "err.consent_inactive", 409},
		{"revoke an inactive consent", func() (string, url.Values) { return idPath("/consents/%d/revoke", revoked.ID), formOf() }, "err.consent_inactive", 409},
	}
	for _, lang := range []string{"az", "ru"} {
		b.get("/lang/" + lang)
		for _, tt := range tests {
			t.Run(lang+"/"+tt.name, func(t *testing.T) {
				want := i18n.Lookup(i18n.Lang(lang), tt.key)
				path, form := tt.req()
				before := e.consentTables()
				resp, doc := b.submit(path, tok, form)
				if resp.StatusCode != http.StatusSeeOther {
					t.Errorf("plain form: %d, want 303 back with a message", resp.StatusCode)
				}
				if f := flashes(doc); len(f) != 1 || f[0] != want {
					t.Errorf("plain form: flashes %q, want %q", f, want)
				}
				if doc.Find(tid("flash")).AttrOr("role", "") != "alert" {
					t.Error("plain form: the error is not announced (role=alert)")
				}
				resp, frag := b.htmx(path, tok, form)
				if resp.StatusCode != tt.status {
					t.Errorf("htmx: %d, want %d", resp.StatusCode, tt.status)
				}
				if resp.Header.Get("HX-Retarget") != "#flash-region" || !strings.HasPrefix(resp.Header.Get("HX-Reswap"), "innerHTML") {
					t.Errorf("htmx: HX-Retarget %q HX-Reswap %q", resp.Header.Get("HX-Retarget"), resp.Header.Get("HX-Reswap"))
				}
				if got := strings.TrimSpace(frag.Find(tid("error-fragment") + " p").First().Text()); got != want {
					t.Errorf("htmx: message %q, want %q", got, want)
				}
				if e.consentTables() != before {
					t.Fatal("bad input changed consents")
				}
			})
		}
	}
}

// TestConsents_OtherCitizensConsent: another citizen's consent id, and ids that are not ids, answer 404 and
// change nothing.
func TestConsents_OtherCitizensConsent(t *testing.T) {
	e := newDemoEnv(t)
	theirs := e.consentOf(e.aysel, e.bank, portal.ScopeIdentity)
	b, tok := e.signedIn(e.rashad.FIN)
	before := e.consentTables()
	for _, path := range []string{
		idPath("/consents/%d/revoke", theirs.ID), idPath("/consents/%d/change", theirs.ID),
		"/consents/abc/revoke", "/consents/1e3/change", "/consents/-1/revoke", "/consents/99999/revoke",
	} {
		resp, doc := b.submit(path, tok, formOf("validity", "1y"))
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
		if got := doc.Find(tid("error-message")).Text(); got != az("err.consent_not_found") {
			t.Errorf("%s: message %q", path, got)
		}
		if resp, _ := b.htmx(path, tok, formOf("validity", "1y")); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s with htmx: %d, want 404", path, resp.StatusCode)
		}
	}
	if e.consentTables() != before {
		t.Fatal("another citizen's consent changed")
	}
}

func TestConsents_RevokeAllForCompany(t *testing.T) {
	e := newDemoEnv(t)
	b, tok := e.signedIn(e.aysel.FIN)
	page := idPath("/companies/%d", e.bank.ID)
	_, doc := b.get(page)
	form := doc.Find(tid("company-revoke-all-form"))
	if form.AttrOr("action", "") != page+"/revoke-all" || form.AttrOr("method", "") != "post" {
		t.Fatalf("revoke-all form action %q", form.AttrOr("action", ""))
	}
	before := len(history(mustGet(t, b, "/consents")))
	resp, doc := b.submit(page+"/revoke-all", tok, formOf())
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Fatalf("revoke all: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if f := flashes(doc); len(f) != 1 || f[0] != az("flash.company_consents_revoked") {
		t.Errorf("flashes %q", f)
	}
	now := e.clock.Now()
	for _, c := range e.consentsOf(e.aysel) {
		if active := c.ActiveAt(now); active == (c.CompanyID == e.bank.ID) {
			t.Errorf("consent to company %d for %s: active %v", c.CompanyID, c.Scope, active)
		}
	}
	if got := history(mustGet(t, b, "/consents")); len(got)-before != 2 || got[0] != "revoke" || got[1] != "revoke" {
		t.Errorf("history %v, want two new revokes", got)
	}
	before2 := e.consentTables()
	_, doc = b.submit(page+"/revoke-all", tok, formOf())
	if f := flashes(doc); len(f) != 1 || f[0] != az("err.nothing_to_revoke") {
		t.Errorf("nothing left: flashes %q", f)
	}
	if e.consentTables() != before2 {
		t.Error("a second revoke-all changed consents")
	}
	if resp, _ := b.submit("/companies/99999/revoke-all", tok, formOf()); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown company: %d, want 404", resp.StatusCode)
	}
}

func TestConsents_RevokeAllWithConfirmation(t *testing.T) {
	e := newDemoEnv(t)
	b, tok := e.signedIn(e.aysel.FIN)
	doc := mustGet(t, b, "/consents")
	if n := doc.Find(tid("consent")).Length(); n != 4 {
		t.Fatalf("%d active consents listed, want Aysel's 4", n)
	}
	if got := doc.Find(tid("revoke-all-link")).AttrOr("href", ""); got != "/consents/revoke-all" {
		t.Fatalf("revoke-all link %q", got)
	}
	before := e.consentTables()
	// Posting without confirm=yes only leads to the confirmation step.
	resp, _ := b.post("/consents/revoke-all", formOf("_csrf", tok))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/consents/revoke-all" {
		t.Fatalf("unconfirmed: %d to %q, want 303 to the confirmation", resp.StatusCode, resp.Header.Get("Location"))
	}
	doc = mustGet(t, b, "/consents/revoke-all")
	if e.consentTables() != before {
		t.Fatal("the confirmation step changed consents")
	}
	if n := doc.Find(tid("revoke-all-list") + " li").Length(); n != 3 {
		t.Errorf("confirmation lists %d companies, want 3", n)
	}
	form := doc.Find(tid("revoke-all-form"))
	if form.Find(`input[name="confirm"]`).AttrOr("value", "") != "yes" || form.AttrOr("action", "") != "/consents/revoke-all" {
		t.Fatal("the confirmation form does not post confirm=yes")
	}
	if doc.Find(tid("revoke-all-cancel")).AttrOr("href", "") != "/consents" {
		t.Error("no way back from the confirmation")
	}
	resp, doc = b.submit("/consents/revoke-all", tok, formOf("confirm", "yes"))
	if resp.Header.Get("Location") != "/consents" {
		t.Fatalf("confirmed: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if f := flashes(doc); len(f) != 1 || f[0] != az("flash.all_consents_revoked") {
		t.Errorf("flashes %q", f)
	}
	if n, _ := e.store.ActiveConsentCount(t.Context(), e.aysel.ID, e.clock.Now()); n != 0 {
		t.Errorf("%d consents still active", n)
	}
	if got := history(doc); len(got) != 8 || !slices.Equal(got[:4], []string{"revoke", "revoke", "revoke", "revoke"}) {
		t.Errorf("history %v, want 4 revokes over the 4 grants", got)
	}
	_, doc = b.submit("/consents/revoke-all", tok, formOf("confirm", "yes"))
	if f := flashes(doc); len(f) != 1 || f[0] != az("err.nothing_to_revoke") {
		t.Errorf("again: flashes %q", f)
	}
}

// TestFlash_RefusesForeignText: the flash cookie names a catalogue key; anything else shows nothing.
func TestFlash_RefusesForeignText(t *testing.T) {
	e := newDemoEnv(t)
	b, _ := e.signedIn(e.rashad.FIN)
	for _, v := range []string{"error:You have won a prize", "error:dashboard.title", "shout:flash.consent_granted", "error:err.no_such_key", "flash.consent_granted"} {
		b.c.Jar.SetCookies(mustURL(e.http.URL), []*http.Cookie{{Name: "__Host-flash", Value: v, Path: "/", Secure: true}})
		if f := flashes(mustGet(t, b, "/consents")); len(f) != 0 {
			t.Errorf("cookie %q showed %q", v, f)
		}
	}
}

func mustGet(t *testing.T, b *browser, path string) *goquery.Document {
	t.Helper()
	resp, doc := b.get(path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return doc
}

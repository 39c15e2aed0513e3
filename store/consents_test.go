package store_test

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"testing"
	"time"

	"portal"
	"portal/store"
	"portal/store/storetest"
)

// consentFixture is a citizen, another citizen and two companies: A offers identity, address and income,
// B offers identity.
type consentFixture struct {
	s              *store.Store
	clock          *portal.FakeClock
	citizen, other portal.User
	a, b           portal.Company
}

func newConsentFixture(t *testing.T) consentFixture {
	t.Helper()
	s, clock := storetest.New(t)
	f := consentFixture{s: s, clock: clock, citizen: newCitizen(t, s, "5ABCD12"), other: newCitizen(t, s, "7XYZ987")}
	f.a = newCompanyOffering(t, s, "Company A", "1400012345", portal.ScopeIdentity, portal.ScopeAddress, portal.ScopeIncome)
	f.b = newCompanyOffering(t, s, "Company B", "1700384521", portal.ScopeIdentity)
	return f
}

func newCompanyOffering(t *testing.T, s *store.Store, name, voen string, scopes ...portal.Scope) portal.Company {
	t.Helper()
	var offers []portal.Offer
	for _, sc := range scopes {
		offers = append(offers, portal.Offer{Scope: sc, Purpose: "purpose of " + string(sc), LegalBasis: portal.BasisConsent, RetentionDays: 30, Frequency: portal.FrequencyOneOff})
	}
	c, err := s.CreateCompany(context.Background(), portal.System, portal.Company{Name: name, VOEN: voen, Sector: "bank"}, offers)
	if err != nil {
		t.Fatalf("create company: %v", err)
	}
	return c
}

func (f consentFixture) grant(t *testing.T, who portal.User, c portal.Company, sc portal.Scope) portal.Consent {
	t.Helper()
	got, err := f.s.GrantConsent(context.Background(), who.ID, c.ID, sc, portal.ValidityUnlimited)
	if err != nil {
		t.Fatalf("grant %s: %v", sc, err)
	}
	return got
}

// approved inserts a request of company c about who, approved now and waiting to be collected.
func (f consentFixture) approved(t *testing.T, who portal.User, c portal.Company, scopes ...portal.Scope) portal.DataRequest {
	t.Helper()
	now := f.clock.Now()
	r := portal.DataRequest{
		ID: portal.NewRequestID(time.Now()), CompanyID: c.ID, CitizenID: who.ID, Scopes: scopes, Purpose: "test",
		Status: portal.StatusApproved, CreatedAt: now.Add(-time.Minute), Deadline: now.Add(portal.PickupWindow), DecidedAt: &now,
	}
	if err := f.s.InsertRequestForTest(context.Background(), r); err != nil {
		t.Fatalf("insert request: %v", err)
	}
	return r
}

func (f consentFixture) status(t *testing.T, id string) (portal.RequestStatus, string) {
	t.Helper()
	r, err := f.s.Request(context.Background(), id)
	if err != nil {
		t.Fatalf("request %s: %v", id, err)
	}
	return r.Status, r.Reason
}

// auditActions returns the actions of the audit rows whose subject mentions the request or consent.
func auditActions(t *testing.T, s *store.Store, subjectLike string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+s.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT action FROM audit_log WHERE subject LIKE ? ORDER BY seq", "%"+subjectLike+"%")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func (f consentFixture) notificationsAbout(t *testing.T, who portal.User, requestID string) []portal.Notification {
	t.Helper()
	ns, err := f.s.Notifications(context.Background(), who.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []portal.Notification
	for _, n := range ns {
		if n.RequestID == requestID {
			out = append(out, n)
		}
	}
	return out
}

func (f consentFixture) events(t *testing.T, who portal.User) []portal.ConsentEvent {
	t.Helper()
	evs, err := f.s.ConsentEvents(context.Background(), who.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestStore_RevokeConsent proves P3 in the store: the revoke and the cancellation of every approved,
// uncollected request of that company needing the scope commit together, with a notification and an audit
// entry for each cancelled request; other requests stay as they were.
func TestStore_RevokeConsent(t *testing.T) {
	f := newConsentFixture(t)
	ctx := context.Background()
	identityA := f.grant(t, f.citizen, f.a, portal.ScopeIdentity)
	f.grant(t, f.citizen, f.a, portal.ScopeAddress)
	f.grant(t, f.citizen, f.b, portal.ScopeIdentity)
	f.grant(t, f.other, f.a, portal.ScopeIdentity)

	needs := f.approved(t, f.citizen, f.a, portal.ScopeIdentity, portal.ScopeAddress)
	alsoNeeds := f.approved(t, f.citizen, f.a, portal.ScopeIdentity)
	otherScope := f.approved(t, f.citizen, f.a, portal.ScopeAddress)
	otherCompany := f.approved(t, f.citizen, f.b, portal.ScopeIdentity)
	otherCitizen := f.approved(t, f.other, f.a, portal.ScopeIdentity)
	f.clock.Advance(time.Minute)

	got, cancelled, err := f.s.RevokeConsent(ctx, f.citizen.ID, identityA.ID)
	if err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if got.Granted || got.RevokedAt == nil || !got.RevokedAt.Equal(f.clock.Now()) {
		t.Errorf("revoked consent = %+v, want not granted, revoked now", got)
	}
	var ids []string
	for _, r := range cancelled {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	want := []string{needs.ID, alsoNeeds.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("cancelled %v, want %v", ids, want)
	}
	for _, r := range []portal.DataRequest{needs, alsoNeeds} {
		if st, reason := f.status(t, r.ID); st != portal.StatusCancelled || reason != portal.ReasonConsentRevoked {
			t.Errorf("request needing the scope: %s (%s), want cancelled (consent_revoked)", st, reason)
		}
		ns := f.notificationsAbout(t, f.citizen, r.ID)
		if len(ns) != 1 || ns[0].Kind != portal.NotifCancelled {
			t.Errorf("notifications about %s = %+v, want one of kind cancelled", r.ID, ns)
		}
		if acts := auditActions(t, f.s, "request:"+r.ID); !slices.Equal(acts, []string{"request.cancel"}) {
			t.Errorf("audit about %s = %v, want [request.cancel]", r.ID, acts)
		}
	}
	for name, r := range map[string]portal.DataRequest{"other scope": otherScope, "other company": otherCompany, "other citizen": otherCitizen} {
		if st, reason := f.status(t, r.ID); st != portal.StatusApproved || reason != "" {
			t.Errorf("%s: %s (%s), want approved and untouched", name, st, reason)
		}
		if ns := f.notificationsAbout(t, f.citizen, r.ID); len(ns) != 0 {
			t.Errorf("%s: notifications %+v, want none", name, ns)
		}
	}
	evs := f.events(t, f.citizen)
	if evs[0].Kind != portal.ConsentRevoked || evs[0].ConsentID != identityA.ID || !evs[0].OldActive || evs[0].NewActive {
		t.Errorf("newest event = %+v, want the revoke of consent %d", evs[0], identityA.ID)
	}
	if acts := auditActions(t, f.s, "consent:"+itoa(identityA.ID)+" "); !slices.Equal(acts, []string{"consent.grant", "consent.revoke"}) {
		t.Errorf("audit about the consent = %v, want [consent.grant consent.revoke]", acts)
	}

	t.Run("a request past its pickup window is left to expire", func(t *testing.T) {
		f := newConsentFixture(t)
		c := f.grant(t, f.citizen, f.a, portal.ScopeIdentity)
		late := f.approved(t, f.citizen, f.a, portal.ScopeIdentity)
		f.clock.Advance(portal.PickupWindow)
		if _, cancelled, err := f.s.RevokeConsent(ctx, f.citizen.ID, c.ID); err != nil || len(cancelled) != 0 {
			t.Fatalf("revoke = %v, %v; want no cancellation", cancelled, err)
		}
		if st, _ := f.status(t, late.ID); st != portal.StatusApproved {
			t.Errorf("status %s, want approved (the sweeper expires it)", st)
		}
	})
	t.Run("not active", func(t *testing.T) {
		before := len(f.events(t, f.citizen))
		_, _, err := f.s.RevokeConsent(ctx, f.citizen.ID, identityA.ID)
		if portal.ErrorCode(err) != portal.ECONFLICT || portal.ErrorKey(err) != "err.consent_inactive" {
			t.Errorf("err = %v, want ECONFLICT err.consent_inactive", err)
		}
		if after := len(f.events(t, f.citizen)); after != before {
			t.Errorf("events %d -> %d, want unchanged", before, after)
		}
	})
	t.Run("another citizen's consent", func(t *testing.T) {
		theirs, err := f.s.ConsentsFor(ctx, f.other.ID, f.a.ID)
		if err != nil || len(theirs) != 1 {
			t.Fatalf("their consents = %v, %v", theirs, err)
		}
		_, _, err = f.s.RevokeConsent(ctx, f.citizen.ID, theirs[0].ID)
		if portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("err = %v, want ENOTFOUND", err)
		}
		if now, _ := f.s.Consent(ctx, f.other.ID, theirs[0].ID); !now.ActiveAt(f.clock.Now()) {
			t.Error("another citizen's consent was revoked")
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestStore_RevokeCompanyConsents revokes every active consent to one company in one transaction, each
// with its event, audit entry and P3 cancellation, and leaves other companies' consents alone.
func TestStore_RevokeCompanyConsents(t *testing.T) {
	f := newConsentFixture(t)
	ctx := context.Background()
	f.grant(t, f.citizen, f.a, portal.ScopeIdentity)
	f.grant(t, f.citizen, f.a, portal.ScopeAddress)
	income, err := f.s.GrantConsent(ctx, f.citizen.ID, f.a.ID, portal.ScopeIncome, portal.Validity30Days)
	if err != nil {
		t.Fatal(err)
	}
	keepB := f.grant(t, f.citizen, f.b, portal.ScopeIdentity)
	theirs := f.grant(t, f.other, f.a, portal.ScopeIdentity)
	reqA := f.approved(t, f.citizen, f.a, portal.ScopeAddress)
	reqB := f.approved(t, f.citizen, f.b, portal.ScopeIdentity)
	f.clock.Advance(31 * 24 * time.Hour) // the income consent has ended by itself
	reqA2 := f.approved(t, f.citizen, f.a, portal.ScopeAddress)
	before := len(f.events(t, f.citizen))

	revoked, cancelled, err := f.s.RevokeCompanyConsents(ctx, f.citizen.ID, f.a.ID)
	if err != nil {
		t.Fatalf("revoke company: %v", err)
	}
	var scopes []portal.Scope
	for _, c := range revoked {
		scopes = append(scopes, c.Scope)
	}
	slices.Sort(scopes)
	if !slices.Equal(scopes, []portal.Scope{portal.ScopeAddress, portal.ScopeIdentity}) {
		t.Errorf("revoked %v, want address and identity (income had ended)", scopes)
	}
	if len(cancelled) != 1 || cancelled[0].ID != reqA2.ID {
		t.Errorf("cancelled %+v, want only the approved request still in its pickup window", cancelled)
	}
	if st, reason := f.status(t, reqA2.ID); st != portal.StatusCancelled || reason != portal.ReasonConsentRevoked {
		t.Errorf("request of A: %s (%s), want cancelled", st, reason)
	}
	if st, _ := f.status(t, reqB.ID); st != portal.StatusApproved {
		t.Errorf("request of B: %s, want approved", st)
	}
	_ = reqA // past its pickup window: the sweeper's
	evs := f.events(t, f.citizen)
	if len(evs)-before != 2 {
		t.Errorf("%d new events, want 2 (one per revoked consent)", len(evs)-before)
	}
	for _, ev := range evs[:len(evs)-before] {
		if ev.Kind != portal.ConsentRevoked || ev.CompanyID != f.a.ID {
			t.Errorf("event %+v, want a revoke of a consent to A", ev)
		}
	}
	if acts := auditActions(t, f.s, "company:"+itoa(f.a.ID)); slices.Index(acts, "consent.revoke") < 0 {
		t.Errorf("audit about A = %v, want consent.revoke entries", acts)
	}
	now := f.clock.Now()
	if c, _ := f.s.Consent(ctx, f.citizen.ID, keepB.ID); !c.ActiveAt(now) {
		t.Error("the consent to B was revoked")
	}
	if c, _ := f.s.Consent(ctx, f.other.ID, theirs.ID); !c.ActiveAt(now) {
		t.Error("another citizen's consent to A was revoked")
	}
	if c, _ := f.s.Consent(ctx, f.citizen.ID, income.ID); !c.Granted || c.RevokedAt != nil {
		t.Errorf("the ended income consent was rewritten: %+v", c)
	}

	t.Run("nothing active", func(t *testing.T) {
		before := len(f.events(t, f.citizen))
		revoked, cancelled, err := f.s.RevokeCompanyConsents(ctx, f.citizen.ID, f.a.ID)
		if err != nil || len(revoked) != 0 || len(cancelled) != 0 {
			t.Errorf("= %v, %v, %v; want nothing and no error", revoked, cancelled, err)
		}
		if after := len(f.events(t, f.citizen)); after != before {
			t.Errorf("events %d -> %d", before, after)
		}
	})
}

// TestStore_RevokeAllConsents revokes every active consent of the citizen, to every company, at once.
func TestStore_RevokeAllConsents(t *testing.T) {
	f := newConsentFixture(t)
	ctx := context.Background()
	f.grant(t, f.citizen, f.a, portal.ScopeIdentity)
	f.grant(t, f.citizen, f.b, portal.ScopeIdentity)
	theirs := f.grant(t, f.other, f.b, portal.ScopeIdentity)
	req := f.approved(t, f.citizen, f.b, portal.ScopeIdentity)

	revoked, cancelled, err := f.s.RevokeAllConsents(ctx, f.citizen.ID)
	if err != nil {
		t.Fatalf("revoke all: %v", err)
	}
	if len(revoked) != 2 || len(cancelled) != 1 || cancelled[0].ID != req.ID {
		t.Errorf("revoked %d, cancelled %+v; want 2 and the approved request", len(revoked), cancelled)
	}
	if n, _ := f.s.ActiveConsentCount(ctx, f.citizen.ID, f.clock.Now()); n != 0 {
		t.Errorf("%d active consents left", n)
	}
	if c, _ := f.s.Consent(ctx, f.other.ID, theirs.ID); !c.ActiveAt(f.clock.Now()) {
		t.Error("another citizen's consent was revoked")
	}
	if _, brk, err := f.s.VerifyAudit(ctx); err != nil || brk != nil {
		t.Errorf("audit chain: %v %+v", err, brk)
	}
}

func TestStore_OffersOfAndCompaniesByID(t *testing.T) {
	f := newConsentFixture(t)
	ctx := context.Background()
	offers, err := f.s.OffersOf(ctx, []int64{f.a.ID, f.b.ID, 9999})
	if err != nil {
		t.Fatal(err)
	}
	var a []portal.Scope
	for _, o := range offers[f.a.ID] {
		a = append(a, o.Scope)
	}
	if !slices.Equal(a, []portal.Scope{portal.ScopeIdentity, portal.ScopeAddress, portal.ScopeIncome}) || len(offers[f.b.ID]) != 1 || len(offers[9999]) != 0 {
		t.Errorf("offers = %+v", offers)
	}
	cs, err := f.s.CompaniesByID(ctx, []int64{f.b.ID, 9999})
	if err != nil || len(cs) != 1 || cs[f.b.ID].Name != "Company B" {
		t.Errorf("companies = %+v, %v", cs, err)
	}
	if none, err := f.s.OffersOf(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("no ids: %v, %v", none, err)
	}
}

// TestStore_FindCompanies_Folding searches names in any case, Azerbaijani letters included, which SQLite's
// lower() does not fold.
func TestStore_FindCompanies_Folding(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	bank := newCompanyOffering(t, s, "Xəzər İnvest Bank", "1400012345", portal.ScopeIdentity)
	tel := newCompanyOffering(t, s, "Şirvan Telekom", "1300729564", portal.ScopeIdentity)
	ru := newCompanyOffering(t, s, "Банк Восток", "1500000001", portal.ScopeIdentity)
	for q, want := range map[string][]int64{
		"XƏZƏR": {bank.ID}, "invest": {bank.ID}, "INVEST": {bank.ID}, "İnvest": {bank.ID},
		"şirvan": {tel.ID}, "ŞİRVAN": {tel.ID}, "банк": {ru.ID}, "BANK": {bank.ID}, "  telekom ": {tel.ID}, "": {ru.ID, tel.ID, bank.ID},
	} {
		got, err := s.FindCompanies(ctx, store.CompanyFilter{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		slices.Sort(ids)
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Errorf("%q found %v, want %v", q, ids, want)
		}
	}
}

package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"portal"
	"portal/store"
	"portal/store/storetest"
)

var adminActor = portal.Actor{Kind: portal.ActorAdmin, ID: 99}

func newCompany(t *testing.T, s *store.Store, voen string, offers ...portal.Offer) portal.Company {
	t.Helper()
	c, errs := portal.CompanyInput{Name: "Company " + voen, VOEN: voen, Sector: "bank"}.Validate()
	if len(errs) > 0 {
		t.Fatalf("company input: %v", errs)
	}
	c, err := s.CreateCompany(context.Background(), portal.System, c, offers)
	if err != nil {
		t.Fatalf("create company: %v", err)
	}
	return c
}

func testOffer(sc portal.Scope, purpose string) portal.Offer {
	return portal.Offer{Scope: sc, Purpose: purpose, LegalBasis: portal.BasisConsent, RetentionDays: 365, Frequency: portal.FrequencyOneOff}
}

// newRequest writes a request in the given state; a pending or approved one has its deadline at deadline.
func newRequest(t *testing.T, s *store.Store, companyID, citizenID int64, status portal.RequestStatus, created, deadline time.Time) portal.DataRequest {
	t.Helper()
	r := portal.DataRequest{
		ID: portal.NewRequestID(time.Now()), CompanyID: companyID, CitizenID: citizenID, Scopes: []portal.Scope{portal.ScopeIdentity},
		Purpose: "test", Status: status, CreatedAt: created, Deadline: deadline,
	}
	switch status {
	case portal.StatusPending:
		r.BindingCode = portal.NewBindingCode()
	case portal.StatusApproved, portal.StatusDenied:
		d := created.Add(time.Minute)
		r.DecidedAt = &d
	case portal.StatusDelivered:
		r.DeliveredAt = &created
	}
	if err := s.InsertRequestForTest(context.Background(), r); err != nil {
		t.Fatalf("insert request: %v", err)
	}
	return r
}

// lastAudit returns the newest audit entry and its details decoded.
func lastAudit(t *testing.T, s *store.Store) (portal.AuditEntry, map[string]any) {
	t.Helper()
	ctx := context.Background()
	seq, _, err := s.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.AuditEntry(ctx, seq)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
		t.Fatalf("audit details %q: %v", e.Details, err)
	}
	return e, d
}

func scopesOf(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestStore_UpdateCompany(t *testing.T) {
	s, clock := storetest.New(t)
	ctx := context.Background()
	c := newCompany(t, s, "1700000001", testOffer(portal.ScopeIdentity, "Identify"), testOffer(portal.ScopeAddress, "Deliver"))
	citizen := newCitizen(t, s, "5ABCD12")
	if _, err := s.GrantConsent(ctx, citizen.ID, c.ID, portal.ScopeAddress, portal.ValidityUnlimited); err != nil {
		t.Fatal(err)
	}
	consentsBefore := storetest.Dump(t, s.Path(), "consents")
	eventsBefore := storetest.Dump(t, s.Path(), "consent_events")

	clock.Advance(time.Hour)
	edited := c
	edited.Name, edited.Website = "Renamed", "https://renamed.example"
	identity := testOffer(portal.ScopeIdentity, "Identify the customer")
	identity.LegalBasis, identity.LawName = portal.BasisLaw, "Law on Banks"
	ch, err := s.UpdateCompany(ctx, adminActor, edited, []portal.Offer{identity, testOffer(portal.ScopeContact, "Remind")})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	want := store.CompanyChanges{
		Fields: []string{"name", "website"}, Added: []portal.Scope{portal.ScopeContact},
		Changed: []portal.Scope{portal.ScopeIdentity}, Withdrawn: []portal.Scope{portal.ScopeAddress},
	}
	if !reflect.DeepEqual(ch, want) {
		t.Errorf("changes = %+v, want %+v", ch, want)
	}
	got, err := s.Company(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Renamed" || got.Website != "https://renamed.example" || got.Status != portal.CompanyActive || !got.CreatedAt.Equal(c.CreatedAt) {
		t.Errorf("company after update = %+v", got)
	}
	offers, err := s.Offers(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	byScope := map[portal.Scope]portal.Offer{}
	for _, o := range offers {
		byScope[o.Scope] = o
	}
	if o := byScope[portal.ScopeIdentity]; o.Purpose != "Identify the customer" || o.LegalBasis != portal.BasisLaw || o.LawName != "Law on Banks" || !o.Active() {
		t.Errorf("identity offer = %+v", o)
	}
	if o := byScope[portal.ScopeAddress]; o.Active() || !o.WithdrawnAt.Equal(clock.Now()) {
		t.Errorf("address offer = %+v, want withdrawn at %v", o, clock.Now())
	}
	if o := byScope[portal.ScopeContact]; !o.Active() || o.Purpose != "Remind" {
		t.Errorf("contact offer = %+v", o)
	}
	e, d := lastAudit(t, s)
	if e.Action != "company.update" || e.Actor != adminActor || e.Subject != fmt.Sprintf("company:%d", c.ID) || e.CitizenID != 0 {
		t.Errorf("audit entry = %+v", e)
	}
	if !slices.Equal(scopesOf(d["fields"]), []string{"name", "website"}) || !slices.Equal(scopesOf(d["offers_added"]), []string{"contact"}) ||
		!slices.Equal(scopesOf(d["offers_changed"]), []string{"identity"}) || !slices.Equal(scopesOf(d["offers_withdrawn"]), []string{"address"}) {
		t.Errorf("audit details = %s", e.Details)
	}
	if !reflect.DeepEqual(storetest.Dump(t, s.Path(), "consents"), consentsBefore) || !reflect.DeepEqual(storetest.Dump(t, s.Path(), "consent_events"), eventsBefore) {
		t.Error("withdrawing an offer changed consents (P2)")
	}

	t.Run("restore a withdrawn offer", func(t *testing.T) {
		ch, err := s.UpdateCompany(ctx, adminActor, edited, []portal.Offer{identity, testOffer(portal.ScopeContact, "Remind"), testOffer(portal.ScopeAddress, "Deliver again")})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ch.Added, []portal.Scope{portal.ScopeAddress}) || len(ch.Changed)+len(ch.Withdrawn)+len(ch.Fields) != 0 {
			t.Errorf("changes = %+v", ch)
		}
		offers, _ := s.Offers(ctx, c.ID)
		for _, o := range offers {
			if !o.Active() {
				t.Errorf("offer %s still withdrawn", o.Scope)
			}
		}
	})
	t.Run("nothing changed is still audited", func(t *testing.T) {
		seq, _, _ := s.AuditHead(ctx)
		offers, _ := s.Offers(ctx, c.ID)
		ch, err := s.UpdateCompany(ctx, adminActor, edited, offers)
		if err != nil || !ch.Empty() {
			t.Fatalf("changes = %+v, %v; want none", ch, err)
		}
		e, d := lastAudit(t, s)
		if e.Seq != seq+1 || e.Action != "company.update" || len(d["fields"].([]any)) != 0 {
			t.Errorf("audit entry = %+v", e)
		}
	})
	t.Run("VÖEN of another company", func(t *testing.T) {
		other := newCompany(t, s, "1700000002")
		seq, _, _ := s.AuditHead(ctx)
		before, _ := s.Offers(ctx, c.ID)
		taken := edited
		taken.VOEN, taken.Name = other.VOEN, "Should not stick"
		_, err := s.UpdateCompany(ctx, adminActor, taken, nil)
		if portal.ErrorCode(err) != portal.ECONFLICT || portal.ErrorKey(err) != "err.voen_taken" {
			t.Fatalf("err = %v, want ECONFLICT err.voen_taken", err)
		}
		got, _ := s.Company(ctx, c.ID)
		after, _ := s.Offers(ctx, c.ID)
		if got.Name != "Renamed" || !reflect.DeepEqual(before, after) {
			t.Error("a refused update changed the company or its offers")
		}
		if head, _, _ := s.AuditHead(ctx); head != seq {
			t.Errorf("audit head %d, want %d: a refused update was audited", head, seq)
		}
	})
	t.Run("invalid offer", func(t *testing.T) {
		bad := testOffer(portal.ScopeIncome, "")
		if _, err := s.UpdateCompany(ctx, adminActor, edited, []portal.Offer{bad}); portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("err = %v, want EINVALID", err)
		}
		if _, err := s.UpdateCompany(ctx, adminActor, edited, []portal.Offer{identity, identity}); portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("a scope twice: err = %v, want EINVALID", err)
		}
	})
	t.Run("not found", func(t *testing.T) {
		missing := edited
		missing.ID = 4242
		if _, err := s.UpdateCompany(ctx, adminActor, missing, nil); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("err = %v, want ENOTFOUND", err)
		}
	})
	if _, brk, err := s.VerifyAudit(ctx); err != nil || brk != nil {
		t.Errorf("audit chain: %v %+v", err, brk)
	}
}

func TestStore_SetCompanyStatus(t *testing.T) {
	s, clock := storetest.New(t)
	ctx := context.Background()
	a := newCompany(t, s, "1700000001", testOffer(portal.ScopeIdentity, "Identify"))
	b := newCompany(t, s, "1700000002", testOffer(portal.ScopeIdentity, "Identify"))
	aysel, resad := newCitizen(t, s, "5ABCD12"), newCitizen(t, s, "7XYZ987")
	if _, err := s.GrantConsent(ctx, aysel.ID, a.ID, portal.ScopeIdentity, portal.Validity90Days); err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	pending := newRequest(t, s, a.ID, aysel.ID, portal.StatusPending, now.Add(-time.Minute), now.Add(4*time.Minute))
	approved := newRequest(t, s, a.ID, resad.ID, portal.StatusApproved, now.Add(-2*time.Minute), now.Add(3*time.Minute))
	delivered := newRequest(t, s, a.ID, aysel.ID, portal.StatusDelivered, now.Add(-time.Hour), time.Time{})
	overdue := newRequest(t, s, a.ID, resad.ID, portal.StatusPending, now.Add(-10*time.Minute), now.Add(-5*time.Minute))
	otherCompany := newRequest(t, s, b.ID, aysel.ID, portal.StatusPending, now.Add(-time.Minute), now.Add(4*time.Minute))
	key, err := s.CreateAPIKey(ctx, adminActor, a.ID, "abcdefgh", []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	consentsBefore := storetest.Dump(t, s.Path(), "consents")
	eventsBefore := storetest.Dump(t, s.Path(), "consent_events")

	clock.Advance(time.Second)
	got, cancelled, err := s.SetCompanyStatus(ctx, adminActor, a.ID, portal.CompanySuspended)
	if err != nil {
		t.Fatalf("suspend: %v", err)
	}
	if got.Status != portal.CompanySuspended {
		t.Errorf("status = %s", got.Status)
	}
	var ids []string
	for _, r := range cancelled {
		ids = append(ids, r.ID)
		if r.Status != portal.StatusCancelled || r.Reason != portal.ReasonCompanySuspended || !r.DecidedAt.Equal(clock.Now()) {
			t.Errorf("returned request %+v", r)
		}
	}
	slices.Sort(ids)
	wantIDs := []string{pending.ID, approved.ID}
	slices.Sort(wantIDs)
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("cancelled %v, want the pending and the approved request %v", ids, wantIDs)
	}
	for _, tt := range []struct {
		r      portal.DataRequest
		status portal.RequestStatus
		reason string
	}{
		{pending, portal.StatusCancelled, portal.ReasonCompanySuspended},
		{approved, portal.StatusCancelled, portal.ReasonCompanySuspended},
		{delivered, portal.StatusDelivered, ""},
		{overdue, portal.StatusPending, ""}, // past its deadline: the sweeper marks it expired
		{otherCompany, portal.StatusPending, ""},
	} {
		r, err := s.Request(ctx, tt.r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != tt.status || r.Reason != tt.reason {
			t.Errorf("request %s: %s (%q), want %s (%q)", r.ID, r.Status, r.Reason, tt.status, tt.reason)
		}
	}
	// Each citizen is told about their own cancelled request, and only that.
	for citizen, want := range map[int64]string{aysel.ID: pending.ID, resad.ID: approved.ID} {
		notes, err := s.Notifications(ctx, citizen, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range notes {
			if n.Kind == portal.NotifCancelled {
				got = append(got, n.RequestID)
			}
		}
		if !slices.Equal(got, []string{want}) {
			t.Errorf("citizen %d: cancellation notifications for %v, want [%s]", citizen, got, want)
		}
	}
	if !reflect.DeepEqual(storetest.Dump(t, s.Path(), "consents"), consentsBefore) || !reflect.DeepEqual(storetest.Dump(t, s.Path(), "consent_events"), eventsBefore) {
		t.Error("suspending changed consents (P2)")
	}
	e, d := lastAudit(t, s)
	if e.Action != "company.suspend" || e.Actor != adminActor || d["cancelled_requests"] != 2.0 {
		t.Errorf("audit entry = %+v", e)
	}
	for seq := e.Seq - 2; seq < e.Seq; seq++ {
		ce, err := s.AuditEntry(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if ce.Action != "request.cancel" || ce.Actor != adminActor || ce.CitizenID == 0 {
			t.Errorf("entry %d = %+v, want a request.cancel about the citizen", seq, ce)
		}
	}
	// The API's check: the key's company is suspended from now on.
	if _, kc, err := s.APIKeyByHash(ctx, []byte("0123456789abcdef0123456789abcdef")); err != nil || kc.Status != portal.CompanySuspended {
		t.Errorf("APIKeyByHash company = %+v, %v; key %d", kc, err, key.ID)
	}

	t.Run("suspend again", func(t *testing.T) {
		if _, _, err := s.SetCompanyStatus(ctx, adminActor, a.ID, portal.CompanySuspended); portal.ErrorCode(err) != portal.ECONFLICT {
			t.Errorf("err = %v, want ECONFLICT", err)
		}
	})
	t.Run("reactivate", func(t *testing.T) {
		got, cancelled, err := s.SetCompanyStatus(ctx, adminActor, a.ID, portal.CompanyActive)
		if err != nil || got.Status != portal.CompanyActive || len(cancelled) != 0 {
			t.Fatalf("reactivate = %+v, %v, %v", got, cancelled, err)
		}
		if r, _ := s.Request(ctx, pending.ID); r.Status != portal.StatusCancelled {
			t.Errorf("a cancelled request came back as %s", r.Status)
		}
		if e, _ := lastAudit(t, s); e.Action != "company.reactivate" || e.Actor != adminActor {
			t.Errorf("audit entry = %+v", e)
		}
		if _, kc, err := s.APIKeyByHash(ctx, []byte("0123456789abcdef0123456789abcdef")); err != nil || kc.Status != portal.CompanyActive {
			t.Errorf("APIKeyByHash company = %+v, %v", kc, err)
		}
	})
	t.Run("unknown company or status", func(t *testing.T) {
		if _, _, err := s.SetCompanyStatus(ctx, adminActor, 4242, portal.CompanySuspended); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("err = %v, want ENOTFOUND", err)
		}
		if _, _, err := s.SetCompanyStatus(ctx, adminActor, a.ID, "closed"); portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("err = %v, want EINVALID", err)
		}
	})
	if _, brk, err := s.VerifyAudit(ctx); err != nil || brk != nil {
		t.Errorf("audit chain: %v %+v", err, brk)
	}
}

func TestStore_AdminOverview(t *testing.T) {
	s, clock := storetest.New(t)
	ctx := context.Background()
	now := clock.Now()                   // 13:00 in Baku
	dayStart := now.Add(-13 * time.Hour) // midnight in Baku
	a := newCompany(t, s, "1700000001")
	newCompany(t, s, "1700000002")
	b := newCompany(t, s, "1700000003")
	if _, _, err := s.SetCompanyStatus(ctx, adminActor, b.ID, portal.CompanySuspended); err != nil {
		t.Fatal(err)
	}
	cit := newCitizen(t, s, "5ABCD12")

	t.Run("empty", func(t *testing.T) {
		o, err := s.AdminOverview(ctx, dayStart, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.RequestsToday) != 0 || o.PendingNow != 0 {
			t.Errorf("overview = %+v", o)
		}
	})

	newRequest(t, s, a.ID, cit.ID, portal.StatusPending, now.Add(-time.Minute), now.Add(4*time.Minute))
	newRequest(t, s, a.ID, cit.ID, portal.StatusPending, now.Add(-time.Minute), now.Add(4*time.Minute))
	newRequest(t, s, a.ID, cit.ID, portal.StatusPending, now.Add(-time.Hour), now.Add(-55*time.Minute)) // expired, not yet swept
	newRequest(t, s, a.ID, cit.ID, portal.StatusApproved, now.Add(-time.Minute), now.Add(4*time.Minute))
	newRequest(t, s, a.ID, cit.ID, portal.StatusDelivered, dayStart, time.Time{})
	newRequest(t, s, b.ID, cit.ID, portal.StatusDenied, now.Add(-2*time.Hour), time.Time{})
	newRequest(t, s, a.ID, cit.ID, portal.StatusDelivered, dayStart.Add(-time.Millisecond), time.Time{})   // yesterday
	newRequest(t, s, a.ID, cit.ID, portal.StatusPending, dayStart.Add(-time.Minute), now.Add(time.Minute)) // yesterday, still pending

	o, err := s.AdminOverview(ctx, dayStart, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[portal.CompanyStatus]int{portal.CompanyActive: 2, portal.CompanySuspended: 1}; !maps.Equal(o.Companies, want) {
		t.Errorf("companies = %v, want %v", o.Companies, want)
	}
	want := map[portal.RequestStatus]int{
		portal.StatusPending: 2, portal.StatusExpired: 1, portal.StatusApproved: 1, portal.StatusDelivered: 1, portal.StatusDenied: 1,
	}
	if !maps.Equal(o.RequestsToday, want) {
		t.Errorf("requests today = %v, want %v", o.RequestsToday, want)
	}
	if o.PendingNow != 3 {
		t.Errorf("pending now = %d, want 3", o.PendingNow)
	}
}

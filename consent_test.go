package portal_test

import (
	"testing"
	"time"

	"portal"
)

const (
	day          = 24 * time.Hour
	testCitizen  = int64(2)
	testCompany  = int64(1)
	otherCompany = int64(9)
	otherCitizen = int64(8)
)

func ptr(t time.Time) *time.Time { return &t }

// sameTime reports whether two optional instants are both absent or equal.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func fmtTime(p *time.Time) string {
	if p == nil {
		return "nil"
	}
	return p.Format(time.RFC3339Nano)
}

// grantedConsent is the citizen's consent to the test company for scope, granted at from with validity v.
func grantedConsent(scope portal.Scope, v portal.Validity, from time.Time) portal.Consent {
	return portal.Consent{
		ID: 11, CitizenID: testCitizen, CompanyID: testCompany, Scope: scope,
		Granted: true, Validity: v, GrantedAt: from, ValidUntil: v.Until(from), UpdatedAt: from,
	}
}

// revokedConsent is a consent granted at from and revoked at at.
func revokedConsent(scope portal.Scope, v portal.Validity, from, at time.Time) portal.Consent {
	c := grantedConsent(scope, v, from)
	c.Granted = false
	c.RevokedAt = ptr(at)
	c.UpdatedAt = at
	return c
}

func TestParseValidity(t *testing.T) {
	for _, v := range []string{"30d", "90d", "1y", "unlimited"} {
		t.Run(v, func(t *testing.T) {
			got, err := portal.ParseValidity(v)
			if err != nil {
				t.Fatalf("ParseValidity(%q) error: %v", v, err)
			}
			if string(got) != v {
				t.Errorf("ParseValidity(%q) = %q", v, got)
			}
		})
	}
	for _, in := range []string{"", "30D", "1Y", "30", "60d", "forever", " 30d", "Unlimited"} {
		t.Run("refused "+in, func(t *testing.T) {
			got, err := portal.ParseValidity(in)
			if err == nil {
				t.Fatalf("ParseValidity(%q) = %q, nil; want an error", in, got)
			}
			wantErr(t, err, portal.EINVALID, "err.validity")
		})
	}
}

func TestValidity_Until(t *testing.T) {
	leap := time.Date(2024, time.February, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		v    portal.Validity
		from time.Time
		want *time.Time
	}{
		{"30 days", portal.Validity30Days, base, ptr(time.Date(2025, time.April, 13, 10, 0, 0, 0, time.UTC))},
		{"90 days", portal.Validity90Days, base, ptr(time.Date(2025, time.June, 12, 10, 0, 0, 0, time.UTC))},
		{"1 year", portal.Validity1Year, base, ptr(time.Date(2026, time.March, 14, 10, 0, 0, 0, time.UTC))},
		{"1 year from 29 February", portal.Validity1Year, leap, ptr(time.Date(2025, time.March, 1, 12, 0, 0, 0, time.UTC))},
		{"30 days keeps the nanoseconds", portal.Validity30Days, base.Add(time.Nanosecond), ptr(base.Add(30*day + time.Nanosecond))},
		{"unlimited", portal.ValidityUnlimited, base, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.Until(tt.from); !sameTime(got, tt.want) {
				t.Errorf("%q.Until(%v) = %s, want %s", tt.v, tt.from, fmtTime(got), fmtTime(tt.want))
			}
		})
	}
}

func TestConsent_ActiveAt(t *testing.T) {
	c30 := grantedConsent(portal.ScopeAddress, portal.Validity30Days, base)
	end := *c30.ValidUntil
	tests := []struct {
		name string
		c    portal.Consent
		now  time.Time
		want bool
	}{
		{"granted, at the grant", c30, base, true},
		{"granted, a day later", c30, base.Add(day), true},
		{"just before the end", c30, end.Add(-time.Nanosecond), true},
		{"at the end", c30, end, false},
		{"just after the end", c30, end.Add(time.Nanosecond), false},
		{"long after the end", c30, end.AddDate(1, 0, 0), false},
		{"1 year, just before the end", grantedConsent(portal.ScopeAddress, portal.Validity1Year, base), base.AddDate(1, 0, 0).Add(-time.Nanosecond), true},
		{"1 year, at the end", grantedConsent(portal.ScopeAddress, portal.Validity1Year, base), base.AddDate(1, 0, 0), false},
		{"unlimited, at the grant", grantedConsent(portal.ScopeAddress, portal.ValidityUnlimited, base), base, true},
		{"unlimited, 50 years later", grantedConsent(portal.ScopeAddress, portal.ValidityUnlimited, base), base.AddDate(50, 0, 0), true},
		{"revoked", revokedConsent(portal.ScopeAddress, portal.ValidityUnlimited, base, base.Add(time.Hour)), base.Add(2 * time.Hour), false},
		{"revoked, just after the revoke", revokedConsent(portal.ScopeAddress, portal.Validity30Days, base, base.Add(time.Hour)), base.Add(time.Hour + time.Nanosecond), false},
		{"granted flag set but revoked time present", func() portal.Consent {
			c := grantedConsent(portal.ScopeAddress, portal.ValidityUnlimited, base)
			c.RevokedAt = ptr(base.Add(time.Hour))
			return c
		}(), base.Add(2 * time.Hour), false},
		{"not granted", portal.Consent{Scope: portal.ScopeAddress, Validity: portal.ValidityUnlimited}, base, false},
		{"zero consent", portal.Consent{}, base, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.ActiveAt(tt.now); got != tt.want {
				t.Errorf("ActiveAt(%v) = %v, want %v", tt.now, got, tt.want)
			}
		})
	}
}

func TestGrant(t *testing.T) {
	c30 := grantedConsent(portal.ScopeAddress, portal.Validity30Days, base)
	end30 := *c30.ValidUntil
	tests := []struct {
		name          string
		cur           *portal.Consent
		v             portal.Validity
		now           time.Time
		wantKind      portal.ConsentEventKind
		wantID        int64
		wantGrantedAt time.Time
		wantOldActive bool
		wantOldUntil  *time.Time
		wantUntil     *time.Time
	}{
		{"new consent", nil, portal.Validity30Days, base,
			portal.ConsentGranted, 0, base, false, nil, ptr(base.Add(30 * day))},
		{"new unlimited consent", nil, portal.ValidityUnlimited, base,
			portal.ConsentGranted, 0, base, false, nil, nil},
		{"active consent is changed, keeping GrantedAt", &c30, portal.Validity1Year, base.Add(10 * day),
			portal.ConsentChanged, 11, base, true, ptr(end30), ptr(base.Add(10*day).AddDate(1, 0, 0))},
		{"active consent just before its end is changed", &c30, portal.Validity30Days, end30.Add(-time.Nanosecond),
			portal.ConsentChanged, 11, base, true, ptr(end30), ptr(end30.Add(-time.Nanosecond).Add(30 * day))},
		{"active unlimited consent is changed to 30 days", ptr2(grantedConsent(portal.ScopeAddress, portal.ValidityUnlimited, base)), portal.Validity30Days, base.Add(day),
			portal.ConsentChanged, 11, base, true, nil, ptr(base.Add(31 * day))},
		{"consent expiring at this instant is granted again", &c30, portal.Validity90Days, end30,
			portal.ConsentGranted, 11, end30, false, ptr(end30), ptr(end30.Add(90 * day))},
		{"expired consent is granted again", &c30, portal.Validity90Days, end30.Add(day),
			portal.ConsentGranted, 11, end30.Add(day), false, ptr(end30), ptr(end30.Add(91 * day))},
		{"revoked consent is granted again", ptr2(revokedConsent(portal.ScopeAddress, portal.Validity30Days, base, base.Add(time.Hour))), portal.ValidityUnlimited, base.Add(2 * time.Hour),
			portal.ConsentGranted, 11, base.Add(2 * time.Hour), false, ptr(end30), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before portal.Consent
			if tt.cur != nil {
				before = *tt.cur
			}
			next, ev := portal.Grant(tt.cur, testCitizen, testCompany, portal.ScopeAddress, tt.v, tt.now)

			if next.ID != tt.wantID || next.CitizenID != testCitizen || next.CompanyID != testCompany || next.Scope != portal.ScopeAddress {
				t.Errorf("consent identity = id %d citizen %d company %d scope %q", next.ID, next.CitizenID, next.CompanyID, next.Scope)
			}
			if !next.Granted || next.RevokedAt != nil {
				t.Errorf("consent Granted = %v, RevokedAt = %s; want granted, not revoked", next.Granted, fmtTime(next.RevokedAt))
			}
			if !next.ActiveAt(tt.now) {
				t.Error("consent not active at the grant")
			}
			if next.Validity != tt.v {
				t.Errorf("Validity = %q, want %q", next.Validity, tt.v)
			}
			if !next.GrantedAt.Equal(tt.wantGrantedAt) {
				t.Errorf("GrantedAt = %v, want %v", next.GrantedAt, tt.wantGrantedAt)
			}
			if !sameTime(next.ValidUntil, tt.wantUntil) {
				t.Errorf("ValidUntil = %s, want %s", fmtTime(next.ValidUntil), fmtTime(tt.wantUntil))
			}
			if !next.UpdatedAt.Equal(tt.now) {
				t.Errorf("UpdatedAt = %v, want %v", next.UpdatedAt, tt.now)
			}

			want := portal.ConsentEvent{
				ConsentID: tt.wantID, CitizenID: testCitizen, CompanyID: testCompany, Scope: portal.ScopeAddress,
				Kind: tt.wantKind, At: tt.now, OldActive: tt.wantOldActive, NewActive: true, NewValidity: tt.v,
			}
			if ev.ConsentID != want.ConsentID || ev.CitizenID != want.CitizenID || ev.CompanyID != want.CompanyID ||
				ev.Scope != want.Scope || ev.Kind != want.Kind || !ev.At.Equal(want.At) ||
				ev.OldActive != want.OldActive || ev.NewActive != want.NewActive || ev.NewValidity != want.NewValidity {
				t.Errorf("event = %+v, want %+v", ev, want)
			}
			if !sameTime(ev.OldValidUntil, tt.wantOldUntil) {
				t.Errorf("event OldValidUntil = %s, want %s", fmtTime(ev.OldValidUntil), fmtTime(tt.wantOldUntil))
			}
			if !sameTime(ev.NewValidUntil, tt.wantUntil) {
				t.Errorf("event NewValidUntil = %s, want %s", fmtTime(ev.NewValidUntil), fmtTime(tt.wantUntil))
			}
			if tt.cur != nil && !sameConsent(*tt.cur, before) {
				t.Errorf("Grant changed its input: %+v, was %+v", *tt.cur, before)
			}
		})
	}
}

func ptr2(c portal.Consent) *portal.Consent { return &c }

func sameConsent(a, b portal.Consent) bool {
	return a.ID == b.ID && a.CitizenID == b.CitizenID && a.CompanyID == b.CompanyID && a.Scope == b.Scope &&
		a.Granted == b.Granted && a.Validity == b.Validity && a.GrantedAt.Equal(b.GrantedAt) &&
		sameTime(a.ValidUntil, b.ValidUntil) && sameTime(a.RevokedAt, b.RevokedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func TestChangeValidity(t *testing.T) {
	c30 := grantedConsent(portal.ScopeIncome, portal.Validity30Days, base)
	end30 := *c30.ValidUntil
	tests := []struct {
		name      string
		cur       portal.Consent
		v         portal.Validity
		now       time.Time
		wantErr   bool
		wantUntil *time.Time
	}{
		{"active, longer", c30, portal.Validity1Year, base.Add(day), false, ptr(base.Add(day).AddDate(1, 0, 0))},
		{"active, shorter, counted from now", grantedConsent(portal.ScopeIncome, portal.Validity1Year, base), portal.Validity30Days, base.Add(100 * day), false, ptr(base.Add(130 * day))},
		{"active, to unlimited", c30, portal.ValidityUnlimited, base.Add(day), false, nil},
		{"just before the end", c30, portal.Validity90Days, end30.Add(-time.Nanosecond), false, ptr(end30.Add(-time.Nanosecond).Add(90 * day))},
		{"at the end", c30, portal.Validity90Days, end30, true, nil},
		{"after the end", c30, portal.Validity90Days, end30.Add(time.Hour), true, nil},
		{"revoked", revokedConsent(portal.ScopeIncome, portal.ValidityUnlimited, base, base.Add(time.Hour)), portal.Validity30Days, base.Add(2 * time.Hour), true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, ev, err := portal.ChangeValidity(tt.cur, tt.v, tt.now)
			if tt.wantErr {
				wantErr(t, err, portal.ECONFLICT, "err.consent_inactive")
				return
			}
			if err != nil {
				t.Fatalf("ChangeValidity error: %v", err)
			}
			if ev.Kind != portal.ConsentChanged || !ev.OldActive || !ev.NewActive || ev.ConsentID != tt.cur.ID || !ev.At.Equal(tt.now) {
				t.Errorf("event = %+v, want a change of consent %d at %v", ev, tt.cur.ID, tt.now)
			}
			if !sameTime(ev.OldValidUntil, tt.cur.ValidUntil) || !sameTime(ev.NewValidUntil, tt.wantUntil) {
				t.Errorf("event valid until %s -> %s, want %s -> %s", fmtTime(ev.OldValidUntil), fmtTime(ev.NewValidUntil), fmtTime(tt.cur.ValidUntil), fmtTime(tt.wantUntil))
			}
			if next.ID != tt.cur.ID || next.Validity != tt.v || !next.GrantedAt.Equal(tt.cur.GrantedAt) || !sameTime(next.ValidUntil, tt.wantUntil) {
				t.Errorf("consent = %+v, want validity %q until %s, GrantedAt kept", next, tt.v, fmtTime(tt.wantUntil))
			}
		})
	}
}

func TestRevoke(t *testing.T) {
	c30 := grantedConsent(portal.ScopeContact, portal.Validity30Days, base)
	end30 := *c30.ValidUntil
	tests := []struct {
		name    string
		cur     portal.Consent
		now     time.Time
		wantErr bool
	}{
		{"active", c30, base.Add(day), false},
		{"at the grant", c30, base, false},
		{"active unlimited", grantedConsent(portal.ScopeContact, portal.ValidityUnlimited, base), base.AddDate(5, 0, 0), false},
		{"just before the end", c30, end30.Add(-time.Nanosecond), false},
		{"at the end (expired)", c30, end30, true},
		{"after the end (expired)", c30, end30.Add(day), true},
		{"already revoked", revokedConsent(portal.ScopeContact, portal.ValidityUnlimited, base, base.Add(time.Hour)), base.Add(2 * time.Hour), true},
		{"never granted", portal.Consent{ID: 11, Scope: portal.ScopeContact}, base, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, ev, err := portal.Revoke(tt.cur, tt.now)
			if tt.wantErr {
				wantErr(t, err, portal.ECONFLICT, "err.consent_inactive")
				return
			}
			if err != nil {
				t.Fatalf("Revoke error: %v", err)
			}
			if next.Granted || !sameTime(next.RevokedAt, &tt.now) || !next.UpdatedAt.Equal(tt.now) {
				t.Errorf("consent Granted = %v, RevokedAt = %s, UpdatedAt = %v; want revoked at %v", next.Granted, fmtTime(next.RevokedAt), next.UpdatedAt, tt.now)
			}
			if next.ID != tt.cur.ID || !next.GrantedAt.Equal(tt.cur.GrantedAt) {
				t.Errorf("consent = %+v, want id and GrantedAt kept", next)
			}
			// P3: revocation is immediate.
			for _, at := range []time.Time{tt.now, tt.now.Add(time.Nanosecond), tt.now.AddDate(1, 0, 0)} {
				if next.ActiveAt(at) {
					t.Errorf("revoked consent active at %v", at)
				}
			}
			if ev.Kind != portal.ConsentRevoked || ev.ConsentID != tt.cur.ID || ev.CitizenID != tt.cur.CitizenID ||
				ev.CompanyID != tt.cur.CompanyID || ev.Scope != tt.cur.Scope || !ev.At.Equal(tt.now) ||
				!ev.OldActive || ev.NewActive || !sameTime(ev.OldValidUntil, tt.cur.ValidUntil) {
				t.Errorf("event = %+v, want a revoke of consent %d at %v, active -> inactive", ev, tt.cur.ID, tt.now)
			}
			if _, _, err := portal.Revoke(next, tt.now.Add(time.Second)); portal.ErrorCode(err) != portal.ECONFLICT {
				t.Errorf("revoking twice: err = %v, want %s", err, portal.ECONFLICT)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	identity := grantedConsent(portal.ScopeIdentity, portal.ValidityUnlimited, base)
	address := grantedConsent(portal.ScopeAddress, portal.Validity30Days, base)
	addressEnd := *address.ValidUntil
	revokedIncome := revokedConsent(portal.ScopeIncome, portal.ValidityUnlimited, base, base.Add(time.Hour))
	both := []portal.Consent{identity, address}
	tests := []struct {
		name     string
		consents []portal.Consent
		scopes   []portal.Scope
		now      time.Time
		want     bool
	}{
		{"one scope, active", both, []portal.Scope{portal.ScopeIdentity}, base, true},
		{"every scope active", both, []portal.Scope{portal.ScopeIdentity, portal.ScopeAddress}, base.Add(day), true},
		{"every scope active, just before an end", both, []portal.Scope{portal.ScopeIdentity, portal.ScopeAddress}, addressEnd.Add(-time.Nanosecond), true},
		{"one scope expired at its end", both, []portal.Scope{portal.ScopeIdentity, portal.ScopeAddress}, addressEnd, false},
		{"one scope expired after its end", both, []portal.Scope{portal.ScopeIdentity, portal.ScopeAddress}, addressEnd.Add(time.Nanosecond), false},
		{"expired consent alone", both, []portal.Scope{portal.ScopeAddress}, addressEnd, false},
		{"the unexpired one still covers", both, []portal.Scope{portal.ScopeIdentity}, addressEnd, true},
		{"one scope without consent", both, []portal.Scope{portal.ScopeIdentity, portal.ScopeIncome}, base, false},
		{"revoked scope", append(both, revokedIncome), []portal.Scope{portal.ScopeIdentity, portal.ScopeIncome}, base.Add(2 * time.Hour), false},
		{"revoked just now", []portal.Consent{revokedConsent(portal.ScopeIdentity, portal.ValidityUnlimited, base, base.Add(time.Hour))}, []portal.Scope{portal.ScopeIdentity}, base.Add(time.Hour), false},
		{"no consents", nil, []portal.Scope{portal.ScopeIdentity}, base, false},
		{"no scopes", both, nil, base, false},
		{"empty scopes", both, []portal.Scope{}, base, false},
		{"no consents and no scopes", nil, nil, base, false},
		{"scope listed twice", both, []portal.Scope{portal.ScopeIdentity, portal.ScopeIdentity}, base, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := portal.Covers(tt.consents, tt.scopes, tt.now); got != tt.want {
				t.Errorf("Covers(%v at %v) = %v, want %v", tt.scopes, tt.now, got, tt.want)
			}
		})
	}
}

package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"portal"
	"portal/store"
	"portal/store/storetest"
)

func TestStore_NotifyExpiringConsents(t *testing.T) {
	s, clock := storetest.New(t)
	ctx := context.Background()
	aysel := newCitizen(t, s, "5ABCD12")
	other := newCitizen(t, s, "7XYZ987")
	bank := newCompanyOffering(t, s, "Xəzər Bank", "1400012345", portal.ScopeIdentity, portal.ScopeAddress, portal.ScopeIncome)
	tele := newCompanyOffering(t, s, "Şirvan Telekom", "1300729564", portal.ScopeIdentity, portal.ScopeContact)
	grant := func(u portal.User, c portal.Company, sc portal.Scope, v portal.Validity) portal.Consent {
		t.Helper()
		got, err := s.GrantConsent(ctx, u.ID, c.ID, sc, v)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// Granted together: one notification for both scopes. Income lasts a year; telecom's is unlimited.
	grant(aysel, bank, portal.ScopeAddress, portal.Validity30Days)
	grant(aysel, bank, portal.ScopeIdentity, portal.Validity30Days)
	grant(aysel, bank, portal.ScopeIncome, portal.Validity1Year)
	grant(aysel, tele, portal.ScopeContact, portal.ValidityUnlimited)
	clock.Advance(time.Hour)
	revoked := grant(other, tele, portal.ScopeContact, portal.Validity30Days)
	if _, _, err := s.RevokeConsent(ctx, other.ID, revoked.ID); err != nil {
		t.Fatal(err)
	}
	expiring := func() []portal.Notification {
		t.Helper()
		var out []portal.Notification
		for _, u := range []portal.User{aysel, other} {
			notes, err := s.Notifications(ctx, u.ID, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range notes {
				if n.Kind == portal.NotifConsentExpires {
					out = append(out, n)
				}
			}
		}
		return out
	}

	t.Run("nothing ends within a week", func(t *testing.T) {
		got, err := s.NotifyExpiringConsents(ctx, 100)
		if err != nil || len(got) != 0 || len(expiring()) != 0 {
			t.Fatalf("notified %v (%v), notes %+v; want none 22 days ahead", got, err, expiring())
		}
	})

	t.Run("a week before the end", func(t *testing.T) {
		clock.Advance(23 * 24 * time.Hour) // 30 days - 23 days - 1 hour: less than 7 days left
		got, err := s.NotifyExpiringConsents(ctx, 100)
		if err != nil || !slices.Equal(got, []int64{aysel.ID}) {
			t.Fatalf("notified %v, %v; want Aysel only (the other citizen's consent is revoked)", got, err)
		}
		notes := expiring()
		if len(notes) != 1 {
			t.Fatalf("notes = %+v, want one for both scopes granted together", notes)
		}
		n := notes[0]
		want := storetest.Epoch.AddDate(0, 0, 30)
		if n.CitizenID != aysel.ID || n.CompanyID != bank.ID || n.CompanyName != "Xəzər Bank" || n.Deadline == nil || !n.Deadline.Equal(want) ||
			!slices.Equal(n.Scopes, []portal.Scope{portal.ScopeIdentity, portal.ScopeAddress}) || n.RequestID != "" || n.ReadAt != nil {
			t.Errorf("notification = %+v, want Xəzər Bank, identity and address, ending %v, unread", n, want)
		}
	})

	t.Run("idempotent", func(t *testing.T) {
		clock.Advance(time.Minute)
		got, err := s.NotifyExpiringConsents(ctx, 100)
		if err != nil || len(got) != 0 || len(expiring()) != 1 {
			t.Fatalf("second run notified %v (%v); notes %d, want still 1", got, err, len(expiring()))
		}
	})

	t.Run("extended, then near its new end", func(t *testing.T) {
		cs, err := s.ConsentsFor(ctx, aysel.ID, bank.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Scope == portal.ScopeAddress {
				if _, err := s.ChangeConsent(ctx, aysel.ID, c.ID, portal.Validity30Days); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got, _ := s.NotifyExpiringConsents(ctx, 100); len(got) != 0 {
			t.Fatalf("notified %v right after the extension", got)
		}
		clock.Advance(24 * 24 * time.Hour)
		got, err := s.NotifyExpiringConsents(ctx, 100)
		if err != nil || !slices.Equal(got, []int64{aysel.ID}) {
			t.Fatalf("notified %v, %v near the new end", got, err)
		}
		notes := expiring()
		if len(notes) != 2 || !slices.Equal(notes[0].Scopes, []portal.Scope{portal.ScopeAddress}) {
			t.Errorf("notes = %+v, want a second one for the address consent's new end", notes)
		}
	})

	t.Run("past the end", func(t *testing.T) {
		clock.Advance(30 * 24 * time.Hour)
		if got, _ := s.NotifyExpiringConsents(ctx, 100); len(got) != 0 {
			t.Errorf("notified %v for consents already ended", got)
		}
	})
}

func TestStore_Notifications(t *testing.T) {
	s, clock := storetest.New(t)
	ctx := context.Background()
	aysel := newCitizen(t, s, "5ABCD12")
	other := newCitizen(t, s, "7XYZ987")
	bank := newCompanyOffering(t, s, "Xəzər Bank", "1400012345", portal.ScopeIdentity)
	var ids []string
	for range 7 {
		clock.Advance(time.Second)
		ids = append(ids, makeRequest(t, s, bank.ID, "5ABCD12", portal.ScopeIdentity).ID)
		makeRequest(t, s, bank.ID, "7XYZ987", portal.ScopeIdentity)
	}
	t.Run("keyset pages, newest first, only mine", func(t *testing.T) {
		var seen []string
		var before int64
		for {
			page, err := s.Notifications(ctx, aysel.ID, before, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, n := range page {
				if n.CitizenID != aysel.ID {
					t.Fatalf("another citizen's notification: %+v", n)
				}
				seen = append(seen, n.RequestID)
			}
			before = page[len(page)-1].ID
		}
		want := slices.Clone(ids)
		slices.Reverse(want)
		if !slices.Equal(seen, want) {
			t.Errorf("saw %v, want %v", seen, want)
		}
	})
	t.Run("mark read up to an id", func(t *testing.T) {
		page, err := s.Notifications(ctx, aysel.ID, 0, 3)
		if err != nil {
			t.Fatal(err)
		}
		upto := page[0].ID
		makeRequest(t, s, bank.ID, "5ABCD12", portal.ScopeIdentity) // arrives after the page was shown
		n, err := s.MarkNotificationsRead(ctx, aysel.ID, upto)
		if err != nil || n != 7 {
			t.Fatalf("marked %d, %v; want the 7 shown", n, err)
		}
		if c, _ := s.UnreadCount(ctx, aysel.ID); c != 1 {
			t.Errorf("unread = %d, want the 1 that arrived later", c)
		}
		if c, _ := s.UnreadCount(ctx, other.ID); c != 7 {
			t.Errorf("the other citizen's unread = %d, want 7 untouched", c)
		}
	})
}

// TestStore_DashboardCounts checks that the dashboard's one statement counts exactly what UnreadCount and
// ActiveConsentCount count, for the citizen asked about only: unread notifications, and consents granted,
// not revoked and not past their validity at the time asked.
func TestStore_DashboardCounts(t *testing.T) {
	s, clock := storetest.New(t)
	ctx := context.Background()
	aysel := newCitizen(t, s, "5ABCD12")
	other := newCitizen(t, s, "7XYZ987")
	bank := newCompanyOffering(t, s, "Xəzər Bank", "1400012345", portal.ScopeIdentity, portal.ScopeAddress, portal.ScopeIncome)
	check := func(t *testing.T, u portal.User, unread, active int) {
		t.Helper()
		got, err := s.DashboardCounts(ctx, u.ID, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.DashboardCounts{Unread: unread, ActiveConsents: active}); got != want {
			t.Errorf("DashboardCounts = %+v, want %+v", got, want)
		}
		n, _ := s.UnreadCount(ctx, u.ID)
		a, _ := s.ActiveConsentCount(ctx, u.ID, clock.Now())
		if got.Unread != n || got.ActiveConsents != a {
			t.Errorf("DashboardCounts = %+v, separate counts unread %d, active %d", got, n, a)
		}
	}

	t.Run("none", func(t *testing.T) { check(t, aysel, 0, 0) })

	for _, sc := range []portal.Scope{portal.ScopeIdentity, portal.ScopeAddress} {
		if _, err := s.GrantConsent(ctx, aysel.ID, bank.ID, sc, portal.Validity30Days); err != nil {
			t.Fatal(err)
		}
	}
	income, err := s.GrantConsent(ctx, aysel.ID, bank.ID, portal.ScopeIncome, portal.ValidityUnlimited)
	if err != nil {
		t.Fatal(err)
	}
	makeRequest(t, s, bank.ID, aysel.FIN, portal.ScopeIdentity)
	makeRequest(t, s, bank.ID, aysel.FIN, portal.ScopeAddress)
	t.Run("consents and unread notifications", func(t *testing.T) {
		check(t, aysel, 2, 3)
		check(t, other, 0, 0)
	})

	if _, _, err := s.RevokeConsent(ctx, aysel.ID, income.ID); err != nil {
		t.Fatal(err)
	}
	t.Run("revoked", func(t *testing.T) { check(t, aysel, 2, 2) })

	if _, err := s.MarkNotificationsRead(ctx, aysel.ID, 0); err != nil {
		t.Fatal(err)
	}
	clock.Advance(31 * 24 * time.Hour)
	t.Run("read and expired", func(t *testing.T) { check(t, aysel, 0, 0) })
}

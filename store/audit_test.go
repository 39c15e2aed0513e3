package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portal"
	"portal/store"
	"portal/store/storetest"
)

// auditSince returns the entries appended after sequence number seq.
func auditSince(t *testing.T, s *store.Store, seq int64) []portal.AuditEntry {
	t.Helper()
	head, _, err := s.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []portal.AuditEntry
	for n := seq + 1; n <= head; n++ {
		e, err := s.AuditEntry(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func actions(entries []portal.AuditEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Action
	}
	return out
}

// TestStore_AuditEveryWrite goes through every write the store offers and checks the audit entries each
// appends: one per change PRODUCT.md §3 and P5 list, none for a write that failed (the entry is in the
// change's transaction and rolls back with it), and none for bookkeeping (sessions, key usage, housekeeping).
func TestStore_AuditEveryWrite(t *testing.T) {
	s, clock := storetest.New(t)
	ctx := context.Background()
	citizen := portal.Actor{Kind: portal.ActorCitizen}
	admin := portal.Actor{Kind: portal.ActorAdmin, ID: 99}
	var aysel portal.User
	var bank portal.Company
	var keyID int64
	var consent portal.Consent
	var pending, approved portal.DataRequest
	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"create citizen", func() (err error) {
			aysel, err = s.CreateUser(ctx, portal.System, portal.User{FIN: "5ABCD12", Name: "Aysel Məmmədova", Role: portal.RoleCitizen}, "hash")
			citizen.ID = aysel.ID
			return err
		}, []string{"user.create"}},
		{"duplicate citizen fails", func() error {
			_, err := s.CreateUser(ctx, portal.System, portal.User{FIN: "5ABCD12", Name: "X", Role: portal.RoleCitizen}, "hash")
			return expectErr(err)
		}, nil},
		{"set password", func() error { return s.SetPasswordHash(ctx, citizen, aysel.ID, "hash2") }, []string{"user.password"}},
		{"register company", func() (err error) {
			bank, err = s.CreateCompany(ctx, admin, portal.Company{Name: "Xəzər Bank", VOEN: "1400012345", Sector: "bank"}, []portal.Offer{
				{Scope: portal.ScopeIdentity, Purpose: "Kredit", LegalBasis: portal.BasisConsent, RetentionDays: 30, Frequency: portal.FrequencyOneOff},
				{Scope: portal.ScopeIncome, Purpose: "Kredit", LegalBasis: portal.BasisConsent, RetentionDays: 30, Frequency: portal.FrequencyOneOff},
				{Scope: portal.ScopeAddress, Purpose: "Kredit", LegalBasis: portal.BasisConsent, RetentionDays: 30, Frequency: portal.FrequencyOneOff},
			})
			return err
		}, []string{"company.create"}},
		{"create api key", func() error {
			k, err := s.CreateAPIKey(ctx, admin, bank.ID, "pk_test1234", []byte("0123456789abcdef0123456789abcdef"))
			keyID = k.ID
			return err
		}, []string{"apikey.create"}},
		{"touch api key", func() error { return s.TouchAPIKey(ctx, keyID, clock.Now()) }, nil},
		{"revoke api key", func() error { return s.RevokeAPIKey(ctx, admin, bank.ID, keyID) }, []string{"apikey.revoke"}},
		{"grant consent", func() (err error) {
			consent, err = s.GrantConsent(ctx, aysel.ID, bank.ID, portal.ScopeIdentity, portal.Validity30Days)
			return err
		}, []string{"consent.grant"}},
		{"grant a scope not offered fails", func() error {
			_, err := s.GrantConsent(ctx, aysel.ID, bank.ID, portal.ScopeVehicles, portal.Validity30Days)
			return expectErr(err)
		}, nil},
		{"change consent", func() error {
			_, err := s.ChangeConsent(ctx, aysel.ID, consent.ID, portal.Validity1Year)
			return err
		}, []string{"consent.change"}},
		{"request delivered under consent", func() error { makeRequest(t, s, bank.ID, "5ABCD12", portal.ScopeIdentity); return nil }, []string{"request.create"}},
		{"request pending", func() error {
			pending = makeRequest(t, s, bank.ID, "5ABCD12", portal.ScopeIdentity, portal.ScopeIncome)
			return nil
		}, []string{"request.create"}},
		{"company cancels", func() error { _, err := s.CancelRequest(ctx, bank.ID, pending.ID); return err }, []string{"request.cancel"}},
		{"citizen denies", func() error {
			r := makeRequest(t, s, bank.ID, "5ABCD12", portal.ScopeIncome)
			_, err := s.DecideRequest(ctx, aysel.ID, r.ID, false, "")
			return err
		}, []string{"request.create", "request.deny"}},
		{"citizen approves and keeps the consent", func() (err error) {
			r := makeRequest(t, s, bank.ID, "5ABCD12", portal.ScopeIncome)
			approved, err = s.DecideRequest(ctx, aysel.ID, r.ID, true, portal.Validity30Days)
			return err
		}, []string{"request.create", "request.approve", "consent.grant"}},
		{"company collects", func() error { _, err := s.CollectRequest(ctx, bank.ID, approved.ID); return err }, []string{"request.collect"}},
		{"collecting twice fails", func() error { _, err := s.CollectRequest(ctx, bank.ID, approved.ID); return expectErr(err) }, nil},
		{"approved request cancelled by a revoke", func() error {
			r := makeRequest(t, s, bank.ID, "5ABCD12", portal.ScopeIdentity, portal.ScopeAddress)
			if _, err := s.DecideRequest(ctx, aysel.ID, r.ID, true, ""); err != nil {
				return err
			}
			_, cancelled, err := s.RevokeConsent(ctx, aysel.ID, consent.ID)
			if len(cancelled) != 1 {
				return fmt.Errorf("cancelled %d requests, want 1", len(cancelled))
			}
			return err
		}, []string{"request.create", "request.approve", "consent.revoke", "request.cancel"}},
		{"expiry", func() error {
			makeRequest(t, s, bank.ID, "5ABCD12", portal.ScopeIdentity)
			clock.Advance(6 * time.Minute)
			_, err := s.ExpireDue(ctx, 10)
			return err
		}, []string{"request.create", "request.expire"}},
		{"login, logout, failed login", func() error {
			for _, a := range []string{"login", "logout", "login.fail"} {
				if err := s.RecordAudit(ctx, store.Audit{Actor: citizen, Action: a, CitizenID: aysel.ID}); err != nil {
					return err
				}
			}
			return nil
		}, []string{"login", "logout", "login.fail"}},
		{"end other sessions", func() error { _, err := s.DeleteOtherSessions(ctx, citizen, aysel.ID, []byte("keep")); return err }, []string{"session.end_others"}},
		{"seed citizens", func() error {
			_, err := s.SeedCitizens(ctx, portal.System, []store.SeedCitizen{{FIN: "1AAA111", Name: "Leyla Həsənova", PasswordHash: "h"}})
			return err
		}, []string{"user.seed"}},
		{"bookkeeping", func() error {
			if _, err := s.MarkNotificationsRead(ctx, aysel.ID, 0); err != nil {
				return err
			}
			if _, err := s.NotifyExpiringConsents(ctx, 10); err != nil {
				return err
			}
			if err := s.DeleteIdempotencyKeysBefore(ctx, clock.Now()); err != nil {
				return err
			}
			_, err := s.DeleteSessionsBefore(ctx, clock.Now(), clock.Now())
			return err
		}, nil},
	}
	for _, st := range steps {
		head, _, err := s.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got := actions(auditSince(t, s, head))
		if !slices.Equal(got, st.want) {
			t.Errorf("%s: audit entries %v, want %v", st.name, got, st.want)
		}
	}
	if _, brk, err := s.VerifyAudit(ctx); err != nil || brk != nil {
		t.Fatalf("verify: %v %+v", err, brk)
	}

	// No personal data values and no secrets in any entry (P5, P6): not the FIN, the name, the purpose a
	// company typed, a password hash or an API key hash.
	for _, e := range auditSince(t, s, 0) {
		text := e.Subject + " " + e.Details
		for _, secret := range []string{"5ABCD12", "1AAA111", "Aysel", "Məmmədova", "Leyla", "Kredit müraciəti", "hash", "0123456789abcdef"} {
			if strings.Contains(text, secret) {
				t.Errorf("audit entry %d (%s) contains %q: %s", e.Seq, e.Action, secret, text)
			}
		}
		if e.Action != "login.fail" && e.Actor.Kind == "" {
			t.Errorf("audit entry %d has no actor", e.Seq)
		}
	}
}

func expectErr(err error) error {
	if err == nil {
		return fmt.Errorf("succeeded; want a failure")
	}
	return nil
}

// TestStore_AuditConcurrentWriters appends from many goroutines through different store methods and, at the
// same time, from a second Store opened on the same file, as a CLI process beside the server would. The
// chain must stay one valid chain with one entry per committed change.
func TestStore_AuditConcurrentWriters(t *testing.T) {
	s1, clock := storetest.New(t)
	s2 := storetest.Open(t, s1.Path(), clock) // a second process's store
	ctx := context.Background()
	bank := newCompanyOffering(t, s1, "Xəzər Bank", "1400012345", portal.ScopeIdentity, portal.ScopeAddress, portal.ScopeIncome)
	const citizens = 8
	users := make([]portal.User, citizens)
	for i := range users {
		users[i] = newCitizen(t, s1, fmt.Sprintf("%dCIT%03d", i, i))
	}
	before, _, err := s1.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}

	var appended atomic.Int64 // one audit entry per successful call below
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	const workers, perWorker = 8, 12
	for si, s := range []*store.Store{s1, s2} {
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := users[w]
				for i := range perWorker {
					var err error
					switch i % 5 {
					case 0:
						_, err = s.CreateUser(ctx, portal.System, portal.User{FIN: fmt.Sprintf("%dW%02dX%02d", si, w, i), Name: "n", Role: portal.RoleCitizen}, "h")
					case 1:
						_, err = s.GrantConsent(ctx, u.ID, bank.ID, portal.ScopeAddress, portal.Validity30Days)
					case 2:
						err = s.RecordAudit(ctx, store.Audit{Actor: portal.Actor{Kind: portal.ActorCitizen, ID: u.ID}, Action: "login", CitizenID: u.ID})
					case 3:
						_, err = s.CreateRequest(ctx, store.NewRequest{CompanyID: bank.ID, FIN: u.FIN, Scopes: []portal.Scope{portal.ScopeIncome}, Purpose: "p",
							Render: func(portal.DataRequest, map[portal.Scope]map[string]any) (int, []byte, error) { return 202, nil, nil }}, time.Minute)
					case 4:
						_, err = s.CreateCompany(ctx, portal.System, portal.Company{Name: "C", VOEN: fmt.Sprintf("9%d%02d%02d0000", si, w, i), Sector: "other"}, nil)
					}
					if err != nil {
						errs <- fmt.Errorf("worker %d step %d: %w", w, i, err)
						return
					}
					appended.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for name, s := range map[string]*store.Store{"first store": s1, "second store": s2} {
		n, brk, err := s.VerifyAudit(ctx)
		if err != nil || brk != nil {
			t.Fatalf("%s: verify: %v %+v", name, err, brk)
		}
		if want := before + appended.Load(); n != want {
			t.Errorf("%s: %d entries, want %d (%d before, %d appended)", name, n, want, before, appended.Load())
		}
	}
	if appended.Load() != 2*workers*perWorker {
		t.Errorf("%d writes succeeded, want all %d", appended.Load(), 2*workers*perWorker)
	}
}

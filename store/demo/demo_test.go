package demo_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"portal"
	"portal/store"
	"portal/store/demo"
	"portal/store/storetest"
)

type fakeHasher struct{}

func (fakeHasher) Hash(_ context.Context, pw string) (string, error) { return "fake$" + pw, nil }

func fakeKey() (string, string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", nil, err
	}
	key := "pk_" + hex.EncodeToString(b)
	sum := sha256.Sum256([]byte(key))
	return key, key[:11], sum[:], nil
}

// counts is what the tests compare between seedings.
type counts struct {
	admins, citizens, companies, ayselConsents, registry int
	auditSeq                                             int64
}

func countAll(t *testing.T, s *store.Store) counts {
	t.Helper()
	ctx := context.Background()
	var c counts
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	c.admins, err = s.CountUsers(ctx, portal.RoleAdmin)
	must(err)
	c.citizens, err = s.CountUsers(ctx, portal.RoleCitizen)
	must(err)
	c.companies, err = s.CountCompanies(ctx)
	must(err)
	c.registry, err = s.CountRegistryData(ctx)
	must(err)
	c.auditSeq, _, err = s.AuditHead(ctx)
	must(err)
	aysel, _, err := s.UserByFIN(ctx, demo.AyselFIN)
	must(err)
	cs, err := s.Consents(ctx, aysel.ID)
	must(err)
	c.ayselConsents = len(cs)
	return c
}

func seed(t *testing.T, s *store.Store, n int) (demo.Result, string) {
	t.Helper()
	var out bytes.Buffer
	res, err := demo.Seed(context.Background(), s, fakeHasher{}, demo.Options{
		Citizens: n, Out: &out, NewAPIKey: fakeKey, Now: func() time.Time { return storetest.Epoch },
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return res, out.String()
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	s, _ := storetest.New(t)
	res, out := seed(t, s, 200)

	t.Run("first seeding", func(t *testing.T) {
		if !res.Seeded || res.Citizens != 203 || res.Companies != 8 {
			t.Errorf("result = seeded %v, %d citizens, %d companies; want true, 203, 8", res.Seeded, res.Citizens, res.Companies)
		}
		c := countAll(t, s)
		want := counts{admins: 1, citizens: 203, companies: 8, ayselConsents: 4, registry: 203 * len(portal.Scopes), auditSeq: c.auditSeq}
		if c != want {
			t.Errorf("counts = %+v, want %+v", c, want)
		}
		if len(res.Keys) != 8 {
			t.Fatalf("got %d keys, want 8", len(res.Keys))
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 8 {
			t.Fatalf("printed %d lines, want 8:\n%s", len(lines), out)
		}
		for name, key := range res.Keys {
			if !strings.Contains(out, "demo API key for "+name+" (VÖEN ") || !strings.Contains(out, "): "+key+"\n") {
				t.Errorf("key of %s not printed:\n%s", name, out)
			}
			sum := sha256.Sum256([]byte(key))
			if _, c, err := s.APIKeyByHash(ctx, sum[:]); err != nil || c.Name != name {
				t.Errorf("key of %s: company %q, %v", name, c.Name, err)
			}
		}
		if !strings.Contains(out, "demo API key for Xəzər İnvest Bank (VÖEN "+demo.BankVOEN+"): pk_") {
			t.Errorf("bank key line missing:\n%s", out)
		}
	})

	t.Run("second seeding changes nothing", func(t *testing.T) {
		before := countAll(t, s)
		res2, out2 := seed(t, s, 200)
		if res2.Seeded || res2.Citizens != 0 || res2.Companies != 0 || len(res2.Keys) != 0 {
			t.Errorf("second result = %+v, want nothing seeded", res2)
		}
		if out2 != "" {
			t.Errorf("second seeding printed %q", out2)
		}
		if after := countAll(t, s); after != before {
			t.Errorf("counts changed: %+v, then %+v", before, after)
		}
	})

	t.Run("audit chain verifies", func(t *testing.T) {
		n, brk, err := s.VerifyAudit(ctx)
		if err != nil || brk != nil || n == 0 {
			t.Errorf("VerifyAudit = %d, %+v, %v", n, brk, err)
		}
	})

	t.Run("named citizens have every scope", func(t *testing.T) {
		for _, fin := range []string{demo.AyselFIN, demo.RashadFIN, demo.LeylaFIN} {
			u, hash, err := s.UserByFIN(ctx, fin)
			if err != nil || u.Role != portal.RoleCitizen || !strings.HasPrefix(hash, "fake$demo-pass-") {
				t.Errorf("%s: %+v %q %v", fin, u, hash, err)
			}
			data, err := s.Registry().Fetch(ctx, fin, portal.Scopes)
			if err != nil {
				t.Fatal(err)
			}
			for _, sc := range portal.Scopes {
				if got := sortedKeys(data[sc]); !slices.Equal(got, sorted(sc.Fields())) {
					t.Errorf("%s %s fields = %v, want %v", fin, sc, got, sc.Fields())
				}
			}
			if data[portal.ScopeIdentity]["fin"] != fin {
				t.Errorf("%s identity fin = %v", fin, data[portal.ScopeIdentity]["fin"])
			}
			if n := len(data[portal.ScopeIncome]["monthly_salaries"].([]any)); n != 12 {
				t.Errorf("%s has %d months of income", fin, n)
			}
		}
		if u, hash, err := s.UserByFIN(ctx, demo.AdminFIN); err != nil || !u.IsAdmin() || hash != "fake$"+demo.AdminPassword {
			t.Errorf("admin: %+v %q %v", u, hash, err)
		}
	})

	t.Run("Aysel's consents", func(t *testing.T) {
		aysel, _, err := s.UserByFIN(ctx, demo.AyselFIN)
		if err != nil {
			t.Fatal(err)
		}
		bank, err := s.CompanyByVOEN(ctx, demo.BankVOEN)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := s.ConsentsFor(ctx, aysel.ID, bank.ID)
		if err != nil {
			t.Fatal(err)
		}
		now := storetest.Epoch
		if !portal.Covers(cs, []portal.Scope{portal.ScopeIdentity, portal.ScopeAddress}, now) {
			t.Errorf("bank consents %+v do not cover identity+address", cs)
		}
		if portal.Covers(cs, []portal.Scope{portal.ScopeIncome}, now) {
			t.Error("bank consents cover income")
		}
		telecom, err := s.CompanyByVOEN(ctx, demo.TelecomVOEN)
		if err != nil {
			t.Fatal(err)
		}
		cs, err = s.ConsentsFor(ctx, aysel.ID, telecom.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !portal.Covers(cs, []portal.Scope{portal.ScopeContact}, now.AddDate(10, 0, 0)) {
			t.Errorf("telecom contact consent %+v is not unlimited", cs)
		}
	})

	t.Run("scenarios match the data", func(t *testing.T) {
		for _, sc := range res.Scenarios {
			c, err := s.CompanyByVOEN(ctx, sc.VOEN)
			if err != nil || c.Name != sc.Company {
				t.Fatalf("%+v: company %q, %v", sc, c.Name, err)
			}
			u, _, err := s.UserByFIN(ctx, sc.CitizenFIN)
			if err != nil {
				t.Fatal(err)
			}
			offers, err := s.Offers(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			offered := true
			for _, want := range sc.Scopes {
				offered = offered && slices.ContainsFunc(offers, func(o portal.Offer) bool { return o.Scope == want })
			}
			cs, err := s.ConsentsFor(ctx, u.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := "pending"
			switch {
			case !offered:
				got = portal.CodeScopeNotOffered
			case portal.Covers(cs, sc.Scopes, storetest.Epoch):
				got = "delivered"
			}
			if got != sc.Outcome {
				t.Errorf("%s asks %s for %v: %s, want %s", sc.Company, sc.CitizenFIN, sc.Scopes, got, sc.Outcome)
			}
		}
	})

	t.Run("generated citizens", func(t *testing.T) {
		seen := map[string]bool{demo.AdminFIN: true, demo.AyselFIN: true, demo.RashadFIN: true, demo.LeylaFIN: true}
		for i := range 200 {
			fin := demo.GeneratedFIN(i)
			if p, err := portal.ParseFIN(fin); err != nil || p != fin {
				t.Fatalf("GeneratedFIN(%d) = %q: %v", i, fin, err)
			}
			if seen[fin] {
				t.Fatalf("GeneratedFIN(%d) = %q repeats", i, fin)
			}
			seen[fin] = true
			u, hash, err := s.UserByFIN(ctx, fin)
			if err != nil || u.Role != portal.RoleCitizen || hash != "fake$"+demo.GeneratedPassword || u.Name == "" {
				t.Fatalf("%s: %+v %q %v", fin, u, hash, err)
			}
		}
		for _, i := range []int{0, 77, 199} {
			fin := demo.GeneratedFIN(i)
			data, err := s.Registry().Fetch(ctx, fin, portal.Scopes)
			if err != nil {
				t.Fatal(err)
			}
			for _, sc := range portal.Scopes {
				if got := sortedKeys(data[sc]); !slices.Equal(got, sorted(sc.Fields())) {
					t.Errorf("%s %s fields = %v, want %v", fin, sc, got, sc.Fields())
				}
			}
		}
		if _, _, err := s.UserByFIN(ctx, demo.GeneratedFIN(200)); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("citizen 200 exists: %v", err)
		}
	})

	t.Run("more citizens later adds only the new ones", func(t *testing.T) {
		before := countAll(t, s)
		res3, out3 := seed(t, s, 500)
		if res3.Citizens != 300 || res3.Companies != 0 || out3 != "" {
			t.Errorf("result = %+v, printed %q; want 300 new citizens and no keys", res3, out3)
		}
		after := countAll(t, s)
		if after.citizens != before.citizens+300 || after.registry != before.registry+300*len(portal.Scopes) {
			t.Errorf("counts %+v, then %+v", before, after)
		}
		if _, brk, err := s.VerifyAudit(ctx); brk != nil || err != nil {
			t.Errorf("audit: %+v %v", brk, err)
		}
	})
}

func TestSeed_respectsWhatTheDemoUserDid(t *testing.T) {
	ctx := context.Background()
	s, _ := storetest.New(t)
	seed(t, s, -1)
	aysel, _, err := s.UserByFIN(ctx, demo.AyselFIN)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := s.Consents(ctx, aysel.ID)
	if err != nil || len(cs) == 0 {
		t.Fatalf("consents %v %v", cs, err)
	}
	if _, _, err := s.RevokeConsent(ctx, aysel.ID, cs[0].ID); err != nil {
		t.Fatal(err)
	}
	bank, err := s.CompanyByVOEN(ctx, demo.BankVOEN)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s.APIKeys(ctx, bank.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v %v", keys, err)
	}
	if err := s.RevokeAPIKey(ctx, portal.Actor{Kind: portal.ActorAdmin, ID: 1}, bank.ID, keys[0].ID); err != nil {
		t.Fatal(err)
	}

	res, out := seed(t, s, -1)
	if res.Seeded || out != "" {
		t.Errorf("reseeding did something: %+v %q", res, out)
	}
	c, err := s.Consent(ctx, aysel.ID, cs[0].ID)
	if err != nil || c.ActiveAt(storetest.Epoch) {
		t.Errorf("revoked consent came back: %+v %v", c, err)
	}
	if n, _ := s.CountUsers(ctx, portal.RoleCitizen); n != 3 {
		t.Errorf("%d citizens with Citizens: -1, want 3", n)
	}
}

func TestSeed_defaultCitizens(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 1000 citizens")
	}
	s, _ := storetest.New(t)
	start := time.Now()
	res, _ := seed(t, s, 0)
	t.Logf("seeded %d citizens in %v", res.Citizens, time.Since(start))
	if res.Citizens != demo.DefaultCitizens+3 {
		t.Errorf("seeded %d citizens, want %d", res.Citizens, demo.DefaultCitizens+3)
	}
	if n, _ := s.CountUsers(context.Background(), portal.RoleCitizen); n != demo.DefaultCitizens+3 {
		t.Errorf("%d citizens", n)
	}
}

func TestGeneratedFIN(t *testing.T) {
	seen := map[string]int{}
	for _, fin := range []string{demo.AdminFIN, demo.AyselFIN, demo.RashadFIN, demo.LeylaFIN} {
		seen[fin] = -1
	}
	for i := range 200_000 {
		fin := demo.GeneratedFIN(i)
		if p, err := portal.ParseFIN(fin); err != nil || p != fin {
			t.Fatalf("GeneratedFIN(%d) = %q: %v", i, fin, err)
		}
		if j, dup := seen[fin]; dup {
			t.Fatalf("GeneratedFIN(%d) = %q, as for %d", i, fin, j)
		}
		seen[fin] = i
	}
	if demo.GeneratedFIN(12345) != demo.GeneratedFIN(12345) {
		t.Error("GeneratedFIN is not deterministic")
	}
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// BenchmarkSeed seeds 10 000 generated citizens into a fresh database per iteration.
func BenchmarkSeed(b *testing.B) {
	const n = 10_000
	for b.Loop() {
		b.StopTimer()
		s, _ := storetest.New(b)
		b.StartTimer()
		if _, err := demo.Seed(context.Background(), s, fakeHasher{}, demo.Options{Citizens: n, NewAPIKey: fakeKey}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/citizen")
}

// Package demo seeds a database with the demo data of PRODUCT.md §9: an admin, three named citizens with
// data in every scope, generated citizens for volume, companies across sectors with offers and one API key
// each, and consents of Aysel Məmmədova that make both an immediate delivery and a pending approval easy to
// show.
//
// Seeding is idempotent and resumable: every step first checks whether its part exists (a user by FIN, a
// company by VÖEN, a company's API keys, Aysel's consent rows, a batch of generated FINs) and adds only what
// is missing, so running `portal serve --demo` again on a seeded database changes nothing and prints no keys.
// It never re-grants a consent Aysel revoked or re-keys a company whose key was revoked: what the demo user
// did stays done.
package demo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"portal"
	"portal/store"
)

// The demo accounts of PRODUCT.md §9.
const (
	AdminFIN      = "ADMIN01"
	AdminPassword = "admin-demo-pass"

	AyselFIN       = "5ABCD12" // Aysel Məmmədova: holds the demo consents
	AyselPassword  = "demo-pass-1"
	RashadFIN      = "7XYZ987" // Rəşad Əliyev: holds no consents
	RashadPassword = "demo-pass-2"
	LeylaFIN       = "3QWE456" // Leyla Həsənova: a pensioner in Gəncə, holds no consents
	LeylaPassword  = "demo-pass-3"

	// GeneratedPassword is the password of every generated citizen. They all share one hash of it, made
	// once per seeding, because hashing a hundred thousand passwords with argon2id would take many minutes
	// and they are only there for volume.
	GeneratedPassword = "demo-citizen-pass"

	// DefaultCitizens is how many citizens are generated when Options.Citizens is 0.
	DefaultCitizens = 1000

	// MaxCitizens caps Options.Citizens.
	MaxCitizens = 1_000_000
)

// VÖENs of the demo companies that the scenarios and tests refer to.
const (
	BankVOEN      = "1400012345" // Xəzər İnvest Bank
	InsuranceVOEN = "1700384521" // Odlar Sığorta
	TelecomVOEN   = "1300729564" // Şirvan Telekom
	EmployerVOEN  = "1502846317" // Qafqaz Mühəndislik
)

// batchSize is how many generated citizens share one write transaction.
const batchSize = 2000

// Hasher hashes a password for storage; auth.Hasher satisfies it.
type Hasher interface {
	Hash(ctx context.Context, password string) (string, error)
}

// Options configure Seed.
type Options struct {
	// Citizens is how many citizens to generate besides the named ones: DefaultCitizens when 0, none when
	// negative.
	Citizens int
	// Out receives the demo companies' API keys, printed once when they are created; discarded when nil.
	Out io.Writer
	// NewAPIKey makes a fresh API key: the key to hand out, its prefix and the hash to store
	// (auth.GenerateAPIKey). Required.
	NewAPIKey func() (key, prefix string, hash []byte, err error)
	// Now gives the seeding time, from which the generated "last 12 months" of income are counted;
	// time.Now when nil. Pass the store's clock to keep the data in step with a fake clock.
	Now func() time.Time
}

// Result tells what Seed did.
type Result struct {
	// Seeded is true when this call added anything (false on an already seeded database).
	Seeded bool
	// Citizens and Companies count what this call added, named citizens included; 0 when already seeded.
	Citizens  int
	Companies int
	// Keys maps a company's name to the API key made for it by this call. Keys are stored only as hashes,
	// so they are known only on the seeding that creates them.
	Keys map[string]string
	// Scenarios are the demo API requests and what each shows, for the README and the startup log.
	Scenarios []Scenario
}

// Scenario is a demo API request and its expected outcome on a freshly seeded database.
type Scenario struct {
	Company    string
	VOEN       string
	CitizenFIN string
	Scopes     []portal.Scope
	Outcome    string // "delivered" (200), "pending" (202) or an API error code
	Why        string
}

// Scenarios lists what the demo data is built to show. Aysel's consents (see ayselConsents) make the first
// and third deliver at once; everything else waits for the citizen's approval or is refused.
func Scenarios() []Scenario {
	return []Scenario{
		{"Xəzər İnvest Bank", BankVOEN, AyselFIN, []portal.Scope{portal.ScopeIdentity, portal.ScopeAddress}, "delivered",
			"Aysel holds 1-year consents to the bank for identity and address"},
		{"Xəzər İnvest Bank", BankVOEN, AyselFIN, []portal.Scope{portal.ScopeIncome}, "pending",
			"the bank offers income but Aysel has no income consent: she approves or denies within the window"},
		{"Şirvan Telekom", TelecomVOEN, AyselFIN, []portal.Scope{portal.ScopeContact}, "delivered",
			"Aysel's contact consent to the telecom lasts until revoked"},
		{"Xəzər İnvest Bank", BankVOEN, AyselFIN, []portal.Scope{portal.ScopeIdentity, portal.ScopeIncome}, "pending",
			"one scope without consent makes the whole request wait"},
		{"Şirvan Telekom", TelecomVOEN, RashadFIN, []portal.Scope{portal.ScopeContact}, "pending",
			"Rəşad holds no consents"},
		{"Şirvan Telekom", TelecomVOEN, AyselFIN, []portal.Scope{portal.ScopeIncome}, portal.CodeScopeNotOffered,
			"the telecom has no income offer (422)"},
	}
}

// ayselConsents are the consents Aysel holds after seeding: bank identity and address (1 year), telecom
// contact (until revoked), insurer vehicles (90 days).
var ayselConsents = []struct {
	voen     string
	scope    portal.Scope
	validity portal.Validity
}{
	{BankVOEN, portal.ScopeIdentity, portal.Validity1Year},
	{BankVOEN, portal.ScopeAddress, portal.Validity1Year},
	{TelecomVOEN, portal.ScopeContact, portal.ValidityUnlimited},
	{InsuranceVOEN, portal.ScopeVehicles, portal.Validity90Days},
}

// Seed fills the database with the demo data, adding only what is missing. The audit log records every
// addition with the system as actor, except Aysel's consents, which the store records as hers.
func Seed(ctx context.Context, s *store.Store, h Hasher, opts Options) (Result, error) {
	if opts.NewAPIKey == nil {
		return Result{}, errors.New("demo: Options.NewAPIKey is required")
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	n := opts.Citizens
	switch {
	case n == 0:
		n = DefaultCitizens
	case n < 0:
		n = 0
	case n > MaxCitizens:
		return Result{}, fmt.Errorf("demo: at most %d generated citizens", MaxCitizens)
	}
	res := Result{Keys: map[string]string{}, Scenarios: Scenarios()}
	now := opts.Now().UTC()

	admin := portal.User{FIN: AdminFIN, Name: "Portal Administratoru", Role: portal.RoleAdmin}
	created, err := ensureUser(ctx, s, h, admin, AdminPassword)
	if err != nil {
		return res, err
	}
	res.Seeded = created

	companies := demoCompanies()
	ids := make(map[string]int64, len(companies)) // by VÖEN
	for _, c := range companies {
		id, created, err := ensureCompany(ctx, s, c, &res, opts)
		if err != nil {
			return res, err
		}
		ids[c.in.VOEN] = id
		if created {
			res.Companies++
			res.Seeded = true
		}
	}

	for _, p := range namedCitizens(now) {
		created, err := ensureUser(ctx, s, h, portal.User{FIN: p.fin, Name: p.name, Role: portal.RoleCitizen}, p.password)
		if err != nil {
			return res, err
		}
		if created {
			res.Citizens++
			res.Seeded = true
		}
		added, err := ensureRegistry(ctx, s, p.fin, p.data)
		if err != nil {
			return res, err
		}
		res.Seeded = res.Seeded || added
	}

	aysel, _, err := s.UserByFIN(ctx, AyselFIN)
	if err != nil {
		return res, fmt.Errorf("demo: find Aysel: %w", err)
	}
	for _, g := range ayselConsents {
		cs, err := s.ConsentsFor(ctx, aysel.ID, ids[g.voen])
		if err != nil {
			return res, fmt.Errorf("demo: Aysel's consents: %w", err)
		}
		if hasScope(cs, g.scope) {
			continue // granted before, possibly revoked since by the demo user: leave it as it is (P2)
		}
		if _, err := s.GrantConsent(ctx, aysel.ID, ids[g.voen], g.scope, g.validity); err != nil {
			return res, fmt.Errorf("demo: grant Aysel's %s consent: %w", g.scope, err)
		}
		res.Seeded = true
	}

	added, err := seedGenerated(ctx, s, h, n, now)
	res.Citizens += added
	res.Seeded = res.Seeded || added > 0
	return res, err
}

func hasScope(cs []portal.Consent, sc portal.Scope) bool {
	for _, c := range cs {
		if c.Scope == sc {
			return true
		}
	}
	return false
}

func isNotFound(err error) bool { return portal.ErrorCode(err) == portal.ENOTFOUND }

// ensureUser creates the account unless its FIN exists and reports whether it created it.
func ensureUser(ctx context.Context, s *store.Store, h Hasher, u portal.User, password string) (bool, error) {
	_, _, err := s.UserByFIN(ctx, u.FIN)
	if err == nil {
		return false, nil
	}
	if !isNotFound(err) {
		return false, fmt.Errorf("demo: find user %s: %w", u.FIN, err)
	}
	hash, err := h.Hash(ctx, password)
	if err != nil {
		return false, fmt.Errorf("demo: hash password of %s: %w", u.FIN, err)
	}
	if _, err := s.CreateUser(ctx, portal.System, u, hash); err != nil {
		return false, fmt.Errorf("demo: create user %s: %w", u.FIN, err)
	}
	return true, nil
}

// ensureRegistry puts the scopes the registry holds nothing for; a scope already there is left alone.
func ensureRegistry(ctx context.Context, s *store.Store, fin string, data map[portal.Scope]map[string]any) (bool, error) {
	have, err := s.Registry().Fetch(ctx, fin, portal.Scopes)
	if err != nil {
		return false, fmt.Errorf("demo: registry of %s: %w", fin, err)
	}
	missing := map[portal.Scope]map[string]any{}
	for sc, fields := range data {
		if len(have[sc]) == 0 {
			missing[sc] = fields
		}
	}
	if len(missing) == 0 {
		return false, nil
	}
	if err := s.PutRegistryData(ctx, fin, missing); err != nil {
		return false, fmt.Errorf("demo: registry of %s: %w", fin, err)
	}
	return true, nil
}

// ensureCompany registers the company unless its VÖEN is taken, and gives it an API key unless it has one
// (live or revoked). A new key is printed to opts.Out at once: it cannot be shown again.
func ensureCompany(ctx context.Context, s *store.Store, dc demoCompany, res *Result, opts Options) (int64, bool, error) {
	c, err := s.CompanyByVOEN(ctx, dc.in.VOEN)
	created := false
	switch {
	case err == nil:
	case isNotFound(err):
		valid, errs := dc.in.Validate()
		if len(errs) > 0 {
			return 0, false, fmt.Errorf("demo: company %s: invalid %v", dc.in.Name, errs)
		}
		if c, err = s.CreateCompany(ctx, portal.System, valid, dc.offers); err != nil {
			return 0, false, fmt.Errorf("demo: create company %s: %w", dc.in.Name, err)
		}
		created = true
	default:
		return 0, false, fmt.Errorf("demo: find company %s: %w", dc.in.VOEN, err)
	}
	keys, err := s.APIKeys(ctx, c.ID)
	if err != nil {
		return 0, false, fmt.Errorf("demo: api keys of %s: %w", c.Name, err)
	}
	if len(keys) > 0 {
		return c.ID, created, nil
	}
	key, prefix, hash, err := opts.NewAPIKey()
	if err != nil {
		return 0, false, fmt.Errorf("demo: new api key: %w", err)
	}
	if _, err := s.CreateAPIKey(ctx, portal.System, c.ID, prefix, hash); err != nil {
		return 0, false, fmt.Errorf("demo: store api key of %s: %w", c.Name, err)
	}
	res.Keys[c.Name] = key
	res.Seeded = true
	if _, err := fmt.Fprintf(opts.Out, "demo API key for %s (VÖEN %s): %s\n", c.Name, c.VOEN, key); err != nil {
		return 0, false, fmt.Errorf("demo: print api key: %w", err)
	}
	return c.ID, created, nil
}

// seedGenerated adds the generated citizens 0..n-1 in batches, in the order of their FINs: the tables are
// keyed by FIN, and inserting in key order touches a few pages at the B-trees' right edge instead of a
// random page per citizen, which makes 100 000 citizens several times faster. Two batches are in flight so
// that one is generated and encoded while the other is written. A batch whose FINs all exist is skipped
// without generating its data, so a second run costs only reads.
func seedGenerated(parent context.Context, s *store.Store, h Hasher, n int, now time.Time) (int, error) {
	type slot struct {
		code uint64 // the FIN
		i    int    // the citizen
	}
	slots := make([]slot, n)
	for i := range n {
		slots[i] = slot{finCode(i), i}
	}
	slices.SortFunc(slots, func(a, b slot) int { return cmp.Compare(a.code, b.code) })

	months := lastMonths(now, 12)
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var (
		hash     string // one hash shared by every generated citizen (see GeneratedPassword)
		wg       sync.WaitGroup
		inflight = make(chan struct{}, 2)
		mu       sync.Mutex
		added    int
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = fmt.Errorf("demo: generated citizens: %w", err)
			cancel()
		}
	}
	for start := 0; start < n && ctx.Err() == nil; start += batchSize {
		part := slots[start:min(start+batchSize, n)]
		fins := make([]string, len(part))
		for k, sl := range part {
			fins[k] = encodeFIN(sl.code)
		}
		have, err := s.CountFINs(ctx, fins)
		if err != nil {
			fail(err)
			break
		}
		if have == len(fins) {
			continue
		}
		if hash == "" {
			if hash, err = h.Hash(ctx, GeneratedPassword); err != nil {
				fail(fmt.Errorf("hash password: %w", err))
				break
			}
		}
		inflight <- struct{}{}
		wg.Go(func() {
			defer func() { <-inflight }()
			batch := make([]store.SeedCitizen, len(part))
			for k, sl := range part {
				p := generate(sl.i, months)
				batch[k] = store.SeedCitizen{FIN: p.fin, Name: p.name, PasswordHash: hash, Data: p.data}
			}
			k, err := s.SeedCitizens(ctx, portal.System, batch)
			mu.Lock()
			added += k
			mu.Unlock()
			if err != nil {
				fail(err)
			}
		})
	}
	wg.Wait()
	if firstErr == nil && parent.Err() != nil {
		firstErr = fmt.Errorf("demo: generated citizens: %w", parent.Err())
	}
	return added, firstErr
}

// lastMonths returns the n full calendar months before now's month, oldest first, as "2006-01".
func lastMonths(now time.Time, n int) []string {
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	out := make([]string, n)
	for i := range n {
		out[i] = first.AddDate(0, i-n, 0).Format("2006-01")
	}
	return out
}

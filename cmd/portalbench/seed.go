package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"portal"
	"portal/auth"
	"portal/store"
	"portal/store/demo"
)

// Fixture is what the seeding step hands to the scenarios: credentials and which citizens play which part.
// It is written as JSON next to the template database.
type Fixture struct {
	// BankKey is Xəzər İnvest Bank's API key (the demo's bank).
	BankKey string `json:"bank_key"`
	// Consented citizens are generated citizens 0..Consented-1: each holds 1-year consents to the bank for
	// identity and address, so the bank's request for those scopes is delivered at once.
	Consented int `json:"consented"`
	// Session citizens are generated citizens SessionFirst..SessionFirst+Sessions-1: they hold no consents,
	// carry the heavy share of the past requests, and log in for the page and event stream scenarios.
	SessionFirst int `json:"session_first"`
	Sessions     int `json:"sessions"`
	// Logins are the session cookies (and each session's CSRF token), filled in by the login step.
	Logins []Login `json:"logins,omitempty"`
}

// Login is one signed-in citizen.
type Login struct {
	FIN    string `json:"fin"`
	Cookie string `json:"cookie"` // "name=value"
	CSRF   string `json:"csrf"`
}

func (f Fixture) consentedFIN(i int) string { return demo.GeneratedFIN(i % f.Consented) }

func readFixture(path string) (Fixture, error) {
	var f Fixture
	b, err := os.ReadFile(path)
	if err != nil {
		return f, err
	}
	return f, json.Unmarshal(b, &f)
}

func writeFixture(path string, f Fixture) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// seedCmd handles `portalbench seed`: the demo data with N citizens and the bench's consents into a new
// database (writing the fixture), or, with --requests, past requests into an existing one.
func seedCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	db := fs.String("db", "", "database file")
	fixture := fs.String("fixture", "", "fixture JSON file (written by the base seeding, read with --requests)")
	citizens := fs.Int("citizens", 100_000, "generated citizens")
	consented := fs.Int("consented", 2000, "generated citizens that get consents to the bank")
	sessionFirst := fs.Int("session-first", 50_000, "first generated citizen of the session pool")
	sessions := fs.Int("sessions", 256, "citizens in the session pool")
	requests := fs.Int("requests", 0, "past requests to add to an existing database instead of the base seeding")
	heavyShare := fs.Float64("heavy-share", 0.2, "share of the past requests that go to the session pool")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *db == "" || *fixture == "" {
		return fmt.Errorf("seed: --db and --fixture are required")
	}
	s, err := store.Open(ctx, *db, store.Options{WriterCacheKiB: 1 << 20})
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	if *requests > 0 {
		f, err := readFixture(*fixture)
		if err != nil {
			return err
		}
		heavy := make([]int64, f.Sessions)
		for i := range heavy {
			u, _, err := s.UserByFIN(ctx, demo.GeneratedFIN(f.SessionFirst+i))
			if err != nil {
				return fmt.Errorf("seed: session citizen %d: %w", i, err)
			}
			heavy[i] = u.ID
		}
		n, err := demo.SeedPastRequests(ctx, s, demo.PastRequests{Count: *requests, Heavy: heavy, HeavyShare: *heavyShare, Seed: 9})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "seeded %d past requests in %s\n", n, time.Since(start).Round(time.Millisecond))
		return checkpoint(ctx, *db)
	}

	res, err := demo.Seed(ctx, s, auth.NewHasher(2), demo.Options{Citizens: *citizens, NewAPIKey: auth.GenerateAPIKey})
	if err != nil {
		return err
	}
	key := res.Keys["Xəzər İnvest Bank"]
	if key == "" {
		return fmt.Errorf("seed: the database was seeded before (no new bank key); start from an empty file")
	}
	bank, err := s.CompanyByVOEN(ctx, demo.BankVOEN)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d citizens in %s\n", res.Citizens, time.Since(start).Round(time.Millisecond))
	// Consents are the citizens' own acts (P2); here the bench grants them through the store as the citizen
	// would, concurrently so that the writer batches them.
	start = time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 64 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= *consented {
					return
				}
				u, _, err := s.UserByFIN(ctx, demo.GeneratedFIN(i))
				if err == nil {
					for _, sc := range []portal.Scope{portal.ScopeIdentity, portal.ScopeAddress} {
						if _, err = s.GrantConsent(ctx, u.ID, bank.ID, sc, portal.Validity1Year); err != nil {
							break
						}
					}
				}
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("seed: consents: %w", firstErr)
	}
	fmt.Fprintf(stdout, "granted consents for %d citizens in %s\n", *consented, time.Since(start).Round(time.Millisecond))
	if err := writeFixture(*fixture, Fixture{BankKey: key, Consented: *consented, SessionFirst: *sessionFirst, Sessions: *sessions}); err != nil {
		return err
	}
	return nil
}

// checkpoint folds the write-ahead log into the database file, so that the file alone can be copied.
func checkpoint(ctx context.Context, path string) error {
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return err
	}
	return s.Close()
}

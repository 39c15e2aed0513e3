package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	_ "modernc.org/sqlite"

	"portal"
	"portal/store"
	"portal/store/storetest"
)

func TestStore_Migrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portal.db")
	clock := portal.NewFakeClock(storetest.Epoch)
	ctx := context.Background()

	t.Run("empty database", func(t *testing.T) {
		s, err := store.Open(ctx, path, store.Options{Clock: clock})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		cat, err := s.ScopeCatalog(ctx, "az")
		if err != nil {
			t.Fatalf("scope catalog: %v", err)
		}
		if len(cat) != len(portal.Scopes) {
			t.Fatalf("scopes = %d, want %d", len(cat), len(portal.Scopes))
		}
		for i, si := range cat {
			if si.Scope != portal.Scopes[i] || si.Name == "" || si.Description == "" {
				t.Errorf("scope %d = %+v, want %s with a name and description", i, si, portal.Scopes[i])
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("already migrated", func(t *testing.T) {
		s, err := store.Open(ctx, path, store.Options{Clock: clock})
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer s.Close()
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var applied, scopes int
		if err := db.QueryRow("SELECT count(*) FROM schema_migrations").Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow("SELECT count(*) FROM scopes").Scan(&scopes); err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob("migrations/*.sql")
		if err != nil || len(files) < 2 {
			t.Fatalf("migration files: %v %v", files, err)
		}
		if applied != len(files) || scopes != len(portal.Scopes) {
			t.Errorf("migrations = %d, scopes = %d after a second open; want %d and %d", applied, scopes, len(files), len(portal.Scopes))
		}
	})
}

func TestStore_Pragmas(t *testing.T) {
	s, _ := storetest.New(t)
	db, err := sql.Open("sqlite", s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
}

func newCitizen(t *testing.T, s *store.Store, fin string) portal.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), portal.System, portal.User{FIN: fin, Name: "Test " + fin, Role: portal.RoleCitizen}, "hash")
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u
}

func TestStore_CreateUser(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	u := newCitizen(t, s, "5ABCD12")
	got, hash, err := s.UserByFIN(ctx, "5ABCD12")
	if err != nil || got.ID != u.ID || hash != "hash" {
		t.Fatalf("UserByFIN = %+v, %q, %v", got, hash, err)
	}
	t.Run("duplicate FIN", func(t *testing.T) {
		_, err := s.CreateUser(ctx, portal.System, portal.User{FIN: "5ABCD12", Name: "X", Role: portal.RoleCitizen}, "h")
		if portal.ErrorCode(err) != portal.ECONFLICT {
			t.Errorf("err = %v, want ECONFLICT", err)
		}
	})
	t.Run("not found", func(t *testing.T) {
		_, _, err := s.UserByFIN(ctx, "0000000")
		if portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("err = %v, want ENOTFOUND", err)
		}
	})
}

// TestStore_GroupCommit proves that concurrent writes batched into shared transactions are each applied
// once, a failing write undoes only itself, and the audit chain stays one valid chain.
func TestStore_GroupCommit(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	const n = 200
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fin := fmt.Sprintf("%07d", i)
			if i%10 == 0 {
				fin = "BAD" // violates the FIN check constraint: this write alone must fail
			}
			_, errs[i] = s.CreateUser(ctx, portal.System, portal.User{FIN: fin, Name: "n", Role: portal.RoleCitizen}, "h")
		}()
	}
	wg.Wait()
	failed := 0
	for i, err := range errs {
		if (i%10 == 0) != (err != nil) {
			t.Errorf("write %d: err = %v", i, err)
		}
		if err != nil {
			failed++
		}
	}
	count, err := s.CountUsers(ctx, portal.RoleCitizen)
	if err != nil {
		t.Fatal(err)
	}
	if count != n-failed {
		t.Errorf("users = %d, want %d", count, n-failed)
	}
	rows, brk, err := s.VerifyAudit(ctx)
	if err != nil || brk != nil {
		t.Fatalf("verify audit: %v %+v", err, brk)
	}
	if rows != int64(n-failed) {
		t.Errorf("audit rows = %d, want one per committed write (%d)", rows, n-failed)
	}
}

func TestStore_AuditAppendOnly(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	if err := s.RecordAudit(ctx, store.Audit{Actor: portal.System, Action: "test"}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("UPDATE audit_log SET action = 'x'"); err == nil {
		t.Error("updating the audit log succeeded; want the trigger to refuse")
	}
	if _, err := db.Exec("DELETE FROM audit_log"); err == nil {
		t.Error("deleting from the audit log succeeded; want the trigger to refuse")
	}
}

func TestStore_Secret(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	a, err := s.Secret(ctx, "session_key", 32)
	if err != nil || len(a) != 32 {
		t.Fatalf("secret = %x, %v", a, err)
	}
	b, err := s.Secret(ctx, "session_key", 32)
	if err != nil || string(a) != string(b) {
		t.Errorf("second read = %x, %v; want the kept %x", b, err, a)
	}
}

func TestStore_WriteRespectsCancelledContext(t *testing.T) {
	s, _ := storetest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.CreateUser(ctx, portal.System, portal.User{FIN: "1234567", Name: "n", Role: portal.RoleCitizen}, "h")
	if err == nil {
		t.Fatal("write with a cancelled context succeeded")
	}
	if n, _ := s.CountUsers(context.Background(), portal.RoleCitizen); n != 0 {
		t.Errorf("users = %d after a cancelled write, want 0", n)
	}
}

// TestStore_GroupCommitBatches proves that concurrent writes share transactions even on one processor,
// where the first write to queue used to wake the writer before any other handler could queue its own.
func TestStore_GroupCommitBatches(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const writers, each = 32, 8
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := s.RecordAudit(ctx, store.Audit{Actor: portal.System, Action: "test", Subject: fmt.Sprintf("w%d-%d", w, i)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	txs, writes := s.WriterStats()
	if writes < writers*each {
		t.Fatalf("writes = %d, want at least %d", writes, writers*each)
	}
	if avg := float64(writes) / float64(txs); avg < 12 {
		t.Errorf("%d writes in %d transactions (%.1f a transaction): concurrent writes are not batched", writes, txs, avg)
	}
	if _, brk, err := s.VerifyAudit(ctx); err != nil || brk != nil {
		t.Fatalf("verify audit: %v %+v", err, brk)
	}
}

func TestStore_FindCompanies_AzerbaijaniOrder(t *testing.T) {
	s, _ := storetest.New(t)
	for i, name := range []string{"Şirvan Telekom", "Xəzər Bank", "Çinar MMC", "Sumqayıt Su", "Ədalət Sığorta", "Elm Universiteti", "Cənub Enerji"} {
		if _, err := s.CreateCompany(context.Background(), portal.System, portal.Company{Name: name, VOEN: fmt.Sprintf("14000000%02d", i), Sector: "other"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.FindCompanies(context.Background(), store.CompanyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got {
		names = append(names, c.Name)
	}
	// The Azerbaijani alphabet: ... C Ç D E Ə F G Ğ H X I İ ... S Ş T ...
	want := []string{"Cənub Enerji", "Çinar MMC", "Elm Universiteti", "Ədalət Sığorta", "Xəzər Bank", "Sumqayıt Su", "Şirvan Telekom"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("order = %v, want %v", names, want)
	}
}

// TestStore_OpenRequestsPlan proves that a citizen's pending requests are found by the partial index, not
// by reading the citizen's whole history (which made the dashboard cost milliseconds for a long history).
func TestStore_OpenRequestsPlan(t *testing.T) {
	s, _ := storetest.New(t)
	plan, err := s.ExplainOpenRequests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(plan, "\n")
	if !strings.Contains(joined, "USING INDEX data_requests_citizen_pending") || strings.Contains(joined, "SCAN r") {
		t.Errorf("plan of OpenRequests:\n%s\nwant a search of data_requests_citizen_pending", joined)
	}
}

// The companies of a citizen's history are found by one search of the (citizen, company) pairs, never by
// reading requests: a skip scan without its index took the 1M-request history page to five seconds.
func TestStore_HistoryCompaniesPlan(t *testing.T) {
	s, _ := storetest.New(t)
	plan, err := s.ExplainHistoryCompanies(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(plan, "\n")
	if !strings.Contains(joined, "SEARCH citizen_companies USING PRIMARY KEY (citizen_id=?)") || strings.Contains(joined, "data_requests") {
		t.Errorf("plan of HistoryCompanies:\n%s\nwant one search of citizen_companies and no read of data_requests", joined)
	}
}

func TestStore_LiveSessions(t *testing.T) {
	s, clock := storetest.New(t)
	ctx := context.Background()
	u := newCitizen(t, s, "5ABCD12")
	var hashes [][]byte
	for i := range 1203 { // more than one query's worth
		h := []byte(fmt.Sprintf("session-%04d", i))
		hashes = append(hashes, h)
		if i%2 == 0 {
			if err := s.CreateSession(ctx, portal.Session{IDHash: h, UserID: u.ID, Data: []byte("{}"), CreatedAt: clock.Now(), LastSeenAt: clock.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	live, err := s.LiveSessions(ctx, hashes)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hashes {
		if live[string(h)] != (i%2 == 0) {
			t.Fatalf("session %d: live = %v", i, live[string(h)])
		}
	}
	if live, err := s.LiveSessions(ctx, nil); err != nil || len(live) != 0 {
		t.Errorf("no hashes: %v, %v", live, err)
	}
}

// Package storetest opens real, migrated SQLite databases in a test's temporary folder.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the driver Dump reads with

	"portal"
	"portal/store"
)

// Epoch is the fake clock's starting time in tests: a fixed instant so that times in assertions are stable.
var Epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// New opens a migrated database file in t.TempDir() with a fake clock set to Epoch, closed at cleanup.
func New(t testing.TB) (*store.Store, *portal.FakeClock) {
	t.Helper()
	clock := portal.NewFakeClock(Epoch)
	return Open(t, filepath.Join(t.TempDir(), "portal.db"), clock), clock
}

// Open opens (migrating) the database at path with the clock, closed at cleanup.
func Open(t testing.TB, path string, clock portal.Clock) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), path, store.Options{Clock: clock})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

// Dump returns every row of a table in the database file at path, each column as text, in rowid or key
// order: tests compare dumps taken before and after an action to prove it changed nothing. It reads
// through a connection of its own, as another process would.
func Dump(t testing.TB, path, table string) [][]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The table name comes from the test, never from input.
	rows, err := db.Query("SELECT * FROM " + table + " ORDER BY 1")
	if err != nil {
		t.Fatalf("dump %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = fmt.Sprintf("%v", v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

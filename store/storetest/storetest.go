// Package storetest opens real, migrated SQLite databases in a test's temporary folder.
package storetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

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

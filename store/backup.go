package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"portal"
)

// Backup writes a consistent copy of the database to path with VACUUM INTO (a snapshot taken inside one
// read transaction, so writers carry on), then checks the copy with integrity_check and by verifying its
// audit chain. It returns the copy's number of audit entries. An existing file is never overwritten.
func (s *Store) Backup(ctx context.Context, path string) (int64, error) {
	if _, err := os.Stat(path); err == nil {
		return 0, portal.Errorf(portal.ECONFLICT, "%s exists; choose a new file", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	// A connection of its own: the read pool is query_only and the writer must not wait for a long copy.
	db, err := sql.Open("sqlite", "file:"+s.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return 0, fmt.Errorf("store: vacuum into: %w", err)
	}
	cp, err := Open(ctx, path, Options{Clock: s.clock})
	if err != nil {
		return 0, fmt.Errorf("store: open backup: %w", err)
	}
	defer cp.Close()
	var check string
	if err := cp.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil {
		return 0, fmt.Errorf("store: backup integrity check: %w", err)
	}
	if check != "ok" {
		return 0, fmt.Errorf("store: backup integrity check: %s", check)
	}
	n, brk, err := cp.VerifyAudit(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: backup audit: %w", err)
	}
	if brk != nil {
		return 0, fmt.Errorf("store: backup audit chain broken at %d: %s", brk.Seq, brk.Reason)
	}
	return n, nil
}

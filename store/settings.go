package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
)

// Secret returns the named secret, generating and keeping n random bytes the first time it is asked for.
// Two processes asking at once get the same value: the insert is conditional and both read it back.
func (s *Store) Secret(ctx context.Context, name string, n int) ([]byte, error) {
	var v []byte
	err := s.r.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: read secret: %w", err)
	}
	fresh := make([]byte, n)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("store: generate secret: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", name, fresh); err != nil {
			return fmt.Errorf("store: keep secret: %w", err)
		}
		return tx.QueryRow("SELECT value FROM settings WHERE key = ?", name).Scan(&v)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"portal"
)

// APIKey is a company's API key as stored: its prefix and the SHA-256 of the whole key, never the key.
type APIKey struct {
	ID         int64
	CompanyID  int64
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// CreateAPIKey stores a new key's prefix and hash for the company.
func (s *Store) CreateAPIKey(ctx context.Context, actor portal.Actor, companyID int64, prefix string, hash []byte) (APIKey, error) {
	now := s.now()
	k := APIKey{CompanyID: companyID, Prefix: prefix, CreatedAt: now}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec("INSERT INTO api_keys (company_id, prefix, hash, created_at) VALUES (?, ?, ?, ?)", companyID, prefix, hash, ms(now))
		if err != nil {
			if isForeignKeyViolation(err) {
				return notFound(sql.ErrNoRows, "company")
			}
			return fmt.Errorf("store: create api key: %w", err)
		}
		if k.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("store: create api key id: %w", err)
		}
		return appendAudit(tx, now, Audit{Actor: actor, Action: "apikey.create", Subject: fmt.Sprintf("company:%d apikey:%d", companyID, k.ID),
			Details: map[string]any{"prefix": prefix}})
	})
	if err != nil {
		return APIKey{}, err
	}
	return k, nil
}

// APIKeyByHash returns the live (not revoked) key with the given hash and its company. The lookup is by an
// indexed hash of a 256-bit secret, so it leaks nothing through timing that would help guess a key.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (APIKey, portal.Company, error) {
	var k APIKey
	var created int64
	var used, revoked sql.NullInt64
	row := s.r.QueryRowContext(ctx, `SELECT k.id, k.company_id, k.prefix, k.created_at, k.last_used_at, k.revoked_at, `+prefixed("c.", companyColumns)+`
		FROM api_keys k JOIN companies c ON c.id = k.company_id WHERE k.hash = ? AND k.revoked_at IS NULL`, hash)
	var c portal.Company
	var sector, status string
	var ccreated int64
	err := row.Scan(&k.ID, &k.CompanyID, &k.Prefix, &created, &used, &revoked,
		&c.ID, &c.Name, &c.VOEN, &sector, &c.Description, &c.Website, &c.ContactEmail, &status, &ccreated)
	if err != nil {
		return APIKey{}, portal.Company{}, notFound(err, "api key")
	}
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = fromMS(created), fromNullMS(used), fromNullMS(revoked)
	c.Sector, c.Status, c.CreatedAt = portal.Sector(sector), portal.CompanyStatus(status), fromMS(ccreated)
	return k, c, nil
}

// APIKeys lists a company's keys, newest first.
func (s *Store) APIKeys(ctx context.Context, companyID int64) ([]APIKey, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT id, company_id, prefix, created_at, last_used_at, revoked_at FROM api_keys WHERE company_id = ? ORDER BY id DESC", companyID)
	if err != nil {
		return nil, fmt.Errorf("store: api keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		var k APIKey
		var created int64
		var used, revoked sql.NullInt64
		if err := rows.Scan(&k.ID, &k.CompanyID, &k.Prefix, &created, &used, &revoked); err != nil {
			return nil, fmt.Errorf("store: scan api key: %w", err)
		}
		k.CreatedAt, k.LastUsedAt, k.RevokedAt = fromMS(created), fromNullMS(used), fromNullMS(revoked)
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: api keys: %w", err)
	}
	return out, nil
}

// RevokeAPIKey makes a key fail at once.
func (s *Store) RevokeAPIKey(ctx context.Context, actor portal.Actor, companyID, keyID int64) error {
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND company_id = ? AND revoked_at IS NULL", ms(now), keyID, companyID)
		if err != nil {
			return fmt.Errorf("store: revoke api key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound(sql.ErrNoRows, "api key")
		}
		return appendAudit(tx, now, Audit{Actor: actor, Action: "apikey.revoke", Subject: fmt.Sprintf("company:%d apikey:%d", companyID, keyID)})
	})
}

// TouchAPIKey records when a key was last used. It is called at most once a minute per key by the web
// layer, so it costs no write on the hot path.
func (s *Store) TouchAPIKey(ctx context.Context, keyID int64, t time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec("UPDATE api_keys SET last_used_at = ? WHERE id = ?", ms(t), keyID); err != nil {
			return fmt.Errorf("store: touch api key: %w", err)
		}
		return nil
	})
}

func isForeignKeyViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

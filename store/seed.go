package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"portal"
)

// SeedCitizen is one generated demo citizen: an account and its registry data, scope by scope.
type SeedCitizen struct {
	FIN          string // normalized (portal.ParseFIN)
	Name         string
	PasswordHash string
	Data         map[portal.Scope]map[string]any
}

// SeedCitizens adds many demo citizens and their registry data in one write transaction, with one audit
// entry for the whole batch instead of one per citizen: seeding a hundred thousand citizens one write at a
// time would take minutes. A citizen whose FIN already has an account is skipped with its data, so the call
// can be repeated. It returns how many citizens it added. Only demo seeding calls it.
func (s *Store) SeedCitizens(ctx context.Context, actor portal.Actor, batch []SeedCitizen) (int, error) {
	if len(batch) == 0 {
		return 0, nil
	}
	// Encode outside the write so that the writer, which every other write waits for, only inserts.
	type row struct {
		scope string
		data  string
	}
	rows := make([][]row, len(batch))
	for i, c := range batch {
		if fin, err := portal.ParseFIN(c.FIN); err != nil || fin != c.FIN {
			return 0, portal.Errorf(portal.EINVALID, "seed citizens: FIN %q is not normalized", c.FIN)
		}
		rows[i] = make([]row, 0, len(c.Data))
		for sc, fields := range c.Data {
			b, err := json.Marshal(fields)
			if err != nil {
				return 0, fmt.Errorf("store: seed citizens: encode %s: %w", sc, err)
			}
			rows[i] = append(rows[i], row{string(sc), string(b)})
		}
	}
	now := s.now()
	var added int
	err := s.write(ctx, func(tx *sql.Tx) error {
		added = 0
		users, err := tx.Prepare("INSERT INTO users (fin, name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (fin) DO NOTHING")
		if err != nil {
			return fmt.Errorf("store: seed citizens: prepare: %w", err)
		}
		defer users.Close()
		reg, err := tx.Prepare("INSERT INTO registry_data (fin, scope, data) VALUES (?, ?, ?) ON CONFLICT (fin, scope) DO NOTHING")
		if err != nil {
			return fmt.Errorf("store: seed citizens: prepare: %w", err)
		}
		defer reg.Close()
		var firstID, lastID int64
		for i, c := range batch {
			res, err := users.Exec(c.FIN, c.Name, c.PasswordHash, string(portal.RoleCitizen), ms(now))
			if err != nil {
				return fmt.Errorf("store: seed citizen: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // the FIN exists: leave its account and data as they are
			}
			id, err := res.LastInsertId()
			if err != nil {
				return fmt.Errorf("store: seed citizen id: %w", err)
			}
			if firstID == 0 {
				firstID = id
			}
			lastID = id
			added++
			for _, r := range rows[i] {
				if _, err := reg.Exec(c.FIN, r.scope, r.data); err != nil {
					return fmt.Errorf("store: seed registry %s: %w", r.scope, err)
				}
			}
		}
		if added == 0 {
			return nil
		}
		return appendAudit(tx, now, Audit{Actor: actor, Action: "user.seed", Subject: fmt.Sprintf("users:%d-%d", firstID, lastID),
			Details: map[string]any{"role": string(portal.RoleCitizen), "count": added}})
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// CountFINs returns how many of the (normalized) FINs have an account.
func (s *Store) CountFINs(ctx context.Context, fins []string) (int, error) {
	const chunk = 500
	total := 0
	for len(fins) > 0 {
		part := fins[:min(chunk, len(fins))]
		fins = fins[len(part):]
		args := make([]any, len(part))
		for i, f := range part {
			args[i] = f
		}
		var n int
		q := "SELECT count(*) FROM users WHERE fin IN (?" + strings.Repeat(", ?", len(part)-1) + ")"
		if err := s.r.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			return 0, fmt.Errorf("store: count fins: %w", err)
		}
		total += n
	}
	return total, nil
}

// CountRegistryData returns how many (citizen, scope) rows the demo registry holds.
func (s *Store) CountRegistryData(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM registry_data").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count registry data: %w", err)
	}
	return n, nil
}

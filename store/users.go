package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"portal"
)

// CreateUser adds an account with an already hashed password. A FIN that exists is a conflict.
func (s *Store) CreateUser(ctx context.Context, actor portal.Actor, u portal.User, passwordHash string) (portal.User, error) {
	now := s.now()
	u.CreatedAt = now
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec("INSERT INTO users (fin, name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)",
			u.FIN, u.Name, passwordHash, string(u.Role), ms(now))
		if err != nil {
			if isUniqueViolation(err) {
				return portal.Errorf(portal.ECONFLICT, "a user with this FIN exists").WithKey("err.fin_taken")
			}
			return fmt.Errorf("store: create user: %w", err)
		}
		if u.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("store: create user id: %w", err)
		}
		return appendAudit(tx, now, Audit{Actor: actor, Action: "user.create", CitizenID: citizenIDOf(u),
			Subject: fmt.Sprintf("user:%d", u.ID), Details: map[string]any{"role": string(u.Role)}})
	})
	if err != nil {
		return portal.User{}, err
	}
	return u, nil
}

func citizenIDOf(u portal.User) int64 {
	if u.Role == portal.RoleCitizen {
		return u.ID
	}
	return 0
}

// UserByFIN returns the account with the given (normalized) FIN and its password hash.
func (s *Store) UserByFIN(ctx context.Context, fin string) (portal.User, string, error) {
	return s.scanUser(s.r.QueryRowContext(ctx, "SELECT id, fin, name, role, created_at, password_hash FROM users WHERE fin = ?", fin))
}

// User returns the account with the given id.
func (s *Store) User(ctx context.Context, id int64) (portal.User, error) {
	u, _, err := s.scanUser(s.r.QueryRowContext(ctx, "SELECT id, fin, name, role, created_at, password_hash FROM users WHERE id = ?", id))
	return u, err
}

func (s *Store) scanUser(row *sql.Row) (portal.User, string, error) {
	var u portal.User
	var role, hash string
	var created int64
	if err := row.Scan(&u.ID, &u.FIN, &u.Name, &role, &created, &hash); err != nil {
		return portal.User{}, "", notFound(err, "user")
	}
	u.Role = portal.Role(role)
	u.CreatedAt = fromMS(created)
	return u, hash, nil
}

// SetPasswordHash replaces a user's password hash and ends all of the user's sessions.
func (s *Store) SetPasswordHash(ctx context.Context, actor portal.Actor, userID int64, hash string) error {
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec("UPDATE users SET password_hash = ? WHERE id = ?", hash, userID)
		if err != nil {
			return fmt.Errorf("store: set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound(sql.ErrNoRows, "user")
		}
		if _, err := tx.Exec("DELETE FROM sessions WHERE user_id = ?", userID); err != nil {
			return fmt.Errorf("store: end sessions: %w", err)
		}
		return appendAudit(tx, now, Audit{Actor: actor, Action: "user.password", CitizenID: userID, Subject: fmt.Sprintf("user:%d", userID)})
	})
}

// CountUsers returns how many accounts have the role.
func (s *Store) CountUsers(ctx context.Context, role portal.Role) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE role = ?", string(role)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// prefixed qualifies each column of a comma-separated list with a table alias.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ", ")
	for i, p := range parts {
		parts[i] = alias + p
	}
	return strings.Join(parts, ", ")
}

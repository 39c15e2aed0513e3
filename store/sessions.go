package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"portal"
)

// CreateSession stores a new session. A session starts only at login, so the login's audit entry is
// written here, in the same transaction: no session exists without its record.
func (s *Store) CreateSession(ctx context.Context, row portal.Session) error {
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		var role string
		if err := tx.QueryRow("SELECT role FROM users WHERE id = ?", row.UserID).Scan(&role); err != nil {
			return notFound(err, "user")
		}
		_, err := tx.Exec("INSERT INTO sessions (id_hash, user_id, data, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
			row.IDHash, row.UserID, row.Data, ms(row.CreatedAt), ms(row.LastSeenAt))
		if err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		a := Audit{Actor: portal.Actor{Kind: portal.ActorCitizen, ID: row.UserID}, Action: "login", CitizenID: row.UserID,
			Subject: fmt.Sprintf("user:%d", row.UserID)}
		if portal.Role(role) == portal.RoleAdmin {
			a.Actor.Kind, a.CitizenID = portal.ActorAdmin, 0
		}
		return appendAudit(tx, now, a)
	})
}

// sessionQuery reads a session row with its user: every signed-in page needs both, and one statement costs
// half of two. The user is read in the same snapshot as the row, so it is the account as it is now, never
// a copy kept from an earlier request. sessions.user_id references users ON DELETE CASCADE, so the inner
// join loses no session.
const sessionQuery = `SELECT s.id_hash, s.user_id, s.data, s.created_at, s.last_seen_at,
		u.id, u.fin, u.name, u.role, u.created_at
	FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`

// Session returns the session with the given id hash, with its user in row.User.
func (s *Store) Session(ctx context.Context, idHash []byte) (portal.Session, error) {
	var row portal.Session
	var u portal.User
	var created, seen, userCreated int64
	var role string
	err := s.r.QueryRowContext(ctx, sessionQuery, idHash).
		Scan(&row.IDHash, &row.UserID, &row.Data, &created, &seen, &u.ID, &u.FIN, &u.Name, &role, &userCreated)
	if err != nil {
		return portal.Session{}, notFound(err, "session")
	}
	row.CreatedAt, row.LastSeenAt = fromMS(created), fromMS(seen)
	u.Role, u.CreatedAt = portal.Role(role), fromMS(userCreated)
	row.User = &u
	return row, nil
}

// UpdateSession saves a session's values and when it was last seen.
func (s *Store) UpdateSession(ctx context.Context, idHash, data []byte, lastSeen time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec("UPDATE sessions SET data = ?, last_seen_at = ? WHERE id_hash = ?", data, ms(lastSeen), idHash)
		if err != nil {
			return fmt.Errorf("store: update session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound(sql.ErrNoRows, "session")
		}
		return nil
	})
}

// TouchSession records that a session was used at t, without rewriting its values.
func (s *Store) TouchSession(ctx context.Context, idHash []byte, t time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", ms(t), idHash); err != nil {
			return fmt.Errorf("store: touch session: %w", err)
		}
		return nil
	})
}

// DeleteSession removes a session, so a copied cookie dies with it.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec("DELETE FROM sessions WHERE id_hash = ?", idHash); err != nil {
			return fmt.Errorf("store: delete session: %w", err)
		}
		return nil
	})
}

// DeleteOtherSessions ends every session of the user except the one given, and records it.
func (s *Store) DeleteOtherSessions(ctx context.Context, actor portal.Actor, userID int64, keep []byte) (int64, error) {
	now := s.now()
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec("DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?", userID, keep)
		if err != nil {
			return fmt.Errorf("store: delete other sessions: %w", err)
		}
		n, _ = res.RowsAffected()
		return appendAudit(tx, now, Audit{Actor: actor, Action: "session.end_others", CitizenID: userID,
			Subject: fmt.Sprintf("user:%d", userID), Details: map[string]any{"ended": n}})
	})
	return n, err
}

// CountSessions returns how many sessions the user has.
func (s *Store) CountSessions(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM sessions WHERE user_id = ?", userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count sessions: %w", err)
	}
	return n, nil
}

// DeleteSessionsBefore removes sessions idle since before idleCutoff or created before absCutoff.
func (s *Store) DeleteSessionsBefore(ctx context.Context, idleCutoff, absCutoff time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec("DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?", ms(idleCutoff), ms(absCutoff))
		if err != nil {
			return fmt.Errorf("store: expire sessions: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// LiveSessions reports which of the session id hashes still have a session row, with one query per 500
// hashes: event streams check their sessions together, once a heartbeat, instead of one query each.
func (s *Store) LiveSessions(ctx context.Context, idHashes [][]byte) (map[string]bool, error) {
	live := make(map[string]bool, len(idHashes))
	const chunk = 500
	for len(idHashes) > 0 {
		part := idHashes[:min(chunk, len(idHashes))]
		idHashes = idHashes[len(part):]
		args := make([]any, len(part))
		for i, h := range part {
			args[i] = h
		}
		rows, err := s.r.QueryContext(ctx, "SELECT id_hash FROM sessions WHERE id_hash IN (?"+strings.Repeat(", ?", len(part)-1)+")", args...)
		if err != nil {
			return nil, fmt.Errorf("store: live sessions: %w", err)
		}
		for rows.Next() {
			var h []byte
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: live sessions: %w", err)
			}
			live[string(h)] = true
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("store: live sessions: %w", err)
		}
	}
	return live, nil
}

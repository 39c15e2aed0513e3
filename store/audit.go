package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"portal"
)

// Audit is what a write records in the audit log, in the same transaction as the change (P5).
type Audit struct {
	Actor     portal.Actor
	Action    string
	CitizenID int64
	Subject   string
	Details   map[string]any // no personal data values, no secrets
}

// appendAudit is the one place that writes the audit log: it chains the new row to the last one. The writer
// transaction is immediate, so no other connection or process can append between the read and the insert
// and the chain cannot fork.
func appendAudit(tx *sql.Tx, now time.Time, a Audit) error {
	at := now.UnixNano()
	details := "{}"
	if len(a.Details) > 0 {
		b, err := json.Marshal(a.Details) // map keys are sorted: the encoding is deterministic
		if err != nil {
			return fmt.Errorf("store: audit details: %w", err)
		}
		details = string(b)
	}
	var prevSeq int64
	var prevHash string
	err := tx.QueryRow("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&prevSeq, &prevHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: audit head: %w", err)
	}
	e := portal.AuditEntry{
		Seq: prevSeq + 1, At: fromNano(at), Actor: a.Actor, Action: a.Action,
		CitizenID: a.CitizenID, Subject: a.Subject, Details: details, PrevHash: prevHash,
	}
	e.Hash = e.ComputeHash()
	if _, err := tx.Exec(`INSERT INTO audit_log (seq, at, actor_kind, actor_id, action, citizen_id, subject, details, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, at, string(e.Actor.Kind), e.Actor.ID, e.Action, e.CitizenID, e.Subject, e.Details, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	return nil
}

// RecordAudit appends an audit entry on its own, for actions that change nothing else (a login, a failed login).
func (s *Store) RecordAudit(ctx context.Context, a Audit) error {
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error { return appendAudit(tx, now, a) })
}

// AuditHead returns the last entry's sequence number and hash; 0 and "" for an empty log.
func (s *Store) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := s.r.QueryRowContext(ctx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("store: audit head: %w", err)
	}
	return seq, hash, nil
}

// VerifyAudit recomputes the whole chain in pages and returns the number of rows and the first break, if any.
func (s *Store) VerifyAudit(ctx context.Context) (int64, *portal.ChainBreak, error) {
	const page = 5000
	var prevSeq, count int64
	var prevHash string
	for {
		entries, err := s.auditPage(ctx, prevSeq, page)
		if err != nil {
			return count, nil, err
		}
		if brk := portal.VerifyChain(prevSeq, prevHash, entries); brk != nil {
			return count, brk, nil
		}
		if len(entries) == 0 {
			return count, nil, nil
		}
		count += int64(len(entries))
		last := entries[len(entries)-1]
		prevSeq, prevHash = last.Seq, last.Hash
	}
}

// AuditEntry returns one entry by sequence number.
func (s *Store) AuditEntry(ctx context.Context, seq int64) (portal.AuditEntry, error) {
	entries, err := s.auditPage(ctx, seq-1, 1)
	if err != nil {
		return portal.AuditEntry{}, err
	}
	if len(entries) == 0 || entries[0].Seq != seq {
		return portal.AuditEntry{}, notFound(sql.ErrNoRows, "audit entry")
	}
	return entries[0], nil
}

func (s *Store) auditPage(ctx context.Context, afterSeq int64, limit int) ([]portal.AuditEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, at, actor_kind, actor_id, action, citizen_id, subject, details, prev_hash, hash
		FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read audit: %w", err)
	}
	defer rows.Close()
	var out []portal.AuditEntry
	for rows.Next() {
		var e portal.AuditEntry
		var at int64
		var kind string
		if err := rows.Scan(&e.Seq, &at, &kind, &e.Actor.ID, &e.Action, &e.CitizenID, &e.Subject, &e.Details, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("store: scan audit: %w", err)
		}
		e.At = fromNano(at)
		e.Actor.Kind = portal.ActorKind(kind)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read audit: %w", err)
	}
	return out, nil
}

package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"

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
	if _, err := tx.Exec(appendAuditSQL, at, string(a.Actor.Kind), a.Actor.ID, a.Action, a.CitizenID, a.Subject, details); err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	return nil
}

// appendAuditSQL appends one entry after the log's last row (seq 0 and hash "" when the log is empty) in a
// single statement: reading the head and inserting after it were two on every write of the portal. The
// hash is computed in Go by portal_audit_hash (below), the same function that verification uses.
const appendAuditSQL = `INSERT INTO audit_log (seq, at, actor_kind, actor_id, action, citizen_id, subject, details, prev_hash, hash)
	SELECT head.seq + 1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, coalesce(prev.hash, ''),
		portal_audit_hash(head.seq + 1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, coalesce(prev.hash, ''))
	FROM (SELECT coalesce(max(seq), 0) AS seq FROM audit_log) AS head LEFT JOIN audit_log AS prev ON prev.seq = head.seq`

// auditHashSQL is portal_audit_hash(seq, at, actor_kind, actor_id, action, citizen_id, subject, details,
// prev_hash): portal.AuditEntry.ComputeHash of those fields.
func auditHashSQL(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	var e portal.AuditEntry
	var kind string
	var at int64
	for i, dst := range []any{&e.Seq, &at, &kind, &e.Actor.ID, &e.Action, &e.CitizenID, &e.Subject, &e.Details, &e.PrevHash} {
		if err := convertSQLArg(dst, args[i]); err != nil {
			return nil, fmt.Errorf("portal_audit_hash argument %d: %w", i+1, err)
		}
	}
	e.At, e.Actor.Kind = fromNano(at), portal.ActorKind(kind)
	return e.ComputeHash(), nil
}

// convertSQLArg stores an SQL function's argument in an int64 or a string, refusing any other type: a
// NULL or a type mix-up must fail the write rather than hash something else.
func convertSQLArg(dst any, v driver.Value) error {
	switch d := dst.(type) {
	case *int64:
		if n, ok := v.(int64); ok {
			*d = n
			return nil
		}
	case *string:
		switch s := v.(type) {
		case string:
			*d = s
			return nil
		case []byte:
			*d = string(s)
			return nil
		}
	}
	return fmt.Errorf("unexpected %T", v)
}

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("portal_audit_hash", 9, auditHashSQL)
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

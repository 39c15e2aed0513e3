package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"portal"
)

const requestColumns = "id, company_id, citizen_id, scopes, purpose, status, binding_code, created_at, deadline, decided_at, delivered_at, reason"

// scanRequest reads the requestColumns, then any extra columns into extra.
func scanRequest(sc interface{ Scan(...any) error }, extra ...any) (portal.DataRequest, error) {
	var r portal.DataRequest
	var scopes, status string
	var created, deadline int64
	var decided, delivered sql.NullInt64
	dest := append([]any{&r.ID, &r.CompanyID, &r.CitizenID, &scopes, &r.Purpose, &status, &r.BindingCode, &created, &deadline, &decided, &delivered, &r.Reason}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return portal.DataRequest{}, err
	}
	r.Scopes = splitScopes(scopes)
	r.Status, r.CreatedAt, r.Deadline = portal.RequestStatus(status), fromMS(created), fromMS(deadline)
	r.DecidedAt, r.DeliveredAt = fromNullMS(decided), fromNullMS(delivered)
	return r, nil
}

func joinScopes(scopes []portal.Scope) string {
	parts := make([]string, len(scopes))
	for i, s := range scopes {
		parts[i] = string(s)
	}
	return strings.Join(parts, " ")
}

func splitScopes(s string) []portal.Scope {
	fields := strings.Fields(s)
	out := make([]portal.Scope, len(fields))
	for i, f := range fields {
		out[i] = portal.Scope(f)
	}
	return out
}

func insertRequest(tx *sql.Tx, r portal.DataRequest) error {
	_, err := tx.Exec("INSERT INTO data_requests ("+requestColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.CompanyID, r.CitizenID, joinScopes(r.Scopes), r.Purpose, string(r.Status), r.BindingCode,
		ms(r.CreatedAt), ms(r.Deadline), msPtr(r.DecidedAt), msPtr(r.DeliveredAt), r.Reason)
	if err != nil {
		return fmt.Errorf("store: insert request: %w", err)
	}
	return nil
}

// saveRequestState writes a transition decided by the domain, and only if the row is still in the state it
// was read in, so two concurrent deciders cannot both succeed.
func saveRequestState(tx *sql.Tx, r portal.DataRequest, from portal.RequestStatus) (bool, error) {
	res, err := tx.Exec("UPDATE data_requests SET status = ?, deadline = ?, decided_at = ?, delivered_at = ?, reason = ? WHERE id = ? AND status = ?",
		string(r.Status), ms(r.Deadline), msPtr(r.DecidedAt), msPtr(r.DeliveredAt), r.Reason, r.ID, string(from))
	if err != nil {
		return false, fmt.Errorf("store: save request: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: save request: %w", err)
	}
	return n == 1, nil
}

// insertNotification is the one place that writes notifications.
func insertNotification(tx *sql.Tx, n portal.Notification) error {
	_, err := tx.Exec("INSERT INTO notifications (citizen_id, kind, request_id, company_id, scopes, deadline, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		n.CitizenID, string(n.Kind), n.RequestID, n.CompanyID, joinScopes(n.Scopes), msPtr(n.Deadline), ms(n.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: insert notification: %w", err)
	}
	return nil
}

// notifyRequest writes the notification and the audit entry that a request's transition owes (P4, P5).
func notifyRequest(tx *sql.Tx, now time.Time, r portal.DataRequest, kind portal.NotificationKind, actor portal.Actor, action string) error {
	n := portal.Notification{CitizenID: r.CitizenID, Kind: kind, RequestID: r.ID, CompanyID: r.CompanyID, Scopes: r.Scopes, CreatedAt: now}
	if r.Status == portal.StatusPending {
		d := r.Deadline
		n.Deadline = &d
	}
	if err := insertNotification(tx, n); err != nil {
		return err
	}
	details := map[string]any{"status": string(r.Status), "scopes": joinScopes(r.Scopes)}
	if r.Reason != "" {
		details["reason"] = r.Reason
	}
	return appendAudit(tx, now, Audit{Actor: actor, Action: action, CitizenID: r.CitizenID,
		Subject: fmt.Sprintf("request:%s company:%d", r.ID, r.CompanyID), Details: details})
}

// cancelApprovedNeeding cancels the citizen's approved-but-uncollected requests from the company that need
// the scope (P3), with their notifications and audit entries, inside the caller's transaction.
func cancelApprovedNeeding(tx *sql.Tx, now time.Time, citizenID, companyID int64, scope portal.Scope) ([]portal.DataRequest, error) {
	rows, err := tx.Query("SELECT "+requestColumns+" FROM data_requests WHERE citizen_id = ? AND company_id = ? AND status = 'approved'", citizenID, companyID)
	if err != nil {
		return nil, fmt.Errorf("store: approved requests: %w", err)
	}
	var open []portal.DataRequest
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: scan request: %w", err)
		}
		if r.NeedsScope(scope) {
			open = append(open, r)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("store: approved requests: %w", err)
	}
	var out []portal.DataRequest
	for _, r := range open {
		next, ok := r.CancelFor(portal.ReasonConsentRevoked, now)
		if !ok {
			continue // already past its pickup window: the sweeper marks it expired
		}
		if saved, err := saveRequestState(tx, next, r.Status); err != nil {
			return nil, err
		} else if !saved {
			continue
		}
		if err := notifyRequest(tx, now, next, portal.NotifCancelled, portal.System, "request.cancel"); err != nil {
			return nil, err
		}
		out = append(out, next)
	}
	return out, nil
}

// Request returns a request by id.
func (s *Store) Request(ctx context.Context, id string) (portal.DataRequest, error) {
	r, err := scanRequest(s.r.QueryRowContext(ctx, "SELECT "+requestColumns+" FROM data_requests WHERE id = ?", id))
	if err != nil {
		return portal.DataRequest{}, notFound(err, "request")
	}
	return r, nil
}

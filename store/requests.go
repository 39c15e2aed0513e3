package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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
	approved, err := txRequests(tx, "citizen_id = ? AND company_id = ? AND status = 'approved'", citizenID, companyID)
	if err != nil {
		return nil, fmt.Errorf("store: approved requests: %w", err)
	}
	var out []portal.DataRequest
	for _, r := range approved {
		if !r.NeedsScope(scope) {
			continue
		}
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

// NewRequest is a company's request as the API received it.
type NewRequest struct {
	CompanyID int64
	FIN       string // normalized
	Scopes    []portal.Scope
	Purpose   string
	// Data is the citizen's data for Scopes, fetched by the caller beforehand when the consents seemed to
	// cover them; nil otherwise. The decision is made again inside the transaction: if the consents cover
	// the request there but Data is nil, CreateRequest returns ErrNeedData so the caller fetches and retries.
	Data map[portal.Scope]map[string]any
	// RegistryInTx, when the data comes from this database's own registry (Store.IsOwnRegistry), has
	// CreateRequest read it inside the transaction that decides the request, and only if the consents
	// cover it: the caller then reads neither the consents nor the data beforehand. Another registry is a
	// remote service, never asked inside the writer's transaction, which it would hold for a round trip.
	RegistryInTx bool
	// IdempotencyKey, when set, makes a repeated call with the same key and BodyHash return the first
	// answer instead of making a second request; another body with the same key is refused.
	IdempotencyKey string
	BodyHash       []byte
	// Render builds the API answer from the request as decided; it runs inside the transaction (it must do
	// no I/O) so that the answer kept for the idempotency key commits with the request.
	Render func(r portal.DataRequest, data map[portal.Scope]map[string]any) (status int, body []byte, err error)
}

// ErrNeedData tells CreateRequest's caller that consents now cover the request: fetch the data and retry.
var ErrNeedData = errors.New("store: consents cover the request; fetch the data and retry")

// Created is CreateRequest's outcome: the answer to send, and the request when this call made it.
type Created struct {
	Status  int
	Body    []byte
	Request *portal.DataRequest // nil when the answer is a replay for an idempotency key
}

// CreateRequest records a company's request for a citizen's data with its notification and audit entry,
// all in one transaction, and decides it there (P1): delivered when the citizen's consents to this company
// cover every scope at that instant, else pending until now+window.
func (s *Store) CreateRequest(ctx context.Context, in NewRequest, window time.Duration) (Created, error) {
	now := s.now()
	var out Created
	err := s.write(ctx, func(tx *sql.Tx) error {
		out = Created{}
		if in.IdempotencyKey != "" {
			var hash, body []byte
			var status int
			err := tx.QueryRow("SELECT body_hash, status, response FROM idempotency_keys WHERE company_id = ? AND key = ? AND created_at > ?",
				in.CompanyID, in.IdempotencyKey, ms(now.Add(-24*time.Hour))).Scan(&hash, &status, &body)
			switch {
			case err == nil:
				if !bytes.Equal(hash, in.BodyHash) {
					return portal.Errorf(portal.CodeIdempotencyKeyReused, "this Idempotency-Key was used with another request body")
				}
				out = Created{Status: status, Body: body}
				return nil
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("store: idempotency key: %w", err)
			}
		}
		citizenID, err := checkRequestable(tx, in)
		if err != nil {
			return err
		}
		consents, err := queryConsents(ctx, tx, "citizen_id = ? AND company_id = ?", citizenID, in.CompanyID)
		if err != nil {
			return err
		}
		r := portal.NewRequest(in.CompanyID, citizenID, in.Scopes, in.Purpose, consents, now, window)
		kind, data := portal.NotifPending, map[portal.Scope]map[string]any(nil)
		if r.Status == portal.StatusDelivered {
			kind, data = portal.NotifDelivered, in.Data
			switch {
			case data == nil && in.RegistryInTx:
				if data, err = fetchRegistry(ctx, tx, in.FIN, in.Scopes); err != nil {
					return err
				}
			case data == nil:
				return ErrNeedData
			}
		}
		if err := insertRequest(tx, r); err != nil {
			return err
		}
		if err := notifyRequest(tx, now, r, kind, portal.Actor{Kind: portal.ActorCompany, ID: in.CompanyID}, "request.create"); err != nil {
			return err
		}
		code, body, err := in.Render(r, data)
		if err != nil {
			return fmt.Errorf("store: render answer: %w", err)
		}
		if in.IdempotencyKey != "" {
			if _, err := tx.Exec(`INSERT INTO idempotency_keys (company_id, key, body_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (company_id, key) DO UPDATE SET body_hash = excluded.body_hash, status = excluded.status, response = excluded.response, created_at = excluded.created_at`,
				in.CompanyID, in.IdempotencyKey, in.BodyHash, code, body, ms(now)); err != nil {
				return fmt.Errorf("store: keep idempotency key: %w", err)
			}
		}
		out = Created{Status: code, Body: body, Request: &r}
		return nil
	})
	return out, err
}

// requestableQuery reads, in one statement, what a new request needs checked inside its transaction: the
// company's status, the citizen's id and the scopes the company offers now (space-separated). Each
// statement costs tens of microseconds on the busiest path of the portal, so these are not three.
const requestableQuery = `SELECT
	(SELECT status FROM companies WHERE id = ?1),
	(SELECT id FROM users WHERE fin = ?2 AND role = 'citizen'),
	(SELECT coalesce(group_concat(scope, ' '), '') FROM offers WHERE company_id = ?1 AND withdrawn_at IS NULL)`

// checkRequestable refuses a request from a company that is unknown or suspended, about a citizen who is
// unknown, or for a scope the company does not (or no longer) offer; otherwise it returns the citizen's id.
func checkRequestable(tx *sql.Tx, in NewRequest) (int64, error) {
	var status sql.NullString
	var citizenID sql.NullInt64
	var offers string
	if err := tx.QueryRow(requestableQuery, in.CompanyID, in.FIN).Scan(&status, &citizenID, &offers); err != nil {
		return 0, fmt.Errorf("store: check request: %w", err)
	}
	switch {
	case !status.Valid:
		return 0, notFound(sql.ErrNoRows, "company")
	case portal.CompanyStatus(status.String) != portal.CompanyActive:
		return 0, portal.Errorf(portal.CodeCompanySuspended, "the company is suspended")
	case !citizenID.Valid:
		return 0, portal.Errorf(portal.CodeCitizenNotFound, "no citizen with this FIN")
	}
	offered := splitScopes(offers)
	for _, sc := range in.Scopes {
		if !slices.Contains(offered, sc) {
			return 0, portal.Errorf(portal.CodeScopeNotOffered, "the company does not offer scope %q", sc)
		}
	}
	return citizenID.Int64, nil
}

// ActiveConsentsFor returns the citizen's consents to the company, by FIN; the API uses it to decide
// whether to fetch data before CreateRequest decides for good.
func (s *Store) ActiveConsentsFor(ctx context.Context, fin string, companyID int64) ([]portal.Consent, error) {
	return queryConsents(ctx, s.r, "company_id = ? AND citizen_id = (SELECT id FROM users WHERE fin = ? AND role = 'citizen')", companyID, fin)
}

// transition loads a request inside the transaction, applies a domain transition, saves it only if the row
// is still in the state it was read in, and writes the notification and audit entry it owes.
func transition(tx *sql.Tx, now time.Time, where string, args []any, actor portal.Actor, action string, kind portal.NotificationKind,
	apply func(portal.DataRequest) (portal.DataRequest, error)) (portal.DataRequest, error) {
	r, err := scanRequest(tx.QueryRow("SELECT "+requestColumns+" FROM data_requests WHERE "+where, args...))
	if err != nil {
		return portal.DataRequest{}, notFound(err, "request")
	}
	next, err := apply(r)
	if err != nil {
		return r, err
	}
	saved, err := saveRequestState(tx, next, r.Status)
	if err != nil {
		return r, err
	}
	if !saved {
		return r, portal.Errorf(portal.CodeNotPending, "the request changed meanwhile").WithKey("err.request_decided")
	}
	return next, notifyRequest(tx, now, next, kind, actor, action)
}

// DecideRequest records the citizen's approval or denial of their own pending request, before its deadline.
// With keep set, approving also grants a standing consent for the request's scopes, in the same transaction.
// Another citizen's request is not found.
func (s *Store) DecideRequest(ctx context.Context, citizenID int64, id string, approve bool, keep portal.Validity) (portal.DataRequest, error) {
	now := s.now()
	var out portal.DataRequest
	err := s.write(ctx, func(tx *sql.Tx) error {
		actor := portal.Actor{Kind: portal.ActorCitizen, ID: citizenID}
		apply, kind, action := portal.DataRequest.Deny, portal.NotifDenied, "request.deny"
		if approve {
			apply, kind, action = portal.DataRequest.Approve, portal.NotifApproved, "request.approve"
		}
		r, err := transition(tx, now, "id = ? AND citizen_id = ?", []any{id, citizenID}, actor, action, kind,
			func(r portal.DataRequest) (portal.DataRequest, error) { return apply(r, now) })
		if err != nil {
			return err
		}
		if approve && keep != "" {
			for _, sc := range r.Scopes {
				if _, err := grantConsent(tx, now, citizenID, r.CompanyID, sc, keep, r.ID); err != nil {
					return err
				}
			}
		}
		out = r
		return nil
	})
	return out, err
}

// CancelRequest withdraws a company's own pending request; another company's request is not found.
func (s *Store) CancelRequest(ctx context.Context, companyID int64, id string) (portal.DataRequest, error) {
	now := s.now()
	var out portal.DataRequest
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = transition(tx, now, "id = ? AND company_id = ?", []any{id, companyID}, portal.Actor{Kind: portal.ActorCompany, ID: companyID},
			"request.cancel", portal.NotifCancelled, func(r portal.DataRequest) (portal.DataRequest, error) { return r.CancelByCompany(now) })
		return err
	})
	return out, err
}

// CollectRequest hands over an approved request once, within its pickup window, to the company that made
// it (P1 b). The caller fetched the data beforehand and sends it only if this commits.
func (s *Store) CollectRequest(ctx context.Context, companyID int64, id string) (portal.DataRequest, error) {
	now := s.now()
	var out portal.DataRequest
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = transition(tx, now, "id = ? AND company_id = ?", []any{id, companyID}, portal.Actor{Kind: portal.ActorCompany, ID: companyID},
			"request.collect", portal.NotifCollected, func(r portal.DataRequest) (portal.DataRequest, error) { return r.Collect(now) })
		return err
	})
	return out, err
}

// CompanyRequest returns one of the company's requests; another company's is not found (P6).
func (s *Store) CompanyRequest(ctx context.Context, companyID int64, id string) (portal.DataRequest, error) {
	r, err := scanRequest(s.r.QueryRowContext(ctx, "SELECT "+requestColumns+" FROM data_requests WHERE id = ? AND company_id = ?", id, companyID))
	if err != nil {
		return portal.DataRequest{}, notFound(err, "request")
	}
	return r, nil
}

// CitizenRequest returns one of the citizen's requests with the company's name; another's is not found.
func (s *Store) CitizenRequest(ctx context.Context, citizenID int64, id string) (RequestView, error) {
	var v RequestView
	var err error
	v.DataRequest, err = scanRequest(s.r.QueryRowContext(ctx, "SELECT "+prefixed("r.", requestColumns)+", c.name FROM data_requests r JOIN companies c ON c.id = r.company_id WHERE r.id = ? AND r.citizen_id = ?", id, citizenID), &v.CompanyName)
	if err != nil {
		return RequestView{}, notFound(err, "request")
	}
	return v, nil
}

// ExpireDue writes down the expiry of every pending or approved request whose deadline has passed, with
// notifications and audit entries, and returns them for announcing. It only tidies: every transition checks
// the deadline itself, so nothing depends on when this runs.
func (s *Store) ExpireDue(ctx context.Context, limit int) ([]portal.DataRequest, error) {
	now := s.now()
	var out []portal.DataRequest
	err := s.write(ctx, func(tx *sql.Tx) error {
		out = nil
		due, err := txRequests(tx, "status IN ('pending', 'approved') AND deadline <= ? ORDER BY deadline LIMIT ?", ms(now), limit)
		if err != nil {
			return fmt.Errorf("store: due requests: %w", err)
		}
		for _, r := range due {
			next, ok := r.Expire(now)
			if !ok {
				continue
			}
			if saved, err := saveRequestState(tx, next, r.Status); err != nil {
				return err
			} else if !saved {
				continue
			}
			if err := notifyRequest(tx, now, next, portal.NotifExpired, portal.System, "request.expire"); err != nil {
				return err
			}
			out = append(out, next)
		}
		return nil
	})
	return out, err
}

// DeleteIdempotencyKeysBefore forgets idempotency keys older than t, with the answers kept for them.
func (s *Store) DeleteIdempotencyKeysBefore(ctx context.Context, t time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec("DELETE FROM idempotency_keys WHERE created_at < ?", ms(t)); err != nil {
			return fmt.Errorf("store: forget idempotency keys: %w", err)
		}
		return nil
	})
}

// txRequests reads the requests matching where inside the caller's transaction, all of them before the
// caller writes (SQLite must not be written to while a read on the same connection is open).
func txRequests(tx *sql.Tx, where string, args ...any) ([]portal.DataRequest, error) {
	rows, err := tx.Query("SELECT "+requestColumns+" FROM data_requests WHERE "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []portal.DataRequest
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"portal"
)

const consentColumns = "id, citizen_id, company_id, scope, granted, validity, granted_at, valid_until, revoked_at, updated_at"

func scanConsent(sc interface{ Scan(...any) error }) (portal.Consent, error) {
	var c portal.Consent
	var scope, validity string
	var granted int
	var grantedAt, updated int64
	var until, revoked sql.NullInt64
	if err := sc.Scan(&c.ID, &c.CitizenID, &c.CompanyID, &scope, &granted, &validity, &grantedAt, &until, &revoked, &updated); err != nil {
		return portal.Consent{}, err
	}
	c.Scope, c.Validity, c.Granted = portal.Scope(scope), portal.Validity(validity), granted == 1
	c.GrantedAt, c.ValidUntil, c.RevokedAt, c.UpdatedAt = fromMS(grantedAt), fromNullMS(until), fromNullMS(revoked), fromMS(updated)
	return c, nil
}

func queryConsents(ctx context.Context, q queryer, where string, args ...any) ([]portal.Consent, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+consentColumns+" FROM consents WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: consents: %w", err)
	}
	defer rows.Close()
	var out []portal.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan consent: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: consents: %w", err)
	}
	return out, nil
}

// Consents returns every consent row of a citizen (active or not), by company and scope.
func (s *Store) Consents(ctx context.Context, citizenID int64) ([]portal.Consent, error) {
	return queryConsents(ctx, s.r, "citizen_id = ? ORDER BY company_id, scope", citizenID)
}

// ConsentsFor returns a citizen's consent rows for one company.
func (s *Store) ConsentsFor(ctx context.Context, citizenID, companyID int64) ([]portal.Consent, error) {
	return queryConsents(ctx, s.r, "citizen_id = ? AND company_id = ? ORDER BY scope", citizenID, companyID)
}

// Consent returns one of the citizen's consents; another citizen's consent is not found.
func (s *Store) Consent(ctx context.Context, citizenID, consentID int64) (portal.Consent, error) {
	c, err := scanConsent(s.r.QueryRowContext(ctx, "SELECT "+consentColumns+" FROM consents WHERE id = ? AND citizen_id = ?", consentID, citizenID))
	if err != nil {
		return portal.Consent{}, notFound(err, "consent")
	}
	return c, nil
}

// GrantConsent grants (or, when active, re-dates) the citizen's consent to a company for a scope the
// company offers. Only the citizen's own routes call it (P2).
func (s *Store) GrantConsent(ctx context.Context, citizenID, companyID int64, scope portal.Scope, v portal.Validity) (portal.Consent, error) {
	now := s.now()
	var out portal.Consent
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = grantConsent(tx, now, citizenID, companyID, scope, v, "")
		return err
	})
	return out, err
}

func grantConsent(tx *sql.Tx, now time.Time, citizenID, companyID int64, scope portal.Scope, v portal.Validity, requestID string) (portal.Consent, error) {
	if !v.Valid() {
		return portal.Consent{}, portal.Errorf(portal.EINVALID, "unknown validity %q", v).WithKey("err.validity")
	}
	var withdrawn sql.NullInt64
	err := tx.QueryRow("SELECT withdrawn_at FROM offers WHERE company_id = ? AND scope = ?", companyID, string(scope)).Scan(&withdrawn)
	if errors.Is(err, sql.ErrNoRows) || withdrawn.Valid {
		return portal.Consent{}, portal.Errorf(portal.EINVALID, "the company does not offer scope %s", scope).WithKey("err.scope_not_offered")
	}
	if err != nil {
		return portal.Consent{}, fmt.Errorf("store: grant consent: offer: %w", err)
	}
	var cur *portal.Consent
	c, err := scanConsent(tx.QueryRow("SELECT "+consentColumns+" FROM consents WHERE citizen_id = ? AND company_id = ? AND scope = ?", citizenID, companyID, string(scope)))
	switch {
	case err == nil:
		cur = &c
	case !errors.Is(err, sql.ErrNoRows):
		return portal.Consent{}, fmt.Errorf("store: grant consent: current: %w", err)
	}
	next, ev := portal.Grant(cur, citizenID, companyID, scope, v, now)
	ev.RequestID = requestID
	if cur == nil {
		res, err := tx.Exec("INSERT INTO consents (citizen_id, company_id, scope, granted, validity, granted_at, valid_until, revoked_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, NULL, ?)",
			citizenID, companyID, string(scope), string(v), ms(next.GrantedAt), msPtr(next.ValidUntil), ms(now))
		if err != nil {
			return portal.Consent{}, fmt.Errorf("store: insert consent: %w", err)
		}
		if next.ID, err = res.LastInsertId(); err != nil {
			return portal.Consent{}, fmt.Errorf("store: consent id: %w", err)
		}
	} else if err := saveConsent(tx, next); err != nil {
		return portal.Consent{}, err
	}
	ev.ConsentID = next.ID
	if err := recordConsentEvent(tx, ev); err != nil {
		return portal.Consent{}, err
	}
	return next, nil
}

func saveConsent(tx *sql.Tx, c portal.Consent) error {
	granted := 0
	if c.Granted {
		granted = 1
	}
	_, err := tx.Exec("UPDATE consents SET granted = ?, validity = ?, granted_at = ?, valid_until = ?, revoked_at = ?, updated_at = ? WHERE id = ?",
		granted, string(c.Validity), ms(c.GrantedAt), msPtr(c.ValidUntil), msPtr(c.RevokedAt), ms(c.UpdatedAt), c.ID)
	if err != nil {
		return fmt.Errorf("store: save consent: %w", err)
	}
	return nil
}

// recordConsentEvent writes the immutable event and its audit entry.
func recordConsentEvent(tx *sql.Tx, ev portal.ConsentEvent) error {
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	_, err := tx.Exec(`INSERT INTO consent_events (consent_id, citizen_id, company_id, scope, kind, at, old_active, new_active, old_valid_until, new_valid_until, new_validity, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.ConsentID, ev.CitizenID, ev.CompanyID, string(ev.Scope), string(ev.Kind), ms(ev.At), b2i(ev.OldActive), b2i(ev.NewActive),
		msPtr(ev.OldValidUntil), msPtr(ev.NewValidUntil), string(ev.NewValidity), ev.RequestID)
	if err != nil {
		return fmt.Errorf("store: consent event: %w", err)
	}
	details := map[string]any{"scope": string(ev.Scope), "validity": string(ev.NewValidity)}
	if ev.RequestID != "" {
		details["request"] = ev.RequestID
	}
	return appendAudit(tx, ev.At, Audit{
		Actor: portal.Actor{Kind: portal.ActorCitizen, ID: ev.CitizenID}, Action: "consent." + string(ev.Kind), CitizenID: ev.CitizenID,
		Subject: fmt.Sprintf("consent:%d company:%d", ev.ConsentID, ev.CompanyID), Details: details,
	})
}

// ChangeConsent sets a new validity on one of the citizen's active consents.
func (s *Store) ChangeConsent(ctx context.Context, citizenID, consentID int64, v portal.Validity) (portal.Consent, error) {
	now := s.now()
	var out portal.Consent
	err := s.write(ctx, func(tx *sql.Tx) error {
		cur, err := scanConsent(tx.QueryRow("SELECT "+consentColumns+" FROM consents WHERE id = ? AND citizen_id = ?", consentID, citizenID))
		if err != nil {
			return notFound(err, "consent")
		}
		next, ev, err := portal.ChangeValidity(cur, v, now)
		if err != nil {
			return err
		}
		if err := saveConsent(tx, next); err != nil {
			return err
		}
		out = next
		return recordConsentEvent(tx, ev)
	})
	return out, err
}

// RevokeConsent ends one of the citizen's active consents and, in the same transaction, cancels every
// approved-but-uncollected request of that company that needs the scope (P3). It returns the cancelled
// requests so that the caller can announce them.
func (s *Store) RevokeConsent(ctx context.Context, citizenID, consentID int64) (portal.Consent, []portal.DataRequest, error) {
	now := s.now()
	var out portal.Consent
	var cancelled []portal.DataRequest
	err := s.write(ctx, func(tx *sql.Tx) error {
		cancelled = nil
		cur, err := scanConsent(tx.QueryRow("SELECT "+consentColumns+" FROM consents WHERE id = ? AND citizen_id = ?", consentID, citizenID))
		if err != nil {
			return notFound(err, "consent")
		}
		out, cancelled, err = revokeConsent(tx, now, cur)
		return err
	})
	return out, cancelled, err
}

// revokeConsent applies the domain's Revoke to cur, records its event and audit entry and cancels the
// approved requests that needed it (P3), all inside the caller's transaction.
func revokeConsent(tx *sql.Tx, now time.Time, cur portal.Consent) (portal.Consent, []portal.DataRequest, error) {
	next, ev, err := portal.Revoke(cur, now)
	if err != nil {
		return portal.Consent{}, nil, err
	}
	if err := saveConsent(tx, next); err != nil {
		return portal.Consent{}, nil, err
	}
	if err := recordConsentEvent(tx, ev); err != nil {
		return portal.Consent{}, nil, err
	}
	cancelled, err := cancelApprovedNeeding(tx, now, cur.CitizenID, cur.CompanyID, cur.Scope)
	if err != nil {
		return portal.Consent{}, nil, err
	}
	return next, cancelled, nil
}

// RevokeCompanyConsents ends every consent the citizen holds active to one company, in one transaction:
// each gets its event and audit entry, and the approved requests needing it are cancelled (P3). It returns
// the revoked consents (none when nothing was active) and the cancelled requests.
func (s *Store) RevokeCompanyConsents(ctx context.Context, citizenID, companyID int64) ([]portal.Consent, []portal.DataRequest, error) {
	return s.revokeAll(ctx, citizenID, "citizen_id = ? AND company_id = ? AND granted = 1 ORDER BY scope", citizenID, companyID)
}

// RevokeAllConsents ends every consent the citizen holds active, to every company, in one transaction, as
// RevokeCompanyConsents does for one company.
func (s *Store) RevokeAllConsents(ctx context.Context, citizenID int64) ([]portal.Consent, []portal.DataRequest, error) {
	return s.revokeAll(ctx, citizenID, "citizen_id = ? AND granted = 1 ORDER BY company_id, scope", citizenID)
}

// revokeAll revokes, in one write, each consent selected by where that is active at the write's time.
func (s *Store) revokeAll(ctx context.Context, citizenID int64, where string, args ...any) ([]portal.Consent, []portal.DataRequest, error) {
	now := s.now()
	var revoked []portal.Consent
	var cancelled []portal.DataRequest
	err := s.write(ctx, func(tx *sql.Tx) error {
		revoked, cancelled = nil, nil
		// Inside the writer's transaction, as every other statement there: not cut short by the caller.
		granted, err := queryConsents(context.Background(), tx, where, args...)
		if err != nil {
			return err
		}
		for _, cur := range granted {
			if cur.CitizenID != citizenID || !cur.ActiveAt(now) {
				continue // already past its validity end: nothing to revoke
			}
			next, cs, err := revokeConsent(tx, now, cur)
			if err != nil {
				return err
			}
			revoked = append(revoked, next)
			cancelled = append(cancelled, cs...)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: revoke consents: %w", err)
	}
	return revoked, cancelled, nil
}

// ConsentEvents returns the citizen's consent events, newest first, at most limit.
func (s *Store) ConsentEvents(ctx context.Context, citizenID int64, limit int) ([]portal.ConsentEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, consent_id, citizen_id, company_id, scope, kind, at, old_active, new_active, old_valid_until, new_valid_until, new_validity, request_id
		FROM consent_events WHERE citizen_id = ? ORDER BY at DESC, id DESC LIMIT ?`, citizenID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: consent events: %w", err)
	}
	defer rows.Close()
	var out []portal.ConsentEvent
	for rows.Next() {
		var ev portal.ConsentEvent
		var scope, kind, validity string
		var at int64
		var oldA, newA int
		var oldU, newU sql.NullInt64
		if err := rows.Scan(&ev.ID, &ev.ConsentID, &ev.CitizenID, &ev.CompanyID, &scope, &kind, &at, &oldA, &newA, &oldU, &newU, &validity, &ev.RequestID); err != nil {
			return nil, fmt.Errorf("store: scan consent event: %w", err)
		}
		ev.Scope, ev.Kind, ev.NewValidity, ev.At = portal.Scope(scope), portal.ConsentEventKind(kind), portal.Validity(validity), fromMS(at)
		ev.OldActive, ev.NewActive, ev.OldValidUntil, ev.NewValidUntil = oldA == 1, newA == 1, fromNullMS(oldU), fromNullMS(newU)
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: consent events: %w", err)
	}
	return out, nil
}

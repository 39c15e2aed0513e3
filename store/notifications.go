package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"portal"
)

// UnreadCount returns how many of the citizen's notifications are unread.
func (s *Store) UnreadCount(ctx context.Context, citizenID int64) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM notifications WHERE citizen_id = ? AND read_at IS NULL", citizenID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unread count: %w", err)
	}
	return n, nil
}

// Notifications returns the citizen's notifications, newest first, with each company's name; beforeID 0
// starts at the newest, otherwise the page continues below that id (keyset pagination).
func (s *Store) Notifications(ctx context.Context, citizenID, beforeID int64, limit int) ([]portal.Notification, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	// The citizen's id is not read back: it is the argument, and every column a row carries costs (this
	// query is the dashboard's most expensive).
	rows, err := s.r.QueryContext(ctx, `SELECT n.id, n.kind, n.request_id, n.company_id, coalesce(c.name, ''), n.scopes, n.deadline, n.created_at, n.read_at
		FROM notifications n LEFT JOIN companies c ON c.id = n.company_id
		WHERE n.citizen_id = ? AND n.id < ? ORDER BY n.id DESC LIMIT ?`, citizenID, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: notifications: %w", err)
	}
	defer rows.Close()
	out := make([]portal.Notification, 0, max(0, min(limit, 100))) // one allocation for a usual page
	for rows.Next() {
		n := portal.Notification{CitizenID: citizenID}
		var kind, scopes string
		var deadline, read sql.NullInt64
		var created int64
		if err := rows.Scan(&n.ID, &kind, &n.RequestID, &n.CompanyID, &n.CompanyName, &scopes, &deadline, &created, &read); err != nil {
			return nil, fmt.Errorf("store: scan notification: %w", err)
		}
		n.Kind, n.Scopes, n.Deadline, n.CreatedAt, n.ReadAt = portal.NotificationKind(kind), splitScopes(scopes), fromNullMS(deadline), fromMS(created), fromNullMS(read)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: notifications: %w", err)
	}
	return out, nil
}

// MarkNotificationsRead marks every unread notification of the citizen up to and including uptoID as read
// (all of them when uptoID is 0), so one that arrived after the page was shown stays unread.
func (s *Store) MarkNotificationsRead(ctx context.Context, citizenID, uptoID int64) (int64, error) {
	now := s.now()
	if uptoID <= 0 {
		uptoID = 1<<63 - 1
	}
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec("UPDATE notifications SET read_at = ? WHERE citizen_id = ? AND read_at IS NULL AND id <= ?", ms(now), citizenID, uptoID)
		if err != nil {
			return fmt.Errorf("store: mark read: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// RequestView is a request with its company's name, for pages.
type RequestView struct {
	portal.DataRequest
	CompanyName string
}

// openRequestsQuery is OpenRequests' query: one range search of data_requests_citizen_pending.
var openRequestsQuery = `SELECT ` + prefixed("r.", requestColumns) + `, c.name
		FROM data_requests r JOIN companies c ON c.id = r.company_id
		WHERE r.citizen_id = ? AND r.status = 'pending' AND r.deadline > ? ORDER BY r.deadline`

// OpenRequests returns the citizen's requests still waiting for a decision at now, soonest deadline first.
func (s *Store) OpenRequests(ctx context.Context, citizenID int64, now time.Time) ([]RequestView, error) {
	rows, err := s.r.QueryContext(ctx, openRequestsQuery, citizenID, ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: open requests: %w", err)
	}
	defer rows.Close()
	var out []RequestView
	for rows.Next() {
		var v RequestView
		var err error
		if v.DataRequest, err = scanRequest(rows, &v.CompanyName); err != nil {
			return nil, fmt.Errorf("store: scan request: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: open requests: %w", err)
	}
	return out, nil
}

// ActiveConsentCount returns how many of the citizen's consents are active at now.
func (s *Store) ActiveConsentCount(ctx context.Context, citizenID int64, now time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM consents WHERE citizen_id = ? AND granted = 1 AND (valid_until IS NULL OR valid_until > ?)", citizenID, ms(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: active consents: %w", err)
	}
	return n, nil
}

// DashboardCounts are the two numbers the citizen's dashboard shows besides its lists.
type DashboardCounts struct {
	Unread         int // unread notifications, for the navigation's badge
	ActiveConsents int // consents active at the time asked
}

// dashboardCountsQuery is UnreadCount's and ActiveConsentCount's queries as one statement: on the
// dashboard, the busiest page, each statement costs more than the counting it does.
const dashboardCountsQuery = `SELECT
	(SELECT count(*) FROM notifications WHERE citizen_id = ? AND read_at IS NULL),
	(SELECT count(*) FROM consents WHERE citizen_id = ? AND granted = 1 AND (valid_until IS NULL OR valid_until > ?))`

// DashboardCounts returns, in one statement, what UnreadCount and ActiveConsentCount return.
func (s *Store) DashboardCounts(ctx context.Context, citizenID int64, now time.Time) (DashboardCounts, error) {
	var n DashboardCounts
	if err := s.r.QueryRowContext(ctx, dashboardCountsQuery, citizenID, citizenID, ms(now)).Scan(&n.Unread, &n.ActiveConsents); err != nil {
		return DashboardCounts{}, fmt.Errorf("store: dashboard counts: %w", err)
	}
	return n, nil
}

// ConsentExpiryNotice is how long before a consent's validity ends the citizen is told.
const ConsentExpiryNotice = 7 * 24 * time.Hour

// NotifyExpiringConsents writes a consent_expires notification for every active consent whose validity
// ends within ConsentExpiryNotice and whose end has not been announced yet; consents of one citizen to one
// company that end at the same instant (granted together) share one notification. It is idempotent: the
// notification carries the validity end as its deadline, so a consent is announced once per validity end,
// and again only if the citizen extends it and the new end comes near. It returns the citizens notified,
// for announcing, and handles at most limit consents per call.
func (s *Store) NotifyExpiringConsents(ctx context.Context, limit int) ([]int64, error) {
	now := s.now()
	var citizens []int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		citizens = nil
		rows, err := tx.Query(`SELECT c.citizen_id, c.company_id, c.scope, c.valid_until FROM consents c JOIN scopes sc ON sc.code = c.scope
			WHERE c.granted = 1 AND c.revoked_at IS NULL AND c.valid_until > ? AND c.valid_until <= ?
			AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.kind = 'consent_expires' AND n.citizen_id = c.citizen_id
				AND n.company_id = c.company_id AND n.deadline = c.valid_until AND instr(' ' || n.scopes || ' ', ' ' || c.scope || ' ') > 0)
			ORDER BY c.citizen_id, c.company_id, c.valid_until, sc.position LIMIT ?`,
			ms(now), ms(now.Add(ConsentExpiryNotice)), limit)
		if err != nil {
			return fmt.Errorf("store: expiring consents: %w", err)
		}
		var notes []portal.Notification
		for rows.Next() {
			var citizenID, companyID, until int64
			var scope string
			if err := rows.Scan(&citizenID, &companyID, &scope, &until); err != nil {
				rows.Close()
				return fmt.Errorf("store: scan expiring consent: %w", err)
			}
			end := fromMS(until)
			if k := len(notes) - 1; k >= 0 && notes[k].CitizenID == citizenID && notes[k].CompanyID == companyID && notes[k].Deadline.Equal(end) {
				notes[k].Scopes = append(notes[k].Scopes, portal.Scope(scope))
				continue
			}
			notes = append(notes, portal.Notification{CitizenID: citizenID, Kind: portal.NotifConsentExpires, CompanyID: companyID,
				Scopes: []portal.Scope{portal.Scope(scope)}, Deadline: &end, CreatedAt: now})
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("store: expiring consents: %w", err)
		}
		for _, n := range notes {
			if err := insertNotification(tx, n); err != nil {
				return err
			}
			if len(citizens) == 0 || citizens[len(citizens)-1] != n.CitizenID {
				citizens = append(citizens, n.CitizenID)
			}
		}
		return nil
	})
	return citizens, err
}

package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"portal"
)

// HistoryKind says what a history entry is: a data request or a consent event.
type HistoryKind string

// The history entry kinds. Within one instant, entries are ordered by kind in this (alphabetical) order.
const (
	HistoryConsent HistoryKind = "consent"
	HistoryRequest HistoryKind = "request"
)

// HistoryEntry is one line of a citizen's history (P4): a request about them or an event of their consents.
type HistoryEntry struct {
	Kind        HistoryKind
	At          time.Time // when the request was made, or when the consent event happened
	CompanyID   int64
	CompanyName string
	Request     *portal.DataRequest  // set when Kind is HistoryRequest
	Consent     *portal.ConsentEvent // set when Kind is HistoryConsent
}

// ID is the entry's id within its kind: the request id, or the consent event's number.
func (e HistoryEntry) ID() string {
	if e.Request != nil {
		return e.Request.ID
	}
	if e.Consent != nil {
		return strconv.FormatInt(e.Consent.ID, 10)
	}
	return ""
}

// Cursor is the position after which the next page of history starts.
func (e HistoryEntry) Cursor() HistoryCursor {
	return HistoryCursor{At: e.At, Kind: e.Kind, ID: e.ID()}
}

// HistoryFilter narrows a citizen's history. The zero value of each field other than CitizenID means "all".
type HistoryFilter struct {
	CitizenID int64
	CompanyID int64
	// Status is a request status (as seen now: a pending request past its deadline counts as expired), or a
	// consent event kind (grant, change, revoke). A request status leaves out consent events and vice versa.
	Status string
	From   time.Time // entries at or after From
	To     time.Time // entries strictly before To
}

// HistoryStatuses lists the values HistoryFilter.Status accepts besides "".
func HistoryStatuses() []string {
	out := make([]string, 0, len(portal.RequestStatuses)+3)
	for _, s := range portal.RequestStatuses {
		out = append(out, string(s))
	}
	return append(out, string(portal.ConsentGranted), string(portal.ConsentChanged), string(portal.ConsentRevoked))
}

func isConsentKind(s string) bool {
	return s == string(portal.ConsentGranted) || s == string(portal.ConsentChanged) || s == string(portal.ConsentRevoked)
}

// HistoryCursor is a position in the history's order (time descending, then kind, then id descending). Its
// text form is opaque to clients.
type HistoryCursor struct {
	At   time.Time
	Kind HistoryKind
	ID   string
}

// String encodes the cursor for a URL.
func (c HistoryCursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d:%s:%s", ms(c.At), c.Kind, c.ID)))
}

// ParseHistoryCursor decodes a cursor made by HistoryCursor.String.
func ParseHistoryCursor(s string) (HistoryCursor, error) {
	bad := portal.Errorf(portal.EINVALID, "malformed history cursor").WithKey("err.history_cursor")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return HistoryCursor{}, bad
	}
	parts := strings.SplitN(string(raw), ":", 3)
	if len(parts) != 3 || parts[2] == "" {
		return HistoryCursor{}, bad
	}
	at, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return HistoryCursor{}, bad
	}
	c := HistoryCursor{At: fromMS(at), Kind: HistoryKind(parts[1]), ID: parts[2]}
	switch c.Kind {
	case HistoryRequest:
	case HistoryConsent:
		if _, err := strconv.ParseInt(c.ID, 10, 64); err != nil {
			return HistoryCursor{}, bad
		}
	default:
		return HistoryCursor{}, bad
	}
	return c, nil
}

// History returns one page of the citizen's history, newest first: at most limit entries after the cursor
// (nil for the first page), and the cursor of the next page (nil on the last page).
//
// Pagination is by keyset, never by OFFSET: each side of the merge is one range search of its index
// (data_requests_citizen_created, consent_events_citizen_at) that starts at the cursor and stops after
// limit+1 rows, so the ten-thousandth page costs what the first does, and entries that arrive while a
// citizen pages appear on the first page without shifting the later ones.
func (s *Store) History(ctx context.Context, f HistoryFilter, after *HistoryCursor, limit int) ([]HistoryEntry, *HistoryCursor, error) {
	if limit <= 0 {
		limit = 50
	}
	q, args, err := historyQuery(f, after, limit+1, s.now())
	if err != nil {
		return nil, nil, err
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("store: history: %w", err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		e, err := scanHistory(rows)
		if err != nil {
			return nil, nil, fmt.Errorf("store: scan history: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: history: %w", err)
	}
	if len(out) <= limit {
		return out, nil, nil
	}
	out = out[:limit]
	next := out[limit-1].Cursor()
	return out, &next, nil
}

// EachHistory calls fn for every entry of the citizen's history that matches f, newest first, reading it
// page by page so that an export of 100,000 entries never holds more than one page in memory.
func (s *Store) EachHistory(ctx context.Context, f HistoryFilter, pageSize int, fn func(HistoryEntry) error) error {
	var after *HistoryCursor
	for {
		page, next, err := s.History(ctx, f, after, pageSize)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
		after = next
	}
}

// historyColumns are the merged columns: each side fills the other's with neutral values.
const historyColumns = "kind, at, id, company_id, scopes, purpose, status, reason, binding_code, deadline, decided_at, delivered_at, " +
	"consent_id, old_active, new_active, old_valid_until, new_valid_until, new_validity, request_id"

// historyQuery builds the merged keyset query: a UNION ALL of two subqueries, each limited to limit rows
// after the cursor in its own index order, then merged in the history's order (at DESC, kind, id DESC).
func historyQuery(f HistoryFilter, after *HistoryCursor, limit int, now time.Time) (string, []any, error) {
	wantRequests, wantConsents := true, true
	if f.Status != "" {
		switch {
		case isConsentKind(f.Status):
			wantRequests = false
		case slices.Contains(portal.RequestStatuses, portal.RequestStatus(f.Status)):
			wantConsents = false
		default:
			return "", nil, portal.Errorf(portal.EINVALID, "unknown history status %q", f.Status).WithKey("err.history_filter")
		}
	}
	var parts []string
	var args []any
	if wantRequests {
		where := []string{"citizen_id = ?"}
		args = append(args, f.CitizenID)
		if f.CompanyID != 0 {
			where = append(where, "company_id = ?")
			args = append(args, f.CompanyID)
		}
		switch portal.RequestStatus(f.Status) {
		case "":
		case portal.StatusPending, portal.StatusApproved:
			where = append(where, "status = ? AND deadline > ?")
			args = append(args, f.Status, ms(now))
		case portal.StatusExpired:
			where = append(where, "(status = 'expired' OR (status IN ('pending', 'approved') AND deadline <= ?))")
			args = append(args, ms(now))
		default:
			where = append(where, "status = ?")
			args = append(args, f.Status)
		}
		where, args = periodAndKeyset(where, args, "created_at", f, after, HistoryRequest)
		parts = append(parts, `SELECT * FROM (SELECT 'request' AS kind, created_at AS at, id, company_id, scopes, purpose, status, reason,
			binding_code, deadline, decided_at, delivered_at, 0 AS consent_id, 0 AS old_active, 0 AS new_active,
			NULL AS old_valid_until, NULL AS new_valid_until, '' AS new_validity, '' AS request_id
			FROM data_requests WHERE `+strings.Join(where, " AND ")+` ORDER BY created_at DESC, id DESC LIMIT ?)`)
		args = append(args, limit)
	}
	if wantConsents {
		where := []string{"citizen_id = ?"}
		args = append(args, f.CitizenID)
		if f.CompanyID != 0 {
			where = append(where, "company_id = ?")
			args = append(args, f.CompanyID)
		}
		if f.Status != "" {
			where = append(where, "kind = ?")
			args = append(args, f.Status)
		}
		where, args = periodAndKeyset(where, args, "at", f, after, HistoryConsent)
		parts = append(parts, `SELECT * FROM (SELECT 'consent' AS kind, at, id, company_id, scope AS scopes, '' AS purpose, kind AS status,
			'' AS reason, '' AS binding_code, NULL AS deadline, NULL AS decided_at, NULL AS delivered_at, consent_id, old_active, new_active,
			old_valid_until, new_valid_until, new_validity, request_id
			FROM consent_events WHERE `+strings.Join(where, " AND ")+` ORDER BY at DESC, id DESC LIMIT ?)`)
		args = append(args, limit)
	}
	q := "SELECT " + prefixed("h.", historyColumns) + ", coalesce(c.name, '') FROM (" + strings.Join(parts, " UNION ALL ") +
		") h LEFT JOIN companies c ON c.id = h.company_id ORDER BY h.at DESC, h.kind, h.id DESC LIMIT ?"
	return q, append(args, limit), nil
}

// periodAndKeyset adds the period and the cursor to one side's conditions. Both bound the time column, so
// that the index range starts at the cursor: the side of kind k continues after the cursor (at, kind, id)
// with rows at an earlier time, or at the same time when k sorts after the cursor's kind, or at the same
// time and kind with a smaller id.
func periodAndKeyset(where []string, args []any, col string, f HistoryFilter, after *HistoryCursor, k HistoryKind) ([]string, []any) {
	if !f.From.IsZero() {
		where = append(where, col+" >= ?")
		args = append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, col+" < ?")
		args = append(args, ms(f.To))
	}
	if after == nil {
		return where, args
	}
	at := ms(after.At)
	switch {
	case k > after.Kind:
		where = append(where, col+" <= ?")
		args = append(args, at)
	case k < after.Kind:
		where = append(where, col+" < ?")
		args = append(args, at)
	default:
		var id any = after.ID
		if k == HistoryConsent {
			n, _ := strconv.ParseInt(after.ID, 10, 64) // ParseHistoryCursor checked it
			id = n
		}
		where = append(where, col+" <= ? AND ("+col+" < ? OR id < ?)")
		args = append(args, at, at, id)
	}
	return where, args
}

func scanHistory(rows *sql.Rows) (HistoryEntry, error) {
	var e HistoryEntry
	var kind, idText, scopes, purpose, status, reason, code, validity, requestID string
	var at, companyID, consentID int64
	var oldActive, newActive int
	var deadline, decided, delivered, oldUntil, newUntil sql.NullInt64
	if err := rows.Scan(&kind, &at, &idText, &companyID, &scopes, &purpose, &status, &reason, &code, &deadline, &decided, &delivered,
		&consentID, &oldActive, &newActive, &oldUntil, &newUntil, &validity, &requestID, &e.CompanyName); err != nil {
		return HistoryEntry{}, err
	}
	e.Kind, e.At, e.CompanyID = HistoryKind(kind), fromMS(at), companyID
	switch e.Kind {
	case HistoryRequest:
		r := portal.DataRequest{
			ID: idText, CompanyID: companyID, Scopes: splitScopes(scopes), Purpose: purpose, Status: portal.RequestStatus(status),
			BindingCode: code, CreatedAt: e.At, DecidedAt: fromNullMS(decided), DeliveredAt: fromNullMS(delivered), Reason: reason,
		}
		if deadline.Valid {
			r.Deadline = fromMS(deadline.Int64)
		}
		e.Request = &r
	case HistoryConsent:
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil {
			return HistoryEntry{}, fmt.Errorf("consent event id %q: %w", idText, err)
		}
		e.Consent = &portal.ConsentEvent{
			ID: id, ConsentID: consentID, CompanyID: companyID, Scope: portal.Scope(scopes), Kind: portal.ConsentEventKind(status), At: e.At,
			OldActive: oldActive == 1, NewActive: newActive == 1, OldValidUntil: fromNullMS(oldUntil), NewValidUntil: fromNullMS(newUntil),
			NewValidity: portal.Validity(validity), RequestID: requestID,
		}
	default:
		return HistoryEntry{}, fmt.Errorf("unknown history kind %q", kind)
	}
	return e, nil
}

// CompanyRef is a company's id and name, for pickers.
type CompanyRef struct {
	ID   int64
	Name string
}

// historyCompaniesQuery is HistoryCompanies' query: one search of citizen_companies (kept by a trigger on
// data_requests, migration 0011) and one of the consents, however long the history is.
const historyCompaniesQuery = `SELECT c.id, c.name FROM companies c JOIN (
		SELECT company_id AS id FROM citizen_companies WHERE citizen_id = ?1 UNION SELECT company_id FROM consents WHERE citizen_id = ?1
	) ids ON ids.id = c.id
	ORDER BY c.name, c.id`

// HistoryCompanies returns the companies that appear in the citizen's history, by name: those that asked
// for their data and those they hold or held a consent to.
func (s *Store) HistoryCompanies(ctx context.Context, citizenID int64) ([]CompanyRef, error) {
	rows, err := s.r.QueryContext(ctx, historyCompaniesQuery, citizenID)
	if err != nil {
		return nil, fmt.Errorf("store: history companies: %w", err)
	}
	defer rows.Close()
	var out []CompanyRef
	for rows.Next() {
		var c CompanyRef
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			return nil, fmt.Errorf("store: scan history company: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: history companies: %w", err)
	}
	return out, nil
}

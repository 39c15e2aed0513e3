package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

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

// SeedRequest is one past data request for demo volume. It is already final (delivered, denied, expired or
// cancelled), so nothing sweeps it and no decision waits on it, and its notification is already read.
type SeedRequest struct {
	ID        string // random, portal.NewRequestID
	CompanyID int64
	CitizenID int64
	Scopes    []portal.Scope
	Purpose   string
	Status    portal.RequestStatus
	CreatedAt time.Time
}

// seedNotification is the notification kind a past request of each final status left.
var seedNotification = map[portal.RequestStatus]portal.NotificationKind{
	portal.StatusDelivered: portal.NotifDelivered,
	portal.StatusDenied:    portal.NotifDenied,
	portal.StatusExpired:   portal.NotifExpired,
	portal.StatusCancelled: portal.NotifCancelled,
}

// SeedRequests adds many past requests, each with its (read) notification, in one write transaction and
// with one audit entry for the whole batch, like SeedCitizens: a million requests one write at a time would
// take far too long. It exists so that benchmarks run against a database of realistic size; only seeding
// calls it. A request that is not final is refused, as is one whose company does not offer its scopes:
// seeded history must be history the portal could have made.
func (s *Store) SeedRequests(ctx context.Context, actor portal.Actor, batch []SeedRequest) (int, error) {
	if len(batch) == 0 {
		return 0, nil
	}
	for _, r := range batch {
		if _, ok := seedNotification[r.Status]; !ok {
			return 0, portal.Errorf(portal.EINVALID, "seed requests: status %q is not final", r.Status)
		}
		if len(r.Scopes) == 0 || len(r.ID) < 32 {
			return 0, portal.Errorf(portal.EINVALID, "seed requests: a request needs an id and scopes")
		}
	}
	now := s.now()
	err := s.write(ctx, func(tx *sql.Tx) error {
		offered := map[int64]map[portal.Scope]bool{}
		rows, err := tx.Query("SELECT company_id, scope FROM offers WHERE withdrawn_at IS NULL")
		if err != nil {
			return fmt.Errorf("store: seed requests: offers: %w", err)
		}
		for rows.Next() {
			var id int64
			var sc string
			if err := rows.Scan(&id, &sc); err != nil {
				rows.Close()
				return fmt.Errorf("store: seed requests: offers: %w", err)
			}
			if offered[id] == nil {
				offered[id] = map[portal.Scope]bool{}
			}
			offered[id][portal.Scope(sc)] = true
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("store: seed requests: offers: %w", err)
		}
		// The requests go in seedRowsPerInsert rows a statement. A trigger on data_requests gives each INSERT
		// a statement journal, and closing one walks the savepoint's whole in-memory journal, which grows
		// with the batch: one row a statement made seeding a million requests quadratic (many minutes).
		var pending []any
		queued := 0
		flush := func() error {
			if queued == 0 {
				return nil
			}
			q := "INSERT INTO data_requests (" + requestColumns + ") VALUES " +
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?), ", queued), ", ")
			if _, err := tx.Exec(q, pending...); err != nil {
				return fmt.Errorf("store: seed requests: %w", err)
			}
			pending, queued = pending[:0], 0
			return nil
		}
		notes, err := tx.Prepare("INSERT INTO notifications (citizen_id, kind, request_id, company_id, scopes, deadline, created_at, read_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)")
		if err != nil {
			return fmt.Errorf("store: seed requests: prepare: %w", err)
		}
		defer notes.Close()
		for _, r := range batch {
			for _, sc := range r.Scopes {
				if !offered[r.CompanyID][sc] {
					return portal.Errorf(portal.CodeScopeNotOffered, "seed requests: company %d does not offer %s", r.CompanyID, sc)
				}
			}
			created := ms(r.CreatedAt)
			var decided, delivered sql.NullInt64
			deadline, reason := created, ""
			switch r.Status {
			case portal.StatusDelivered:
				delivered = sql.NullInt64{Int64: created, Valid: true}
				deadline = 0
			case portal.StatusDenied:
				decided = sql.NullInt64{Int64: created + 40_000, Valid: true}
				deadline, reason = created+int64(portal.DefaultApprovalWindow/time.Millisecond), portal.ReasonCitizenDenied
			case portal.StatusExpired:
				deadline, reason = created+int64(portal.DefaultApprovalWindow/time.Millisecond), portal.ReasonApprovalTimeout
			case portal.StatusCancelled:
				decided = sql.NullInt64{Int64: created + 20_000, Valid: true}
				deadline, reason = created+int64(portal.DefaultApprovalWindow/time.Millisecond), portal.ReasonCompanyCancelled
			}
			scopes := joinScopes(r.Scopes)
			pending = append(pending, r.ID, r.CompanyID, r.CitizenID, scopes, r.Purpose, string(r.Status), created, deadline, decided, delivered, reason)
			if queued++; queued == seedRowsPerInsert {
				if err := flush(); err != nil {
					return err
				}
			}
			if _, err := notes.Exec(r.CitizenID, string(seedNotification[r.Status]), r.ID, r.CompanyID, scopes, created, created+3_600_000); err != nil {
				return fmt.Errorf("store: seed notification: %w", err)
			}
		}
		if err := flush(); err != nil {
			return err
		}
		return appendAudit(tx, now, Audit{Actor: actor, Action: "request.seed", Subject: fmt.Sprintf("requests:%s-%s", batch[0].ID, batch[len(batch)-1].ID),
			Details: map[string]any{"count": len(batch)}})
	})
	if err != nil {
		return 0, err
	}
	return len(batch), nil
}

// seedRowsPerInsert is how many requests SeedRequests writes with one statement (11 parameters each, well
// under SQLite's limit of 32766).
const seedRowsPerInsert = 500

// CountRequests returns how many data requests the database holds.
func (s *Store) CountRequests(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM data_requests").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count requests: %w", err)
	}
	return n, nil
}

// CitizenIDs returns the ids of every citizen account, in id order.
func (s *Store) CitizenIDs(ctx context.Context) ([]int64, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT id FROM users WHERE role = 'citizen' ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: citizen ids: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: citizen ids: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: citizen ids: %w", err)
	}
	return out, nil
}

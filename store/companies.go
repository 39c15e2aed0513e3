package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"portal"
)

const companyColumns = "id, name, voen, sector, description, website, contact_email, status, created_at"

func scanCompany(sc interface{ Scan(...any) error }) (portal.Company, error) {
	var c portal.Company
	var sector, status string
	var created int64
	if err := sc.Scan(&c.ID, &c.Name, &c.VOEN, &sector, &c.Description, &c.Website, &c.ContactEmail, &status, &created); err != nil {
		return portal.Company{}, err
	}
	c.Sector, c.Status, c.CreatedAt = portal.Sector(sector), portal.CompanyStatus(status), fromMS(created)
	return c, nil
}

// CreateCompany registers a company (validated by the caller) with its offers. A VÖEN in use is a conflict.
func (s *Store) CreateCompany(ctx context.Context, actor portal.Actor, c portal.Company, offers []portal.Offer) (portal.Company, error) {
	now := s.now()
	c.CreatedAt = now
	if c.Status == "" {
		c.Status = portal.CompanyActive
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`INSERT INTO companies (name, voen, sector, description, website, contact_email, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.Name, c.VOEN, string(c.Sector), c.Description, c.Website, c.ContactEmail, string(c.Status), ms(now))
		if err != nil {
			if isUniqueViolation(err) {
				return portal.Errorf(portal.ECONFLICT, "a company with VÖEN %s is registered", c.VOEN).WithKey("err.voen_taken")
			}
			return fmt.Errorf("store: create company: %w", err)
		}
		if c.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("store: create company id: %w", err)
		}
		for _, o := range offers {
			o.CompanyID = c.ID
			if err := upsertOffer(tx, o); err != nil {
				return err
			}
		}
		return appendAudit(tx, now, Audit{Actor: actor, Action: "company.create", Subject: fmt.Sprintf("company:%d", c.ID),
			Details: map[string]any{"voen": c.VOEN, "offers": offerScopes(offers)}})
	})
	if err != nil {
		return portal.Company{}, err
	}
	return c, nil
}

func offerScopes(offers []portal.Offer) []string {
	out := make([]string, len(offers))
	for i, o := range offers {
		out[i] = string(o.Scope)
	}
	return out
}

// upsertOffer adds or replaces the company's offer for a scope; replacing a withdrawn offer restores it.
func upsertOffer(tx *sql.Tx, o portal.Offer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	_, err := tx.Exec(`INSERT INTO offers (company_id, scope, purpose, legal_basis, law_name, retention_days, frequency, withdrawn_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
		ON CONFLICT (company_id, scope) DO UPDATE SET purpose = excluded.purpose, legal_basis = excluded.legal_basis,
			law_name = excluded.law_name, retention_days = excluded.retention_days, frequency = excluded.frequency, withdrawn_at = NULL`,
		o.CompanyID, string(o.Scope), strings.TrimSpace(o.Purpose), string(o.LegalBasis), o.LawName, o.RetentionDays, string(o.Frequency))
	if err != nil {
		return fmt.Errorf("store: save offer: %w", err)
	}
	return nil
}

// Company returns the company with the given id.
func (s *Store) Company(ctx context.Context, id int64) (portal.Company, error) {
	c, err := scanCompany(s.r.QueryRowContext(ctx, "SELECT "+companyColumns+" FROM companies WHERE id = ?", id))
	if err != nil {
		return portal.Company{}, notFound(err, "company")
	}
	return c, nil
}

// CompanyByVOEN returns the company with the given VÖEN.
func (s *Store) CompanyByVOEN(ctx context.Context, voen string) (portal.Company, error) {
	c, err := scanCompany(s.r.QueryRowContext(ctx, "SELECT "+companyColumns+" FROM companies WHERE voen = ?", voen))
	if err != nil {
		return portal.Company{}, notFound(err, "company")
	}
	return c, nil
}

// CompanyFilter narrows FindCompanies.
type CompanyFilter struct {
	Query  string               // part of the name, case-insensitive in Azerbaijani, English and Russian (see foldName)
	Sector portal.Sector        // "" for all
	Status portal.CompanyStatus // "" for all
}

// FindCompanies lists companies by name.
func (s *Store) FindCompanies(ctx context.Context, f CompanyFilter) ([]portal.Company, error) {
	q := "SELECT " + companyColumns + " FROM companies WHERE 1 = 1"
	var args []any
	// The name is matched in Go: SQLite's lower() folds only ASCII, so "şirvan" would miss "Şirvan Telekom".
	query := foldName(f.Query)
	if f.Sector != "" {
		q += " AND sector = ?"
		args = append(args, string(f.Sector))
	}
	if f.Status != "" {
		q += " AND status = ?"
		args = append(args, string(f.Status))
	}
	q += " ORDER BY id"
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: find companies: %w", err)
	}
	defer rows.Close()
	var out []portal.Company
	for rows.Next() {
		c, err := scanCompany(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan company: %w", err)
		}
		if query == "" || strings.Contains(foldName(c.Name), query) {
			out = append(out, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: find companies: %w", err)
	}
	// Azerbaijani alphabetical order (Ç after C, Ə after E, Ş after S...), which SQLite's byte order is not.
	col := collate.New(language.Azerbaijani)
	slices.SortStableFunc(out, func(a, b portal.Company) int { return col.CompareString(a.Name, b.Name) })
	return out, nil
}

// foldName prepares a name for a case-insensitive search: lower case by the Turkic rules, which Azerbaijani
// shares (İ→i, I→ı), then every dotted and dotless i alike, so that "INVEST", "invest" and "İnvest" all
// match, as do "ŞİRVAN" and "şirvan". Cyrillic and the rest fold as usual.
func foldName(s string) string {
	return strings.ReplaceAll(strings.ToLowerSpecial(unicode.TurkishCase, strings.TrimSpace(s)), "ı", "i")
}

// CountCompanies returns how many companies exist.
func (s *Store) CountCompanies(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM companies").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count companies: %w", err)
	}
	return n, nil
}

// Offers returns a company's offers in catalogue order, withdrawn ones included.
func (s *Store) Offers(ctx context.Context, companyID int64) ([]portal.Offer, error) {
	return queryOffers(ctx, s.r, companyID)
}

// queryOffers reads a company's offers through the read pool or inside a write transaction.
func queryOffers(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, companyID int64) ([]portal.Offer, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.company_id, o.scope, o.purpose, o.legal_basis, o.law_name, o.retention_days, o.frequency, o.withdrawn_at
		FROM offers o JOIN scopes s ON s.code = o.scope WHERE o.company_id = ? ORDER BY s.position`, companyID)
	if err != nil {
		return nil, fmt.Errorf("store: offers: %w", err)
	}
	defer rows.Close()
	var out []portal.Offer
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan offer: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: offers: %w", err)
	}
	return out, nil
}

// CompanyChanges tells what UpdateCompany changed: the names of the detail fields, and the scopes of the
// offers added (or restored after a withdrawal), changed and withdrawn. It holds no values.
type CompanyChanges struct {
	Fields    []string
	Added     []portal.Scope
	Changed   []portal.Scope
	Withdrawn []portal.Scope
}

// Empty reports whether nothing changed.
func (ch CompanyChanges) Empty() bool {
	return len(ch.Fields) == 0 && len(ch.Added) == 0 && len(ch.Changed) == 0 && len(ch.Withdrawn) == 0
}

// UpdateCompany saves a company's details (validated by the caller; status and creation time stay) and
// makes offers the company's complete set of active offers: a scope not among them that was offered is
// withdrawn (withdrawn_at is set; consents are left as they are, P2), a new or withdrawn one is added, a
// different one is changed. Details, offers and the audit entry, which names the changed fields and scopes
// but no values, are one transaction. A VÖEN in use by another company is a conflict.
func (s *Store) UpdateCompany(ctx context.Context, actor portal.Actor, c portal.Company, offers []portal.Offer) (CompanyChanges, error) {
	now := s.now()
	seen := map[portal.Scope]bool{}
	for _, o := range offers {
		if seen[o.Scope] {
			return CompanyChanges{}, portal.Errorf(portal.EINVALID, "scope %q is offered twice", o.Scope)
		}
		seen[o.Scope] = true
		if err := o.Validate(); err != nil {
			return CompanyChanges{}, err
		}
	}
	var ch CompanyChanges
	err := s.write(ctx, func(tx *sql.Tx) error {
		ch = CompanyChanges{Fields: []string{}, Added: []portal.Scope{}, Changed: []portal.Scope{}, Withdrawn: []portal.Scope{}}
		cur, err := scanCompany(tx.QueryRow("SELECT "+companyColumns+" FROM companies WHERE id = ?", c.ID))
		if err != nil {
			return notFound(err, "company")
		}
		for _, f := range []struct {
			name     string
			old, new string
		}{
			{"name", cur.Name, c.Name}, {"voen", cur.VOEN, c.VOEN}, {"sector", string(cur.Sector), string(c.Sector)},
			{"description", cur.Description, c.Description}, {"website", cur.Website, c.Website},
			{"contact_email", cur.ContactEmail, c.ContactEmail},
		} {
			if f.old != f.new {
				ch.Fields = append(ch.Fields, f.name)
			}
		}
		if len(ch.Fields) > 0 {
			_, err := tx.Exec("UPDATE companies SET name = ?, voen = ?, sector = ?, description = ?, website = ?, contact_email = ? WHERE id = ?",
				c.Name, c.VOEN, string(c.Sector), c.Description, c.Website, c.ContactEmail, c.ID)
			if err != nil {
				if isUniqueViolation(err) {
					return portal.Errorf(portal.ECONFLICT, "a company with VÖEN %s is registered", c.VOEN).WithKey("err.voen_taken")
				}
				return fmt.Errorf("store: update company: %w", err)
			}
		}
		current, err := queryOffers(context.Background(), tx, c.ID)
		if err != nil {
			return err
		}
		byScope := make(map[portal.Scope]portal.Offer, len(current))
		for _, o := range current {
			byScope[o.Scope] = o
		}
		// Catalogue order, so that the audit entry lists scopes the same way every time.
		want := make(map[portal.Scope]portal.Offer, len(offers))
		for _, o := range offers {
			want[o.Scope] = o
		}
		for _, sc := range portal.Scopes {
			old, had := byScope[sc]
			o, keep := want[sc]
			switch {
			case keep && (!had || !old.Active()):
				ch.Added = append(ch.Added, sc)
			case keep && !sameOffer(old, o):
				ch.Changed = append(ch.Changed, sc)
			case !keep && had && old.Active():
				if _, err := tx.Exec("UPDATE offers SET withdrawn_at = ? WHERE company_id = ? AND scope = ? AND withdrawn_at IS NULL", ms(now), c.ID, string(sc)); err != nil {
					return fmt.Errorf("store: withdraw offer: %w", err)
				}
				ch.Withdrawn = append(ch.Withdrawn, sc)
				continue
			default:
				continue
			}
			o.CompanyID = c.ID
			if err := upsertOffer(tx, o); err != nil {
				return err
			}
		}
		return appendAudit(tx, now, Audit{Actor: actor, Action: "company.update", Subject: fmt.Sprintf("company:%d", c.ID),
			Details: map[string]any{"fields": ch.Fields, "offers_added": ch.Added, "offers_changed": ch.Changed, "offers_withdrawn": ch.Withdrawn}})
	})
	if err != nil {
		return CompanyChanges{}, err
	}
	return ch, nil
}

// sameOffer reports whether two offers say the same, as upsertOffer would store them.
func sameOffer(a, b portal.Offer) bool {
	return strings.TrimSpace(a.Purpose) == strings.TrimSpace(b.Purpose) && a.LegalBasis == b.LegalBasis &&
		a.LawName == b.LawName && a.RetentionDays == b.RetentionDays && a.Frequency == b.Frequency
}

// SetCompanyStatus suspends or reactivates a company. The API checks the status on every call, so a
// suspension blocks the company at once. Suspending also cancels, in the same transaction, every pending or
// approved request of the company (reason company_suspended), each with its citizen's notification and
// audit entry; consents are not touched (P2). Reactivating restores API access and nothing else: cancelled
// requests stay cancelled. Setting the status the company already has is a conflict. It returns the
// company as saved and the requests it cancelled, so that the caller can announce them.
func (s *Store) SetCompanyStatus(ctx context.Context, actor portal.Actor, companyID int64, status portal.CompanyStatus) (portal.Company, []portal.DataRequest, error) {
	if status != portal.CompanyActive && status != portal.CompanySuspended {
		return portal.Company{}, nil, portal.Errorf(portal.EINVALID, "unknown company status %q", status)
	}
	now := s.now()
	var out portal.Company
	var cancelled []portal.DataRequest
	err := s.write(ctx, func(tx *sql.Tx) error {
		cancelled = nil
		c, err := scanCompany(tx.QueryRow("SELECT "+companyColumns+" FROM companies WHERE id = ?", companyID))
		if err != nil {
			return notFound(err, "company")
		}
		if c.Status == status {
			return portal.Errorf(portal.ECONFLICT, "the company is already %s", status)
		}
		if _, err := tx.Exec("UPDATE companies SET status = ? WHERE id = ?", string(status), companyID); err != nil {
			return fmt.Errorf("store: set company status: %w", err)
		}
		c.Status = status
		out = c
		action := "company.reactivate"
		if status == portal.CompanySuspended {
			action = "company.suspend"
			if cancelled, err = cancelOpenRequests(tx, now, actor, companyID); err != nil {
				return err
			}
		}
		return appendAudit(tx, now, Audit{Actor: actor, Action: action, Subject: fmt.Sprintf("company:%d", companyID),
			Details: map[string]any{"cancelled_requests": len(cancelled)}})
	})
	if err != nil {
		return portal.Company{}, nil, err
	}
	return out, cancelled, nil
}

// cancelOpenRequests cancels the company's pending and approved requests because it was suspended, each
// with its citizen's notification and audit entry, inside the caller's transaction. A request already past
// its deadline is left for the sweeper, which marks it expired.
func cancelOpenRequests(tx *sql.Tx, now time.Time, actor portal.Actor, companyID int64) ([]portal.DataRequest, error) {
	open, err := txRequests(tx, "company_id = ? AND status IN ('pending', 'approved')", companyID)
	if err != nil {
		return nil, fmt.Errorf("store: open requests of company: %w", err)
	}
	var out []portal.DataRequest
	for _, r := range open {
		next, ok := r.CancelFor(portal.ReasonCompanySuspended, now)
		if !ok {
			continue
		}
		if saved, err := saveRequestState(tx, next, r.Status); err != nil {
			return nil, err
		} else if !saved {
			continue
		}
		if err := notifyRequest(tx, now, next, portal.NotifCancelled, actor, "request.cancel"); err != nil {
			return nil, err
		}
		out = append(out, next)
	}
	return out, nil
}

// OffersOf returns the offers of several companies at once (withdrawn ones included), each company's in
// catalogue order: one query for a whole page of the catalogue.
func (s *Store) OffersOf(ctx context.Context, companyIDs []int64) (map[int64][]portal.Offer, error) {
	out := make(map[int64][]portal.Offer, len(companyIDs))
	if len(companyIDs) == 0 {
		return out, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT o.id, o.company_id, o.scope, o.purpose, o.legal_basis, o.law_name, o.retention_days, o.frequency, o.withdrawn_at
		FROM offers o JOIN scopes s ON s.code = o.scope
		WHERE o.company_id IN (SELECT value FROM json_each(?)) ORDER BY o.company_id, s.position`, jsonIDs(companyIDs))
	if err != nil {
		return nil, fmt.Errorf("store: offers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan offer: %w", err)
		}
		out[o.CompanyID] = append(out[o.CompanyID], o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: offers: %w", err)
	}
	return out, nil
}

// CompaniesByID returns the companies with the given ids, by id; unknown ids are left out.
func (s *Store) CompaniesByID(ctx context.Context, ids []int64) (map[int64]portal.Company, error) {
	out := make(map[int64]portal.Company, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.r.QueryContext(ctx, "SELECT "+companyColumns+" FROM companies WHERE id IN (SELECT value FROM json_each(?))", jsonIDs(ids))
	if err != nil {
		return nil, fmt.Errorf("store: companies by id: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCompany(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan company: %w", err)
		}
		out[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: companies by id: %w", err)
	}
	return out, nil
}

// jsonIDs encodes ids as a JSON array, so that a list of any length is one bound parameter (json_each).
func jsonIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// scanOffer reads the columns id, company_id, scope, purpose, legal_basis, law_name, retention_days,
// frequency, withdrawn_at, in that order.
func scanOffer(sc interface{ Scan(...any) error }) (portal.Offer, error) {
	var o portal.Offer
	var scope, basis, freq string
	var withdrawn sql.NullInt64
	if err := sc.Scan(&o.ID, &o.CompanyID, &scope, &o.Purpose, &basis, &o.LawName, &o.RetentionDays, &freq, &withdrawn); err != nil {
		return portal.Offer{}, err
	}
	o.Scope, o.LegalBasis, o.Frequency, o.WithdrawnAt = portal.Scope(scope), portal.LegalBasis(basis), portal.Frequency(freq), fromNullMS(withdrawn)
	return o, nil
}

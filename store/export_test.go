package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"portal"
)

// InsertRequestForTest writes a data request exactly as given, through the store's own insert, so that tests
// can set up a request in any state (approved, say) without the request use cases.
func (s *Store) InsertRequestForTest(ctx context.Context, r portal.DataRequest) error {
	return s.write(ctx, func(tx *sql.Tx) error { return insertRequest(tx, r) })
}

// ExplainHistory returns the query plan of History's query for the filter and cursor, one detail per line,
// indented by two spaces per level of nesting, so that a test can prove that both tables are searched by
// index, never scanned, and that each side is read in its index's order (no sort inside a subquery).
func (s *Store) ExplainHistory(ctx context.Context, f HistoryFilter, after *HistoryCursor) ([]string, error) {
	q, args, err := historyQuery(f, after, 51, s.now())
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	defer rows.Close()
	var out []string
	depth := map[int]int{0: -1}
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, err
		}
		depth[id] = depth[parent] + 1
		out = append(out, strings.Repeat("  ", depth[id])+detail)
	}
	return out, rows.Err()
}

// ExplainHistoryCompanies returns the query plan of HistoryCompanies' query, one detail per line.
func (s *Store) ExplainHistoryCompanies(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+historyCompaniesQuery, 1)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, err
		}
		out = append(out, detail)
	}
	return out, rows.Err()
}

// ExplainOpenRequests returns the query plan of OpenRequests' query, one detail per line.
func (s *Store) ExplainOpenRequests(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+openRequestsQuery, 1, 0)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, err
		}
		out = append(out, detail)
	}
	return out, rows.Err()
}

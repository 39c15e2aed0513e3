package store

import (
	"context"
	"database/sql"

	"portal"
)

// InsertRequestForTest writes a data request exactly as given, so that the admin tests (issue 6) have
// requests to count and cancel without going through the company API.
func (s *Store) InsertRequestForTest(ctx context.Context, r portal.DataRequest) error {
	return s.write(ctx, func(tx *sql.Tx) error { return insertRequest(tx, r) })
}

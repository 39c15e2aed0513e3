package store

import (
	"context"
	"database/sql"

	"portal"
)

// InsertRequestForTest writes a data request exactly as given, through the store's own insert, so that tests
// can set up a request in any state (approved, say) without the request use cases.
func (s *Store) InsertRequestForTest(ctx context.Context, r portal.DataRequest) error {
	return s.write(ctx, func(tx *sql.Tx) error { return insertRequest(tx, r) })
}

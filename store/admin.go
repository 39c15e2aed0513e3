package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"portal"
)

// AdminOverview is what the admin's start page shows: counts only, never a citizen's data (P6).
type AdminOverview struct {
	// Companies counts the companies by status.
	Companies map[portal.CompanyStatus]int
	// RequestsToday counts the requests made since the start of the day by their status as seen at the
	// moment of the overview: a pending or approved request past its deadline counts as expired, as
	// portal.DataRequest.StatusAt says, even before the sweeper has written so.
	RequestsToday map[portal.RequestStatus]int
	// PendingNow counts the requests, of any day, awaiting a citizen's decision at the moment.
	PendingNow int
}

// AdminOverview counts companies by status, the requests made since dayStart by status, and the requests
// pending at now, all from one consistent snapshot of the database. The caller chooses the day (the admin
// page uses the calendar day in Baku).
func (s *Store) AdminOverview(ctx context.Context, dayStart, now time.Time) (AdminOverview, error) {
	o := AdminOverview{Companies: map[portal.CompanyStatus]int{}, RequestsToday: map[portal.RequestStatus]int{}}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return o, fmt.Errorf("store: admin overview: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read-only: nothing to undo
	count := func(q string, add func(key string, n int), args ...any) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var key string
			var n int
			if err := rows.Scan(&key, &n); err != nil {
				rows.Close()
				return err
			}
			add(key, n)
		}
		return errors.Join(rows.Err(), rows.Close())
	}
	if err := count("SELECT status, count(*) FROM companies GROUP BY status",
		func(k string, n int) { o.Companies[portal.CompanyStatus(k)] = n }); err != nil {
		return o, fmt.Errorf("store: admin overview: companies: %w", err)
	}
	if err := count(`SELECT CASE WHEN status IN ('pending', 'approved') AND deadline <= ? THEN 'expired' ELSE status END AS st, count(*)
		FROM data_requests WHERE created_at >= ? GROUP BY st`,
		func(k string, n int) { o.RequestsToday[portal.RequestStatus(k)] += n }, ms(now), ms(dayStart)); err != nil {
		return o, fmt.Errorf("store: admin overview: requests today: %w", err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM data_requests WHERE status = 'pending' AND deadline > ?", ms(now)).Scan(&o.PendingNow); err != nil {
		return o, fmt.Errorf("store: admin overview: pending: %w", err)
	}
	return o, nil
}

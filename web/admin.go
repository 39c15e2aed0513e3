package web

import (
	"fmt"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/views"
)

// handleAdminHome handles GET /admin: the overview. Counts only (P6): companies by status, the requests
// made today (the calendar day in Baku) by status, the requests awaiting a citizen now, and the company
// API's error answers in the last hour.
func (s *Server) handleAdminHome(c echo.Context) error {
	ctx := c.Request().Context()
	now := s.clock.Now()
	p, err := s.pageFor(c, "admin.title")
	if err != nil {
		return err
	}
	day := bakuDayStart(now)
	o, err := s.store.AdminOverview(ctx, day, now)
	if err != nil {
		return fmt.Errorf("admin overview: %w", err)
	}
	d := views.AdminOverviewData{
		Day:                day,
		CompaniesActive:    o.Companies[portal.CompanyActive],
		CompaniesSuspended: o.Companies[portal.CompanySuspended],
		PendingNow:         o.PendingNow,
	}
	for _, st := range portal.RequestStatuses {
		n := o.RequestsToday[st]
		d.RequestsToday = append(d.RequestsToday, views.StatusCount{Status: st, Count: n})
		d.RequestsTotal += n
	}
	d.APIErrors, d.APIServerErrors = s.apiErrors.lastHour(now)
	return s.render(c, views.AdminHome(p, d))
}

// bakuDayStart is the instant the calendar day of t began in Baku (UTC+4 all year).
func bakuDayStart(t time.Time) time.Time {
	b := t.In(views.Baku)
	return time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, views.Baku).UTC()
}

// apiErrorWindow counts the company API's error answers (status 400 or above under /api/) over the last
// hour, in one-minute buckets, so the count covers between 59 and 60 minutes. It lives in this process's
// memory on purpose: writing a row per error would turn a flood of refused calls into a flood of database
// writes. The price, said on the overview page, is that the count starts again at a restart and covers only
// this server. The zero value is ready to use.
type apiErrorWindow struct {
	mu      sync.Mutex
	buckets [60]apiErrorBucket
}

type apiErrorBucket struct {
	minute      int64 // Unix minute the counts belong to
	all, server int
}

// add counts one error answer with the given status at now.
func (w *apiErrorWindow) add(now time.Time, status int) {
	m := now.Unix() / 60
	w.mu.Lock()
	defer w.mu.Unlock()
	b := &w.buckets[m%int64(len(w.buckets))]
	if b.minute != m {
		*b = apiErrorBucket{minute: m}
	}
	b.all++
	if status >= 500 {
		b.server++
	}
}

// lastHour returns the error answers, and the server faults among them, counted in the hour up to now.
func (w *apiErrorWindow) lastHour(now time.Time) (all, server int) {
	m := now.Unix() / 60
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range w.buckets {
		if b.minute > m-int64(len(w.buckets)) && b.minute <= m {
			all += b.all
			server += b.server
		}
	}
	return all, server
}

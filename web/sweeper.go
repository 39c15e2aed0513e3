package web

import (
	"context"
	"time"
)

// Sweep writes down the expiries that are due and announces them, so open pages and long polls change at
// once. It only tidies and tells: every transition checks the time itself, so correctness never waits for it.
func (s *Server) Sweep(ctx context.Context) error {
	expired, err := s.store.ExpireDue(ctx, 500)
	if err != nil {
		return err
	}
	for _, r := range expired {
		s.announce(r.CitizenID, r.ID)
	}
	return nil
}

// Housekeep tells citizens about consents that end within a week, and forgets idempotency keys older than a
// day and sessions past their timeouts.
func (s *Server) Housekeep(ctx context.Context) error {
	now := s.clock.Now()
	notified, err := s.store.NotifyExpiringConsents(ctx, 1000)
	if err != nil {
		return err
	}
	for _, citizenID := range notified {
		s.broker.Publish(citizenTopic(citizenID), Notice{Kind: "notifications"}) // the badge counts them at once
	}
	if err := s.store.DeleteIdempotencyKeysBefore(ctx, now.Add(-24*time.Hour)); err != nil {
		return err
	}
	if _, err := s.store.DeleteSessionsBefore(ctx, now.Add(-30*time.Minute), now.Add(-12*time.Hour)); err != nil {
		return err
	}
	return nil
}

// sweepLoop runs Sweep every second and Housekeep every minute until ctx ends.
func (s *Server) sweepLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for tick := 1; ; tick++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("sweep", "err", err)
		}
		if tick%60 == 0 {
			if err := s.Housekeep(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("housekeeping", "err", err)
			}
		}
	}
}

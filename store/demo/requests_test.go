package demo_test

import (
	"context"
	"testing"
	"time"

	"portal"
	"portal/store"
	"portal/store/demo"
	"portal/store/storetest"
)

func TestSeedPastRequests(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	seed(t, s, 50)
	aysel, _, err := s.UserByFIN(ctx, demo.AyselFIN)
	if err != nil {
		t.Fatal(err)
	}
	seqBefore, _, err := s.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1200
	added, err := demo.SeedPastRequests(ctx, s, demo.PastRequests{Count: n, Heavy: []int64{aysel.ID}, HeavyShare: 0.25, Now: storetest.Epoch, Seed: 1})
	if err != nil || added != n {
		t.Fatalf("seeded %d, %v; want %d", added, err, n)
	}
	if got, err := s.CountRequests(ctx); err != nil || got != n {
		t.Fatalf("requests = %d, %v; want %d", got, err, n)
	}
	// A quarter went to the heavy citizen, each with its notification, already read.
	notes, err := s.Notifications(ctx, aysel.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) < n/4 {
		t.Errorf("heavy citizen has %d notifications, want at least %d", len(notes), n/4)
	}
	for _, nt := range notes {
		if nt.ReadAt == nil || nt.RequestID == "" {
			t.Fatalf("seeded notification %+v: want read, with its request", nt)
		}
		r, err := s.CitizenRequest(ctx, aysel.ID, nt.RequestID)
		if err != nil {
			t.Fatalf("request of notification: %v", err)
		}
		if !r.Status.Final() || !r.CreatedAt.Before(storetest.Epoch) || len(r.ID) != 44 {
			t.Fatalf("seeded request %+v: want final, in the past, with a request id", r)
		}
	}
	if open, err := s.OpenRequests(ctx, aysel.ID, storetest.Epoch); err != nil || len(open) != 0 {
		t.Errorf("open requests = %v, %v; seeded history must all be final", open, err)
	}
	if unread, err := s.UnreadCount(ctx, aysel.ID); err != nil || unread != 0 {
		t.Errorf("unread = %d, %v; want 0", unread, err)
	}
	// One audit entry per batch, and the chain holds.
	seqAfter, _, err := s.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if seqAfter != seqBefore+1 {
		t.Errorf("audit entries added = %d, want 1 for one batch", seqAfter-seqBefore)
	}
	if _, brk, err := s.VerifyAudit(ctx); err != nil || brk != nil {
		t.Fatalf("verify audit: %v %+v", err, brk)
	}
}

func TestStore_SeedRequestsRefuses(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	seed(t, s, -1)
	aysel, _, err := s.UserByFIN(ctx, demo.AyselFIN)
	if err != nil {
		t.Fatal(err)
	}
	telecom, err := s.CompanyByVOEN(ctx, demo.TelecomVOEN)
	if err != nil {
		t.Fatal(err)
	}
	base := store.SeedRequest{ID: portal.NewRequestID(time.Now()), CompanyID: telecom.ID, CitizenID: aysel.ID,
		Scopes: []portal.Scope{portal.ScopeContact}, Purpose: "p", Status: portal.StatusDelivered, CreatedAt: storetest.Epoch.Add(-1e12)}
	t.Run("a request that is not final", func(t *testing.T) {
		r := base
		r.Status = portal.StatusPending
		if _, err := s.SeedRequests(ctx, portal.System, []store.SeedRequest{r}); portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("err = %v, want EINVALID", err)
		}
	})
	t.Run("a scope the company does not offer", func(t *testing.T) {
		r := base
		r.Scopes = []portal.Scope{portal.ScopeIncome}
		if _, err := s.SeedRequests(ctx, portal.System, []store.SeedRequest{r}); portal.ErrorCode(err) != portal.CodeScopeNotOffered {
			t.Errorf("err = %v, want %s", err, portal.CodeScopeNotOffered)
		}
		if n, _ := s.CountRequests(ctx); n != 0 {
			t.Errorf("requests = %d after a refused batch, want 0", n)
		}
	})
}

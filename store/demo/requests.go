package demo

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"portal"
	"portal/store"
)

// PastRequests configure SeedPastRequests.
type PastRequests struct {
	// Count is how many past requests to add.
	Count int
	// Heavy citizens share HeavyShare (0-1) of the requests evenly among themselves; the rest go to every
	// citizen at random. Benchmarks log in as heavy citizens to measure pages of a long history.
	Heavy      []int64
	HeavyShare float64
	// Now is the seeding time; requests are spread over the Span (a year when zero) before it.
	Now  time.Time
	Span time.Duration
	// Seed makes the requests reproducible: the same Seed and Count give the same requests.
	Seed uint64
}

// pastBatch is how many past requests share one write transaction. Batches are large because the
// citizen-keyed indexes take each batch's entries at random places: each batch rewrites most of their pages,
// so fewer batches write far less.
const pastBatch = 50_000

// pastPurposes are the purposes a seeded request states.
var pastPurposes = []string{
	"Kredit müraciətinin qiymətləndirilməsi",
	"Müqavilənin bağlanması üçün şəxsiyyətin təsdiqi",
	"Xidmət ünvanının təsdiqi",
	"Sığorta polisinin yenilənməsi",
	"İşə qəbul üzrə yoxlama",
	"Tələbə qəbulu",
}

// SeedPastRequests adds opts.Count final requests made in the past by the demo companies about the
// citizens, each for one or two scopes the company offers, with their notifications (read). It is for
// benchmarks, which need a database of realistic size; the portal never calls it. The request ids are made
// like real ones and inserted in id order, so that the table's B-tree grows at its right edge: a million
// random-order inserts would rewrite most of the table's pages on every batch. It returns how many
// requests it added.
func SeedPastRequests(parent context.Context, s *store.Store, opts PastRequests) (int, error) {
	if opts.Count <= 0 {
		return 0, nil
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Span <= 0 {
		opts.Span = 365 * 24 * time.Hour
	}
	citizens, err := s.CitizenIDs(parent)
	if err != nil {
		return 0, err
	}
	if len(citizens) == 0 {
		return 0, fmt.Errorf("demo: past requests: no citizens")
	}
	companies, err := s.FindCompanies(parent, store.CompanyFilter{Status: portal.CompanyActive})
	if err != nil {
		return 0, err
	}
	type offered struct {
		id     int64
		scopes []portal.Scope // catalogue order
	}
	var cos []offered
	for _, c := range companies {
		offers, err := s.Offers(parent, c.ID)
		if err != nil {
			return 0, err
		}
		o := offered{id: c.ID}
		for _, of := range offers {
			if of.Active() {
				o.scopes = append(o.scopes, of.Scope)
			}
		}
		if len(o.scopes) > 0 {
			cos = append(cos, o)
		}
	}
	if len(cos) == 0 {
		return 0, fmt.Errorf("demo: past requests: no company offers anything")
	}

	// Creation times are drawn apart and sorted, and each request's id is made from its time like a real
	// one (portal.RequestIDFrom) with random bits from a seeded generator; sorted by id, the requests are
	// inserted in time order, so the table and the index on the creation time grow at their right edges.
	idRand := rand.New(rand.NewPCG(opts.Seed, 0x1d5))
	start := opts.Now.Add(-opts.Span).UnixMilli()
	span := opts.Span.Milliseconds() - time.Hour.Milliseconds()
	times := make([]int64, opts.Count)
	for i := range times {
		times[i] = start + idRand.Int64N(span)
	}
	ids := make([]string, opts.Count)
	for i := range ids {
		var random [16]byte
		binary.BigEndian.PutUint64(random[:8], idRand.Uint64())
		binary.BigEndian.PutUint64(random[8:], idRand.Uint64())
		ids[i] = portal.RequestIDFrom(time.UnixMilli(times[i]), random)
	}
	slices.Sort(ids)
	slices.Sort(times)

	heavyEvery := 0 // every heavyEvery-th request goes to a heavy citizen
	if len(opts.Heavy) > 0 && opts.HeavyShare > 0 {
		heavyEvery = max(1, int(1/opts.HeavyShare+0.5))
	}
	statusOf := func(x int) portal.RequestStatus {
		switch {
		case x < 70:
			return portal.StatusDelivered
		case x < 80:
			return portal.StatusDenied
		case x < 92:
			return portal.StatusExpired
		}
		return portal.StatusCancelled
	}

	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var (
		wg       sync.WaitGroup
		inflight = make(chan struct{}, 2)
		mu       sync.Mutex
		added    int
		firstErr error
		heavyN   int
	)
	for from := 0; from < opts.Count && ctx.Err() == nil; from += pastBatch {
		part := ids[from:min(from+pastBatch, opts.Count)]
		batch := make([]store.SeedRequest, len(part))
		r := rand.New(rand.NewPCG(opts.Seed, uint64(from)))
		for k, id := range part {
			var citizen int64
			if heavyEvery > 0 && (from+k)%heavyEvery == 0 {
				citizen = opts.Heavy[heavyN%len(opts.Heavy)]
				heavyN++
			} else {
				citizen = citizens[r.IntN(len(citizens))]
			}
			co := cos[r.IntN(len(cos))]
			a := r.IntN(len(co.scopes))
			scopes := []portal.Scope{co.scopes[a]}
			if b := r.IntN(len(co.scopes)); r.IntN(3) == 0 && b != a {
				scopes = []portal.Scope{co.scopes[min(a, b)], co.scopes[max(a, b)]}
			}
			batch[k] = store.SeedRequest{
				ID: id, CompanyID: co.id, CitizenID: citizen, Scopes: scopes,
				Purpose: pastPurposes[r.IntN(len(pastPurposes))], Status: statusOf(r.IntN(100)),
				CreatedAt: time.UnixMilli(times[from+k]).UTC(),
			}
		}
		inflight <- struct{}{}
		wg.Go(func() {
			defer func() { <-inflight }()
			n, err := s.SeedRequests(ctx, portal.System, batch)
			mu.Lock()
			defer mu.Unlock()
			added += n
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("demo: past requests: %w", err)
				cancel()
			}
		})
	}
	wg.Wait()
	if firstErr == nil && parent.Err() != nil {
		firstErr = fmt.Errorf("demo: past requests: %w", parent.Err())
	}
	return added, firstErr
}

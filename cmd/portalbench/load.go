package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Run is one measured run of a scenario.
type Run struct {
	Requests int           `json:"requests"`
	Errors   int           `json:"errors"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	Rate     float64       `json:"rate_per_s"` // successful requests a second
	Latency  Latency       `json:"latency"`
	// ServerCPU is the server's CPU time divided by the run's requests, when measured.
	ServerCPU time.Duration `json:"server_cpu_per_request_ns,omitempty"`
	samples   []time.Duration
}

// call makes one request on the worker's connection; it reports whether the answer was the expected one.
// i counts the calls across all workers.
type call func(h *hconn, worker int, i int64) bool

// closedLoop keeps conns connections busy for d, each sending its next request as soon as the previous one
// is answered: the server's maximum throughput at that concurrency.
func closedLoop(ctx context.Context, addr string, conns int, d time.Duration, fn call) Run {
	var n atomic.Int64
	var errs atomic.Int64
	samples := make([][]time.Duration, conns)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			h := &hconn{addr: addr}
			defer h.reset()
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(deadline) {
					return
				}
				ok := fn(h, w, n.Add(1)-1)
				if !ok {
					errs.Add(1)
					continue
				}
				samples[w] = append(samples[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	return finish(start, samples, int(errs.Load()))
}

// openLoop sends rate requests a second for d, each at its scheduled time whether or not earlier ones were
// answered (no coordinated omission): a request that waits for a free connection waits on the clock, and
// its latency counts from when it was due. conns bounds the connections; more than the rate needs keeps the
// wait for one rare.
func openLoop(ctx context.Context, addr string, rate float64, d time.Duration, conns int, fn func(h *hconn, worker int, i int64, due time.Time) (time.Duration, bool)) Run {
	total := int(rate * d.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	type job struct {
		i   int64
		due time.Time
	}
	jobs := make(chan job, total)
	samples := make([][]time.Duration, conns)
	var errs atomic.Int64
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			h := &hconn{addr: addr}
			defer h.reset()
			for j := range jobs {
				if ctx.Err() != nil {
					continue
				}
				lat, ok := fn(h, w, j.i, j.due)
				if !ok {
					errs.Add(1)
					continue
				}
				samples[w] = append(samples[w], lat)
			}
		})
	}
	start := time.Now()
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
		}
		jobs <- job{int64(i), due}
	}
	close(jobs)
	wg.Wait()
	return finish(start, samples, int(errs.Load()))
}

func finish(start time.Time, per [][]time.Duration, errs int) Run {
	elapsed := time.Since(start)
	var all []time.Duration
	for _, s := range per {
		all = append(all, s...)
	}
	r := Run{Requests: len(all) + errs, Errors: errs, Elapsed: elapsed, samples: all}
	r.Rate = float64(len(all)) / elapsed.Seconds()
	r.Latency = summarize(all)
	return r
}

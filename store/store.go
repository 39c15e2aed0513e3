// Package store persists the portal's domain in SQLite (modernc.org/sqlite, no cgo).
//
// Durability: WAL with synchronous=FULL, so an acknowledged write survives a process kill and a power loss.
// Every write goes through one writer goroutine that batches the writes waiting at that moment into one
// immediate transaction, each in its own savepoint (group commit): throughput comes from sharing the fsync,
// never from weaker durability. Reads use a separate pool of read-only connections.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"portal"
)

// Options configure a Store.
type Options struct {
	// Clock gives the time of every write; the system clock when nil.
	Clock portal.Clock
	// Synchronous is SQLite's synchronous pragma; FULL when empty. Only benchmarks set NORMAL, to show what
	// durability costs.
	Synchronous string
	// MaxBatch caps how many writes share one transaction; 128 when zero.
	MaxBatch int
	// WriterCacheKiB is the writer connection's page cache in KiB; 8 MiB when zero. Bulk seeding raises it
	// so that a million inserts into the indexes do not go back to the file for every page.
	WriterCacheKiB int
	// CheckpointEvery is how long commits gather before the log is checkpointed (checkpoint.go); 40 ms
	// when zero.
	CheckpointEvery time.Duration
	// Logger receives what the store's own goroutines cannot return to a caller (a failed checkpoint);
	// slog's default when nil.
	Logger *slog.Logger
}

// Store is the portal's database. It is safe for concurrent use.
type Store struct {
	path   string
	w      *sql.DB // the one writer connection
	r      *sql.DB // read-only pool
	clock  portal.Clock
	log    *slog.Logger
	writes chan *writeJob
	batch  int
	done   chan struct{}
	close  sync.Once

	batches, batched atomic.Int64 // transactions the writer committed or rolled back, and the writes in them

	ckpt        *sql.DB       // the checkpointer's connection (checkpoint.go)
	walDirty    chan struct{} // a commit added to the log
	ckptStop    chan struct{}
	ckptDone    chan struct{}
	checkpoints atomic.Int64

	scopeCatalog sync.Map // language -> []ScopeInfo: the scopes table changes only in migrations
}

// WriterStats returns how many transactions the writer has run and how many writes they carried: their
// ratio is the average group-commit batch.
func (s *Store) WriterStats() (transactions, writes int64) {
	return s.batches.Load(), s.batched.Load()
}

type writeJob struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	err  chan error
	post func() // run after commit, before the caller is answered
}

// Open opens (creating if needed) the database at path, applies the migrations and starts the writer.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.Clock == nil {
		opts.Clock = portal.SystemClock{}
	}
	if opts.Synchronous == "" {
		opts.Synchronous = "FULL"
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 128
	}
	if opts.WriterCacheKiB <= 0 {
		opts.WriterCacheKiB = 8 << 10
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = defaultCheckpointEvery
	}
	// busy_timeout comes first so that the pragmas after it wait for a lock instead of failing.
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous("+opts.Synchronous+")")
	// Performance only, durability unchanged: the database file mapped into memory, so that a page the
	// writer needs is read in place rather than by a system call; a page cache of 8 MiB for the pages that
	// every insert touches (SQLite walks the whole cache at the end of every transaction, so a much larger
	// one costs more than the reads it saves); and statement journals (which each write's savepoint needs,
	// and which only ever roll a savepoint back) in memory rather than in a temporary file. Crash recovery
	// is the write-ahead log's job, and it is synced as before.
	q.Add("_pragma", fmt.Sprintf("mmap_size(%d)", mmapSize))
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", opts.WriterCacheKiB))
	q.Add("_pragma", "temp_store(MEMORY)")
	// The checkpointer below checkpoints, never the writer's commits (checkpoint.go).
	cq := url.Values{}
	for k, v := range q {
		cq[k] = v
	}
	q.Add("_pragma", "wal_autocheckpoint(0)")
	q.Add("_txlock", "immediate")
	w, err := openDB("file:" + path + "?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open writer: %w", err)
	}
	singleConn(w)
	ckpt, err := openDB("file:" + path + "?" + cq.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open checkpointer: %w", err)
	}
	singleConn(ckpt)

	rq := url.Values{}
	rq.Add("_pragma", "busy_timeout(5000)")
	rq.Add("_pragma", "foreign_keys(1)")
	rq.Add("_pragma", "query_only(1)")
	rq.Add("_pragma", "cache_size(-16384)") // 16 MiB per reader instead of 2
	// Readers do not map the file: in WAL mode a connection drops its page cache, and its whole mapping,
	// whenever another one has committed since its last read, which on a busy portal is every read, and
	// unmapping and mapping again cost more than the reads (profiles and side-by-side runs showed it).
	r, err := openDB("file:" + path + "?" + rq.Encode())
	if err != nil {
		w.Close()
		ckpt.Close()
		return nil, fmt.Errorf("store: open readers: %w", err)
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)

	s := &Store{
		path: path, w: w, r: r, clock: opts.Clock, log: opts.Logger,
		writes: make(chan *writeJob, 1024), batch: opts.MaxBatch, done: make(chan struct{}),
		ckpt: ckpt, walDirty: make(chan struct{}, 1), ckptStop: make(chan struct{}), ckptDone: make(chan struct{}),
	}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		r.Close()
		ckpt.Close()
		return nil, err
	}
	go s.writer()
	go s.checkpointer(ckpt, opts.CheckpointEvery)
	return s, nil
}

// Close stops the writer after the writes already queued and closes the database.
func (s *Store) Close() error {
	var err error
	s.close.Do(func() {
		close(s.writes)
		<-s.done
		close(s.ckptStop)
		<-s.ckptDone
		err = errors.Join(s.w.Close(), s.r.Close(), s.ckpt.Close())
	})
	return err
}

// mmapSize is how much of the database file the writer maps into memory: address space only, the
// operating system's page cache holds the pages either way.
const mmapSize = 1 << 30

// queryer is what reads need of a reader pool or a write transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// singleConn keeps a pool to one connection that lives as long as the pool.
func singleConn(db *sql.DB) {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Ping checks that the database answers a read.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

func (s *Store) now() time.Time { return s.clock.Now().UTC() }

// write runs fn inside the writer's transaction and returns once that transaction has committed (or fn's
// changes were rolled back). fn must only touch the database: it can be rolled back to its savepoint, and
// the transaction it shares can still fail at commit.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	job := &writeJob{ctx: ctx, fn: fn, err: make(chan error, 1)}
	select {
	case s.writes <- job:
	case <-ctx.Done():
		return fmt.Errorf("store: queue write: %w", ctx.Err())
	}
	// Once queued, a write is waited for to the end even if ctx ends: the caller must know whether it committed.
	return <-job.err
}

// writer is the one goroutine that writes. It takes every job waiting, runs each in a savepoint of one
// immediate transaction and commits them together.
//
// Before it closes a batch it yields the processor (runtime.Gosched) and takes whatever was queued
// meanwhile, until a yield brings nothing new. Without that, group commit does not happen on a busy server:
// the first writer to queue a job wakes this goroutine as the very next to run, so it would start a batch
// of one while every other request handler that is about to write is still waiting for the processor (with
// GOMAXPROCS=1, the whole server). A yield costs nothing when no other goroutine is ready to run, so a lone
// write is not delayed.
func (s *Store) writer() {
	defer close(s.done)
	for job := range s.writes {
		jobs := []*writeJob{job}
		open := s.drain(&jobs)
		for open && len(jobs) < s.batch {
			n := len(jobs)
			runtime.Gosched()
			open = s.drain(&jobs)
			if len(jobs) == n {
				break
			}
		}
		s.commit(jobs)
	}
}

// drain appends the jobs waiting in the queue, up to the batch size, and reports whether the queue is
// still open.
func (s *Store) drain(jobs *[]*writeJob) bool {
	for len(*jobs) < s.batch {
		select {
		case j, ok := <-s.writes:
			if !ok {
				return false
			}
			*jobs = append(*jobs, j)
		default:
			return true
		}
	}
	return true
}

func (s *Store) commit(jobs []*writeJob) {
	s.batches.Add(1)
	s.batched.Add(int64(len(jobs)))
	results := make([]error, len(jobs))
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		for _, j := range jobs {
			j.err <- fmt.Errorf("store: begin: %w", err)
		}
		return
	}
	ok := 0
	for i, j := range jobs {
		if err := j.ctx.Err(); err != nil {
			results[i] = fmt.Errorf("store: write not started: %w", err)
			continue
		}
		results[i] = runSavepoint(tx, j.fn)
		if results[i] == nil {
			ok++
		}
	}
	if ok == 0 {
		err = tx.Rollback()
	} else if err = tx.Commit(); err == nil {
		s.walWritten()
	}
	for i, j := range jobs {
		if results[i] == nil && err != nil {
			results[i] = fmt.Errorf("store: commit: %w", err)
		}
		j.err <- results[i]
	}
}

// runSavepoint runs fn in a savepoint so that its failure undoes only its own changes.
func runSavepoint(tx *sql.Tx, fn func(tx *sql.Tx) error) (err error) {
	if _, err := tx.Exec("SAVEPOINT w"); err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: write panicked: %v", p)
		}
		if err != nil {
			if _, rbErr := tx.Exec("ROLLBACK TO w"); rbErr != nil {
				err = errors.Join(err, fmt.Errorf("store: rollback to savepoint: %w", rbErr))
			}
		}
		if _, relErr := tx.Exec("RELEASE w"); relErr != nil && err == nil {
			err = fmt.Errorf("store: release savepoint: %w", relErr)
		}
	}()
	return fn(tx)
}

// Time conversions: the database keeps Unix milliseconds in UTC.

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func msPtr(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// notFound wraps sql.ErrNoRows as the domain's not-found error; other errors get context.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return &portal.Error{Code: portal.ENOTFOUND, Message: what + " not found", Key: "err.not_found", Err: err}
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

func fromNano(v int64) time.Time { return time.Unix(0, v).UTC() }

package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Checkpoints copy the write-ahead log's pages back into the database file (and, with synchronous=FULL,
// sync it), so that the log does not grow without end. SQLite's default runs one inside whichever commit
// takes the log past 1000 pages: with group commit that is the writer goroutine, so every request waiting
// on that batch waited for the copy too, and profiles of the busy write path showed a tenth of its CPU and
// its slowest answers there. The writer's connection therefore never checkpoints (wal_autocheckpoint=0);
// this goroutine does, on a connection of its own, a short while after commits, with PASSIVE checkpoints
// that never block the writer or a reader. Durability is unchanged: a commit is durable once the log is
// synced, which the writer still does before it answers; a checkpoint only moves committed pages.

// defaultCheckpointEvery is how long the checkpointer lets commits gather before it checkpoints: a hot page
// written by many commits (the ends of the indexes that every request appends to) is copied once per
// checkpoint. Longer saves copies; shorter keeps each checkpoint small, and a checkpoint's copying holds the
// processor from request handlers (with GOMAXPROCS=1, for up to a scheduler time slice). Side by side at
// half the maximum request rate, 250 ms gave a p99 latency of 42 ms and 40 ms gave 14 ms, at the same
// CPU per request.
const defaultCheckpointEvery = 40 * time.Millisecond

// checkpointer checkpoints the log on its own connection after commits, at most once per every, until
// stop is closed; then it checkpoints a last time.
func (s *Store) checkpointer(db *sql.DB, every time.Duration) {
	defer close(s.ckptDone)
	for {
		select {
		case <-s.walDirty:
		case <-s.ckptStop:
			s.checkpoint(db)
			return
		}
		select {
		case <-time.After(every):
		case <-s.ckptStop:
		}
		s.checkpoint(db)
	}
}

// checkpoint runs one PASSIVE checkpoint. A failure is logged and retried after the next commit: until
// then the log only grows, and every committed write is in it.
func (s *Store) checkpoint(db *sql.DB) {
	var busy, logPages, moved int
	if err := db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &moved); err != nil {
		s.log.Warn("store: checkpoint", "err", fmt.Errorf("store: checkpoint: %w", err))
		return
	}
	s.checkpoints.Add(1)
}

// walWritten tells the checkpointer that a commit added to the log. It never blocks the writer.
func (s *Store) walWritten() {
	select {
	case s.walDirty <- struct{}{}:
	default:
	}
}

// Checkpoints returns how many checkpoints the checkpointer has run.
func (s *Store) Checkpoints() int64 { return s.checkpoints.Load() }

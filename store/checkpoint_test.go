package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"portal"
)

// The writer's commits never checkpoint: the checkpointer does, on its own connection, and keeps the log
// from growing.
func TestCheckpointerKeepsTheLogSmall(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(ctx, path, Options{CheckpointEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var auto int
	if err := s.w.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != 0 {
		t.Fatalf("writer's wal_autocheckpoint = %d; want 0: a commit must not checkpoint", auto)
	}

	// Each write is its own commit and adds at least the audit table's and its index's pages to the log:
	// without checkpoints the log would hold more than two pages a commit. With them it is restarted from
	// its beginning again and again.
	const commits = 300
	for i := range commits {
		if err := s.RecordAudit(ctx, Audit{Actor: portal.System, Action: "test", Subject: "commit"}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if i%50 == 49 {
			time.Sleep(5 * time.Millisecond) // let the checkpointer run between bursts, as idle moments do
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Checkpoints() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if s.Checkpoints() == 0 {
		t.Fatal("the checkpointer never checkpointed")
	}
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if limit := int64(commits) * 4096; st.Size() >= limit {
		t.Errorf("log file is %d bytes after %d commits; want less than %d: checkpoints did not keep it small", st.Size(), commits, limit)
	}
	// Every write is still there, with its chain intact, after the checkpoints moved it.
	if n, brk, err := s.VerifyAudit(ctx); err != nil || brk != nil || n < commits {
		t.Errorf("VerifyAudit = %d, %v, %v; want at least %d entries and no break", n, brk, err, commits)
	}
}

package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	db, err := openDB("file:" + filepath.Join(t.TempDir(), "c.db") + "?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection, so every statement below meets the same cache
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL); INSERT INTO t (v) VALUES ('a'), ('b'), ('c')"); err != nil {
		t.Fatal(err)
	}

	t.Run("the same query again while its rows are open", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		const q = "SELECT v FROM t WHERE id >= ? ORDER BY id"
		rows, err := tx.QueryContext(ctx, q, 1)
		if err != nil {
			t.Fatal(err)
		}
		var outer, inner []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			outer = append(outer, v)
			var w string
			if err := tx.QueryRowContext(ctx, q, 3).Scan(&w); err != nil {
				t.Fatalf("nested query: %v", err)
			}
			inner = append(inner, w)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(outer) != "[a b c]" || fmt.Sprint(inner) != "[c c c]" {
			t.Errorf("outer %v, inner %v; want [a b c] and [c c c]", outer, inner)
		}
	})

	t.Run("a kept statement sees new rows and new arguments", func(t *testing.T) {
		for i, want := range []int{3, 4, 5} {
			if i > 0 {
				if _, err := db.ExecContext(ctx, "INSERT INTO t (v) VALUES (?)", fmt.Sprint(i)); err != nil {
					t.Fatal(err)
				}
			}
			var n int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM t WHERE id > ?", 0).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("count = %d, want %d", n, want)
			}
		}
	})

	t.Run("a failed statement can run again", func(t *testing.T) {
		const ins = "INSERT INTO t (id, v) VALUES (?, ?)"
		if _, err := db.ExecContext(ctx, ins, 1, "dup"); err == nil {
			t.Fatal("duplicate id inserted")
		}
		if _, err := db.ExecContext(ctx, ins, 100, "ok"); err != nil {
			t.Fatalf("after a failure: %v", err)
		}
	})

	t.Run("more distinct statements than the cache keeps", func(t *testing.T) {
		for i := range maxCachedStmts + 20 {
			var n int
			if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT %d + count(*) FROM t WHERE id > ?", i), 1000).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != i {
				t.Fatalf("statement %d = %d", i, n)
			}
		}
	})

	t.Run("schema change", func(t *testing.T) {
		const q = "SELECT * FROM t WHERE id = ?"
		cols := func() int {
			rows, err := db.QueryContext(ctx, q, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			c, err := rows.Columns()
			if err != nil {
				t.Fatal(err)
			}
			return len(c)
		}
		before := cols()
		if _, err := db.ExecContext(ctx, "ALTER TABLE t ADD COLUMN w TEXT"); err != nil {
			t.Fatal(err)
		}
		if after := cols(); after != before+1 {
			t.Errorf("columns after ALTER = %d, want %d", after, before+1)
		}
	})
}

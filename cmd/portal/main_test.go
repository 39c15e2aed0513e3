package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"portal"
	"portal/store"
)

// cli runs the portal command in-process against db and returns its exit code, standard output's last
// line and standard error.
func cli(t *testing.T, db, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "PORTAL_DB" {
			return db
		}
		return ""
	}
	err := run(context.Background(), append([]string{"portal"}, args...), getenv, strings.NewReader(stdin), &out, &errOut)
	if err != nil {
		errOut.WriteString(err.Error())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	code := 0
	if err != nil {
		code = exitCode(err)
	}
	return code, lines[len(lines)-1], errOut.String()
}

func TestCLI_UserCreate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	if code, last, stderr := cli(t, db, "a long enough pass\n", "user", "create", "--fin", "5abcd12", "--name", "Aysel Məmmədova"); code != 0 || last != "1" {
		t.Fatalf("create: code %d, last %q, stderr %q", code, last, stderr)
	}
	bad := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"malformed FIN", "a long enough pass\n", []string{"--fin", "12", "--name", "X"}, "FIN"},
		{"FIN taken", "a long enough pass\n", []string{"--fin", "5ABCD12", "--name", "X"}, "exists"},
		{"short password", "short\n", []string{"--fin", "7XYZ987", "--name", "X"}, "password"},
		{"common password", "password123\n", []string{"--fin", "7XYZ987", "--name", "X"}, "password"},
		{"no name", "a long enough pass\n", []string{"--fin", "7XYZ987"}, "--name"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, db, tc.stdin, append([]string{"user", "create"}, tc.args...)...)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Errorf("code %d, stderr %q; want non-zero and a message about %q", code, stderr, tc.want)
			}
		})
	}
}

func TestCLI_CompanyAndAPIKey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	code, id, stderr := cli(t, db, "", "company", "create", "--name", "Odlar Sığorta", "--voen", "1700123456", "--sector", "insurance",
		"--offer", "identity=Müqavilə bağlamaq üçün", "--offer", "address=Sığorta ünvanı")
	if code != 0 || id != "1" {
		t.Fatalf("company create: code %d, id %q, stderr %q", code, id, stderr)
	}
	for name, args := range map[string][]string{
		"malformed VÖEN": {"--name", "X", "--voen", "12345"},
		"VÖEN taken":     {"--name", "X", "--voen", "1700123456"},
		"unknown sector": {"--name", "X", "--voen", "1700123457", "--sector", "casino"},
		"unknown scope":  {"--name", "X", "--voen", "1700123458", "--offer", "dna=why"},
		"offer no =":     {"--name", "X", "--voen", "1700123459", "--offer", "identity"},
	} {
		if code, _, stderr := cli(t, db, "", append([]string{"company", "create"}, args...)...); code == 0 || stderr == "" {
			t.Errorf("%s: code %d, stderr %q; want a clear error", name, code, stderr)
		}
	}
	for _, ref := range []string{"1", "1700123456"} {
		code, key, stderr := cli(t, db, "", "apikey", "create", "--company", ref)
		if code != 0 || !strings.HasPrefix(key, "pk_") {
			t.Errorf("apikey create --company %s: code %d, last line %q, stderr %q", ref, code, key, stderr)
		}
	}
	if code, _, _ := cli(t, db, "", "apikey", "create", "--company", "99"); code == 0 {
		t.Error("apikey for an unknown company succeeded")
	}
}

func TestCLI_AuditVerifyAndBackup(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	cli(t, db, "", "company", "create", "--name", "A", "--voen", "1111111111")
	cli(t, db, "", "company", "create", "--name", "B", "--voen", "2222222222")
	cli(t, db, "", "company", "create", "--name", "C", "--voen", "3333333333")
	code, head, stderr := cli(t, db, "", "audit", "verify")
	if code != 0 || !strings.HasPrefix(head, "head 3:") {
		t.Fatalf("verify: code %d, last %q, stderr %q", code, head, stderr)
	}
	noted := strings.TrimPrefix(head, "head ")
	if code, _, stderr := cli(t, db, "", "backup", filepath.Join(dir, "copy.db")); code != 0 {
		t.Fatalf("backup: code %d, stderr %q", code, stderr)
	}
	if code, _, stderr := cli(t, filepath.Join(dir, "copy.db"), "", "audit", "verify", "--expect-head", noted); code != 0 {
		t.Fatalf("verify the copy: code %d, stderr %q", code, stderr)
	}
	if code, _, _ := cli(t, db, "", "backup", filepath.Join(dir, "copy.db")); code == 0 {
		t.Error("backup over an existing file succeeded")
	}

	// Tamper as someone with the sqlite3 tool would: drop the guard and edit a middle row.
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{"DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET details = '{\"voen\":\"9999999999\"}' WHERE seq = 2"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	code, _, stderr = cli(t, db, "", "audit", "verify")
	if code == 0 || !strings.Contains(stderr, "sequence 2") {
		t.Errorf("verify after an edit: code %d, stderr %q; want a failure naming sequence 2", code, stderr)
	}
}

func TestCLI_Usage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	if code, _, _ := cli(t, db, "", "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if code, _, stderr := cli(t, db, "", "serve", "--approval-window", "soon"); code != 2 || !strings.Contains(stderr, "approval-window") {
		t.Errorf("bad flag: exit %d, stderr %q", code, stderr)
	}
}

// tamperedLog makes a database with five audit entries (one per company), notes its head as
// `audit verify` prints it, then opens it raw, drops the guards as someone with the sqlite3 tool would,
// and hands it to tamper.
func tamperedLog(t *testing.T, tamper func(raw *sql.DB)) (db, noted string) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "p.db")
	for i := 1; i <= 5; i++ {
		if code, _, stderr := cli(t, db, "", "company", "create", "--name", fmt.Sprintf("Şirkət %d", i), "--voen", strings.Repeat(fmt.Sprint(i), 10)); code != 0 {
			t.Fatalf("company create: %s", stderr)
		}
	}
	code, head, stderr := cli(t, db, "", "audit", "verify")
	if code != 0 || !strings.HasPrefix(head, "head 5:") {
		t.Fatalf("verify before tampering: code %d, last %q, stderr %q", code, head, stderr)
	}
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	exec(t, raw, "DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete")
	tamper(raw)
	return db, strings.TrimPrefix(head, "head ")
}

func exec(t *testing.T, db *sql.DB, queries ...string) {
	t.Helper()
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// auditRow reads one row as the verifier sees it.
func auditRow(t *testing.T, db *sql.DB, seq int64) portal.AuditEntry {
	t.Helper()
	var e portal.AuditEntry
	var at int64
	var kind string
	err := db.QueryRow("SELECT seq, at, actor_kind, actor_id, action, citizen_id, subject, details, prev_hash, hash FROM audit_log WHERE seq = ?", seq).
		Scan(&e.Seq, &at, &kind, &e.Actor.ID, &e.Action, &e.CitizenID, &e.Subject, &e.Details, &e.PrevHash, &e.Hash)
	if err != nil {
		t.Fatal(err)
	}
	e.At, e.Actor.Kind = time.Unix(0, at).UTC(), portal.ActorKind(kind)
	return e
}

// insertAt makes room at seq by moving every later row up one, then inserts e there.
func insertAt(t *testing.T, db *sql.DB, e portal.AuditEntry) {
	t.Helper()
	exec(t, db, fmt.Sprintf("UPDATE audit_log SET seq = -(seq + 1) WHERE seq >= %d", e.Seq), "UPDATE audit_log SET seq = -seq WHERE seq < 0")
	if _, err := db.Exec(`INSERT INTO audit_log (seq, at, actor_kind, actor_id, action, citizen_id, subject, details, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, e.At.UnixNano(), string(e.Actor.Kind), e.Actor.ID, e.Action, e.CitizenID, e.Subject, e.Details, e.PrevHash, e.Hash); err != nil {
		t.Fatal(err)
	}
}

// TestCLI_AuditVerifyCatchesTampering edits the log in each way someone with direct access to the file could
// and checks that `portal audit verify` fails naming the first row where the chain no longer holds.
func TestCLI_AuditVerifyCatchesTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, raw *sql.DB)
		expect bool   // pass --expect-head with the head noted before tampering
		want   string // in standard error
	}{
		{"edited middle row", func(t *testing.T, raw *sql.DB) {
			exec(t, raw, `UPDATE audit_log SET details = '{"voen":"9999999999"}' WHERE seq = 3`)
		}, false, "at sequence 3: hash does not match"},
		{"deleted middle row", func(t *testing.T, raw *sql.DB) {
			exec(t, raw, "DELETE FROM audit_log WHERE seq = 3")
		}, false, "at sequence 4: sequence gap or reorder after 2"},
		{"deleted middle row, later rows renumbered", func(t *testing.T, raw *sql.DB) {
			exec(t, raw, "DELETE FROM audit_log WHERE seq = 3", "UPDATE audit_log SET seq = -(seq - 1) WHERE seq > 3", "UPDATE audit_log SET seq = -seq WHERE seq < 0")
		}, false, "at sequence 3: previous hash does not match"},
		{"inserted row", func(t *testing.T, raw *sql.DB) {
			forged := auditRow(t, raw, 2) // a copy of a real row, hash and all, slipped in after it
			forged.Seq, forged.PrevHash = 3, forged.Hash
			insertAt(t, raw, forged)
		}, false, "at sequence 3: hash does not match"},
		{"inserted row with a recomputed hash", func(t *testing.T, raw *sql.DB) {
			// The forger knows the encoding and chains the new row to row 2 correctly: the row after it,
			// which still points at row 2, is where the chain breaks.
			prev := auditRow(t, raw, 2)
			forged := portal.AuditEntry{Seq: 3, At: prev.At.Add(time.Millisecond), Actor: portal.System, Action: "company.create",
				Subject: "company:99", Details: "{}", PrevHash: prev.Hash}
			forged.Hash = forged.ComputeHash()
			insertAt(t, raw, forged)
		}, false, "at sequence 4: previous hash does not match"},
		{"swapped rows", func(t *testing.T, raw *sql.DB) {
			exec(t, raw, "UPDATE audit_log SET seq = -3 WHERE seq = 3", "UPDATE audit_log SET seq = 3 WHERE seq = 2", "UPDATE audit_log SET seq = 2 WHERE seq = -3")
		}, false, "at sequence 2: previous hash does not match"},
		{"truncated tail", func(t *testing.T, raw *sql.DB) {
			exec(t, raw, "DELETE FROM audit_log WHERE seq > 3")
		}, true, "expected head 5 is missing: the log was truncated to 3 rows"},
		{"truncated tail, regrown", func(t *testing.T, raw *sql.DB) {
			// Truncated, then new rows chained onto the shorter log reach the old length again.
			exec(t, raw, "DELETE FROM audit_log WHERE seq > 3")
			for seq := int64(4); seq <= 5; seq++ {
				prev := auditRow(t, raw, seq-1)
				e := portal.AuditEntry{Seq: seq, At: prev.At.Add(time.Millisecond), Actor: portal.System, Action: "company.create", Details: "{}", PrevHash: prev.Hash}
				e.Hash = e.ComputeHash()
				insertAt(t, raw, e)
			}
		}, true, "at sequence 5: its hash differs from the head noted earlier"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, noted := tamperedLog(t, func(raw *sql.DB) { tc.tamper(t, raw) })
			args := []string{"audit", "verify"}
			if tc.expect {
				// Without the noted head a clean cut at the end is undetectable: the rest is a valid chain.
				if code, _, stderr := cli(t, db, "", args...); code != 0 {
					t.Fatalf("verify without --expect-head: code %d, stderr %q; the remaining chain is intact", code, stderr)
				}
				args = append(args, "--expect-head", noted)
			}
			code, _, stderr := cli(t, db, "", args...)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("code %d, stderr %q; want exit 1 and %q", code, stderr, tc.want)
			}
		})
	}
	t.Run("intact log with its noted head", func(t *testing.T) {
		db, noted := tamperedLog(t, func(*sql.DB) {})
		cli(t, db, "", "company", "create", "--name", "Sonra", "--voen", "6666666666") // the log grows past the noted head
		if code, last, stderr := cli(t, db, "", "audit", "verify", "--expect-head", noted); code != 0 || !strings.HasPrefix(last, "head 6:") {
			t.Errorf("code %d, last %q, stderr %q", code, last, stderr)
		}
	})
}

// TestCLI_BackupWhileWriting backs up a database while another process keeps writing to it: the copy is a
// consistent snapshot whose audit chain verifies.
func TestCLI_BackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	ctx := context.Background()
	s, err := store.Open(ctx, db, store.Options{}) // the running server's store
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stop := make(chan struct{})
	var written atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.CreateCompany(ctx, portal.System, portal.Company{Name: fmt.Sprintf("Şirkət %d", i), VOEN: fmt.Sprintf("%010d", i), Sector: "other"}, nil); err != nil {
				t.Errorf("write during backup: %v", err)
				return
			}
			written.Add(1)
		}
	}()
	for written.Load() < 20 {
		time.Sleep(time.Millisecond)
	}
	copies := []string{filepath.Join(dir, "copy1.db"), filepath.Join(dir, "copy2.db")}
	for _, cp := range copies {
		if code, last, stderr := cli(t, db, "", "backup", cp); code != 0 || last != cp {
			t.Fatalf("backup: code %d, last %q, stderr %q", code, last, stderr)
		}
	}
	close(stop)
	wg.Wait()
	total := written.Load()
	var prev int64
	for _, cp := range copies {
		code, head, stderr := cli(t, cp, "", "audit", "verify")
		if code != 0 {
			t.Fatalf("verify %s: code %d, stderr %q", cp, code, stderr)
		}
		seq, err := strconv.ParseInt(strings.SplitN(strings.TrimPrefix(head, "head "), ":", 2)[0], 10, 64)
		if err != nil || seq < 20 || seq > total || seq < prev {
			t.Errorf("%s holds %d entries (%v); want between 20 and %d, and no fewer than the earlier copy's %d", cp, seq, err, total, prev)
		}
		prev = seq
	}
}

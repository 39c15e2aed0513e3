package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
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

package web_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"portal"
)

// TestAudit_LoginsWithoutPersonalData: logins, logouts and failed logins are in the audit log, and the FIN
// typed at a failed login is not (it is personal data, and for an unknown FIN a typo of someone's).
func TestAudit_LoginsWithoutPersonalData(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	u := e.user("5ABCD12", "Aysel Məmmədova", portal.RoleCitizen)
	head, _, err := e.store.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	for _, fin := range []string{"5abcd12", "9ZZZ999", "bad fin!"} {
		tok := b.csrf("/login")
		if resp, _ := b.post("/login", formOf("fin", fin, "password", "wrong password", "_csrf", tok)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failed login with %q: %d", fin, resp.StatusCode)
		}
	}
	b.login("5ABCD12", testPassword)
	if resp, _ := b.post("/logout", formOf("_csrf", b.csrf("/"))); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	last, _, err := e.store.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for seq := head + 1; seq <= last; seq++ {
		entry, err := e.store.AuditEntry(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, entry.Action)
		text := strings.ToUpper(entry.Subject + " " + entry.Details)
		for _, secret := range []string{"5ABCD12", "9ZZZ999", "BAD FIN", "WRONG PASSWORD", "MƏMMƏDOVA"} {
			if strings.Contains(text, secret) {
				t.Errorf("audit entry %d (%s) records %q: %s %s", seq, entry.Action, secret, entry.Subject, entry.Details)
			}
		}
		if entry.Action == "login.fail" && entry.CitizenID != 0 && entry.CitizenID != u.ID {
			t.Errorf("failed login recorded against citizen %d", entry.CitizenID)
		}
	}
	if want := []string{"login.fail", "login.fail", "login.fail", "login", "logout"}; !slices.Equal(got, want) {
		t.Errorf("audit actions %v, want %v", got, want)
	}
	if _, brk, err := e.store.VerifyAudit(ctx); err != nil || brk != nil {
		t.Errorf("verify: %v %+v", err, brk)
	}
}

package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal"
	"portal/auth"
)

func TestAdminKeys_ShownOnceAndStoredHashed(t *testing.T) {
	e, b, admin := newAdminEnv(t)
	c := e.adminCompany("1700000001", portal.ScopeIdentity)
	page := fmt.Sprintf("/admin/companies/%d", c.ID)
	seq := adminAuditHead(t, e)

	resp, doc := b.adminSubmit(page, page+"/keys", nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d, want 201", resp.StatusCode)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		t.Errorf("the key page redirects to %q", loc)
	}
	key := doc.Find(`[data-testid="new-key-value"]`).AttrOr("value", "")
	if !auth.ValidAPIKey(key) {
		t.Fatalf("shown key %q is not a valid API key", key)
	}
	if tgt := doc.Find(`[data-testid="new-key-copy"]`).AttrOr("data-copy-target", ""); tgt != "new-api-key" || doc.Find("#new-api-key").Length() != 1 {
		t.Errorf("copy button targets %q", tgt)
	}
	if href := doc.Find(`[data-testid="lang-switcher"] a`).First().AttrOr("href", ""); href != "/lang/az?next="+url.QueryEscape(page) {
		t.Errorf("the language switcher leads to %q, want back to the company's page", href)
	}
	for _, ck := range resp.Cookies() {
		if strings.Contains(ck.Value, key) {
			t.Error("the key is in a cookie")
		}
	}
	prefix := auth.APIKeyPrefix(key)
	// The secret follows "pk_<prefix>_"; it may itself hold "_" (base64url), so cut at the prefix, not the last "_".
	body := strings.TrimPrefix(key, "pk_"+prefix+"_")
	entries := adminAuditSince(t, e, seq)
	if len(entries) != 1 || entries[0].Action != "apikey.create" || entries[0].Actor != (portal.Actor{Kind: portal.ActorAdmin, ID: admin.ID}) {
		t.Errorf("audit = %+v", entries)
	}
	if strings.Contains(entries[0].Details, body) {
		t.Error("the audit entry holds the key")
	}

	t.Run("afterwards only the prefix", func(t *testing.T) {
		_, doc := b.get(page)
		html, _ := doc.Html()
		if strings.Contains(html, body) {
			t.Error("the company page shows the key again")
		}
		if doc.Find(`[data-testid="new-key"]`).Length() != 0 {
			t.Error("the new-key panel is shown again")
		}
		if got := adminText(doc, "key-prefix"); got != "pk_"+prefix+"_…" {
			t.Errorf("key listed as %q", got)
		}
	})

	t.Run("the database holds only the hash", func(t *testing.T) {
		db := adminDB(t, e)
		rows, err := db.Query("SELECT * FROM api_keys")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		sum := sha256.Sum256([]byte(key))
		foundHash := false
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var raw []byte
				switch x := v.(type) {
				case []byte:
					raw = x
				case string:
					raw = []byte(x)
				default:
					raw = fmt.Appendf(nil, "%v", x)
				}
				if bytes.Contains(raw, []byte(key)) || bytes.Contains(raw, []byte(body)) {
					t.Errorf("column %s holds the key", cols[i])
				}
				if bytes.Equal(raw, sum[:]) {
					foundHash = true
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !foundHash {
			t.Error("the key's SHA-256 is not stored")
		}
	})

	t.Run("the key works for the API's lookup", func(t *testing.T) {
		k, kc, err := e.store.APIKeyByHash(context.Background(), auth.HashAPIKey(key))
		if err != nil || kc.ID != c.ID || k.Prefix != prefix {
			t.Errorf("APIKeyByHash = %+v, %+v, %v", k, kc, err)
		}
	})
}

func TestAdminKeys_RotateAndRevoke(t *testing.T) {
	e, b, admin := newAdminEnv(t)
	ctx := context.Background()
	c := e.adminCompany("1700000001", portal.ScopeIdentity)
	other := e.adminCompany("1700000002", portal.ScopeIdentity)
	page := fmt.Sprintf("/admin/companies/%d", c.ID)
	newKey := func() string {
		t.Helper()
		resp, doc := b.adminSubmit(page, page+"/keys", nil)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create key: %d", resp.StatusCode)
		}
		return doc.Find(`[data-testid="new-key-value"]`).AttrOr("value", "")
	}
	old := newKey()
	e.clock.Advance(time.Minute)
	fresh := newKey()
	// Rotation without downtime: both keys work until the old one is revoked.
	for _, k := range []string{old, fresh} {
		if _, _, err := e.store.APIKeyByHash(ctx, auth.HashAPIKey(k)); err != nil {
			t.Fatalf("key %s before revocation: %v", auth.APIKeyPrefix(k), err)
		}
	}
	oldRow, _, _ := e.store.APIKeyByHash(ctx, auth.HashAPIKey(old))

	t.Run("a key of another company is not found", func(t *testing.T) {
		path := fmt.Sprintf("/admin/companies/%d/keys/%d/revoke", other.ID, oldRow.ID)
		if resp, _ := b.adminSubmit(page, path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("status %d, want 404", resp.StatusCode)
		}
		if _, _, err := e.store.APIKeyByHash(ctx, auth.HashAPIKey(old)); err != nil {
			t.Errorf("the key was revoked through another company: %v", err)
		}
	})

	seq := adminAuditHead(t, e)
	path := fmt.Sprintf("%s/keys/%d/revoke", page, oldRow.ID)
	resp, _ := b.adminSubmit(page, path, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page+"?done=key_revoked" {
		t.Fatalf("revoke: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, _, err := e.store.APIKeyByHash(ctx, auth.HashAPIKey(old)); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("revoked key: APIKeyByHash err = %v, want ENOTFOUND", err)
	}
	if _, _, err := e.store.APIKeyByHash(ctx, auth.HashAPIKey(fresh)); err != nil {
		t.Errorf("the other key stopped working: %v", err)
	}
	entries := adminAuditSince(t, e, seq)
	if len(entries) != 1 || entries[0].Action != "apikey.revoke" || entries[0].Actor != (portal.Actor{Kind: portal.ActorAdmin, ID: admin.ID}) {
		t.Errorf("audit = %+v", entries)
	}
	_, doc := b.get(resp.Header.Get("Location"))
	if n := doc.Find(`[data-testid="key-row"]`).Length(); n != 2 {
		t.Errorf("%d keys listed, want 2", n)
	}
	if n := doc.Find(`[data-testid="key-revoke-form"]`).Length(); n != 1 {
		t.Errorf("%d revoke buttons, want 1 (the live key)", n)
	}
	if resp, _ := b.adminSubmit(page, path, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("revoking twice: %d, want 404", resp.StatusCode)
	}
}

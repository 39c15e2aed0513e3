package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portal"
	"portal/store/storetest"
	"portal/web"
)

const (
	finAysel  = "5ABCD12"
	finRashad = "7XYZ987"
)

type apiEnv struct {
	*testEnv
	aysel, rashad portal.User
	bank, other   portal.Company
	bankKey       string
	otherKey      string
}

func newAPIEnv(t *testing.T) *apiEnv { return apiEnvOn(newTestEnv(t)) }

// apiEnvOn adds two citizens with registry data and two companies with keys to a test environment.
func apiEnvOn(e *testEnv) *apiEnv {
	a := &apiEnv{testEnv: e}
	a.aysel = e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	a.rashad = e.user(finRashad, "Rəşad Əliyev", portal.RoleCitizen)
	e.registry(finAysel)
	e.registry(finRashad)
	a.bank, a.bankKey = e.company("Xəzər İnvest Bank", "1400012345", portal.ScopeIdentity, portal.ScopeAddress, portal.ScopeIncome)
	a.other, a.otherKey = e.company("Şirvan Telekom", "1300729564", portal.ScopeIdentity, portal.ScopeContact)
	return a
}

func (a *apiEnv) grant(citizen portal.User, company portal.Company, scopes ...portal.Scope) {
	a.t.Helper()
	for _, sc := range scopes {
		if _, err := a.store.GrantConsent(context.Background(), citizen.ID, company.ID, sc, portal.Validity1Year); err != nil {
			a.t.Fatal(err)
		}
	}
}

func reqBody(fin string, scopes ...string) string {
	return fmt.Sprintf(`{"citizen_fin":%q,"scopes":["%s"],"purpose":"Kredit müraciəti"}`, fin, strings.Join(scopes, `","`))
}

func TestAPI_CreateRequest_DeliveredUnderConsent(t *testing.T) {
	a := newAPIEnv(t)
	a.grant(a.aysel, a.bank, portal.ScopeIdentity, portal.ScopeAddress)
	r := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody("5abcd12", "identity", "address"))
	if r.Status != http.StatusOK || r.str("status") != "delivered" {
		t.Fatalf("got %d %s", r.Status, r.Raw)
	}
	data, _ := r.Body["data"].(map[string]any)
	if len(data) != 2 {
		t.Fatalf("data has %d scopes, want exactly the 2 requested (P6): %v", len(data), data)
	}
	id, _ := data["identity"].(map[string]any)
	if id["first_name"] != "identity:first_name" || id["internal_note"] != nil {
		t.Errorf("identity data = %v; want only the scope's published fields", id)
	}
	if len(id) != len(portal.ScopeIdentity.Fields()) {
		t.Errorf("identity has %d fields, want %d", len(id), len(portal.ScopeIdentity.Fields()))
	}
	if r.str("created_at") == "" || !strings.HasSuffix(r.str("created_at"), "Z") {
		t.Errorf("created_at = %q, want RFC 3339 UTC", r.str("created_at"))
	}
	// P4: the citizen was told, and it is in the audit log.
	notes, err := a.store.Notifications(context.Background(), a.aysel.ID, 0, 10)
	if err != nil || len(notes) != 1 || notes[0].Kind != portal.NotifDelivered || notes[0].RequestID != r.str("id") {
		t.Errorf("notifications = %+v, %v; want one 'delivered' for the request", notes, err)
	}
}

func TestAPI_CreateRequest_PendingWithoutConsent(t *testing.T) {
	a := newAPIEnv(t)
	a.grant(a.aysel, a.bank, portal.ScopeIdentity)
	// Consent to another company does not count (P1).
	a.grant(a.aysel, a.other, portal.ScopeIdentity)
	r := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "identity", "income"))
	if r.Status != http.StatusAccepted || r.str("status") != "pending" {
		t.Fatalf("got %d %s", r.Status, r.Raw)
	}
	if len(r.str("binding_code")) != 4 || r.Body["data"] != nil {
		t.Errorf("pending answer = %s; want a 4-character binding code and no data", r.Raw)
	}
	exp, err := time.Parse(time.RFC3339, r.str("expires_at"))
	if err != nil || !exp.Equal(a.clock.Now().Add(5*time.Minute).Truncate(time.Second)) {
		t.Errorf("expires_at = %q, want created + 5 minutes", r.str("expires_at"))
	}
	// Nobody else's consents: the other company's identity consent did not deliver the bank's request.
	r2 := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finRashad, "identity"))
	if r2.Status != http.StatusAccepted {
		t.Errorf("Rəşad has no consent: got %d", r2.Status)
	}
}

// remoteRegistry stands for a registry other than the database's own (a remote service): the portal asks it
// before its write transaction, never inside it, and only when consents cover the request.
type remoteRegistry struct {
	inner portal.Registry
	calls atomic.Int64
}

func (r *remoteRegistry) Fetch(ctx context.Context, fin string, scopes []portal.Scope) (map[portal.Scope]map[string]any, error) {
	r.calls.Add(1)
	return r.inner.Fetch(ctx, fin, scopes)
}

func TestAPI_CreateRequest_RemoteRegistry(t *testing.T) {
	var reg *remoteRegistry
	a := apiEnvOn(newTestEnvWith(t, func(o *web.Options) {
		reg = &remoteRegistry{inner: o.Store.Registry()}
		o.Registry = reg
	}))
	// Without consent the request waits for the citizen, and the registry is not even asked (P1).
	r := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "identity"))
	if r.Status != http.StatusAccepted || r.Body["data"] != nil {
		t.Fatalf("without consent: got %d %s; want 202 and no data", r.Status, r.Raw)
	}
	if n := reg.calls.Load(); n != 0 {
		t.Fatalf("the registry was asked %d times for a request no consent covers; want 0", n)
	}
	a.grant(a.aysel, a.bank, portal.ScopeIdentity)
	r = a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "identity"))
	data, _ := r.Body["data"].(map[string]any)
	id, _ := data["identity"].(map[string]any)
	if r.Status != http.StatusOK || id["first_name"] != "identity:first_name" || id["internal_note"] != nil {
		t.Fatalf("under consent: got %d %s; want 200 with the identity's published fields", r.Status, r.Raw)
	}
	if n := reg.calls.Load(); n != 1 {
		t.Errorf("the registry was asked %d times for one covered request; want 1", n)
	}
}

func TestAPI_Errors(t *testing.T) {
	a := newAPIEnv(t)
	cases := []struct {
		name, key, method, path, body string
		headers                       []string
		status                        int
		code                          string
	}{
		{"no key", "", "POST", "/api/v1/requests", reqBody(finAysel, "identity"), nil, 401, "unauthorized"},
		{"unknown key", "pk_aaaaaaaa_" + strings.Repeat("A", 43), "POST", "/api/v1/requests", reqBody(finAysel, "identity"), nil, 401, "unauthorized"},
		{"key in query", "", "GET", "/api/v1/offers?api_key=" + a.bankKey, "", nil, 401, "unauthorized"},
		{"malformed FIN", a.bankKey, "POST", "/api/v1/requests", reqBody("12", "identity"), nil, 400, "invalid_request"},
		{"unknown scope", a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "dna"), nil, 400, "invalid_request"},
		{"no scopes", a.bankKey, "POST", "/api/v1/requests", `{"citizen_fin":"5ABCD12","scopes":[],"purpose":"x"}`, nil, 400, "invalid_request"},
		{"duplicate scope", a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "identity", "identity"), nil, 400, "invalid_request"},
		{"empty purpose", a.bankKey, "POST", "/api/v1/requests", `{"citizen_fin":"5ABCD12","scopes":["identity"],"purpose":" "}`, nil, 400, "invalid_request"},
		{"long purpose", a.bankKey, "POST", "/api/v1/requests", `{"citizen_fin":"5ABCD12","scopes":["identity"],"purpose":"` + strings.Repeat("ə", 501) + `"}`, nil, 400, "invalid_request"},
		{"unknown field", a.bankKey, "POST", "/api/v1/requests", `{"citizen_fin":"5ABCD12","scopes":["identity"],"purpose":"x","all":true}`, nil, 400, "invalid_request"},
		{"wrong type", a.bankKey, "POST", "/api/v1/requests", `{"citizen_fin":5,"scopes":["identity"],"purpose":"x"}`, nil, 400, "invalid_request"},
		{"trailing data", a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "identity") + `{}`, nil, 400, "invalid_request"},
		{"not JSON", a.bankKey, "POST", "/api/v1/requests", `citizen_fin=5ABCD12`, nil, 400, "invalid_request"},
		{"huge body", a.bankKey, "POST", "/api/v1/requests", `{"citizen_fin":"5ABCD12","scopes":["identity"],"purpose":"` + strings.Repeat("x", 70<<10) + `"}`, nil, 413, "body_too_large"},
		{"citizen not found", a.bankKey, "POST", "/api/v1/requests", reqBody("1AAAAAA", "identity"), nil, 404, "citizen_not_found"},
		{"scope not offered", a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "vehicles"), nil, 422, "scope_not_offered"},
		{"bad idempotency key", a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "identity"), []string{"Idempotency-Key", "ä"}, 400, "invalid_request"},
		{"unknown request", a.bankKey, "GET", "/api/v1/requests/0123456789abcdef0123456789abcdef", "", nil, 404, "not_found"},
		{"bad wait", a.bankKey, "GET", "/api/v1/requests/x?wait=31", "", nil, 400, "invalid_request"},
		{"unknown route", a.bankKey, "GET", "/api/v1/nothing", "", nil, 404, "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := countRows(t, a.testEnv, "data_requests")
			a.api(tc.key, tc.method, tc.path, tc.body, tc.headers...).problem(t, tc.status, tc.code)
			if after := countRows(t, a.testEnv, "data_requests"); after != before {
				t.Errorf("a refused call changed data_requests: %d -> %d", before, after)
			}
		})
	}
}

func countRows(t *testing.T, e *testEnv, table string) int {
	t.Helper()
	return len(storetest.Dump(t, e.store.Path(), table))
}

func TestAPI_ApproveCollect(t *testing.T) {
	a := newAPIEnv(t)
	r := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income"))
	id := r.str("id")
	a.api(a.bankKey, "POST", "/api/v1/requests/"+id+"/collect", "").problem(t, 409, "not_approved")

	b := a.browser()
	b.login(finAysel, testPassword)
	_, doc := b.get("/requests/" + id)
	if code := doc.Find(`[data-testid="binding-code"]`).First().Text(); code != r.str("binding_code") {
		t.Fatalf("approve screen code %q, API code %q", code, r.str("binding_code"))
	}
	fields := doc.Find(`[data-testid="request-field"]`).Length()
	if fields != len(portal.ScopeIncome.Fields()) {
		t.Errorf("approve screen lists %d fields, want %d", fields, len(portal.ScopeIncome.Fields()))
	}
	tok := b.csrf("/requests/" + id)
	if resp, _ := b.post("/requests/"+id+"/approve", formOf("_csrf", tok)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	if got := a.api(a.bankKey, "GET", "/api/v1/requests/"+id, ""); got.str("status") != "approved" {
		t.Fatalf("status after approval = %s", got.Raw)
	}
	// Company B cannot read, collect or cancel A's request (P6).
	a.api(a.otherKey, "GET", "/api/v1/requests/"+id, "").problem(t, 404, "not_found")
	a.api(a.otherKey, "POST", "/api/v1/requests/"+id+"/collect", "").problem(t, 404, "not_found")
	a.api(a.otherKey, "DELETE", "/api/v1/requests/"+id, "").problem(t, 404, "not_found")

	got := a.api(a.bankKey, "POST", "/api/v1/requests/"+id+"/collect", "")
	if got.Status != 200 || got.str("status") != "delivered" {
		t.Fatalf("collect: %s", got.Raw)
	}
	if data, _ := got.Body["data"].(map[string]any); len(data) != 1 || data["income"] == nil {
		t.Errorf("collected data = %v, want only income", got.Body["data"])
	}
	a.api(a.bankKey, "POST", "/api/v1/requests/"+id+"/collect", "").problem(t, 409, "already_collected")
}

func TestAPI_CollectAfterPickupWindow(t *testing.T) {
	a := newAPIEnv(t)
	id := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income")).str("id")
	if _, err := a.store.DecideRequest(context.Background(), a.aysel.ID, id, true, ""); err != nil {
		t.Fatal(err)
	}
	a.clock.Advance(5 * time.Minute)
	a.api(a.bankKey, "POST", "/api/v1/requests/"+id+"/collect", "").problem(t, 410, "expired")
}

func TestAPI_RevokeBetweenApproveAndCollect(t *testing.T) {
	a := newAPIEnv(t)
	ctx := context.Background()
	id := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income")).str("id")
	// Approve and keep a standing consent, then revoke it before the company collects (P3).
	if _, err := a.store.DecideRequest(ctx, a.aysel.ID, id, true, portal.Validity30Days); err != nil {
		t.Fatal(err)
	}
	consents, _ := a.store.ConsentsFor(ctx, a.aysel.ID, a.bank.ID)
	if len(consents) != 1 || !consents[0].ActiveAt(a.clock.Now()) {
		t.Fatalf("keep did not grant a consent: %+v", consents)
	}
	if _, _, err := a.store.RevokeConsent(ctx, a.aysel.ID, consents[0].ID); err != nil {
		t.Fatal(err)
	}
	a.api(a.bankKey, "POST", "/api/v1/requests/"+id+"/collect", "").problem(t, 409, "not_approved")
	if got := a.api(a.bankKey, "GET", "/api/v1/requests/"+id, ""); got.str("status") != "cancelled" || got.str("reason") != "consent_revoked" {
		t.Errorf("after revoke: %s", got.Raw)
	}
	// And the next request is not served from the revoked consent.
	if got := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income")); got.Status != 202 {
		t.Errorf("request after revoke: %d, want 202 pending", got.Status)
	}
}

func TestAPI_ExpiryAndDecisionAfterDeadline(t *testing.T) {
	a := newAPIEnv(t)
	id := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income")).str("id")
	b := a.browser()
	b.login(finAysel, testPassword)
	tok := b.csrf("/requests/" + id)
	a.clock.Advance(5 * time.Minute) // at the deadline: too late
	resp, body := b.post("/requests/"+id+"/approve", formOf("_csrf", tok))
	if resp.StatusCode != http.StatusGone || !strings.Contains(body, `data-testid="request-message"`) {
		t.Fatalf("approve at the deadline: %d, want 410 with a message", resp.StatusCode)
	}
	if got := a.api(a.bankKey, "GET", "/api/v1/requests/"+id, ""); got.str("status") != "expired" {
		t.Errorf("status at the deadline = %s (before any sweep)", got.Raw)
	}
	a.api(a.bankKey, "POST", "/api/v1/requests/"+id+"/collect", "").problem(t, 410, "expired")
	if err := a.server.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	notes, _ := a.store.Notifications(context.Background(), a.aysel.ID, 0, 10)
	if len(notes) == 0 || notes[0].Kind != portal.NotifExpired {
		t.Errorf("no expiry notification: %+v", notes)
	}
}

func TestAPI_Cancel(t *testing.T) {
	a := newAPIEnv(t)
	id := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income")).str("id")
	if got := a.api(a.bankKey, "DELETE", "/api/v1/requests/"+id, ""); got.Status != 200 || got.str("status") != "cancelled" {
		t.Fatalf("cancel: %s", got.Raw)
	}
	a.api(a.bankKey, "DELETE", "/api/v1/requests/"+id, "").problem(t, 409, "not_pending")
	if _, err := a.store.DecideRequest(context.Background(), a.aysel.ID, id, true, ""); portal.ErrorCode(err) != portal.CodeNotPending {
		t.Errorf("approving a cancelled request: %v, want not_pending", err)
	}
}

func TestAPI_Idempotency(t *testing.T) {
	a := newAPIEnv(t)
	a.grant(a.aysel, a.bank, portal.ScopeIdentity)
	body := reqBody(finAysel, "identity")
	first := a.api(a.bankKey, "POST", "/api/v1/requests", body, "Idempotency-Key", "order-42")
	again := a.api(a.bankKey, "POST", "/api/v1/requests", body, "Idempotency-Key", "order-42")
	if first.Status != 200 || again.Raw != first.Raw || again.Status != first.Status {
		t.Fatalf("replay differs:\n%d %s\n%d %s", first.Status, first.Raw, again.Status, again.Raw)
	}
	if n := countRows(t, a.testEnv, "data_requests"); n != 1 {
		t.Errorf("data_requests = %d after a replay, want 1", n)
	}
	a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "address"), "Idempotency-Key", "order-42").problem(t, 422, "idempotency_key_reused")
	// Keys belong to one company: another company's same key is its own.
	if got := a.api(a.otherKey, "POST", "/api/v1/requests", reqBody(finAysel, "identity"), "Idempotency-Key", "order-42"); got.Status != 202 {
		t.Errorf("other company's key: %d", got.Status)
	}
	// After 24 hours the key is forgotten and makes a new request.
	a.clock.Advance(24*time.Hour + time.Second)
	if got := a.api(a.bankKey, "POST", "/api/v1/requests", body, "Idempotency-Key", "order-42"); got.str("id") == first.str("id") {
		t.Error("a key older than 24 hours replayed the first answer")
	}
}

func TestAPI_RateLimit(t *testing.T) {
	a := newAPIEnv(t)
	// The default limit is 50/s with a burst of 100; the clock is frozen, so no token comes back.
	var limited apiResult
	for i := range 101 {
		limited = a.api(a.bankKey, "GET", "/api/v1/offers", "")
		if i < 100 && limited.Status != 200 {
			t.Fatalf("call %d: %d", i+1, limited.Status)
		}
	}
	limited.problem(t, 429, "rate_limited")
	if limited.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	// Another key has its own bucket.
	if got := a.api(a.otherKey, "GET", "/api/v1/offers", ""); got.Status != 200 {
		t.Errorf("other key: %d", got.Status)
	}
	a.clock.Advance(time.Second)
	if got := a.api(a.bankKey, "GET", "/api/v1/offers", ""); got.Status != 200 {
		t.Errorf("after a second: %d", got.Status)
	}
}

func TestAPI_Offers(t *testing.T) {
	a := newAPIEnv(t)
	got := a.api(a.bankKey, "GET", "/api/v1/offers", "")
	offers, _ := got.Body["offers"].([]any)
	if got.Status != 200 || len(offers) != 3 {
		t.Fatalf("offers: %s", got.Raw)
	}
}

// TestAPI_ConcurrentApprove: 20 goroutines approve the same request; exactly one transition and one audit
// entry result.
func TestAPI_ConcurrentApprove(t *testing.T) {
	a := newAPIEnv(t)
	id := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income")).str("id")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.store.DecideRequest(context.Background(), a.aysel.ID, id, true, ""); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Errorf("%d approvals succeeded, want exactly 1", ok)
	}
	db, _ := sql.Open("sqlite", a.store.Path())
	defer db.Close()
	var n int
	db.QueryRow("SELECT count(*) FROM audit_log WHERE action = 'request.approve'").Scan(&n)
	if n != 1 {
		t.Errorf("%d approve audit entries, want 1", n)
	}
}

func TestCitizen_CannotSeeOrDecideOthersRequest(t *testing.T) {
	a := newAPIEnv(t)
	id := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income")).str("id")
	b := a.browser()
	b.login(finRashad, testPassword)
	if resp, _ := b.get("/requests/" + id); resp.StatusCode != http.StatusNotFound {
		t.Errorf("Rəşad views Aysel's request: %d, want 404", resp.StatusCode)
	}
	tok := b.csrf("/")
	for _, action := range []string{"approve", "deny"} {
		if resp, _ := b.post("/requests/"+id+"/"+action, formOf("_csrf", tok)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("Rəşad %s Aysel's request: %d, want 404", action, resp.StatusCode)
		}
	}
	if got := a.api(a.bankKey, "GET", "/api/v1/requests/"+id, ""); got.str("status") != "pending" {
		t.Errorf("status changed: %s", got.Raw)
	}
}

func TestAPI_LongPollWokenByDecision(t *testing.T) {
	a := newAPIEnv(t)
	id := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income")).str("id")
	done := make(chan apiResult, 1)
	go func() { done <- a.api(a.bankKey, "GET", "/api/v1/requests/"+id+"?wait=30", "") }()
	time.Sleep(100 * time.Millisecond) // let the poll subscribe; the answer must not wait 30 s
	b := a.browser()
	b.login(finAysel, testPassword)
	tok := b.csrf("/")
	start := time.Now()
	b.post("/requests/"+id+"/deny", formOf("_csrf", tok))
	select {
	case got := <-done:
		if got.str("status") != "denied" {
			t.Errorf("long poll answered %s", got.Raw)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("long poll not woken by the decision after %s", time.Since(start))
	}
}

// TestAPI_SuspendedCompany: suspension blocks the next call at once and cancels open requests; consents stay;
// reactivation restores access.
func TestAPI_SuspendedCompany(t *testing.T) {
	a := newAPIEnv(t)
	ctx := context.Background()
	a.grant(a.aysel, a.bank, portal.ScopeIdentity)
	id := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income")).str("id")
	admin := portal.Actor{Kind: portal.ActorAdmin, ID: 1}
	if _, _, err := a.store.SetCompanyStatus(ctx, admin, a.bank.ID, portal.CompanySuspended); err != nil {
		t.Fatal(err)
	}
	a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "identity")).problem(t, 403, "company_suspended")
	a.api(a.bankKey, "GET", "/api/v1/requests/"+id, "").problem(t, 403, "company_suspended")
	if _, err := a.store.DecideRequest(ctx, a.aysel.ID, id, true, ""); err == nil {
		t.Error("approving a request of a suspended company succeeded")
	}
	if consents, _ := a.store.ConsentsFor(ctx, a.aysel.ID, a.bank.ID); len(consents) != 1 || !consents[0].ActiveAt(a.clock.Now()) {
		t.Errorf("suspension touched the consents: %+v", consents)
	}
	if _, _, err := a.store.SetCompanyStatus(ctx, admin, a.bank.ID, portal.CompanyActive); err != nil {
		t.Fatal(err)
	}
	got := a.api(a.bankKey, "GET", "/api/v1/requests/"+id, "")
	if got.str("status") != "cancelled" || got.str("reason") != "company_suspended" {
		t.Errorf("after suspension: %s", got.Raw)
	}
	if got := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "identity")); got.Status != 200 {
		t.Errorf("after reactivation: %d %s", got.Status, got.Raw)
	}
}

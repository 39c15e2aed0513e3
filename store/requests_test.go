package store_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"portal"
	"portal/store"
	"portal/store/storetest"
)

// renderData renders a request's answer as the scopes it delivers, so a test sees what would leave.
func renderData(r portal.DataRequest, data map[portal.Scope]map[string]any) (int, []byte, error) {
	if r.Status != portal.StatusDelivered {
		return 202, nil, nil
	}
	out := ""
	for _, sc := range r.Scopes {
		out += string(sc) + "=" + data[sc]["first_name"].(string) + ";"
	}
	return 200, []byte(out), nil
}

// With the database's own registry, CreateRequest reads the data inside the transaction that decides the
// request, and only when the consents cover it.
func TestCreateRequest_RegistryInTx(t *testing.T) {
	ctx := context.Background()
	s, _ := storetest.New(t)
	if !s.IsOwnRegistry(s.Registry()) {
		t.Fatal("IsOwnRegistry(s.Registry()) = false")
	}
	other, _ := storetest.New(t)
	if s.IsOwnRegistry(other.Registry()) {
		t.Fatal("IsOwnRegistry(another database's registry) = true")
	}
	u := newCitizen(t, s, "5ABCD12")
	if err := s.PutRegistryData(ctx, u.FIN, map[portal.Scope]map[string]any{
		portal.ScopeIdentity: {"first_name": "Aysel", "internal_note": "stays"},
	}); err != nil {
		t.Fatal(err)
	}
	bank := newCompanyOffering(t, s, "Bank", "1400012345", portal.ScopeIdentity)
	in := store.NewRequest{CompanyID: bank.ID, FIN: u.FIN, Scopes: []portal.Scope{portal.ScopeIdentity}, Purpose: "p",
		RegistryInTx: true, Render: renderData}

	pending, err := s.CreateRequest(ctx, in, 5*time.Minute)
	if err != nil || pending.Request.Status != portal.StatusPending || pending.Body != nil {
		t.Fatalf("without consent: %+v, %v; want pending with nothing delivered", pending, err)
	}
	// The request alone, with no consent yet, puts the company in the citizen's history (citizen_companies,
	// kept by a trigger on data_requests).
	if cos, err := s.HistoryCompanies(ctx, u.ID); err != nil || len(cos) != 1 || cos[0].ID != bank.ID {
		t.Fatalf("HistoryCompanies after one request = %+v, %v; want the bank", cos, err)
	}
	if _, err := s.GrantConsent(ctx, u.ID, bank.ID, portal.ScopeIdentity, portal.Validity1Year); err != nil {
		t.Fatal(err)
	}
	delivered, err := s.CreateRequest(ctx, in, 5*time.Minute)
	if err != nil || delivered.Request.Status != portal.StatusDelivered || string(delivered.Body) != "identity=Aysel;" {
		t.Fatalf("under consent: %+v (%s), %v; want delivered with the registry's data", delivered, delivered.Body, err)
	}

	// Without RegistryInTx and without data, a covered request is not made: the caller must fetch first.
	in.RegistryInTx = false
	before := countRequests(t, s)
	if _, err := s.CreateRequest(ctx, in, 5*time.Minute); !errors.Is(err, store.ErrNeedData) {
		t.Fatalf("covered, no data, remote registry: err = %v; want ErrNeedData", err)
	}
	if after := countRequests(t, s); after != before {
		t.Errorf("ErrNeedData left %d requests behind", after-before)
	}
}

func countRequests(t *testing.T, s *store.Store) int {
	t.Helper()
	db, err := sql.Open("sqlite", s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM data_requests").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

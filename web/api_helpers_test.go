package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"portal"
	"portal/auth"
)

// company registers a company offering the scopes and returns it with a fresh API key.
func (e *testEnv) company(name, voen string, scopes ...portal.Scope) (portal.Company, string) {
	e.t.Helper()
	var offers []portal.Offer
	for _, sc := range scopes {
		offers = append(offers, portal.Offer{Scope: sc, Purpose: "Kredit müraciətinin yoxlanılması", LegalBasis: portal.BasisConsent,
			RetentionDays: 365, Frequency: portal.FrequencyOneOff})
	}
	c, err := e.store.CreateCompany(context.Background(), portal.System, portal.Company{Name: name, VOEN: voen, Sector: "bank"}, offers)
	if err != nil {
		e.t.Fatalf("create company: %v", err)
	}
	return c, e.apiKey(c.ID)
}

func (e *testEnv) apiKey(companyID int64) string {
	e.t.Helper()
	key, prefix, hash, err := auth.GenerateAPIKey()
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.CreateAPIKey(context.Background(), portal.System, companyID, prefix, hash); err != nil {
		e.t.Fatalf("create api key: %v", err)
	}
	return key
}

func (e *testEnv) registry(fin string) {
	e.t.Helper()
	data := map[portal.Scope]map[string]any{}
	for _, sc := range portal.Scopes {
		fields := map[string]any{}
		for _, f := range sc.Fields() {
			fields[f] = sc.String() + ":" + f
		}
		fields["internal_note"] = "never leaves the registry"
		data[sc] = fields
	}
	if err := e.store.PutRegistryData(context.Background(), fin, data); err != nil {
		e.t.Fatal(err)
	}
}

// apiResult is one API answer.
type apiResult struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (r apiResult) str(key string) string { s, _ := r.Body[key].(string); return s }

// api calls the company API with the key (none when empty).
func (e *testEnv) api(key, method, path, body string, headers ...string) apiResult {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.http.URL+path, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := apiResult{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// problem asserts an RFC 9457 answer with the status and stable code.
func (r apiResult) problem(t *testing.T, status int, code string) {
	t.Helper()
	if r.Status != status || r.str("code") != code {
		t.Fatalf("got %d %s, want %d %s: %s", r.Status, r.str("code"), status, code, r.Raw)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	for _, k := range []string{"type", "title", "detail"} {
		if r.str(k) == "" {
			t.Errorf("problem has no %s: %s", k, r.Raw)
		}
	}
}

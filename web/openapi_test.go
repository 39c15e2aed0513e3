package web_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestOpenAPI_MatchesRoutes: every API route is described and every described operation is routed.
func TestOpenAPI_MatchesRoutes(t *testing.T) {
	e := newTestEnv(t)
	resp, body := e.browser().do(mustRequest(http.MethodGet, e.http.URL+"/api/v1/openapi.json"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("openapi.json: %d", resp.StatusCode)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	described := map[string]bool{}
	param := regexp.MustCompile(`\{(\w+)\}`)
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			described[strings.ToUpper(method)+" /api/v1"+param.ReplaceAllString(path, ":$1")] = true
		}
	}
	routed := map[string]bool{}
	for _, r := range e.server.Echo().Routes() {
		if strings.HasPrefix(r.Path, "/api/") && !strings.HasPrefix(r.Method, "echo_") { // echo's own not-found entries
			routed[r.Method+" "+r.Path] = true
		}
	}
	for r := range routed {
		if !described[r] {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for d := range described {
		if !routed[d] {
			t.Errorf("openapi.json describes %s, which is not routed", d)
		}
	}
}

func mustRequest(method, url string) *http.Request {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		panic(err)
	}
	return req
}

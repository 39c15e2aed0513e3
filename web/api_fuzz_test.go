package web_test

import (
	"net/http"
	"strings"
	"testing"

	"portal"
)

// FuzzAPICreateRequest sends arbitrary bodies to POST /api/v1/requests: whatever comes in, the answer is
// never a 5xx, and a refusal is a problem document.
func FuzzAPICreateRequest(f *testing.F) {
	for _, seed := range []string{
		`{"citizen_fin":"5ABCD12","scopes":["identity"],"purpose":"x"}`,
		`{"citizen_fin":"5ABCD12","scopes":["identity","income"],"purpose":"Kredit"}`,
		`{"citizen_fin":null,"scopes":null,"purpose":null}`,
		`{"citizen_fin":"5ABCD12","scopes":"identity","purpose":1}`,
		`[]`, `{}`, ``, `{"a":`, `{"citizen_fin":"ı5ABCD1","scopes":["identity"],"purpose":"x"}`,
		`{"citizen_fin":"5ABCD12","scopes":["identity"],"purpose":"x"}{"x":1}`,
	} {
		f.Add(seed)
	}
	// One portal serves every input: starting a server per input would drown the fuzzer.
	e := newTestEnv(f)
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	e.registry(finAysel)
	_, key := e.company("Fuzz Bank", "1400012345", portal.ScopeIdentity, portal.ScopeIncome)
	f.Fuzz(func(t *testing.T, body string) {
		env := *e
		env.t = t // failures belong to this input, not to the fuzz test
		r := env.api(key, "POST", "/api/v1/requests", body)
		if r.Status >= 500 {
			t.Fatalf("%q: %d %s", body, r.Status, r.Raw)
		}
		if r.Status >= 400 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("%q: %d without a problem document", body, r.Status)
		}
		if r.Status != http.StatusAccepted && r.Status != http.StatusOK && r.Status < 400 {
			t.Fatalf("%q: unexpected %d", body, r.Status)
		}
	})
}

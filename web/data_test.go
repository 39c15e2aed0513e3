package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"portal"
)

// TestData_ShowsExactlyTheRegistryFields compares /data with what the registry hands a company: the same
// scopes, the same fields in the same order, the same values, and lists as tables of the same length.
func TestData_ShowsExactlyTheRegistryFields(t *testing.T) {
	e := newDemoEnv(t)
	want, err := e.store.Registry().Fetch(t.Context(), e.aysel.FIN, portal.Scopes)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := e.signedIn(e.aysel.FIN)
	resp, doc := b.get("/data")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var scopes []portal.Scope
	doc.Find(tid("data-scope")).Each(func(_ int, sec *goquery.Selection) {
		sc := portal.Scope(sec.AttrOr("data-scope", ""))
		scopes = append(scopes, sc)
		var fields []string
		sec.Find(tid("data-field")).Each(func(_ int, f *goquery.Selection) {
			name := f.AttrOr("data-field", "")
			fields = append(fields, name)
			if got := f.Find("dt").Text(); got != az("field."+name) {
				t.Errorf("%s.%s labelled %q", sc, name, got)
			}
			value := strings.TrimSpace(f.Find(tid("data-value")).Text())
			switch v := want[sc][name].(type) {
			case string:
				if value != v {
					t.Errorf("%s.%s = %q, registry has %q", sc, name, value, v)
				}
			case []any:
				table := f.Find(tid("data-table"))
				if n := table.Find("tbody tr").Length(); n != len(v) {
					t.Errorf("%s.%s: %d rows, registry has %d", sc, name, n, len(v))
				}
				first, _ := v[0].(map[string]any)
				var cols []string
				table.Find("thead th").Each(func(_ int, th *goquery.Selection) {
					col := th.AttrOr("data-column", "")
					cols = append(cols, col)
					if th.Text() != az("field."+col) {
						t.Errorf("%s.%s column %s labelled %q", sc, name, col, th.Text())
					}
				})
				if len(cols) != len(first) {
					t.Errorf("%s.%s columns %v, registry records have %d fields", sc, name, cols, len(first))
				}
				for _, col := range cols {
					if _, ok := first[col]; !ok {
						t.Errorf("%s.%s column %s is not in the registry's records", sc, name, col)
					}
				}
			default:
				t.Errorf("%s.%s: unexpected registry value %T", sc, name, v)
			}
		})
		var keys []string
		for _, f := range sc.Fields() {
			if _, ok := want[sc][f]; ok {
				keys = append(keys, f)
			}
		}
		if !slices.Equal(fields, keys) {
			t.Errorf("%s shows fields %v, the registry gives %v", sc, fields, keys)
		}
	})
	if !slices.Equal(scopes, portal.Scopes) {
		t.Errorf("scopes %v, want every scope in catalogue order", scopes)
	}
	// Spot checks of formatting: a salary month with its amount, a vehicle's year without a fraction.
	income := doc.Find(`[data-scope="income"] tbody tr`).First().Find("td")
	salaries, _ := want[portal.ScopeIncome]["monthly_salaries"].([]any)
	first, _ := salaries[0].(map[string]any)
	if got := income.Eq(0).Text(); got != first["month"] {
		t.Errorf("first income month %q, want %v", got, first["month"])
	}
	if got := doc.Find(`[data-scope="vehicles"] tbody tr td`).Last().Text(); got != "2017" {
		t.Errorf("vehicle year %q, want 2017", got)
	}
}

func TestData_NothingInTheRegistry(t *testing.T) {
	e := newTestEnv(t)
	e.user("1NEW234", "Yeni Vətəndaş", portal.RoleCitizen)
	b, _ := e.signedIn("1NEW234")
	doc := mustGet(t, b, "/data")
	if n := doc.Find(tid("data-scope")).Length(); n != len(portal.Scopes) {
		t.Errorf("%d scopes, want %d", n, len(portal.Scopes))
	}
	if n := doc.Find(tid("data-empty")).Length(); n != len(portal.Scopes) {
		t.Errorf("%d scopes say they are empty, want all %d", n, len(portal.Scopes))
	}
	if n := doc.Find(tid("data-field")).Length(); n != 0 {
		t.Errorf("%d fields shown for a citizen the registry knows nothing about", n)
	}
}

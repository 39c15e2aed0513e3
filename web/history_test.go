package web_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"portal"
	"portal/store"
)

// getWith fetches path with extra request headers (htmx's, say) and returns the raw body.
func (b *browser) getWith(path string, headers ...string) (*http.Response, string) {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.http.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

func parseDoc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// entryKeys lists the history entries a page shows, as kind:id.
func entryKeys(doc *goquery.Document) []string {
	var out []string
	doc.Find(`[data-testid="history-entry"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.AttrOr("data-kind", "")+":"+s.AttrOr("data-id", ""))
	})
	return out
}

// storeKeys is the citizen's whole filtered history as the store has it, newest first.
func (e *testEnv) storeKeys(f store.HistoryFilter) []string {
	e.t.Helper()
	var out []string
	if err := e.store.EachHistory(context.Background(), f, 1000, func(h store.HistoryEntry) error {
		out = append(out, string(h.Kind)+":"+h.ID())
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// request makes a request through the company API and returns its id.
func (a *apiEnv) request(key, fin string, scopes ...string) string {
	a.t.Helper()
	r := a.api(key, "POST", "/api/v1/requests", reqBody(fin, scopes...))
	if r.Status != http.StatusOK && r.Status != http.StatusAccepted {
		a.t.Fatalf("request: %d %s", r.Status, r.Raw)
	}
	return r.str("id")
}

// TestHistory_KeysetWalkWhileNewEntriesArrive follows the "older entries" links page by page while new
// requests and consent events arrive between the fetches: the walk shows every entry that existed when it
// began exactly once, in order, and the newcomers only on a fresh first page.
func TestHistory_KeysetWalkWhileNewEntriesArrive(t *testing.T) {
	a := newAPIEnv(t)
	ctx := context.Background()
	a.grant(a.aysel, a.bank, portal.ScopeIdentity)
	for i := range 120 {
		if i%4 != 0 { // some entries share a millisecond
			a.clock.Advance(time.Second)
		}
		switch i % 6 {
		case 0, 1:
			a.request(a.bankKey, finAysel, "identity") // delivered under the consent
		case 2, 3:
			a.request(a.otherKey, finAysel, "contact") // pending
		case 4:
			if _, err := a.store.GrantConsent(ctx, a.aysel.ID, a.other.ID, portal.ScopeIdentity, portal.Validity90Days); err != nil {
				t.Fatal(err)
			}
		case 5:
			a.request(a.bankKey, finRashad, "identity") // another citizen's: never in Aysel's history
		}
	}
	want := a.storeKeys(store.HistoryFilter{CitizenID: a.aysel.ID})
	if len(want) < 2*50+1 {
		t.Fatalf("only %d entries: want at least three pages", len(want))
	}
	b := a.browser()
	b.login(finAysel, testPassword)
	var got, arrived []string
	path := "/history"
	for pages := 0; path != ""; pages++ {
		if pages > 10 {
			t.Fatal("the walk does not end")
		}
		resp, doc := b.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		got = append(got, entryKeys(doc)...)
		path = doc.Find(`[data-testid="history-older"]`).AttrOr("href", "")
		if pages > 0 && doc.Find(`[data-testid="history-newest"]`).Length() != 1 {
			t.Errorf("page %d has no link back to the newest entries", pages+1)
		}
		// New entries arrive between the fetches.
		a.clock.Advance(time.Second)
		arrived = append(arrived, "request:"+a.request(a.bankKey, finAysel, "identity"))
		a.clock.Advance(time.Second)
		if _, err := a.store.GrantConsent(ctx, a.aysel.ID, a.bank.ID, portal.ScopeAddress, portal.Validity30Days); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the walk saw %d entries, want the %d that existed when it began, once each and in order", len(got), len(want))
	}
	_, doc := b.get("/history")
	var newest []string
	for _, k := range entryKeys(doc) {
		if strings.HasPrefix(k, "request:") {
			newest = append(newest, k)
		}
		if len(newest) == len(arrived) {
			break
		}
	}
	slices.Reverse(arrived)
	if !slices.Equal(newest, arrived) {
		t.Errorf("first page's newest requests %v, want the newcomers %v", newest, arrived)
	}
}

func TestHistory_Filters(t *testing.T) {
	a := newAPIEnv(t)
	ctx := context.Background()
	a.grant(a.aysel, a.bank, portal.ScopeIdentity)
	delivered := a.request(a.bankKey, finAysel, "identity")
	a.clock.Advance(time.Minute)
	expired := a.request(a.otherKey, finAysel, "contact") // pending, then past its deadline unswept
	a.clock.Advance(time.Minute)
	denied := a.request(a.bankKey, finAysel, "income")
	if _, err := a.store.DecideRequest(ctx, a.aysel.ID, denied, false, ""); err != nil {
		t.Fatal(err)
	}
	// Either side of midnight in Baku (UTC+4): 23:59:59 on 2 March and 00:00:01 on 3 March.
	a.clock.Set(time.Date(2026, 3, 2, 19, 59, 59, 0, time.UTC))
	lastOfMarch2 := a.request(a.otherKey, finAysel, "identity")
	a.clock.Advance(2 * time.Second)
	firstOfMarch3 := a.request(a.otherKey, finAysel, "identity")
	b := a.browser()
	b.login(finAysel, testPassword)

	cases := []struct {
		query string
		want  []string // requests, newest first; "consent" stands for every consent event
	}{
		{"status=delivered", []string{delivered}},
		{"status=denied", []string{denied}},
		{"status=pending", []string{firstOfMarch3, lastOfMarch2}},
		{"status=expired", []string{expired}},
		{"company=" + fmt.Sprint(a.bank.ID) + "&status=grant", []string{"consent"}},
		{"to=2026-03-02&status=pending", []string{lastOfMarch2}},
		{"to=2026-03-02&company=" + fmt.Sprint(a.other.ID), []string{lastOfMarch2, expired}},
		{"from=2026-03-03", []string{firstOfMarch3}},
		{"from=2026-03-02&to=2026-03-02&company=" + fmt.Sprint(a.other.ID), []string{lastOfMarch2, expired}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			check := func(doc *goquery.Document) {
				t.Helper()
				var got []string
				for _, k := range entryKeys(doc) {
					kind, id, _ := strings.Cut(k, ":")
					if kind == "consent" {
						id = "consent"
					}
					got = append(got, id)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("entries %v, want %v", got, tc.want)
				}
			}
			// Without htmx: the whole page, with the form showing the filters.
			resp, body := b.getWith("/history?" + tc.query)
			doc := parseDoc(t, body)
			if resp.StatusCode != http.StatusOK || doc.Find("html").Length() == 0 || doc.Find(`[data-testid="history-filters"]`).Length() != 1 {
				t.Fatalf("full page: %d %.200s", resp.StatusCode, body)
			}
			check(doc)
			q, _ := url.ParseQuery(tc.query)
			if s := q.Get("status"); s != "" && doc.Find(`#history-status option[selected]`).AttrOr("value", "") != s {
				t.Errorf("status filter not kept in the form")
			}
			if f := q.Get("from"); f != "" && doc.Find(`#history-from`).AttrOr("value", "") != f {
				t.Errorf("from not kept in the form")
			}
			// With htmx: only the results, which the form's hx-target replaces.
			resp, body = b.getWith("/history?"+tc.query, "HX-Request", "true")
			if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(body, `id="history-results"`) {
				t.Fatalf("htmx: %d %.200s", resp.StatusCode, body)
			}
			check(parseDoc(t, body))
			// htmx restoring a pushed URL from the browser's history gets the whole page.
			_, body = b.getWith("/history?"+tc.query, "HX-Request", "true", "HX-History-Restore-Request", "true")
			if !strings.Contains(body, "<html") {
				t.Error("history restore got a fragment")
			}
		})
	}

	t.Run("the form", func(t *testing.T) {
		_, doc := b.get("/history")
		form := doc.Find(`[data-testid="history-filters"]`)
		for attr, want := range map[string]string{"method": "get", "action": "/history", "hx-get": "/history", "hx-target": "#history-results", "hx-push-url": "true"} {
			if got := form.AttrOr(attr, ""); got != want {
				t.Errorf("form %s = %q, want %q", attr, got, want)
			}
		}
		var companies []string
		form.Find(`#history-company option`).Each(func(_ int, s *goquery.Selection) { companies = append(companies, s.Text()) })
		if len(companies) != 3 || !slices.Contains(companies, "Xəzər İnvest Bank") || !slices.Contains(companies, "Şirvan Telekom") {
			t.Errorf("company choices %v", companies)
		}
		for _, name := range []string{"company", "status", "from", "to"} {
			id := form.Find(`[name="`+name+`"]`).AttrOr("id", "")
			if id == "" || form.Find(`label[for="`+id+`"]`).Length() != 1 {
				t.Errorf("%s has no label", name)
			}
		}
	})

	t.Run("refused filters", func(t *testing.T) {
		for query, key := range map[string]string{
			"status=stolen":                 "err.history_filter",
			"company=x":                     "err.history_filter",
			"from=02.03.2026":               "err.history_filter",
			"from=2026-03-05&to=2026-03-01": "err.history_period",
			"cursor=bm9wZQ":                 "err.history_cursor",
		} {
			resp, body := b.getWith("/history?" + query)
			doc := parseDoc(t, body)
			msg := doc.Find(`[data-testid="history-error"]`).Text()
			if resp.StatusCode != http.StatusBadRequest || msg == "" || doc.Find(`[data-testid="history-entry"]`).Length() != 0 {
				t.Errorf("%s: %d, message %q; want 400 with the message (%s) and no entries", query, resp.StatusCode, msg, key)
			}
			resp, body = b.getWith("/history?"+query, "HX-Request", "true")
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="history-error"`) {
				t.Errorf("%s with htmx: %d; want 200 with the message, so that htmx swaps it in", query, resp.StatusCode)
			}
			for _, ext := range []string{"csv", "json"} {
				if resp, _ := b.getWith("/history." + ext + "?" + query); resp.StatusCode != http.StatusBadRequest {
					t.Errorf("%s export with %s: %d, want 400", ext, query, resp.StatusCode)
				}
			}
		}
	})
}

// readCSV checks the BOM and parses the rest.
func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rest, ok := strings.CutPrefix(body, "\ufeff")
	if !ok {
		t.Fatalf("CSV does not start with the UTF-8 byte order mark: %q", body[:min(len(body), 10)])
	}
	rows, err := csv.NewReader(strings.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	return rows
}

type historyExport struct {
	GeneratedAt string `json:"generated_at"`
	Entries     []struct {
		Kind      string   `json:"kind"`
		ID        string   `json:"id"`
		At        string   `json:"at"`
		CompanyID int64    `json:"company_id"`
		Company   string   `json:"company"`
		Scopes    []string `json:"scopes"`
		Purpose   string   `json:"purpose"`
		Status    string   `json:"status"`
		Reason    string   `json:"reason"`
	} `json:"entries"`
}

func TestHistory_Exports(t *testing.T) {
	a := newAPIEnv(t)
	ctx := context.Background()
	mmc, mmcKey := a.company("Məmmədova və Ortaqları MMC", "1700000001", portal.ScopeIdentity, portal.ScopeIncome)
	evil, evilKey := a.company("=cmd|' /C calc'!A0", "1700000002", portal.ScopeIdentity)
	tab, tabKey := a.company("\tgizli MMC", "1700000003", portal.ScopeIdentity)
	cr, crKey := a.company("\rgizli MMC", "1700000004", portal.ScopeIdentity)
	purposes := []string{"Aysel Məmmədova üçün kredit", `=HYPERLINK("http://evil.example","x")`, "+994 50 000 00 00", "-1", "@SUM(A1)"}
	var ids []string
	for i, p := range purposes {
		a.clock.Advance(time.Second)
		key := mmcKey
		if i == 1 {
			key = evilKey
		}
		body := fmt.Sprintf(`{"citizen_fin":%q,"scopes":["identity"],"purpose":%q}`, finAysel, p)
		r := a.api(key, "POST", "/api/v1/requests", body)
		if r.Status != http.StatusAccepted {
			t.Fatalf("request %q: %s", p, r.Raw)
		}
		ids = append(ids, r.str("id"))
	}
	tabID := a.request(tabKey, finAysel, "identity")
	crID := a.request(crKey, finAysel, "identity")
	a.clock.Advance(time.Second)
	if _, err := a.store.GrantConsent(ctx, a.aysel.ID, mmc.ID, portal.ScopeIncome, portal.Validity1Year); err != nil {
		t.Fatal(err)
	}
	a.request(a.bankKey, finRashad, "identity") // another citizen's
	b := a.browser()
	b.login(finAysel, testPassword)

	t.Run("CSV", func(t *testing.T) {
		resp, body := b.getWith("/history.csv")
		if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="history-2026-03-02.csv"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		rows := readCSV(t, body)
		want := a.storeKeys(store.HistoryFilter{CitizenID: a.aysel.ID})
		if len(rows) != len(want)+1 {
			t.Fatalf("%d rows, want a header and %d entries", len(rows), len(want))
		}
		header := rows[0]
		if header[0] != "Vaxt (UTC, RFC 3339)" || header[2] != "Növ" || len(header) != 10 {
			t.Errorf("header %q: want the Azerbaijani column names", header)
		}
		var got []string
		for _, r := range rows[1:] {
			kind := "request"
			if r[2] == "Razılıq" {
				kind = "consent"
			}
			got = append(got, kind+":"+r[9])
		}
		if !slices.Equal(got, want) {
			t.Errorf("entries %v, want %v", got, want)
		}
		byID := map[string][]string{}
		for _, r := range rows[1:] {
			byID[r[9]] = r
		}
		first := byID[ids[0]]
		if first[3] != "Məmmədova və Ortaqları MMC" || first[5] != "Aysel Məmmədova üçün kredit" || first[4] != "Şəxsiyyət" || first[6] != "Təsdiq gözləyir" {
			t.Errorf("row %q: want the company, purpose, scope and status as written, in Azerbaijani", first)
		}
		if at, err := time.Parse(time.RFC3339, first[0]); err != nil || !at.Equal(storetest0.Add(time.Second)) || first[1] != "2026-03-02 13:00:01" {
			t.Errorf("times %q, %q: want RFC 3339 UTC and Baku local", first[0], first[1])
		}
		// Formula-like cells are defused; the text is otherwise unchanged.
		if got := byID[ids[1]]; got[3] != "'"+evil.Name || got[5] != "'"+purposes[1] {
			t.Errorf("row %q: company and purpose not defused", got)
		}
		for i, p := range purposes[2:] {
			if got := byID[ids[i+2]][5]; got != "'"+p {
				t.Errorf("purpose %q exported as %q", p, got)
			}
		}
		for id, name := range map[string]string{tabID: tab.Name, crID: cr.Name} {
			if got := byID[id][3]; got != "'"+name {
				t.Errorf("company %q exported as %q", name, got)
			}
		}
	})

	t.Run("CSV in English, filtered", func(t *testing.T) {
		b.get("/lang/en?next=/")
		defer b.get("/lang/az?next=/")
		_, body := b.getWith(fmt.Sprintf("/history.csv?company=%d&status=grant", mmc.ID))
		rows := readCSV(t, body)
		if len(rows) != 2 || rows[0][0] != "Time (UTC, RFC 3339)" || rows[1][2] != "Consent" || rows[1][6] != "Granted" || rows[1][4] != "Income" {
			t.Errorf("rows %q: want the English header and the one consent grant", rows)
		}
	})

	t.Run("JSON", func(t *testing.T) {
		resp, body := b.getWith(fmt.Sprintf("/history.json?company=%d", mmc.ID))
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="history-2026-03-02.json"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		var x historyExport
		if err := json.Unmarshal([]byte(body), &x); err != nil {
			t.Fatalf("JSON: %v: %.300s", err, body)
		}
		want := a.storeKeys(store.HistoryFilter{CitizenID: a.aysel.ID, CompanyID: mmc.ID})
		var got []string
		for _, e := range x.Entries {
			got = append(got, e.Kind+":"+e.ID)
			if e.CompanyID != mmc.ID || e.Company != mmc.Name {
				t.Errorf("entry %+v is not the filtered company's", e)
			}
		}
		if !slices.Equal(got, want) || len(want) != len(purposes) {
			t.Errorf("entries %v, want %v", got, want)
		}
		last := x.Entries[len(x.Entries)-1]
		if last.ID != ids[0] || last.Purpose != purposes[0] || last.Status != "pending" || !slices.Equal(last.Scopes, []string{"identity"}) || last.At != "2026-03-02T09:00:01Z" {
			t.Errorf("oldest entry %+v", last)
		}
	})
}

var storetest0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // storetest.Epoch

// TestHistory_ExportStreamsManyPages exports more entries than one page of the store holds: every one
// arrives, once.
func TestHistory_ExportStreamsManyPages(t *testing.T) {
	a := newAPIEnv(t)
	ctx := context.Background()
	// Volume straight into the table in one statement: a thousand requests through the API (or the store,
	// one write each) would take seconds under the race detector, and the rows are all the export reads.
	// Three share each millisecond, so the page boundaries fall inside ties.
	const n = 1100
	db, err := sql.Open("sqlite", a.store.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n + 1 < ?)
		INSERT INTO data_requests (id, company_id, citizen_id, scopes, purpose, status, created_at, deadline)
		SELECT lower(hex(randomblob(16))), ?, ?, 'income', 'Sorğu ' || n, 'denied', ? - n / 3, ? FROM i`,
		n, a.bank.ID, a.aysel.ID, storetest0.UnixMilli(), storetest0.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	b := a.browser()
	b.login(finAysel, testPassword)
	want := a.storeKeys(store.HistoryFilter{CitizenID: a.aysel.ID})
	if len(want) != n {
		t.Fatalf("%d entries in the store, want %d", len(want), n)
	}
	rows := readCSV(t, func() string { _, body := b.getWith("/history.csv"); return body }())
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		if seen[r[9]] {
			t.Fatalf("entry %s exported twice", r[9])
		}
		seen[r[9]] = true
	}
	if len(seen) != n {
		t.Errorf("CSV has %d entries, want %d", len(seen), n)
	}
	var x historyExport
	_, body := b.getWith("/history.json")
	if err := json.Unmarshal([]byte(body), &x); err != nil || len(x.Entries) != n {
		t.Errorf("JSON has %d entries (%v), want %d", len(x.Entries), err, n)
	}
}

// TestHistory_OnlyMine: another citizen's requests and consent events never appear in my history, its
// pages or its exports, whatever the filters.
func TestHistory_OnlyMine(t *testing.T) {
	a := newAPIEnv(t)
	ctx := context.Background()
	mine := a.request(a.bankKey, finAysel, "income")
	theirs := a.request(a.bankKey, finRashad, "income")
	if _, err := a.store.GrantConsent(ctx, a.rashad.ID, a.bank.ID, portal.ScopeAddress, portal.Validity30Days); err != nil {
		t.Fatal(err)
	}
	b := a.browser()
	b.login(finAysel, testPassword)
	for _, path := range []string{"/history", "/history?company=" + fmt.Sprint(a.bank.ID), "/history?status=pending", "/history?status=grant", "/history.csv", "/history.json"} {
		_, body := b.getWith(path)
		if strings.Contains(body, theirs) {
			t.Errorf("%s shows the other citizen's request", path)
		}
		if strings.HasPrefix(path, "/history?status=grant") && strings.Contains(body, `data-kind="consent"`) {
			t.Errorf("%s shows the other citizen's consent event", path)
		}
		if path == "/history" && !strings.Contains(body, mine) {
			t.Errorf("%s does not show my own request", path)
		}
	}
	// Rəşad sees his own, not Aysel's.
	rb := a.browser()
	rb.login(finRashad, testPassword)
	_, doc := rb.get("/history")
	if got := entryKeys(doc); len(got) != 2 || !slices.Contains(got, "request:"+theirs) {
		t.Errorf("Rəşad's history %v", got)
	}
	// Signed out, nothing.
	for _, path := range []string{"/history", "/history.csv", "/history.json"} {
		if resp, _ := a.browser().get(path); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("anonymous %s: %d, want a redirect to the login", path, resp.StatusCode)
		}
	}
}

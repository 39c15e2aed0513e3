package store_test

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal"
	"portal/store"
	"portal/store/storetest"
)

// makeRequest makes a company's request through the store, as the API does; it is delivered when consents
// cover it, else pending.
func makeRequest(t *testing.T, s *store.Store, companyID int64, fin string, scopes ...portal.Scope) portal.DataRequest {
	t.Helper()
	out, err := s.CreateRequest(context.Background(), store.NewRequest{
		CompanyID: companyID, FIN: fin, Scopes: scopes, Purpose: "Kredit müraciəti",
		Data: map[portal.Scope]map[string]any{},
		Render: func(portal.DataRequest, map[portal.Scope]map[string]any) (int, []byte, error) {
			return 200, []byte("{}"), nil
		},
	}, 5*time.Minute)
	if err != nil {
		t.Fatalf("create request: %v", err)
	}
	return *out.Request
}

// entryRef is what a test knows of a history entry, read straight from the tables.
type entryRef struct {
	kind    store.HistoryKind
	at      int64
	id      string
	company int64
	status  string // a request's status as seen now, or a consent event's kind
}

func (r entryRef) key() string { return string(r.kind) + ":" + r.id }

// compareRefs is the history's order: time descending, kind ascending, id descending.
func compareRefs(a, b entryRef) int {
	if c := cmp.Compare(b.at, a.at); c != 0 {
		return c
	}
	if c := cmp.Compare(a.kind, b.kind); c != 0 {
		return c
	}
	if a.kind == store.HistoryConsent {
		x, _ := strconv.ParseInt(a.id, 10, 64)
		y, _ := strconv.ParseInt(b.id, 10, 64)
		return cmp.Compare(y, x)
	}
	return cmp.Compare(b.id, a.id)
}

// allHistory reads the citizen's entries with plain queries, independent of History, in history order.
func allHistory(t *testing.T, s *store.Store, citizenID int64, now time.Time) []entryRef {
	t.Helper()
	db, err := sql.Open("sqlite", s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []entryRef
	rows, err := db.Query("SELECT id, created_at, company_id, status, deadline FROM data_requests WHERE citizen_id = ?", citizenID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r entryRef
		var status string
		var deadline int64
		if err := rows.Scan(&r.id, &r.at, &r.company, &status, &deadline); err != nil {
			t.Fatal(err)
		}
		req := portal.DataRequest{Status: portal.RequestStatus(status), Deadline: time.UnixMilli(deadline)}
		r.kind, r.status = store.HistoryRequest, string(req.StatusAt(now))
		out = append(out, r)
	}
	rows.Close()
	rows, err = db.Query("SELECT id, at, company_id, kind FROM consent_events WHERE citizen_id = ?", citizenID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r entryRef
		var id int64
		if err := rows.Scan(&id, &r.at, &r.company, &r.status); err != nil {
			t.Fatal(err)
		}
		r.kind, r.id = store.HistoryConsent, strconv.FormatInt(id, 10)
		out = append(out, r)
	}
	rows.Close()
	slices.SortFunc(out, compareRefs)
	return out
}

func refOf(e store.HistoryEntry) entryRef {
	r := entryRef{kind: e.Kind, at: e.At.UnixMilli(), id: e.ID(), company: e.CompanyID}
	return r
}

func keys(refs []entryRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.key()
	}
	return out
}

// historyFixture is two citizens with a mixed history: requests in every status and consent grants, changes
// and revokes, some at the very same millisecond so that the order's tie-breakers matter.
type historyFixture struct {
	s            *store.Store
	clock        *portal.FakeClock
	aysel, other portal.User
	bank, tele   portal.Company
}

func newHistoryFixture(t *testing.T) *historyFixture {
	t.Helper()
	s, clock := storetest.New(t)
	ctx := context.Background()
	f := &historyFixture{s: s, clock: clock}
	f.aysel = newCitizen(t, s, "5ABCD12")
	f.other = newCitizen(t, s, "7XYZ987")
	f.bank = newCompanyOffering(t, s, "Xəzər Bank", "1400012345", portal.ScopeIdentity, portal.ScopeAddress, portal.ScopeIncome)
	f.tele = newCompanyOffering(t, s, "Şirvan Telekom", "1300729564", portal.ScopeIdentity, portal.ScopeContact)
	for i := range 40 {
		// Every third step keeps the clock still: several entries share a millisecond.
		if i%3 != 0 {
			clock.Advance(time.Duration(1+i%5) * 5 * time.Second)
		}
		company := f.bank
		if i%4 == 1 {
			company = f.tele
		}
		switch i % 8 {
		case 0, 1, 4:
			r := makeRequest(t, s, company.ID, "5ABCD12", portal.ScopeIdentity)
			if i%16 == 4 {
				if _, err := s.DecideRequest(ctx, f.aysel.ID, r.ID, false, ""); err != nil {
					t.Fatal(err)
				}
			}
		case 2:
			c, err := s.GrantConsent(ctx, f.aysel.ID, f.bank.ID, portal.ScopeAddress, portal.Validity90Days)
			if err != nil {
				t.Fatal(err)
			}
			makeRequest(t, s, f.bank.ID, "5ABCD12", portal.ScopeAddress) // delivered under the consent
			if i%16 == 2 {
				if _, err := s.ChangeConsent(ctx, f.aysel.ID, c.ID, portal.Validity1Year); err != nil {
					t.Fatal(err)
				}
			} else if _, _, err := s.RevokeConsent(ctx, f.aysel.ID, c.ID); err != nil {
				t.Fatal(err)
			}
		case 3:
			r := makeRequest(t, s, company.ID, "5ABCD12", portal.ScopeIdentity)
			if _, err := s.DecideRequest(ctx, f.aysel.ID, r.ID, true, ""); err != nil {
				t.Fatal(err)
			}
		case 5, 6, 7:
			// The other citizen's entries, interleaved: they must never appear in Aysel's history.
			makeRequest(t, s, company.ID, "7XYZ987", portal.ScopeIdentity)
			if _, err := s.GrantConsent(ctx, f.other.ID, f.tele.ID, portal.ScopeContact, portal.Validity30Days); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The earliest pending requests are past their deadline, unswept: they count as expired; the latest are
	// still pending.
	clock.Advance(30 * time.Second)
	return f
}

// walk pages through the history with the filter and returns what it saw. Between pages it calls between.
func walk(t *testing.T, s *store.Store, f store.HistoryFilter, pageSize int, between func()) []store.HistoryEntry {
	t.Helper()
	var out []store.HistoryEntry
	var after *store.HistoryCursor
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("the walk does not end")
		}
		page, next, err := s.History(context.Background(), f, after, pageSize)
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		if len(page) > pageSize {
			t.Fatalf("page of %d entries, limit %d", len(page), pageSize)
		}
		out = append(out, page...)
		if next == nil {
			return out
		}
		// The cursor goes through its text form, as it does through a URL.
		c, err := store.ParseHistoryCursor(next.String())
		if err != nil {
			t.Fatalf("parse cursor %q: %v", next.String(), err)
		}
		after = &c
		if between != nil {
			between()
		}
	}
}

func TestStore_History(t *testing.T) {
	f := newHistoryFixture(t)
	s, ctx := f.s, context.Background()

	t.Run("every entry once, newest first, while new entries arrive", func(t *testing.T) {
		want := allHistory(t, s, f.aysel.ID, f.clock.Now())
		if len(want) < 30 {
			t.Fatalf("fixture has only %d entries", len(want))
		}
		var arrived []string
		got := walk(t, s, store.HistoryFilter{CitizenID: f.aysel.ID}, 7, func() {
			// New entries arrive between page fetches: a request and a consent event.
			f.clock.Advance(time.Second)
			r := makeRequest(t, s, f.tele.ID, "5ABCD12", portal.ScopeContact)
			arrived = append(arrived, "request:"+r.ID)
			if _, err := s.GrantConsent(ctx, f.aysel.ID, f.tele.ID, portal.ScopeIdentity, portal.Validity30Days); err != nil {
				t.Fatal(err)
			}
		})
		if !slices.Equal(keys(refsOf(got)), keys(want)) {
			t.Fatalf("walk saw %d entries, want the %d that existed when it began, in order:\ngot  %v\nwant %v", len(got), len(want), keys(refsOf(got)), keys(want))
		}
		// The newcomers are all on a fresh first page, above everything the walk saw.
		first, _, err := s.History(ctx, store.HistoryFilter{CitizenID: f.aysel.ID}, nil, 2*len(arrived))
		if err != nil {
			t.Fatal(err)
		}
		var top []string
		for _, e := range first {
			if e.Kind == store.HistoryRequest {
				top = append(top, "request:"+e.ID())
			}
		}
		slices.Reverse(arrived)
		if !slices.Equal(top, arrived) {
			t.Errorf("first page's requests %v, want the newcomers newest first %v", top, arrived)
		}
	})

	t.Run("entries carry the request or the consent event", func(t *testing.T) {
		page, _, err := s.History(ctx, store.HistoryFilter{CitizenID: f.aysel.ID}, nil, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			switch e.Kind {
			case store.HistoryRequest:
				r, err := s.CitizenRequest(ctx, f.aysel.ID, e.ID())
				if err != nil || e.Request == nil || e.Request.Purpose != r.Purpose || e.Request.Status != r.Status ||
					!slices.Equal(e.Request.Scopes, r.Scopes) || !e.Request.Deadline.Equal(r.Deadline) || e.CompanyName != r.CompanyName {
					t.Fatalf("entry %+v does not match the request %+v (%v)", e.Request, r, err)
				}
			case store.HistoryConsent:
				if e.Consent == nil || e.Consent.Scope == "" || e.Consent.Kind == "" || e.CompanyName == "" {
					t.Fatalf("consent entry %+v", e.Consent)
				}
			}
			if e.Request != nil && e.Request.CitizenID != 0 && e.Request.CitizenID != f.aysel.ID {
				t.Fatalf("another citizen's request: %+v", e.Request)
			}
		}
	})

	t.Run("filters", func(t *testing.T) {
		now := f.clock.Now()
		all := allHistory(t, s, f.aysel.ID, now)
		mid := time.UnixMilli(all[len(all)/2].at)
		cases := []struct {
			name   string
			filter store.HistoryFilter
			keep   func(entryRef) bool
		}{
			{"company", store.HistoryFilter{CompanyID: f.tele.ID}, func(r entryRef) bool { return r.company == f.tele.ID }},
			{"delivered", store.HistoryFilter{Status: "delivered"}, func(r entryRef) bool { return r.kind == store.HistoryRequest && r.status == "delivered" }},
			{"expired as seen now", store.HistoryFilter{Status: "expired"}, func(r entryRef) bool { return r.kind == store.HistoryRequest && r.status == "expired" }},
			{"pending as seen now", store.HistoryFilter{Status: "pending"}, func(r entryRef) bool { return r.kind == store.HistoryRequest && r.status == "pending" }},
			{"denied", store.HistoryFilter{Status: "denied"}, func(r entryRef) bool { return r.kind == store.HistoryRequest && r.status == "denied" }},
			{"consent revokes", store.HistoryFilter{Status: "revoke"}, func(r entryRef) bool { return r.kind == store.HistoryConsent && r.status == "revoke" }},
			{"from", store.HistoryFilter{From: mid}, func(r entryRef) bool { return r.at >= mid.UnixMilli() }},
			{"to", store.HistoryFilter{To: mid}, func(r entryRef) bool { return r.at < mid.UnixMilli() }},
			{"all at once", store.HistoryFilter{CompanyID: f.bank.ID, Status: "grant", From: time.UnixMilli(all[len(all)-1].at), To: mid.Add(time.Millisecond)},
				func(r entryRef) bool { return r.company == f.bank.ID && r.status == "grant" && r.at <= mid.UnixMilli() }},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var want []entryRef
				for _, r := range all {
					if tc.keep(r) {
						want = append(want, r)
					}
				}
				if len(want) == 0 {
					t.Fatal("the fixture has no entry for this filter")
				}
				tc.filter.CitizenID = f.aysel.ID
				for _, size := range []int{1, 3, 1000} {
					got := walk(t, s, tc.filter, size, nil)
					if !slices.Equal(keys(refsOf(got)), keys(want)) {
						t.Errorf("page size %d: got %v, want %v", size, keys(refsOf(got)), keys(want))
					}
				}
				n := 0
				if err := s.EachHistory(ctx, tc.filter, 2, func(store.HistoryEntry) error { n++; return nil }); err != nil || n != len(want) {
					t.Errorf("EachHistory saw %d entries (%v), want %d", n, err, len(want))
				}
			})
		}
	})

	t.Run("another citizen's history", func(t *testing.T) {
		mine := walk(t, s, store.HistoryFilter{CitizenID: f.aysel.ID}, 1000, nil)
		theirs := walk(t, s, store.HistoryFilter{CitizenID: f.other.ID}, 5, nil)
		if !slices.Equal(keys(refsOf(theirs)), keys(allHistory(t, s, f.other.ID, f.clock.Now()))) || len(theirs) == 0 {
			t.Errorf("the other citizen's history: %v", keys(refsOf(theirs)))
		}
		seen := map[string]bool{}
		for _, e := range mine {
			seen[refOf(e).key()] = true
		}
		for _, e := range theirs {
			if seen[refOf(e).key()] {
				t.Errorf("entry %s is in both citizens' histories", refOf(e).key())
			}
		}
	})

	t.Run("bad filter and cursor", func(t *testing.T) {
		if _, _, err := s.History(ctx, store.HistoryFilter{CitizenID: f.aysel.ID, Status: "stolen"}, nil, 10); portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("unknown status: %v, want EINVALID", err)
		}
		for _, c := range []string{"", "!!!", "MTIz", "MTIzOmZvbzox", "MTIzOmNvbnNlbnQ6eA"} {
			if _, err := store.ParseHistoryCursor(c); portal.ErrorCode(err) != portal.EINVALID {
				t.Errorf("cursor %q: %v, want EINVALID", c, err)
			}
		}
	})

	t.Run("companies in the history", func(t *testing.T) {
		got, err := s.HistoryCompanies(ctx, f.aysel.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != f.bank.ID || got[1].ID != f.tele.ID {
			t.Errorf("companies = %+v, want Xəzər Bank and Şirvan Telekom, by name in byte order", got)
		}
		none, err := s.HistoryCompanies(ctx, 999)
		if err != nil || len(none) != 0 {
			t.Errorf("a citizen without history: %+v, %v", none, err)
		}
	})
}

func refsOf(entries []store.HistoryEntry) []entryRef {
	out := make([]entryRef, len(entries))
	for i, e := range entries {
		out[i] = refOf(e)
	}
	return out
}

// TestStore_HistoryQueryPlan fails if either table is scanned rather than searched by an index, whatever the
// filters and wherever the page starts: a citizen with 100,000 entries must page as fast as one with ten.
func TestStore_HistoryQueryPlan(t *testing.T) {
	s, clock := storetest.New(t)
	ctx := context.Background()
	now := clock.Now()
	cursors := map[string]*store.HistoryCursor{
		"first page":      nil,
		"after request":   {At: now, Kind: store.HistoryRequest, ID: "abc"},
		"after consent":   {At: now, Kind: store.HistoryConsent, ID: "42"},
		"far in the past": {At: now.AddDate(-3, 0, 0), Kind: store.HistoryRequest, ID: "zz"},
	}
	filters := map[string]store.HistoryFilter{
		"none":           {CitizenID: 1},
		"company":        {CitizenID: 1, CompanyID: 7},
		"request status": {CitizenID: 1, Status: "expired"},
		"consent kind":   {CitizenID: 1, Status: "grant"},
		"period":         {CitizenID: 1, From: now.AddDate(0, -1, 0), To: now},
		"everything":     {CitizenID: 1, CompanyID: 7, Status: "delivered", From: now.AddDate(0, -1, 0), To: now},
	}
	for fname, f := range filters {
		for cname, c := range cursors {
			plan, err := s.ExplainHistory(ctx, f, c)
			if err != nil {
				t.Fatalf("%s, %s: %v", fname, cname, err)
			}
			text := strings.Join(plan, "\n")
			for _, table := range []string{"data_requests", "consent_events"} {
				if strings.Contains(text, "SCAN "+table) {
					t.Errorf("%s, %s: %s is scanned:\n%s", fname, cname, table, text)
				}
			}
			searched := strings.Contains(text, "SEARCH data_requests USING") || strings.Contains(text, "SEARCH consent_events USING")
			if !searched {
				t.Errorf("%s, %s: no index search:\n%s", fname, cname, text)
			}
			for _, line := range plan {
				// The outer merge of at most 2(n+1) rows may sort; a side that sorted would read all its rows.
				if strings.Contains(line, "TEMP B-TREE") && strings.HasPrefix(line, " ") {
					t.Errorf("%s, %s: a side of the merge is sorted instead of read in index order:\n%s", fname, cname, text)
				}
			}
			if strings.Contains(text, "SCAN companies") {
				t.Errorf("%s, %s: companies scanned:\n%s", fname, cname, text)
			}
		}
	}
	plan, _ := s.ExplainHistory(ctx, filters["everything"], cursors["after request"])
	t.Logf("plan:\n%s", strings.Join(plan, "\n"))
}

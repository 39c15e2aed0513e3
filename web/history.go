package web

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/store"
	"portal/views"
	"portal/views/i18n"
)

// historyPageSize is how many entries a history page shows; exports read pages of historyExportPage.
const (
	historyPageSize   = 50
	historyExportPage = 500
)

// historyQuery is a history request's parameters, parsed: the filter for the store, the form as typed and
// the filters again as a canonical query string for links.
type historyQuery struct {
	filter store.HistoryFilter
	form   views.HistoryForm
	query  string
	after  *store.HistoryCursor
}

// parseHistoryQuery reads the filters (company, status, from, to: Baku calendar dates, both included) and
// the page cursor from the query string. The form is filled in even when a value is refused, so the page
// can show what was typed with the message.
func parseHistoryQuery(c echo.Context, citizenID int64) (historyQuery, error) {
	q := historyQuery{filter: store.HistoryFilter{CitizenID: citizenID}}
	get := func(k string) string { return strings.TrimSpace(c.QueryParam(k)) }
	q.form = views.HistoryForm{Company: get("company"), Status: get("status"), From: get("from"), To: get("to")}
	bad := portal.Errorf(portal.EINVALID, "invalid history filter").WithKey("err.history_filter")
	canon := url.Values{}
	if v := q.form.Company; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return q, bad
		}
		q.filter.CompanyID = id
		canon.Set("company", v)
	}
	if v := q.form.Status; v != "" {
		if !slices.Contains(store.HistoryStatuses(), v) {
			return q, bad
		}
		q.filter.Status = v
		canon.Set("status", v)
	}
	if v := q.form.From; v != "" {
		d, err := time.ParseInLocation(time.DateOnly, v, views.Baku)
		if err != nil {
			return q, bad
		}
		q.filter.From = d
		canon.Set("from", v)
	}
	if v := q.form.To; v != "" {
		d, err := time.ParseInLocation(time.DateOnly, v, views.Baku)
		if err != nil {
			return q, bad
		}
		q.filter.To = d.AddDate(0, 0, 1) // the whole of the last day
		canon.Set("to", v)
	}
	if !q.filter.From.IsZero() && !q.filter.To.IsZero() && !q.filter.From.Before(q.filter.To) {
		return q, portal.Errorf(portal.EINVALID, "the period ends before it starts").WithKey("err.history_period")
	}
	q.query = canon.Encode()
	if v := c.QueryParam("cursor"); v != "" {
		cur, err := store.ParseHistoryCursor(v)
		if err != nil {
			return q, err
		}
		q.after = &cur
	}
	return q, nil
}

// handleHistory handles GET /history: every request and consent event about the citizen, newest first,
// filtered and paged by keyset. An htmx request (the filter form, the page links) gets only the results;
// a plain one, or htmx restoring a page from the browser's history, gets the whole page.
func (s *Server) handleHistory(c echo.Context) error {
	ctx := c.Request().Context()
	u := userOf(c)
	c.Response().Header().Add("Vary", "HX-Request")
	partial := isHTMX(c) && c.Request().Header.Get("HX-History-Restore-Request") != "true"
	d := views.HistoryData{}
	status := http.StatusOK
	q, err := parseHistoryQuery(c, u.ID)
	d.Form, d.Query = q.form, q.query
	switch portal.ErrorCode(err) {
	case "":
		names, err := s.scopeNames(c)
		if err != nil {
			return err
		}
		entries, next, err := s.store.History(ctx, q.filter, q.after, historyPageSize)
		if err != nil {
			return fmt.Errorf("history: %w", err)
		}
		now := s.clock.Now()
		for _, e := range entries {
			d.Items = append(d.Items, historyItem(e, names, now))
		}
		if next != nil {
			d.Next = next.String()
		}
		d.Paged = q.after != nil
	case portal.EINVALID:
		d.Error = i18n.T(ctx, portal.ErrorKey(err))
		// htmx swaps only 2xx answers by default: the results with the message replace the stale ones.
		if !partial {
			status = http.StatusBadRequest
		}
	default:
		return err
	}
	if partial {
		return s.renderStatus(c, status, views.HistoryResults(d))
	}
	companies, err := s.store.HistoryCompanies(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	for _, co := range companies {
		d.Companies = append(d.Companies, views.HistoryCompany{ID: strconv.FormatInt(co.ID, 10), Name: co.Name})
	}
	p, err := s.pageFor(c, "history.title")
	if err != nil {
		return err
	}
	return s.renderStatus(c, status, views.HistoryPage(p, d))
}

// historyItem turns a store entry into a line of the page, with scope names in the reader's language and a
// request's status as seen now.
func historyItem(e store.HistoryEntry, names scopeNames, now time.Time) views.HistoryItem {
	it := views.HistoryItem{Kind: string(e.Kind), ID: e.ID(), At: e.At, CompanyName: e.CompanyName}
	switch {
	case e.Request != nil:
		r := e.Request
		it.Scopes, it.Purpose, it.Status, it.Reason = names.list(r.Scopes), r.Purpose, r.StatusAt(now), r.Reason
		if it.Status == portal.StatusExpired && r.Status != portal.StatusExpired {
			it.Reason = r.ExpiryReason() // past its deadline, not yet swept
		}
		it.DecidedAt, it.DeliveredAt = r.DecidedAt, r.DeliveredAt
	case e.Consent != nil:
		ev := e.Consent
		it.Scopes, it.ConsentKind, it.Validity, it.ValidUntil, it.RequestID = names.list([]portal.Scope{ev.Scope}), ev.Kind, ev.NewValidity, ev.NewValidUntil, ev.RequestID
	}
	return it
}

// exportHeaders starts a download named history-<Baku date>.<ext>. The body is streamed, so an error after
// this point can only cut the download short; it is logged.
func (s *Server) exportHeaders(c echo.Context, contentType, ext string) {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	name := "history-" + s.clock.Now().In(views.Baku).Format(time.DateOnly) + "." + ext
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Response().WriteHeader(http.StatusOK)
}

// handleHistoryCSV handles GET /history.csv: the filtered history as CSV for spreadsheet programs. UTF-8
// with a byte order mark (so that they show Azerbaijani letters), a header row in the reader's language,
// then one row per entry, streamed page by page. Cells that a spreadsheet would run as a formula are
// defused with a leading apostrophe.
func (s *Server) handleHistoryCSV(c echo.Context) error {
	ctx := c.Request().Context()
	q, err := parseHistoryQuery(c, userOf(c).ID)
	if err != nil {
		return err
	}
	names, err := s.scopeNames(c)
	if err != nil {
		return err
	}
	s.exportHeaders(c, "text/csv; charset=utf-8", "csv")
	bw := bufio.NewWriter(c.Response())
	bw.WriteString("\ufeff")
	w := csv.NewWriter(bw)
	tr := func(key string, args ...any) string { return i18n.T(ctx, key, args...) }
	header := []string{"history.csv.time_utc", "history.csv.time_baku", "history.csv.kind", "history.csv.company", "history.csv.scopes",
		"history.csv.purpose", "history.csv.status", "history.csv.reason", "history.csv.valid_until", "history.csv.id"}
	for i, k := range header {
		header[i] = tr(k)
	}
	w.Write(header)
	now := s.clock.Now()
	n := 0
	err = s.store.EachHistory(ctx, q.filter, historyExportPage, func(e store.HistoryEntry) error {
		it := historyItem(e, names, now)
		row := []string{
			e.At.UTC().Format(time.RFC3339), e.At.In(views.Baku).Format(time.DateTime), tr("history.kind." + it.Kind), it.CompanyName,
			strings.Join(it.Scopes, ", "), it.Purpose, "", "", "", it.ID,
		}
		if e.Request != nil {
			row[6] = tr("status." + string(it.Status))
			if it.Reason != "" {
				row[7] = tr("reason." + it.Reason)
			}
		} else {
			row[6] = tr("history.consent_status." + string(it.ConsentKind))
			if it.ValidUntil != nil {
				row[8] = it.ValidUntil.UTC().Format(time.RFC3339)
			} else if it.ConsentKind != portal.ConsentRevoked {
				row[8] = tr("validity.unlimited")
			}
		}
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		if err := w.Write(row); err != nil {
			return err
		}
		if n++; n%historyExportPage == 0 {
			return flushExport(c, w.Flush, w.Error, bw)
		}
		return nil
	})
	if err == nil {
		err = flushExport(c, w.Flush, w.Error, bw)
	}
	if err != nil {
		s.log.Warn("history export cut short", "id", RequestIDOf(c), "format", "csv", "err", err)
	}
	return nil
}

// flushExport pushes what has been written of a streamed export to the client.
func flushExport(c echo.Context, flush func(), failed func() error, bw *bufio.Writer) error {
	if flush != nil {
		flush()
		if err := failed(); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return http.NewResponseController(c.Response()).Flush()
}

// csvSafe defuses a cell that a spreadsheet program would read as a formula (CSV injection): one starting
// with = + - @, a tab or a carriage return gets a leading apostrophe, which the program shows as text.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// historyJSON is one entry of GET /history.json: codes rather than translations, times in RFC 3339 UTC.
type historyJSON struct {
	Kind        string     `json:"kind"`
	ID          string     `json:"id"`
	At          time.Time  `json:"at"`
	CompanyID   int64      `json:"company_id"`
	Company     string     `json:"company"`
	Scopes      []string   `json:"scopes"`
	Purpose     string     `json:"purpose,omitempty"`
	Status      string     `json:"status"`
	Reason      string     `json:"reason,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	Validity    string     `json:"validity,omitempty"`
	ValidUntil  *time.Time `json:"valid_until,omitempty"`
	RequestID   string     `json:"request_id,omitempty"`
}

// handleHistoryJSON handles GET /history.json: the filtered history, machine-readable, streamed page by
// page as {"generated_at": ..., "entries": [...]}.
func (s *Server) handleHistoryJSON(c echo.Context) error {
	ctx := c.Request().Context()
	q, err := parseHistoryQuery(c, userOf(c).ID)
	if err != nil {
		return err
	}
	s.exportHeaders(c, echo.MIMEApplicationJSONCharsetUTF8, "json")
	bw := bufio.NewWriter(c.Response())
	now := s.clock.Now()
	fmt.Fprintf(bw, `{"generated_at":%q,"entries":[`, now.UTC().Format(time.RFC3339))
	n := 0
	err = s.store.EachHistory(ctx, q.filter, historyExportPage, func(e store.HistoryEntry) error {
		if n > 0 {
			bw.WriteByte(',')
		}
		b, err := json.Marshal(historyJSONOf(e, now))
		if err != nil {
			return err
		}
		bw.Write(b)
		if n++; n%historyExportPage == 0 {
			return flushExport(c, nil, nil, bw)
		}
		return nil
	})
	if err == nil {
		bw.WriteString("]}\n")
		err = flushExport(c, nil, nil, bw)
	}
	if err != nil {
		s.log.Warn("history export cut short", "id", RequestIDOf(c), "format", "json", "err", err)
	}
	return nil
}

func historyJSONOf(e store.HistoryEntry, now time.Time) historyJSON {
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC()
		return &u
	}
	j := historyJSON{Kind: string(e.Kind), ID: e.ID(), At: e.At.UTC(), CompanyID: e.CompanyID, Company: e.CompanyName}
	switch {
	case e.Request != nil:
		r := e.Request
		j.Scopes = scopeCodes(r.Scopes)
		j.Purpose, j.Status, j.Reason = r.Purpose, string(r.StatusAt(now)), r.Reason
		if r.StatusAt(now) == portal.StatusExpired && r.Status != portal.StatusExpired {
			j.Reason = r.ExpiryReason()
		}
		j.DecidedAt, j.DeliveredAt = utc(r.DecidedAt), utc(r.DeliveredAt)
	case e.Consent != nil:
		ev := e.Consent
		j.Scopes, j.Status, j.RequestID = scopeCodes([]portal.Scope{ev.Scope}), string(ev.Kind), ev.RequestID
		if ev.Kind != portal.ConsentRevoked {
			j.Validity, j.ValidUntil = string(ev.NewValidity), utc(ev.NewValidUntil)
		}
	}
	return j
}

func scopeCodes(scopes []portal.Scope) []string {
	out := make([]string, len(scopes))
	for i, sc := range scopes {
		out[i] = string(sc)
	}
	return out
}

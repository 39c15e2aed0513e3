package web

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/views"
)

// handleData handles GET /data: the citizen's data, scope by scope, exactly as the registry would hand it to
// a company (the same portal.Registry, the same published fields), lists shown as small tables.
func (s *Server) handleData(c echo.Context) error {
	ctx := c.Request().Context()
	u := userOf(c)
	data, err := s.opts.Registry.Fetch(ctx, u.FIN, portal.Scopes)
	if err != nil {
		return fmt.Errorf("my data: %w", err)
	}
	cat, err := s.scopeInfoByCode(c)
	if err != nil {
		return err
	}
	var d views.DataData
	for _, sc := range portal.Scopes {
		ds := views.DataScope{Scope: sc, Name: cat[sc].Name, Description: cat[sc].Description}
		fields := data[sc]
		for _, name := range sc.Fields() {
			ds.Fields = append(ds.Fields, dataField(name, fields[name]))
		}
		d.Scopes = append(d.Scopes, ds)
	}
	p, err := s.pageFor(c, "data.title")
	if err != nil {
		return err
	}
	return s.render(c, views.DataPage(p, d))
}

// columnOrder is the display order of the parts of each list field, as PRODUCT.md §3 lists them; parts not
// named here follow, sorted.
var columnOrder = map[string][]string{
	"monthly_salaries": {"month", "amount_azn"},
	"degrees":          {"institution", "field", "level", "year"},
	"vehicles":         {"plate", "make", "model", "year"},
	"properties":       {"registry_number", "address", "area_m2"},
	"benefits":         {"kind", "monthly_amount_azn", "since"},
}

// dataField turns one registry value into what the page shows: text, or a table for a list of records.
func dataField(name string, v any) views.DataField {
	f := views.DataField{Name: name}
	switch x := v.(type) {
	case nil:
		return f
	case []any:
		f.Present = true
		f.Table = dataTable(columnOrder[name], x)
		return f
	default:
		f.Present = true
		f.Value = dataValue(name, x)
		return f
	}
}

func dataTable(order []string, list []any) *views.DataTable {
	t := &views.DataTable{}
	seen := map[string]bool{}
	var extra []string
	for _, item := range list {
		rec, ok := item.(map[string]any)
		if !ok {
			rec = map[string]any{"value": item}
		}
		for k := range rec {
			if !seen[k] {
				seen[k] = true
				if !slices.Contains(order, k) {
					extra = append(extra, k)
				}
			}
		}
	}
	for _, k := range order {
		if seen[k] {
			t.Columns = append(t.Columns, k)
		}
	}
	slices.Sort(extra)
	t.Columns = append(t.Columns, extra...)
	for _, item := range list {
		rec, ok := item.(map[string]any)
		if !ok {
			rec = map[string]any{"value": item}
		}
		row := make([]string, len(t.Columns))
		for i, col := range t.Columns {
			if v, ok := rec[col]; ok && v != nil {
				row[i] = dataValue(col, v)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// dataValue writes a scalar as the citizen reads it: amounts in AZN with two decimals, whole numbers (years)
// without a fraction, text as it is.
func dataValue(name string, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		if strings.HasSuffix(name, "_azn") {
			return strconv.FormatFloat(x, 'f', 2, 64)
		}
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

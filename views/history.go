package views

import (
	"context"
	"strings"
	"time"

	"github.com/a-h/templ"

	"portal"
)

// HistoryData is the history page's view model (GET /history).
type HistoryData struct {
	Form      HistoryForm
	Companies []HistoryCompany // the companies that appear in the citizen's history, for the filter
	Items     []HistoryItem
	Query     string // the filters as a query string without the cursor ("" when none): for the export links and the first page
	Next      string // the cursor of the next (older) page; "" on the last page
	Paged     bool   // this is not the first page
	Error     string // an already translated message about the filters; no entries are shown with it
}

// HistoryForm is what the filter form shows: the values of the query parameters.
type HistoryForm struct {
	Company string // company id, "" for all
	Status  string // a request status or a consent event kind, "" for all
	From    string // YYYY-MM-DD, Baku calendar date
	To      string
}

// HistoryCompany is one choice of the company filter.
type HistoryCompany struct {
	ID   string
	Name string
}

// HistoryItem is one line of the history: a data request or a consent event.
type HistoryItem struct {
	Kind        string // "request" or "consent"
	ID          string // the request id, or the consent event's number
	At          time.Time
	CompanyName string
	Scopes      []string // scope names, already translated

	// A request's fields.
	Purpose     string
	Status      portal.RequestStatus // as seen at the time of the page: a pending request past its deadline is expired
	Reason      string               // why it ended other than by delivery: a portal.Reason* code
	DecidedAt   *time.Time
	DeliveredAt *time.Time

	// A consent event's fields.
	ConsentKind portal.ConsentEventKind
	Validity    portal.Validity
	ValidUntil  *time.Time
	RequestID   string // the request being approved when the consent was granted, if any
}

// HistoryRequestStatuses and HistoryConsentKinds are the status filter's choices, in display order.
var (
	HistoryRequestStatuses = portal.RequestStatuses
	HistoryConsentKinds    = []portal.ConsentEventKind{portal.ConsentGranted, portal.ConsentChanged, portal.ConsentRevoked}
)

// historyPageURL is the history page with the filters and, when set, a cursor.
func historyPageURL(query, cursor string) string {
	u := "/history"
	parts := []string{}
	if query != "" {
		parts = append(parts, query)
	}
	if cursor != "" {
		parts = append(parts, "cursor="+cursor)
	}
	if len(parts) > 0 {
		u += "?" + strings.Join(parts, "&")
	}
	return u
}

// historyExportURL is a download of the filtered history in format ext ("csv" or "json").
func historyExportURL(query, ext string) templ.SafeURL {
	u := "/history." + ext
	if query != "" {
		u += "?" + query
	}
	return templ.SafeURL(u)
}

// consentLine describes a consent event: what happened to the consent for which data.
func consentLine(ctx context.Context, it HistoryItem) string {
	return t(ctx, "history.consent."+string(it.ConsentKind), strings.Join(it.Scopes, ", "))
}

// validityLine tells how long a consent lasts after the event.
func validityLine(ctx context.Context, it HistoryItem) string {
	switch {
	case it.ConsentKind == portal.ConsentRevoked:
		return ""
	case it.ValidUntil == nil:
		return t(ctx, "history.valid_unlimited")
	default:
		return t(ctx, "history.valid_until", FormatDate(ctx, *it.ValidUntil))
	}
}

// consentStatusClass colours a consent event like the state it left the consent in.
func consentStatusClass(k portal.ConsentEventKind) string {
	if k == portal.ConsentRevoked {
		return "status-revoked"
	}
	return "status-active"
}

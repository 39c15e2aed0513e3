// Package views holds the portal's templ components: the layout, one file per page, and the fragments that
// htmx and the event stream swap in. Components take a view model and do no I/O; every word goes through
// the translation catalogue of package i18n.
package views

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"portal"
	"portal/views/i18n"
)

// Page is the layout's view model, common to every full page.
type Page struct {
	Title      string       // the page's own title, already translated; the portal's name is appended
	Lang       i18n.Lang    // the language of the page; when set it overrides the context's language
	Path       string       // the current path with its query, for aria-current and the language switcher
	User       *portal.User // nil when anonymous
	CSRF       string       // the session's CSRF token, for forms and htmx's X-CSRF-Token header
	Unread     int          // unread notifications of a signed-in citizen
	RequestID  string       // the request id, shown on error pages
	ServerTime time.Time    // the server's clock when the page was rendered; countdowns correct the browser's clock by it
	Dev        bool         // local development: shows a banner
	Flashes    []Flash      // one-off messages shown above the content
	Watch      string       // the id of a request the page shows live; its stream sends its state on (re)connect
	WatchSeen  string       // the watched request's status as the page shows it: the stream sends only a different one
}

// Flash is a one-off message shown above a page's content, such as "Consent granted".
type Flash struct {
	Kind FlashKind
	Text string // already translated
}

// FlashKind chooses a flash message's colour and how urgently assistive technology announces it.
type FlashKind string

// The flash kinds.
const (
	FlashInfo    FlashKind = "info"
	FlashSuccess FlashKind = "success"
	FlashError   FlashKind = "error"
)

// liveSwap is how an element that the event stream replaces (the request panel, the unread badge) is
// swapped, by the stream and by the forms that target it. htmx binds a swapped-in element's sse-swap
// listener only when the swap settles, 20 ms later by default, and an event that arrives meanwhile is lost
// (seen when a request was approved and collected in quick succession: the panel stayed "approved").
// Settling at once binds the listener within the swap itself.
const liveSwap = "outerHTML settle:0ms"

// LoginData is the login page's view model.
type LoginData struct {
	FIN   string // what was typed, kept after a failure
	Error string // an already translated message, or ""
	Next  string // the local path to go to after signing in
}

// DashboardData is the citizen dashboard's view model.
type DashboardData struct {
	Name           string
	ActiveConsents int
	Pending        []PendingItem
	Recent         []ActivityItem
}

// PendingItem is a request awaiting the citizen's decision.
type PendingItem struct {
	ID          string
	CompanyName string
	Scopes      []string // scope names, already translated
	Deadline    time.Time
	BindingCode string
}

// ActivityItem is one line of recent activity.
type ActivityItem struct {
	When time.Time
	Text string // already translated
	Href string // "" when there is nothing to open
}

// ErrorData is the error page's view model.
type ErrorData struct {
	Status    int
	Message   string // already translated; "" gives a generic message for the status
	RequestID string
}

// t translates a key in the language of ctx.
func t(ctx context.Context, key string, args ...any) string { return i18n.T(ctx, key, args...) }

// localized renders c in the language of p when the page names one, so that a page renders in its own
// language whatever the context says.
func localized(p Page, c templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if p.Lang != "" {
			ctx = i18n.WithLang(ctx, p.Lang)
		}
		return c.Render(ctx, w)
	})
}

// Layout wraps a page's content ({ children... }) in the document: head, header with navigation, main and
// footer. The content is rendered in the page's language.
func Layout(p Page) templ.Component { return localized(p, layout(p)) }

// fullTitle is the document title: the page's title and the portal's name.
func fullTitle(ctx context.Context, p Page) string {
	name := t(ctx, "app.name")
	if p.Title == "" || p.Title == name {
		return name
	}
	return p.Title + " — " + name
}

// htmlLang is the value of the lang attribute of <html>.
func htmlLang(ctx context.Context, p Page) string {
	if p.Lang != "" {
		return string(i18n.ParseLang(string(p.Lang)))
	}
	return string(i18n.LangFrom(ctx))
}

// csrfHeaders is the hx-headers value that makes htmx send the CSRF token with every request.
func csrfHeaders(token string) string {
	// The object has one fixed key, so only the token needs encoding; a map would cost allocations and a
	// sort on every page.
	b, _ := json.Marshal(token) // a string always encodes
	return `{"X-CSRF-Token":` + string(b) + `}`
}

// navItem is one entry of the main navigation.
type navItem struct {
	Href   string
	Key    string
	Unread bool // carries the unread badge
}

var citizenNav = []navItem{
	{Href: "/", Key: "nav.dashboard"},
	{Href: "/companies", Key: "nav.companies"},
	{Href: "/consents", Key: "nav.consents"},
	{Href: "/history", Key: "nav.history"},
	{Href: "/notifications", Key: "nav.notifications", Unread: true},
	{Href: "/data", Key: "nav.data"},
}

var adminNav = []navItem{
	{Href: "/admin", Key: "nav.admin"},
	{Href: "/admin/companies", Key: "nav.admin_companies"},
}

func navFor(u *portal.User) []navItem {
	switch {
	case u == nil:
		return nil
	case u.IsAdmin():
		return adminNav
	default:
		return citizenNav
	}
}

// isCurrent reports whether the navigation entry href is the section of path. The two home pages match
// only themselves; the others match their sub-pages too (/companies/7 is under /companies).
func isCurrent(path, href string) bool {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	if href == "/" || href == "/admin" {
		return path == href
	}
	return path == href || strings.HasPrefix(path, href+"/")
}

// langURL is the switcher's link to language l, coming back to the current page.
func langURL(l i18n.Lang, path string) templ.SafeURL {
	u := "/lang/" + string(l)
	if path != "" {
		u += "?next=" + url.QueryEscape(path)
	}
	return templ.SafeURL(u)
}

// requestURL is the page of one data request.
func requestURL(id string) templ.SafeURL { return templ.SafeURL("/requests/" + url.PathEscape(id)) }

// badgeCount is the number shown in the unread badge.
func badgeCount(n int) string {
	if n > 99 {
		return "99+"
	}
	return strconv.Itoa(n)
}

// navLabel is the accessible name of the main navigation.
func navLabel(ctx context.Context, p Page) string {
	if p.User != nil && p.User.IsAdmin() {
		return t(ctx, "nav.admin_label")
	}
	return t(ctx, "nav.label")
}

// langCode is the short visible label of a language in the switcher.
func langCode(l i18n.Lang) string { return strings.ToUpper(string(l)) }

// greetingName is the name the dashboard greets: the view model's, else the signed-in user's.
func greetingName(p Page, d DashboardData) string {
	if d.Name != "" || p.User == nil {
		return d.Name
	}
	return p.User.Name
}

// live reports whether the page connects to the citizen's event stream, so that new requests, decisions,
// expiries and the unread count arrive without a reload. Admins and visitors get no stream.
func live(p Page) bool { return p.User != nil && !p.User.IsAdmin() }

// eventsURL is the page's event stream. A page that shows a request names it, so that the stream sends
// the request's current state as soon as it connects: a change made while the page was loading, or while
// the stream was reconnecting, is never missed.
func eventsURL(p Page) string {
	if p.Watch == "" {
		return "/events"
	}
	return "/events?watch=" + url.QueryEscape(p.Watch) + "&seen=" + url.QueryEscape(p.WatchSeen)
}

// RequestData is the request page's view model.
type RequestData struct {
	ID          string
	CompanyName string
	Purpose     string
	Status      portal.RequestStatus // as seen at Now: a pending request past its deadline shows as expired
	Reason      string
	BindingCode string
	CreatedAt   time.Time
	Deadline    time.Time
	Now         time.Time
	Scopes      []RequestScope
	CSRF        string // for the decision forms without JavaScript
	Message     string // an already translated error, e.g. a decision that came too late
}

// RequestScope is one requested scope: its name, the exact fields shared and the company's offer for it.
type RequestScope struct {
	Scope         portal.Scope
	Name          string
	Fields        []string // labels, already translated
	OfferPurpose  string
	LegalBasis    portal.LegalBasis
	LawName       string
	RetentionDays int
}

// legalBasisText names a legal basis, with the law's name when the basis is a law.
func legalBasisText(ctx context.Context, b portal.LegalBasis, law string) string {
	if b == portal.BasisLaw && law != "" {
		return t(ctx, "basis.law_named", law)
	}
	return t(ctx, "basis."+string(b))
}

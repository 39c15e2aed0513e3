package views

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"portal"
	"portal/views/i18n"
)

// ScopeState is one scope a company asks for, with whether the citizen's consent to it is active.
type ScopeState struct {
	Scope  portal.Scope
	Name   string // already translated (the scope catalogue)
	Active bool
}

// CompanyItem is one company of the catalogue.
type CompanyItem struct {
	ID          int64
	Name        string
	Sector      portal.Sector
	Description string
	Scopes      []ScopeState // the scopes it asks for now (withdrawn offers left out), in catalogue order
}

// ActiveCount is how many of the company's scopes the citizen has an active consent for.
func (c CompanyItem) ActiveCount() int {
	n := 0
	for _, s := range c.Scopes {
		if s.Active {
			n++
		}
	}
	return n
}

// CatalogueData is the view model of GET /companies and of its htmx results fragment.
type CatalogueData struct {
	Query     string
	Sector    portal.Sector // "" for every sector
	Companies []CompanyItem
}

// OfferCard is one offer on a company's page with the citizen's consent to it and the controls that fit.
type OfferCard struct {
	CompanyID        int64
	CompanyName      string
	CompanySuspended bool
	Offer            portal.Offer
	ScopeName        string          // already translated (the scope catalogue)
	Consent          *portal.Consent // nil when the citizen never consented to this scope
	Now              time.Time       // the server's time, by which the consent is active or not
	CSRF             string          // for the forms' hidden field, so they also work without JavaScript
}

// ConsentState is where a citizen's consent to one offer stands.
type ConsentState string

// The consent states shown on a company's page.
const (
	StateNone    ConsentState = "none"    // never given
	StateActive  ConsentState = "active"  // given and in force
	StateExpired ConsentState = "expired" // given, but past its validity end
	StateRevoked ConsentState = "revoked" // given, then revoked
)

// State tells where the citizen's consent to the offer stands.
func (o OfferCard) State() ConsentState {
	switch {
	case o.Consent == nil:
		return StateNone
	case o.Consent.ActiveAt(o.Now):
		return StateActive
	case o.Consent.RevokedAt != nil || !o.Consent.Granted:
		return StateRevoked
	default:
		return StateExpired
	}
}

// Open reports whether the citizen may give or re-date consent: the company is active and still asks for the scope.
func (o OfferCard) Open() bool { return !o.CompanySuspended && o.Offer.Active() }

// CanGrant reports whether the card offers to give consent.
func (o OfferCard) CanGrant() bool { return o.Open() && o.State() != StateActive }

// CanChange reports whether the card offers to change the validity of the active consent.
func (o OfferCard) CanChange() bool { return o.Open() && o.State() == StateActive }

// CanRevoke reports whether the card offers to revoke: whenever the consent is active, even for a withdrawn
// offer or a suspended company.
func (o OfferCard) CanRevoke() bool { return o.State() == StateActive }

// DOMID is the id of the card's element, which htmx replaces after a grant, change or revoke.
func (o OfferCard) DOMID() string { return "offer-" + string(o.Offer.Scope) }

// CompanyData is the view model of GET /companies/{id}.
type CompanyData struct {
	Company portal.Company
	Offers  []OfferCard
	CSRF    string
}

// ActiveCount is how many of the company's offers the citizen has an active consent for.
func (d CompanyData) ActiveCount() int {
	n := 0
	for _, o := range d.Offers {
		if o.State() == StateActive {
			n++
		}
	}
	return n
}

// OfferUpdate is the htmx answer to a grant, change or revoke on a company's page: the offer's new card, the
// message for the page's live region and the company's "revoke everything" section, which may appear or go.
type OfferUpdate struct {
	Card    OfferCard
	Flash   Flash
	Company CompanyData
}

// ConsentItem is one active consent on GET /consents.
type ConsentItem struct {
	Consent   portal.Consent
	ScopeName string // already translated
}

// ConsentGroup is a company's active consents on GET /consents.
type ConsentGroup struct {
	Company  portal.Company
	Consents []ConsentItem
}

// ConsentHistoryItem is one consent event in the history of GET /consents.
type ConsentHistoryItem struct {
	Event       portal.ConsentEvent
	CompanyName string
	ScopeName   string // already translated
}

// ConsentsData is the view model of GET /consents and of the revoke-all confirmation page.
type ConsentsData struct {
	Groups  []ConsentGroup
	History []ConsentHistoryItem
	CSRF    string
}

// ActiveCount is how many consents the groups hold.
func (d ConsentsData) ActiveCount() int {
	n := 0
	for _, g := range d.Groups {
		n += len(g.Consents)
	}
	return n
}

// DataTable is a list field, such as the monthly salaries, as rows under column names (field names).
type DataTable struct {
	Columns []string
	Rows    [][]string
}

// DataField is one field of a scope as a company would receive it.
type DataField struct {
	Name    string     // the field's name: its label is "field.<name>"
	Value   string     // the value as text; "" with Present false when the registry holds none
	Present bool       // the registry holds a value
	Table   *DataTable // for a list of records, the records; Value is then ""
}

// DataScope is one scope of the citizen's data.
type DataScope struct {
	Scope       portal.Scope
	Name        string // already translated (the scope catalogue)
	Description string // already translated (the scope catalogue)
	Fields      []DataField
}

// DataData is the view model of GET /data.
type DataData struct {
	Scopes []DataScope
}

// companyURL is a company's page.
func companyURL(id int64) templ.SafeURL {
	return templ.SafeURL("/companies/" + strconv.FormatInt(id, 10))
}

// companyPath is a company's page as a plain string, for hidden "next" fields.
func companyPath(id int64) string { return "/companies/" + strconv.FormatInt(id, 10) }

// fieldLabel is a field's label from the catalogue, or its name when the catalogue has none.
func fieldLabel(ctx context.Context, name string) string {
	if !i18n.Has(i18n.LangFrom(ctx), "field."+name) {
		return name
	}
	return t(ctx, "field."+name)
}

// eventState describes a consent's state on one side of an event: not active, or active until an end.
func eventState(ctx context.Context, active bool, until *time.Time) string {
	if !active {
		return t(ctx, "consent.state_inactive")
	}
	if until == nil {
		return t(ctx, "consent.active_until_revoked")
	}
	return t(ctx, "consent.active_until", FormatDate(ctx, *until))
}

// idString is an id for attributes.
func idString(id int64) string { return strconv.FormatInt(id, 10) }

// companyCount says how many companies the catalogue shows.
func companyCount(ctx context.Context, n int) string {
	if n == 0 {
		return t(ctx, "companies.count_none")
	}
	return t(ctx, "companies.count", n)
}

// revokedAt is when a revoked consent was revoked (its last update when the time is missing).
func revokedAt(c *portal.Consent) time.Time {
	if c.RevokedAt != nil {
		return *c.RevokedAt
	}
	return c.UpdatedAt
}

// groupScopes lists the names of a group's scopes.
func groupScopes(g ConsentGroup) string {
	names := make([]string, len(g.Consents))
	for i, it := range g.Consents {
		names[i] = it.ScopeName
	}
	return strings.Join(names, ", ")
}

// anyPresent reports whether the registry holds a value for any of the fields.
func anyPresent(fields []DataField) bool {
	for _, f := range fields {
		if f.Present {
			return true
		}
	}
	return false
}

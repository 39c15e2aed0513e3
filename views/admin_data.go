package views

import (
	"context"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"portal"
)

// AdminOverviewData is the admin overview's view model: counts only, never a citizen's data (P6).
type AdminOverviewData struct {
	Day                time.Time // the start of the day counted (midnight in Baku)
	CompaniesActive    int
	CompaniesSuspended int
	RequestsToday      []StatusCount // every status in display order, zeros included
	RequestsTotal      int
	PendingNow         int
	APIErrors          int // error answers of the company API in the last hour, counted by this server
	APIServerErrors    int // of which status 500 or above
}

// StatusCount is how many requests have a status.
type StatusCount struct {
	Status portal.RequestStatus
	Count  int
}

// CompanyForm is the register or edit form as typed, with what is wrong, field by field.
type CompanyForm struct {
	Name, VOEN, Sector, Description, Website, ContactEmail string
	Errors                                                 portal.FieldErrors // form field name → catalogue key
}

// CompanyFormOf fills the form with a company's saved details.
func CompanyFormOf(c portal.Company) CompanyForm {
	return CompanyForm{Name: c.Name, VOEN: c.VOEN, Sector: string(c.Sector), Description: c.Description, Website: c.Website, ContactEmail: c.ContactEmail}
}

// AdminCompaniesData is the company list's view model: the search, the companies found and the register form.
type AdminCompaniesData struct {
	Query     string
	Status    string // "", "active" or "suspended"
	Companies []portal.Company
	Form      CompanyForm
}

// AdminCompanyData is one company's admin page: details and offers to edit, API access, API keys.
type AdminCompanyData struct {
	Company portal.Company
	Form    CompanyForm
	Offers  []OfferRow // one per scope of the catalogue, in catalogue order
	Keys    []APIKeyRow
	NewKey  string // a key created by this very request, shown this once; "" otherwise
}

// OfferRow is one scope of the catalogue on the offers form: whether the company offers it and the offer's
// fields as saved or as typed.
type OfferRow struct {
	Scope       portal.Scope
	Name        string // the scope's name, translated
	Description string // the scope's one-line description, translated
	Offered     bool
	Purpose     string
	LegalBasis  string
	LawName     string
	Retention   string
	Frequency   string
	WithdrawnAt *time.Time         // set when the saved offer is withdrawn
	Saved       bool               // the company has an active offer for the scope right now
	Errors      portal.FieldErrors // form field (purpose, legal_basis, ...) → catalogue key
}

// APIKeyRow is an API key as the admin sees it: never the key, only its prefix and times.
type APIKeyRow struct {
	ID         int64
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// offerField is the name of a row's form field: "offer.<scope>.<field>".
func offerField(sc portal.Scope, field string) string { return "offer." + string(sc) + "." + field }

// offerID is the id of a row's form control: "offer-<scope>-<field>".
func offerID(sc portal.Scope, field string) string { return "offer-" + string(sc) + "-" + field }

// adminCompanyPath is the admin page of a company, with an optional action after it.
func adminCompanyPath(id int64, action string) string {
	p := "/admin/companies/" + strconv.FormatInt(id, 10)
	if action != "" {
		p += "/" + action
	}
	return p
}

// adminCompanyURL is adminCompanyPath as a URL for href and action attributes.
func adminCompanyURL(id int64, action string) templ.SafeURL {
	return templ.SafeURL(adminCompanyPath(id, action))
}

// keyRevokeURL is the action of a key's revoke form.
func keyRevokeURL(companyID, keyID int64) templ.SafeURL {
	return templ.SafeURL(adminCompanyPath(companyID, "keys/"+strconv.FormatInt(keyID, 10)+"/revoke"))
}

// keyLabel shows a key by its prefix, in the key's own shape: "pk_abcdefgh_…".
func keyLabel(prefix string) string { return "pk_" + prefix + "_…" }

// fieldInput describes one labelled form control.
type fieldInput struct {
	ID, Name, Label, Hint, Value string
	Error                        string // catalogue key, "" when fine
	Type                         string // input type; "textarea" and "select" render those elements
	Options                      []fieldOption
	Attrs                        templ.Attributes // extra attributes: maxlength, autocomplete, min, ...
}

// fieldOption is one choice of a select.
type fieldOption struct{ Value, Label string }

// controlAttrs are the accessibility attributes of a control: described by its hint and its error, and
// marked invalid when it has one.
func (f fieldInput) controlAttrs() templ.Attributes {
	a := templ.Attributes{}
	for k, v := range f.Attrs {
		if k != "class" {
			a[k] = v
		}
	}
	desc := ""
	if f.Error != "" {
		desc = f.ID + "-error"
		a["aria-invalid"] = "true"
	}
	if f.Hint != "" {
		if desc != "" {
			desc += " "
		}
		desc += f.ID + "-hint"
	}
	if desc != "" {
		a["aria-describedby"] = desc
	}
	return a
}

// inputClass is the control's class: "input" unless the field names its own.
func (f fieldInput) inputClass() string {
	if c, ok := f.Attrs["class"].(string); ok {
		return c
	}
	return "input"
}

// summaryItem is one line of a form's error summary, linking to the control.
type summaryItem struct {
	Target string // the control's id
	Text   string // already translated
}

// companyErrorItems lists the details' problems in form order.
func companyErrorItems(ctx context.Context, f CompanyForm) []summaryItem {
	var out []summaryItem
	for _, name := range []string{"name", "voen", "sector", "description", "website", "contact_email"} {
		if key, ok := f.Errors[name]; ok {
			out = append(out, summaryItem{Target: "company-" + name, Text: t(ctx, "admin.form.error_item", t(ctx, "admin.field."+name), t(ctx, key))})
		}
	}
	return out
}

// offerErrorItems lists the offers' problems, row by row in catalogue order.
func offerErrorItems(ctx context.Context, rows []OfferRow) []summaryItem {
	var out []summaryItem
	for _, r := range rows {
		for _, name := range []string{"purpose", "legal_basis", "law_name", "retention_days", "frequency"} {
			if key, ok := r.Errors[name]; ok {
				out = append(out, summaryItem{Target: offerID(r.Scope, name), Text: t(ctx, "admin.form.offer_error_item", r.Name, t(ctx, "admin.offer."+name), t(ctx, key))})
			}
		}
	}
	return out
}

// companyFields are the register and edit form's controls.
func companyFields(ctx context.Context, f CompanyForm) []fieldInput {
	sectors := []fieldOption{{Value: "", Label: t(ctx, "admin.field.sector_choose")}}
	for _, s := range portal.Sectors {
		sectors = append(sectors, fieldOption{Value: string(s), Label: t(ctx, "sector."+string(s))})
	}
	optional := func(key string) string { return t(ctx, "admin.field.optional", t(ctx, key)) }
	return []fieldInput{
		{ID: "company-name", Name: "name", Label: t(ctx, "admin.field.name"), Value: f.Name, Error: f.Errors["name"], Type: "text",
			Attrs: templ.Attributes{"maxlength": "200", "required": true, "autocomplete": "organization"}},
		{ID: "company-voen", Name: "voen", Label: t(ctx, "admin.field.voen"), Hint: t(ctx, "admin.field.voen_hint"), Value: f.VOEN, Error: f.Errors["voen"], Type: "text",
			Attrs: templ.Attributes{"inputmode": "numeric", "maxlength": "10", "required": true, "autocomplete": "off", "spellcheck": "false", "class": "input input-voen"}},
		{ID: "company-sector", Name: "sector", Label: t(ctx, "admin.field.sector"), Value: f.Sector, Error: f.Errors["sector"], Type: "select", Options: sectors,
			Attrs: templ.Attributes{"required": true}},
		{ID: "company-description", Name: "description", Label: optional("admin.field.description"), Hint: t(ctx, "admin.field.description_hint"), Value: f.Description,
			Error: f.Errors["description"], Type: "textarea", Attrs: templ.Attributes{"maxlength": "2000", "rows": "4"}},
		{ID: "company-website", Name: "website", Label: optional("admin.field.website"), Hint: t(ctx, "admin.field.website_hint"), Value: f.Website,
			Error: f.Errors["website"], Type: "url", Attrs: templ.Attributes{"maxlength": "500", "autocomplete": "url", "spellcheck": "false"}},
		{ID: "company-contact_email", Name: "contact_email", Label: optional("admin.field.contact_email"), Value: f.ContactEmail,
			Error: f.Errors["contact_email"], Type: "email", Attrs: templ.Attributes{"maxlength": "254", "autocomplete": "email", "spellcheck": "false"}},
	}
}

// offerFields are the controls of one offer row.
func offerFields(ctx context.Context, r OfferRow) []fieldInput {
	bases := []fieldOption{
		{Value: string(portal.BasisConsent), Label: t(ctx, "admin.basis.consent")},
		{Value: string(portal.BasisContract), Label: t(ctx, "basis.contract")},
		{Value: string(portal.BasisLaw), Label: t(ctx, "basis.law")},
	}
	freqs := []fieldOption{
		{Value: string(portal.FrequencyOneOff), Label: t(ctx, "freq.one_off")},
		{Value: string(portal.FrequencyRecurring), Label: t(ctx, "freq.recurring")},
	}
	f := func(name, value, typ string, hint string, opts []fieldOption, attrs templ.Attributes) fieldInput {
		return fieldInput{ID: offerID(r.Scope, name), Name: offerField(r.Scope, name), Label: t(ctx, "admin.offer."+name), Hint: hint,
			Value: value, Error: r.Errors[name], Type: typ, Options: opts, Attrs: attrs}
	}
	return []fieldInput{
		f("purpose", r.Purpose, "textarea", t(ctx, "admin.offer.purpose_hint"), nil, templ.Attributes{"maxlength": "500", "rows": "2"}),
		f("legal_basis", r.LegalBasis, "select", "", bases, nil),
		f("law_name", r.LawName, "text", t(ctx, "admin.offer.law_name_hint"), nil, templ.Attributes{"maxlength": "500"}),
		f("retention_days", r.Retention, "number", "", nil, templ.Attributes{"min": "1", "max": "36500", "step": "1", "inputmode": "numeric", "class": "input input-days"}),
		f("frequency", r.Frequency, "select", "", freqs, nil),
	}
}

// offerState is the row's current state on the server: offered, withdrawn or never offered.
func offerState(ctx context.Context, r OfferRow) (class, text string) {
	switch {
	case r.Saved:
		return "status-active", t(ctx, "admin.offer.state.offered")
	case r.WithdrawnAt != nil:
		return "status-inactive", t(ctx, "admin.offer.state.withdrawn", FormatDate(ctx, *r.WithdrawnAt))
	default:
		return "status-inactive", t(ctx, "admin.offer.state.none")
	}
}

// companyStatusClass is the pill colour of a company status.
func companyStatusClass(s portal.CompanyStatus) string { return "status status-" + string(s) }

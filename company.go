package portal

import (
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Sector is a company's line of business.
type Sector string

// Sectors lists every sector in display order.
var Sectors = []Sector{"bank", "insurance", "telecom", "employer", "education", "health", "utility", "other"}

// ParseSector checks a sector code.
func ParseSector(s string) (Sector, error) {
	for _, sec := range Sectors {
		if string(sec) == s {
			return sec, nil
		}
	}
	return "", Errorf(EINVALID, "unknown sector %q", s).WithKey("err.sector_unknown")
}

// CompanyStatus tells whether a company's API access is open.
type CompanyStatus string

// The company statuses.
const (
	CompanyActive    CompanyStatus = "active"
	CompanySuspended CompanyStatus = "suspended"
)

// Company is an organisation integrated with the platform that asks for citizens' data through the API.
type Company struct {
	ID           int64
	Name         string
	VOEN         string
	Sector       Sector
	Description  string
	Website      string
	ContactEmail string
	Status       CompanyStatus
	CreatedAt    time.Time
}

// CompanyInput is what an admin types to register or edit a company.
type CompanyInput struct {
	Name, VOEN, Sector, Description, Website, ContactEmail string
}

// FieldErrors maps a form field to the translation key of what is wrong with it.
type FieldErrors map[string]string

// Validate checks every field and returns the normalized company and the problems found, field by field.
func (in CompanyInput) Validate() (Company, FieldErrors) {
	errs := FieldErrors{}
	c := Company{
		Name:         strings.TrimSpace(in.Name),
		Description:  strings.TrimSpace(in.Description),
		Website:      strings.TrimSpace(in.Website),
		ContactEmail: strings.TrimSpace(in.ContactEmail),
		Status:       CompanyActive,
	}
	if n := utf8.RuneCountInString(c.Name); n == 0 || n > 200 {
		errs["name"] = "err.company_name"
	}
	if v, err := ParseVOEN(in.VOEN); err != nil {
		errs["voen"] = "err.voen_format"
	} else {
		c.VOEN = v
	}
	if s, err := ParseSector(strings.TrimSpace(in.Sector)); err != nil {
		errs["sector"] = "err.sector_unknown"
	} else {
		c.Sector = s
	}
	if utf8.RuneCountInString(c.Description) > 2000 {
		errs["description"] = "err.description_long"
	}
	if c.Website != "" {
		u, err := url.Parse(c.Website)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || len(c.Website) > 500 {
			errs["website"] = "err.website_format"
		}
	}
	if c.ContactEmail != "" {
		a, err := mail.ParseAddress(c.ContactEmail)
		if err != nil || a.Address != c.ContactEmail || len(c.ContactEmail) > 254 {
			errs["contact_email"] = "err.email_format"
		}
	}
	return c, errs
}

// LegalBasis is why a company may process the data of an offer.
type LegalBasis string

// The legal bases.
const (
	BasisConsent  LegalBasis = "consent"
	BasisContract LegalBasis = "contract"
	BasisLaw      LegalBasis = "law"
)

// Frequency tells whether an offer's data is asked for once or again and again.
type Frequency string

// The frequencies.
const (
	FrequencyOneOff    Frequency = "one_off"
	FrequencyRecurring Frequency = "recurring"
)

// Offer is one scope a company may ask for, with why and for how long it keeps the data.
type Offer struct {
	ID            int64
	CompanyID     int64
	Scope         Scope
	Purpose       string
	LegalBasis    LegalBasis
	LawName       string // the named law when LegalBasis is BasisLaw
	RetentionDays int
	Frequency     Frequency
	WithdrawnAt   *time.Time // set when the admin removed the offer; consents stay (P2)
}

// Active reports whether the company may still ask for this scope.
func (o Offer) Active() bool { return o.WithdrawnAt == nil }

// Validate checks an offer's fields and returns the first problem, in form order.
func (o Offer) Validate() error {
	for _, c := range offerChecks {
		if err := c.check(o); err != nil {
			return err
		}
	}
	return nil
}

// FieldErrors checks every field of the offer and returns all the problems at once, each under its form
// field's name (scope, purpose, legal_basis, law_name, retention_days, frequency), so that a form can show
// each message beside its field. It applies exactly Validate's rules.
func (o Offer) FieldErrors() FieldErrors {
	errs := FieldErrors{}
	for _, c := range offerChecks {
		if err := c.check(o); err != nil {
			errs[c.field] = err.Key
		}
	}
	return errs
}

// offerChecks are the rules of an offer, one per field, in form order: Validate and FieldErrors share them.
var offerChecks = []struct {
	field string
	check func(Offer) *Error
}{
	{"scope", func(o Offer) *Error {
		if !o.Scope.Valid() {
			return Errorf(EINVALID, "unknown scope %q", o.Scope).WithKey("err.scope_unknown")
		}
		return nil
	}},
	{"purpose", func(o Offer) *Error {
		if n := utf8.RuneCountInString(strings.TrimSpace(o.Purpose)); n == 0 || n > 500 {
			return Errorf(EINVALID, "purpose must be 1-500 characters").WithKey("err.purpose_length")
		}
		return nil
	}},
	{"legal_basis", func(o Offer) *Error {
		switch o.LegalBasis {
		case BasisConsent, BasisContract, BasisLaw:
			return nil
		}
		return Errorf(EINVALID, "unknown legal basis %q", o.LegalBasis).WithKey("err.legal_basis")
	}},
	{"law_name", func(o Offer) *Error {
		if o.LegalBasis == BasisLaw && strings.TrimSpace(o.LawName) == "" {
			return Errorf(EINVALID, "a legal basis of law must name the law").WithKey("err.law_name")
		}
		return nil
	}},
	{"retention_days", func(o Offer) *Error {
		if o.RetentionDays < 1 || o.RetentionDays > 36500 {
			return Errorf(EINVALID, "retention must be 1-36500 days").WithKey("err.retention")
		}
		return nil
	}},
	{"frequency", func(o Offer) *Error {
		if o.Frequency != FrequencyOneOff && o.Frequency != FrequencyRecurring {
			return Errorf(EINVALID, "unknown frequency %q", o.Frequency).WithKey("err.frequency")
		}
		return nil
	}},
}

package portal_test

import (
	"maps"
	"strings"
	"testing"

	"portal"
)

func TestParseSector(t *testing.T) {
	for _, sec := range []string{"bank", "insurance", "telecom", "employer", "education", "health", "utility", "other"} {
		t.Run(sec, func(t *testing.T) {
			got, err := portal.ParseSector(sec)
			if err != nil {
				t.Fatalf("ParseSector(%q) error: %v", sec, err)
			}
			if string(got) != sec {
				t.Errorf("ParseSector(%q) = %q", sec, got)
			}
		})
	}
	for _, in := range []string{"", "Bank", "BANK", " bank", "casino", "government"} {
		t.Run("refused "+in, func(t *testing.T) {
			got, err := portal.ParseSector(in)
			if err == nil {
				t.Fatalf("ParseSector(%q) = %q, nil; want an error", in, got)
			}
			wantErr(t, err, portal.EINVALID, "err.sector_unknown")
		})
	}
}

func validCompanyInput() portal.CompanyInput {
	return portal.CompanyInput{
		Name:         "Kapital Bank",
		VOEN:         "1234567890",
		Sector:       "bank",
		Description:  "A retail bank.",
		Website:      "https://kapitalbank.az",
		ContactEmail: "info@kapitalbank.az",
	}
}

func TestCompanyInput_Validate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(in *portal.CompanyInput)
		errors portal.FieldErrors // exactly these
	}{
		{"valid", func(*portal.CompanyInput) {}, nil},
		{"valid without optional fields", func(in *portal.CompanyInput) {
			in.Description, in.Website, in.ContactEmail = "", "", ""
		}, nil},
		{"name of 200 characters", func(in *portal.CompanyInput) { in.Name = runes("Ə", 200) }, nil},
		{"name empty", func(in *portal.CompanyInput) { in.Name = "" }, portal.FieldErrors{"name": "err.company_name"}},
		{"name only spaces", func(in *portal.CompanyInput) { in.Name = "   " }, portal.FieldErrors{"name": "err.company_name"}},
		{"name of 201 characters", func(in *portal.CompanyInput) { in.Name = runes("Ə", 201) }, portal.FieldErrors{"name": "err.company_name"}},
		{"voen empty", func(in *portal.CompanyInput) { in.VOEN = "" }, portal.FieldErrors{"voen": "err.voen_format"}},
		{"voen nine digits", func(in *portal.CompanyInput) { in.VOEN = "123456789" }, portal.FieldErrors{"voen": "err.voen_format"}},
		{"voen with a letter", func(in *portal.CompanyInput) { in.VOEN = "123456789X" }, portal.FieldErrors{"voen": "err.voen_format"}},
		{"voen with spaces around", func(in *portal.CompanyInput) { in.VOEN = " 1234567890 " }, nil},
		{"sector empty", func(in *portal.CompanyInput) { in.Sector = "" }, portal.FieldErrors{"sector": "err.sector_unknown"}},
		{"sector unknown", func(in *portal.CompanyInput) { in.Sector = "casino" }, portal.FieldErrors{"sector": "err.sector_unknown"}},
		{"sector wrong case", func(in *portal.CompanyInput) { in.Sector = "Bank" }, portal.FieldErrors{"sector": "err.sector_unknown"}},
		{"sector with spaces around", func(in *portal.CompanyInput) { in.Sector = " bank " }, nil},
		{"website http", func(in *portal.CompanyInput) { in.Website = "http://kapitalbank.az/about" }, nil},
		{"website javascript:", func(in *portal.CompanyInput) { in.Website = "javascript:alert(1)" }, portal.FieldErrors{"website": "err.website_format"}},
		{"website JavaScript: mixed case", func(in *portal.CompanyInput) { in.Website = "JavaScript:alert(1)" }, portal.FieldErrors{"website": "err.website_format"}},
		{"website data:", func(in *portal.CompanyInput) { in.Website = "data:text/html,<script>alert(1)</script>" }, portal.FieldErrors{"website": "err.website_format"}},
		{"website ftp:", func(in *portal.CompanyInput) { in.Website = "ftp://kapitalbank.az" }, portal.FieldErrors{"website": "err.website_format"}},
		{"website without scheme", func(in *portal.CompanyInput) { in.Website = "kapitalbank.az" }, portal.FieldErrors{"website": "err.website_format"}},
		{"website scheme-relative", func(in *portal.CompanyInput) { in.Website = "//kapitalbank.az" }, portal.FieldErrors{"website": "err.website_format"}},
		{"website missing host", func(in *portal.CompanyInput) { in.Website = "https://" }, portal.FieldErrors{"website": "err.website_format"}},
		{"website missing host with path", func(in *portal.CompanyInput) { in.Website = "http:///about" }, portal.FieldErrors{"website": "err.website_format"}},
		{"website opaque https:", func(in *portal.CompanyInput) { in.Website = "https:kapitalbank.az" }, portal.FieldErrors{"website": "err.website_format"}},
		// A port is not a host: "https://:443" has no host name.
		{"website missing host with port", func(in *portal.CompanyInput) { in.Website = "https://:443" }, portal.FieldErrors{"website": "err.website_format"}},
		{"website with space in host", func(in *portal.CompanyInput) { in.Website = "https://kapital bank.az" }, portal.FieldErrors{"website": "err.website_format"}},
		{"website too long", func(in *portal.CompanyInput) { in.Website = "https://kapitalbank.az/" + strings.Repeat("a", 500) }, portal.FieldErrors{"website": "err.website_format"}},
		{"e-mail malformed", func(in *portal.CompanyInput) { in.ContactEmail = "not-an-email" }, portal.FieldErrors{"contact_email": "err.email_format"}},
		{"e-mail two @", func(in *portal.CompanyInput) { in.ContactEmail = "a@b@kapitalbank.az" }, portal.FieldErrors{"contact_email": "err.email_format"}},
		{"e-mail with display name", func(in *portal.CompanyInput) { in.ContactEmail = "Kapital <info@kapitalbank.az>" }, portal.FieldErrors{"contact_email": "err.email_format"}},
		{"e-mail in angle brackets", func(in *portal.CompanyInput) { in.ContactEmail = "<info@kapitalbank.az>" }, portal.FieldErrors{"contact_email": "err.email_format"}},
		{"e-mail too long", func(in *portal.CompanyInput) {
			in.ContactEmail = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190) + ".az"
		}, portal.FieldErrors{"contact_email": "err.email_format"}},
		{"e-mail with spaces around", func(in *portal.CompanyInput) { in.ContactEmail = " info@kapitalbank.az " }, nil},
		{"description of 2000 characters", func(in *portal.CompanyInput) { in.Description = runes("ş", 2000) }, nil},
		{"description too long", func(in *portal.CompanyInput) { in.Description = runes("ş", 2001) }, portal.FieldErrors{"description": "err.description_long"}},
		{"everything empty", func(in *portal.CompanyInput) { *in = portal.CompanyInput{} }, portal.FieldErrors{
			"name": "err.company_name", "voen": "err.voen_format", "sector": "err.sector_unknown",
		}},
		{"several at once", func(in *portal.CompanyInput) {
			in.Website, in.ContactEmail, in.VOEN = "ftp://x.az", "x", "1"
		}, portal.FieldErrors{"website": "err.website_format", "contact_email": "err.email_format", "voen": "err.voen_format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validCompanyInput()
			tt.edit(&in)
			_, errs := in.Validate()
			if errs == nil {
				t.Fatal("Validate returned nil FieldErrors; want an empty map when valid")
			}
			want := tt.errors
			if want == nil {
				want = portal.FieldErrors{}
			}
			if !maps.Equal(errs, want) {
				t.Errorf("Validate errors = %v, want %v", errs, want)
			}
		})
	}
}

func TestCompanyInput_Validate_Normalizes(t *testing.T) {
	in := portal.CompanyInput{
		Name:         "  Azercell  ",
		VOEN:         " 9900000001 ",
		Sector:       " telecom ",
		Description:  "  Mobile operator.\n",
		Website:      " https://azercell.com ",
		ContactEmail: " info@azercell.com ",
	}
	c, errs := in.Validate()
	if len(errs) != 0 {
		t.Fatalf("Validate errors = %v", errs)
	}
	want := portal.Company{
		Name: "Azercell", VOEN: "9900000001", Sector: "telecom", Description: "Mobile operator.",
		Website: "https://azercell.com", ContactEmail: "info@azercell.com", Status: portal.CompanyActive,
	}
	if c != want {
		t.Errorf("Validate company = %+v, want %+v", c, want)
	}
}

func validOffer() portal.Offer {
	return portal.Offer{
		CompanyID: 1, Scope: portal.ScopeIncome, Purpose: "Assess a loan application",
		LegalBasis: portal.BasisConsent, RetentionDays: 365, Frequency: portal.FrequencyOneOff,
	}
}

func TestOffer_Validate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(o *portal.Offer)
		wantKey string // "" means valid
	}{
		{"valid", func(*portal.Offer) {}, ""},
		{"contract", func(o *portal.Offer) { o.LegalBasis = portal.BasisContract }, ""},
		{"law with its name", func(o *portal.Offer) { o.LegalBasis, o.LawName = portal.BasisLaw, "Law on Banks, art. 41" }, ""},
		{"recurring", func(o *portal.Offer) { o.Frequency = portal.FrequencyRecurring }, ""},
		{"purpose of 500 characters", func(o *portal.Offer) { o.Purpose = runes("ə", 500) }, ""},
		{"retention of 1 day", func(o *portal.Offer) { o.RetentionDays = 1 }, ""},
		{"retention of 36500 days", func(o *portal.Offer) { o.RetentionDays = 36500 }, ""},
		{"scope empty", func(o *portal.Offer) { o.Scope = "" }, "err.scope_unknown"},
		{"scope unknown", func(o *portal.Offer) { o.Scope = "passwords" }, "err.scope_unknown"},
		{"purpose empty", func(o *portal.Offer) { o.Purpose = "" }, "err.purpose_length"},
		{"purpose only spaces", func(o *portal.Offer) { o.Purpose = " \t " }, "err.purpose_length"},
		{"purpose of 501 characters", func(o *portal.Offer) { o.Purpose = runes("ə", 501) }, "err.purpose_length"},
		{"legal basis empty", func(o *portal.Offer) { o.LegalBasis = "" }, "err.legal_basis"},
		{"legal basis unknown", func(o *portal.Offer) { o.LegalBasis = "legitimate_interest" }, "err.legal_basis"},
		{"law without a name", func(o *portal.Offer) { o.LegalBasis = portal.BasisLaw }, "err.law_name"},
		{"law with a blank name", func(o *portal.Offer) { o.LegalBasis, o.LawName = portal.BasisLaw, "   " }, "err.law_name"},
		{"retention zero", func(o *portal.Offer) { o.RetentionDays = 0 }, "err.retention"},
		{"retention negative", func(o *portal.Offer) { o.RetentionDays = -1 }, "err.retention"},
		{"retention of 36501 days", func(o *portal.Offer) { o.RetentionDays = 36501 }, "err.retention"},
		{"frequency empty", func(o *portal.Offer) { o.Frequency = "" }, "err.frequency"},
		{"frequency unknown", func(o *portal.Offer) { o.Frequency = "daily" }, "err.frequency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := validOffer()
			tt.edit(&o)
			err := o.Validate()
			if tt.wantKey == "" {
				if err != nil {
					t.Fatalf("Validate() error: %v", err)
				}
				return
			}
			wantErr(t, err, portal.EINVALID, tt.wantKey)
		})
	}
}

func TestOffer_Active(t *testing.T) {
	withdrawn := base
	tests := []struct {
		name string
		o    portal.Offer
		want bool
	}{
		{"not withdrawn", portal.Offer{}, true},
		{"withdrawn", portal.Offer{WithdrawnAt: &withdrawn}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.o.Active(); got != tt.want {
				t.Errorf("Active() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOffer_FieldErrors(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		if errs := validOffer().FieldErrors(); len(errs) != 0 {
			t.Errorf("FieldErrors() = %v, want none", errs)
		}
	})
	t.Run("every field wrong at once", func(t *testing.T) {
		o := portal.Offer{Scope: "passwords", Purpose: " ", LegalBasis: portal.BasisLaw, RetentionDays: 0, Frequency: "daily"}
		want := portal.FieldErrors{
			"scope": "err.scope_unknown", "purpose": "err.purpose_length", "law_name": "err.law_name",
			"retention_days": "err.retention", "frequency": "err.frequency",
		}
		if got := o.FieldErrors(); !maps.Equal(got, want) {
			t.Errorf("FieldErrors() = %v, want %v", got, want)
		}
		// Validate reports the first of them, in form order.
		wantErr(t, o.Validate(), portal.EINVALID, "err.scope_unknown")
	})
	t.Run("unknown basis", func(t *testing.T) {
		o := validOffer()
		o.LegalBasis = "whim"
		if got := o.FieldErrors(); !maps.Equal(got, portal.FieldErrors{"legal_basis": "err.legal_basis"}) {
			t.Errorf("FieldErrors() = %v", got)
		}
	})
}

package portal

// Scope is a category of personal data held by the state's registries (PRODUCT.md §3).
type Scope string

// The scope catalogue.
const (
	ScopeIdentity   Scope = "identity"
	ScopeIDDocument Scope = "id_document"
	ScopeAddress    Scope = "address"
	ScopeContact    Scope = "contact"
	ScopeEmployment Scope = "employment"
	ScopeIncome     Scope = "income"
	ScopeEducation  Scope = "education"
	ScopeVehicles   Scope = "vehicles"
	ScopeProperty   Scope = "property"
	ScopeSocial     Scope = "social"
)

// Scopes lists every scope in catalogue order.
var Scopes = []Scope{
	ScopeIdentity, ScopeIDDocument, ScopeAddress, ScopeContact, ScopeEmployment,
	ScopeIncome, ScopeEducation, ScopeVehicles, ScopeProperty, ScopeSocial,
}

// scopeFields names the fields a company receives for each scope, in display order. The translation
// catalogue has a label for each as "field.<name>".
var scopeFields = map[Scope][]string{
	ScopeIdentity:   {"fin", "first_name", "last_name", "patronymic", "birth_date", "sex"},
	ScopeIDDocument: {"series", "number", "issue_date", "expiry_date", "issued_by"},
	ScopeAddress:    {"city", "district", "street", "building", "apartment", "registered_on"},
	ScopeContact:    {"mobile", "email"},
	ScopeEmployment: {"employer", "employer_voen", "position", "start_date"},
	ScopeIncome:     {"monthly_salaries"},
	ScopeEducation:  {"degrees"},
	ScopeVehicles:   {"vehicles"},
	ScopeProperty:   {"properties"},
	ScopeSocial:     {"benefits"},
}

// Fields returns the names of the fields a company receives for the scope.
func (s Scope) Fields() []string { return scopeFields[s] }

// Valid reports whether s is in the catalogue.
func (s Scope) Valid() bool {
	_, ok := scopeFields[s]
	return ok
}

// ParseScope checks a scope code.
func ParseScope(s string) (Scope, error) {
	sc := Scope(s)
	if !sc.Valid() {
		return "", Errorf(EINVALID, "unknown scope %q", s).WithKey("err.scope_unknown")
	}
	return sc, nil
}

// ParseScopes checks a list of scope codes: at least one, each known, none twice. The result keeps the
// catalogue order so that equal sets compare equal.
func ParseScopes(codes []string) ([]Scope, error) {
	if len(codes) == 0 {
		return nil, Errorf(EINVALID, "at least one scope is required")
	}
	seen := make(map[Scope]bool, len(codes))
	for _, c := range codes {
		sc, err := ParseScope(c)
		if err != nil {
			return nil, err
		}
		if seen[sc] {
			return nil, Errorf(EINVALID, "scope %q is listed twice", c)
		}
		seen[sc] = true
	}
	out := make([]Scope, 0, len(seen))
	for _, sc := range Scopes {
		if seen[sc] {
			out = append(out, sc)
		}
	}
	return out, nil
}

// String returns the scope's code.
func (s Scope) String() string { return string(s) }

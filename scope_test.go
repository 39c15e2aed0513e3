package portal_test

import (
	"slices"
	"testing"

	"portal"
)

func TestParseScope(t *testing.T) {
	for _, sc := range portal.Scopes {
		t.Run(string(sc), func(t *testing.T) {
			got, err := portal.ParseScope(string(sc))
			if err != nil {
				t.Fatalf("ParseScope(%q) error: %v", sc, err)
			}
			if got != sc {
				t.Errorf("ParseScope(%q) = %q", sc, got)
			}
		})
	}
	for _, in := range []string{"", "Identity", "IDENTITY", " identity", "identity ", "passwords", "id-document", "address,contact"} {
		t.Run("refused "+in, func(t *testing.T) {
			got, err := portal.ParseScope(in)
			if err == nil {
				t.Fatalf("ParseScope(%q) = %q, nil; want an error", in, got)
			}
			wantErr(t, err, portal.EINVALID, "err.scope_unknown")
		})
	}
}

func TestParseScopes(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		want    []portal.Scope
		wantErr bool
	}{
		{"one", []string{"address"}, []portal.Scope{portal.ScopeAddress}, false},
		{"catalogue order kept", []string{"identity", "address"}, []portal.Scope{portal.ScopeIdentity, portal.ScopeAddress}, false},
		{"order normalized", []string{"income", "address", "identity"}, []portal.Scope{portal.ScopeIdentity, portal.ScopeAddress, portal.ScopeIncome}, false},
		{"all reversed", []string{"social", "property", "vehicles", "education", "income", "employment", "contact", "address", "id_document", "identity"}, portal.Scopes, false},
		{"nil", nil, nil, true},
		{"empty", []string{}, nil, true},
		{"empty code", []string{""}, nil, true},
		{"duplicate", []string{"address", "address"}, nil, true},
		{"duplicate apart", []string{"identity", "address", "identity"}, nil, true},
		{"unknown", []string{"passwords"}, nil, true},
		{"unknown among known", []string{"identity", "passwords", "address"}, nil, true},
		{"wrong case", []string{"Identity"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := portal.ParseScopes(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseScopes(%q) = %v, nil; want an error", tt.in, got)
				}
				wantErr(t, err, portal.EINVALID, "")
				return
			}
			if err != nil {
				t.Fatalf("ParseScopes(%q) error: %v", tt.in, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseScopes(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	t.Run("equal sets compare equal", func(t *testing.T) {
		a, errA := portal.ParseScopes([]string{"contact", "identity", "income"})
		b, errB := portal.ParseScopes([]string{"income", "contact", "identity"})
		if errA != nil || errB != nil {
			t.Fatalf("errors: %v, %v", errA, errB)
		}
		if !slices.Equal(a, b) {
			t.Errorf("%v != %v", a, b)
		}
	})
}

func TestScope_Fields(t *testing.T) {
	if len(portal.Scopes) != 10 {
		t.Errorf("len(Scopes) = %d, want the 10 scopes of PRODUCT.md §3", len(portal.Scopes))
	}
	for _, sc := range portal.Scopes {
		t.Run(string(sc), func(t *testing.T) {
			if !sc.Valid() {
				t.Errorf("%q.Valid() = false", sc)
			}
			if len(sc.Fields()) == 0 {
				t.Errorf("%q.Fields() is empty", sc)
			}
		})
	}
	t.Run("identity fields", func(t *testing.T) {
		want := []string{"fin", "first_name", "last_name", "patronymic", "birth_date", "sex"}
		if got := portal.ScopeIdentity.Fields(); !slices.Equal(got, want) {
			t.Errorf("Fields() = %v, want %v", got, want)
		}
	})
	t.Run("unknown scope", func(t *testing.T) {
		sc := portal.Scope("passwords")
		if sc.Valid() {
			t.Error("Valid() = true for an unknown scope")
		}
		if got := sc.Fields(); got != nil {
			t.Errorf("Fields() = %v, want nil", got)
		}
	})
}

package portal_test

import (
	"strings"
	"testing"
	"time"

	"portal"
)

// base is the fixed instant every clock-driven test starts from.
var base = time.Date(2025, time.March, 14, 10, 0, 0, 0, time.UTC)

// wantErr checks that err is a *portal.Error with the given code and, when key is not empty, translation key.
func wantErr(t *testing.T, err error, code, key string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want code %q", code)
	}
	if got := portal.ErrorCode(err); got != code {
		t.Errorf("ErrorCode(err) = %q, want %q (err: %v)", got, code, err)
	}
	if key != "" {
		if got := portal.ErrorKey(err); got != key {
			t.Errorf("ErrorKey(err) = %q, want %q", got, key)
		}
	}
}

func TestParseFIN(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // "" means refused
	}{
		{"upper case", "5ABCD12", "5ABCD12"},
		{"digits only", "1234567", "1234567"},
		{"letters only", "ABCDEFG", "ABCDEFG"},
		{"lower case is upper-cased", "5abcd12", "5ABCD12"},
		{"mixed case", "7xYz987", "7XYZ987"},
		{"surrounding spaces trimmed", "  3qwe456  ", "3QWE456"},
		{"tabs and newline trimmed", "\t5ABCD12\n", "5ABCD12"},
		{"empty", "", ""},
		{"only spaces", "       ", ""},
		{"six characters", "5ABCD1", ""},
		{"eight characters", "5ABCD123", ""},
		{"inner space", "5AB D12", ""},
		{"hyphen", "5AB-D12", ""},
		{"dot", "5AB.D12", ""},
		{"slash", "5AB/D12", ""},
		{"underscore", "5AB_D12", ""},
		{"Azerbaijani capital schwa", "5ABCƏ12", ""},
		{"Azerbaijani small schwa, 7 bytes once upper-cased", "5ABCə1", ""},
		{"Azerbaijani Ş", "5ABCŞ1", ""},
		{"Azerbaijani Ü", "5ABCÜ1", ""},
		{"Cyrillic look-alikes", "5АВС123", ""},
		{"full-width digit", "５ABCD12", ""},
		{"NUL byte", "5ABCD1\x00", ""},
		// These two are letters outside A-Z whose upper case is an ASCII letter: "ı" (dotless i) becomes "I"
		// and "ſ" (long s) becomes "S". A FIN is digits and Latin capitals; these must be refused.
		{"dotless i upper-cases to I", "5ABCD1ı", ""},
		{"long s upper-cases to S", "5ABCD1ſ", ""},
		{"long s in a 7-byte, 6-character input", "5ABCſ1", ""},
		{"dotless i in a 7-byte, 6-character input", "5ABCı1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := portal.ParseFIN(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("ParseFIN(%q) = %q, nil; want an error", tt.in, got)
				}
				wantErr(t, err, portal.EINVALID, "err.fin_format")
				return
			}
			if err != nil {
				t.Fatalf("ParseFIN(%q) error: %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseFIN(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseVOEN(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // "" means refused
	}{
		{"ten digits", "1234567890", "1234567890"},
		{"leading zeros kept", "0012345678", "0012345678"},
		{"surrounding spaces trimmed", " 1234567890\t", "1234567890"},
		{"empty", "", ""},
		{"nine digits", "123456789", ""},
		{"eleven digits", "12345678901", ""},
		{"letter", "12345678A0", ""},
		{"hyphen", "12345-7890", ""},
		{"inner space", "12345 67890", ""},
		{"sign", "+123456789", ""},
		{"full-width digits", "１２３４５６７８９０", ""},
		{"Arabic-Indic digits", "١٢٣٤٥٦٧٨٩٠", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := portal.ParseVOEN(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("ParseVOEN(%q) = %q, nil; want an error", tt.in, got)
				}
				wantErr(t, err, portal.EINVALID, "err.voen_format")
				return
			}
			if err != nil {
				t.Fatalf("ParseVOEN(%q) error: %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseVOEN(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestUser_IsAdmin(t *testing.T) {
	tests := []struct {
		role portal.Role
		want bool
	}{
		{portal.RoleAdmin, true},
		{portal.RoleCitizen, false},
		{"", false},
		{"ADMIN", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			if got := (portal.User{Role: tt.role}).IsAdmin(); got != tt.want {
				t.Errorf("IsAdmin() with role %q = %v, want %v", tt.role, got, tt.want)
			}
		})
	}
}

func TestSystemClock_Now(t *testing.T) {
	before := time.Now()
	got := portal.SystemClock{}.Now()
	after := time.Now()
	if got.Location() != time.UTC {
		t.Errorf("SystemClock.Now() location = %v, want UTC", got.Location())
	}
	if got.Before(before.Truncate(time.Second)) || got.After(after.Add(time.Second)) {
		t.Errorf("SystemClock.Now() = %v, not between %v and %v", got, before, after)
	}
}

// runes returns s repeated n times; with a multi-byte s it tests that limits count characters, not bytes.
func runes(s string, n int) string { return strings.Repeat(s, n) }

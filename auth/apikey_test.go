package auth

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

var keyShape = regexp.MustCompile(`^pk_[a-z2-7]{8}_[A-Za-z0-9_-]{43}$`)

func TestGenerateAPIKey(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		key, prefix, hash, err := GenerateAPIKey()
		if err != nil {
			t.Fatal(err)
		}
		if !keyShape.MatchString(key) || !ValidAPIKey(key) {
			t.Fatalf("key %q has the wrong shape", key)
		}
		if !strings.HasPrefix(key, "pk_"+prefix+"_") || APIKeyPrefix(key) != prefix {
			t.Fatalf("prefix %q does not start key %q", prefix, key)
		}
		if !bytes.Equal(hash, HashAPIKey(key)) || len(hash) != 32 {
			t.Fatalf("hash %x is not SHA-256 of the key", hash)
		}
		if seen[key] {
			t.Fatal("duplicate key")
		}
		seen[key] = true
	}
}

func TestParseBearer(t *testing.T) {
	key, _, _, _ := GenerateAPIKey()
	tests := []struct {
		name   string
		header string
		ok     bool
	}{
		{"bearer", "Bearer " + key, true},
		{"lower-case scheme", "bearer " + key, true},
		{"upper-case scheme", "BEARER " + key, true},
		{"extra spaces", "Bearer   " + key + " ", true},
		{"empty", "", false},
		{"scheme only", "Bearer", false},
		{"scheme and space", "Bearer ", false},
		{"no space", "Bearer" + key, false},
		{"basic", "Basic " + key, false},
		{"bare key", key, false},
		{"two tokens", "Bearer " + key + " " + key, false},
		{"wrong prefix", "Bearer sk_" + key[3:], false},
		{"upper-case key prefix", "Bearer pk_" + strings.ToUpper(key[3:11]) + key[11:], false},
		{"short secret", "Bearer " + key[:len(key)-1], false},
		{"long secret", "Bearer " + key + "A", false},
		{"bad character", "Bearer " + key[:len(key)-1] + "+", false},
		{"oversized", "Bearer " + key + strings.Repeat(" ", 200), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseBearer(tt.header)
			if ok != tt.ok || (ok && got != key) || (!ok && got != "") {
				t.Fatalf("ParseBearer = %q, %v; want ok %v", got, ok, tt.ok)
			}
		})
	}
}

func TestSameHash(t *testing.T) {
	a := HashAPIKey("pk_a")
	tests := []struct {
		name string
		x, y []byte
		want bool
	}{
		{"equal", a, HashAPIKey("pk_a"), true},
		{"different", a, HashAPIKey("pk_b"), false},
		{"shorter", a, a[:31], false},
		{"both empty", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SameHash(tt.x, tt.y); got != tt.want {
				t.Fatalf("SameHash = %v, want %v", got, tt.want)
			}
		})
	}
}

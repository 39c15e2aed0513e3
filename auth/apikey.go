package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"strings"
)

// API key layout: "pk_" + 8-character prefix + "_" + base64url of 32 random bytes. The prefix is shown in
// lists so that a company can tell its keys apart; the secret part carries the key's 256 random bits.
const (
	apiKeyScheme    = "pk_"
	apiKeyPrefixLen = 8
	apiKeySecretLen = 43 // base64url, unpadded, of 32 bytes
	apiKeyLen       = len(apiKeyScheme) + apiKeyPrefixLen + 1 + apiKeySecretLen
	// maxBearerLen bounds what ParseBearer looks at, so an oversized header costs nothing.
	maxBearerLen = 200
)

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// GenerateAPIKey returns a new API key, its prefix for display and its SHA-256 for storage. The key itself
// is shown to the company once and never stored. The error is always nil today (crypto/rand does not fail
// since Go 1.24); it stays in the signature so that a future source of randomness may report failure.
func GenerateAPIKey() (key, prefix string, hash []byte, err error) {
	p := make([]byte, 5) // 5 bytes = 8 base32 characters
	secret := make([]byte, 32)
	_, _ = rand.Read(p)
	_, _ = rand.Read(secret)
	prefix = lowerBase32.EncodeToString(p)[:apiKeyPrefixLen]
	key = apiKeyScheme + prefix + "_" + base64.RawURLEncoding.EncodeToString(secret)
	return key, prefix, HashAPIKey(key), nil
}

// HashAPIKey returns the SHA-256 of key, the form in which keys are stored and looked up. A fast hash is
// right here: the key has 256 random bits, so there is nothing to brute-force.
func HashAPIKey(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return sum[:]
}

// SameHash compares two hashes in constant time, so that a lookup's final check leaks nothing through
// timing.
func SameHash(a, b []byte) bool {
	return len(a) > 0 && subtle.ConstantTimeCompare(a, b) == 1
}

// ValidAPIKey reports whether key has the shape GenerateAPIKey produces.
func ValidAPIKey(key string) bool {
	if len(key) != apiKeyLen || !strings.HasPrefix(key, apiKeyScheme) || key[len(apiKeyScheme)+apiKeyPrefixLen] != '_' {
		return false
	}
	for _, c := range key[len(apiKeyScheme) : len(apiKeyScheme)+apiKeyPrefixLen] {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(key[len(apiKeyScheme)+apiKeyPrefixLen+1:])
	return err == nil && len(raw) == 32
}

// APIKeyPrefix returns the display prefix of a well-formed key ("" otherwise), e.g. for a log line that
// must name the key without revealing it.
func APIKeyPrefix(key string) string {
	if !ValidAPIKey(key) {
		return ""
	}
	return key[len(apiKeyScheme) : len(apiKeyScheme)+apiKeyPrefixLen]
}

// ParseBearer extracts an API key from an Authorization header value of the form "Bearer <key>". The scheme
// is matched case-insensitively and the spaces around the key are tolerated; anything else (another scheme,
// an empty or oversized value, a key not shaped like ours) is refused. Keys are accepted only in this header,
// never in a query string, where they would end up in logs.
func ParseBearer(authorizationHeader string) (key string, ok bool) {
	h := authorizationHeader
	if h == "" || len(h) > maxBearerLen {
		return "", false
	}
	scheme, rest, found := strings.Cut(strings.TrimLeft(h, " \t"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	key = strings.Trim(rest, " \t")
	if !ValidAPIKey(key) {
		return "", false
	}
	return key, true
}

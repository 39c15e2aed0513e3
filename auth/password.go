// Package auth holds the portal's authentication parts: argon2id passwords, server-side sessions over a
// backend the store implements, CSRF tokens, API keys, login throttling and the role check. It imports only
// the root package and a few small libraries; the web layer wires it to the store and to Echo.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"portal"
)

// Password length limits, counted in characters (runes), as PRODUCT.md §8 asks: long passphrases welcome,
// no composition rules.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

// maxPasswordBytes is the longest input that can ever match: MaxPasswordLen runes of at most 4 bytes each.
// Verify refuses longer inputs without hashing them, so nobody makes us hash megabytes.
const maxPasswordBytes = MaxPasswordLen * utf8.UTFMax

// params are argon2id's cost parameters as written in a PHC string.
type params struct {
	memory  uint32 // KiB
	time    uint32 // passes
	threads uint8
	saltLen int
	keyLen  int
}

// defaultParams follow the OWASP minimum for argon2id (m=19 MiB, t=2, p=1). Stored hashes carry their own
// parameters, so these can be raised later without invalidating existing passwords.
var defaultParams = params{memory: 19 * 1024, time: 2, threads: 1, saltLen: 16, keyLen: 32}

// Limits on parameters read back from a stored hash. The database is trusted, but a corrupt or hostile row
// must not make one login allocate gigabytes or loop for minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 64
)

// Hasher hashes and verifies passwords with argon2id. Each operation takes ~19 MiB and tens of
// milliseconds of CPU, so a semaphore caps how many run at once: a burst of logins queues instead of
// exhausting memory. A Hasher is safe for concurrent use.
type Hasher struct {
	sem    chan struct{}
	params params
	// dummy is a well-formed hash of nothing, verified for unknown accounts so that they cost as much as
	// a wrong password.
	dummy string
}

// NewHasher returns a Hasher that runs at most maxConcurrent hash or verify operations at a time (values
// below 1 mean 1), using the production parameters m=19456 KiB, t=2, p=1.
func NewHasher(maxConcurrent int) *Hasher {
	return newHasher(maxConcurrent, defaultParams)
}

// newHasher is the unexported knob that lets tests use cheaper parameters.
func newHasher(maxConcurrent int, p params) *Hasher {
	if maxConcurrent < 1 {
		maxConcurrent = 1
	}
	// The dummy need not be a real hash: Verify does the same work for any key, and random bytes never
	// match a derived key.
	salt, key := make([]byte, p.saltLen), make([]byte, p.keyLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails since Go 1.24
	_, _ = rand.Read(key)
	return &Hasher{sem: make(chan struct{}, maxConcurrent), params: p, dummy: encodePHC(p, salt, key)}
}

// acquire takes a slot of the semaphore, giving up when ctx ends.
func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("auth: wait for password hasher: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

// Hash returns the argon2id hash of password as a PHC string
// ($argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, unpadded standard base64) with a fresh random salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	p := h.params
	salt := make([]byte, p.saltLen)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(p.keyLen))
	return encodePHC(p, salt, key), nil
}

// Verify reports whether password matches the PHC string phc. The parameters come from phc itself, so
// hashes made with older parameters keep working. A malformed phc is an error, not a mismatch.
func (h *Hasher) Verify(ctx context.Context, phc, password string) (bool, error) {
	p, salt, want, err := decodePHC(phc)
	if err != nil {
		return false, err
	}
	if len(password) > maxPasswordBytes {
		// CheckPassword never lets such a password be set, so it cannot match; refusing early saves work.
		return false, nil
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// DummyVerify spends the time of one password check and discards the result. Login calls it when no
// account has the FIN, so that an unknown FIN answers as slowly as a wrong password and response times do
// not reveal which FINs have accounts.
func (h *Hasher) DummyVerify(ctx context.Context, password string) error {
	_, err := h.Verify(ctx, h.dummy, password)
	return err
}

// NeedsRehash reports whether phc was made with parameters other than the Hasher's, so that the web layer
// can re-hash a password after a successful login when the parameters have been raised. A malformed phc
// needs a rehash too.
func (h *Hasher) NeedsRehash(phc string) bool {
	p, salt, key, err := decodePHC(phc)
	if err != nil {
		return true
	}
	return p.memory != h.params.memory || p.time != h.params.time || p.threads != h.params.threads ||
		len(salt) != h.params.saltLen || len(key) != h.params.keyLen
}

var b64 = base64.RawStdEncoding

func encodePHC(p params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodePHC parses an argon2id PHC string and checks its parameters against sane bounds.
func decodePHC(phc string) (params, []byte, []byte, error) {
	var p params
	parts := strings.Split(phc, "$")
	// "" argon2id v=19 m=..,t=..,p=.. salt key
	if len(parts) != 6 || parts[0] != "" {
		return p, nil, nil, fmt.Errorf("auth: parse password hash: not a PHC string")
	}
	if parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("auth: parse password hash: algorithm %q is not argon2id", parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("auth: parse password hash: unsupported version %q", parts[2])
	}
	var seen [3]bool
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, fmt.Errorf("auth: parse password hash: bad parameter %q", kv)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, fmt.Errorf("auth: parse password hash: parameter %s: %w", k, err)
		}
		switch k {
		case "m":
			p.memory, seen[0] = uint32(n), true
		case "t":
			p.time, seen[1] = uint32(n), true
		case "p":
			if n > 255 {
				return p, nil, nil, fmt.Errorf("auth: parse password hash: parallelism %d out of range", n)
			}
			p.threads, seen[2] = uint8(n), true
		default:
			return p, nil, nil, fmt.Errorf("auth: parse password hash: unknown parameter %q", k)
		}
	}
	if !seen[0] || !seen[1] || !seen[2] {
		return p, nil, nil, fmt.Errorf("auth: parse password hash: missing parameter in %q", parts[3])
	}
	if p.time < 1 || p.time > maxTime || p.threads < 1 || p.memory < 8*uint32(p.threads) || p.memory > maxMemoryKiB {
		return p, nil, nil, fmt.Errorf("auth: parse password hash: parameters %q out of range", parts[3])
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("auth: parse password hash: salt: %w", err)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("auth: parse password hash: key: %w", err)
	}
	if len(salt) < minSaltLen || len(salt) > maxSaltLen || len(key) < minKeyLen || len(key) > maxKeyLen {
		return p, nil, nil, fmt.Errorf("auth: parse password hash: salt or key length out of range")
	}
	p.saltLen, p.keyLen = len(salt), len(key)
	return p, salt, key, nil
}

//go:embed common-passwords.txt
var commonPasswordsText string

// commonPasswords is the embedded list as a set; only entries long enough to pass the length rule matter.
var commonPasswords = func() map[string]struct{} {
	m := make(map[string]struct{})
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		line = strings.ToLower(strings.TrimSpace(line))
		if utf8.RuneCountInString(line) >= MinPasswordLen {
			m[line] = struct{}{}
		}
	}
	return m
}()

// CheckPassword applies the password policy of PRODUCT.md §8: 8 to 128 characters and not one of the
// commonly used passwords (compared case-insensitively, since "Password1" is as guessable as "password1").
// There are no composition rules: they push people to predictable patterns without adding strength.
// Errors are *portal.Error with code EINVALID and key err.password_length or err.password_common.
func CheckPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLen || n > MaxPasswordLen {
		return portal.Errorf(portal.EINVALID, "password must be %d to %d characters long", MinPasswordLen, MaxPasswordLen).
			WithKey("err.password_length")
	}
	if _, ok := commonPasswords[strings.ToLower(pw)]; ok {
		return portal.Errorf(portal.EINVALID, "this password is too common").WithKey("err.password_common")
	}
	return nil
}

package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"portal"
)

// cheapParams keep most tests fast; TestHasher_Production covers the real parameters once.
var cheapParams = params{memory: 64, time: 1, threads: 1, saltLen: 16, keyLen: 32}

func TestHasher_Production(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(2)
	phc, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q lacks the production parameters", phc)
	}
	parts := strings.Split(phc, "$")
	if len(parts[4]) != 22 || len(parts[5]) != 43 { // 16 and 32 bytes, unpadded base64
		t.Errorf("salt %q or key %q has the wrong length", parts[4], parts[5])
	}
	if strings.ContainsRune(parts[4]+parts[5], '=') {
		t.Errorf("hash %q has base64 padding", phc)
	}
	ok, err := h.Verify(ctx, phc, "correct horse battery staple")
	if err != nil || !ok {
		t.Fatalf("Verify(right) = %v, %v", ok, err)
	}
	if h.NeedsRehash(phc) {
		t.Error("a fresh hash needs no rehash")
	}
}

func TestHasher_Verify(t *testing.T) {
	ctx := context.Background()
	h := newHasher(4, cheapParams)
	phc, err := h.Hash(ctx, "pässwörd-ünïcode")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := h.Hash(ctx, "pässwörd-ünïcode")
	if other == phc {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	// A hash made with other parameters still verifies, since they are read from the string.
	older := newHasher(1, params{memory: 32, time: 3, threads: 2, saltLen: 8, keyLen: 16})
	oldPHC, _ := older.Hash(ctx, "legacy password")

	tests := []struct {
		name    string
		phc     string
		pw      string
		want    bool
		wantErr bool
	}{
		{"right", phc, "pässwörd-ünïcode", true, false},
		{"wrong", phc, "passwörd-ünïcode", false, false},
		{"empty", phc, "", false, false},
		{"older parameters", oldPHC, "legacy password", true, false},
		{"older parameters, wrong", oldPHC, "legacy passwort", false, false},
		{"too long to ever match", phc, strings.Repeat("x", maxPasswordBytes+1), false, false},
		{"not phc", "plaintext", "x", false, true},
		{"argon2i", strings.Replace(phc, "argon2id", "argon2i", 1), "x", false, true},
		{"version 16", strings.Replace(phc, "v=19", "v=16", 1), "x", false, true},
		{"missing t", strings.Replace(phc, "t=1,", "", 1), "x", false, true},
		{"huge memory", strings.Replace(phc, "m=64", "m=4000000000", 1), "x", false, true},
		{"zero time", strings.Replace(phc, "t=1", "t=0", 1), "x", false, true},
		{"bad salt", strings.Replace(phc, "$argon2id$v=19$m=64,t=1,p=1$", "$argon2id$v=19$m=64,t=1,p=1$!!", 1), "x", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Verify(ctx, tt.phc, tt.pw)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("Verify = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	if !h.NeedsRehash(oldPHC) || !h.NeedsRehash("junk") {
		t.Error("hashes with other parameters, or malformed ones, need a rehash")
	}
}

func TestHasher_DummyVerify(t *testing.T) {
	ctx := context.Background()
	h := newHasher(1, cheapParams)
	if err := h.DummyVerify(ctx, "anything at all"); err != nil {
		t.Fatal(err)
	}
	// The dummy must be a well-formed hash with the production parameters, or it would cost less.
	p, _, _, err := decodePHC(NewHasher(1).dummy)
	if err != nil || p.memory != defaultParams.memory || p.time != defaultParams.time {
		t.Fatalf("dummy hash params %+v, %v", p, err)
	}
}

func TestHasher_SemaphoreHonoursContext(t *testing.T) {
	h := newHasher(1, cheapParams)
	h.sem <- struct{}{} // the only slot is busy
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "whatever you like"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Hash with a full semaphore = %v, want deadline exceeded", err)
	}
	if _, err := h.Verify(ctx, h.dummy, "whatever you like"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Verify with a full semaphore = %v, want deadline exceeded", err)
	}
	<-h.sem
	if _, err := h.Hash(context.Background(), "whatever you like"); err != nil {
		t.Fatalf("Hash after the slot freed: %v", err)
	}
}

func TestHasher_Concurrent(t *testing.T) {
	ctx := context.Background()
	h := newHasher(2, cheapParams)
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			pw := strings.Repeat("p", 8+i)
			phc, err := h.Hash(ctx, pw)
			if err == nil {
				var ok bool
				if ok, err = h.Verify(ctx, phc, pw); err == nil && !ok {
					err = errors.New("mismatch")
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := len(h.sem); n != 0 {
		t.Errorf("%d semaphore slots leaked", n)
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		key  string // "" for valid
	}{
		{"ok", "violet tractor lagoon", ""},
		{"exactly 8", "vq7#kz!m", ""},
		{"exactly 128", strings.Repeat("ab", 64), ""},
		{"no composition rules", "zebrafountainmarble", ""},
		{"7 characters", "vq7#kz!", "err.password_length"},
		{"empty", "", "err.password_length"},
		{"129 characters", strings.Repeat("a", 129), "err.password_length"},
		{"8 runes but 16 bytes", "әöüğışçə", ""},
		{"multi-byte under 8 runes", "әöüğışç", "err.password_length"},
		{"128 multi-byte runes", strings.Repeat("ə", 128), ""},
		{"common", "password", "err.password_common"},
		{"common, other case", "PassWord123", "err.password_common"},
		{"common digits", "12345678", "err.password_common"},
		{"common keyboard walk", "qwertyuiop", "err.password_common"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPassword(tt.pw)
			if tt.key == "" {
				if err != nil {
					t.Fatalf("CheckPassword = %v, want nil", err)
				}
				return
			}
			if portal.ErrorCode(err) != portal.EINVALID || portal.ErrorKey(err) != tt.key {
				t.Fatalf("CheckPassword = %v, want EINVALID %s", err, tt.key)
			}
		})
	}
}

func TestCommonPasswordsList(t *testing.T) {
	if n := len(commonPasswords); n < 250 {
		t.Errorf("only %d usable common passwords embedded", n)
	}
	for pw := range commonPasswords {
		if pw != strings.ToLower(pw) {
			t.Errorf("%q is not lower-case", pw)
		}
	}
}

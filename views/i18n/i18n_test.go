package i18n_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"portal"
	"portal/views/i18n"
)

// verbRE matches a fmt verb, with its optional explicit argument index, flags, width and precision.
var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

func verbs(s string) []string {
	v := verbRE.FindAllString(s, -1)
	slices.Sort(v)
	return v
}

func TestCatalogue_SameKeysAndVerbs(t *testing.T) {
	keys := i18n.Keys()
	if len(keys) == 0 {
		t.Fatal("empty catalogue")
	}
	for _, l := range i18n.Langs {
		for _, k := range keys {
			if !i18n.Has(l, k) {
				t.Errorf("%s: missing key %q", l, k)
				continue
			}
			want := verbs(i18n.Lookup(i18n.AZ, k))
			if got := verbs(i18n.Lookup(l, k)); !slices.Equal(got, want) {
				t.Errorf("%s: %q has verbs %v, az has %v", l, k, got, want)
			}
		}
	}
}

func TestCatalogue_NoExtraKeys(t *testing.T) {
	// Every language has exactly the default language's keys: count them through Has on a probe of each.
	for _, l := range i18n.Langs {
		n := 0
		for _, k := range i18n.Keys() {
			if i18n.Has(l, k) {
				n++
			}
		}
		if got := i18n.Count(l); got != n {
			t.Errorf("%s has %d keys, %d of them shared with az: it has keys that az lacks", l, got, n)
		}
	}
}

func TestCatalogue_NoEmptyValue(t *testing.T) {
	for _, l := range i18n.Langs {
		for _, k := range i18n.Keys() {
			v := i18n.Lookup(l, k)
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %q is empty", l, k)
			}
			if v != strings.TrimSpace(v) {
				t.Errorf("%s: %q has surrounding spaces", l, k)
			}
		}
	}
}

func TestCatalogue_DomainKeys(t *testing.T) {
	var want []string
	for _, sc := range portal.Scopes {
		for _, f := range sc.Fields() {
			want = append(want, "field."+f)
		}
	}
	for _, s := range portal.Sectors {
		want = append(want, "sector."+string(s))
	}
	for _, v := range portal.Validities {
		want = append(want, "validity."+string(v))
	}
	for _, s := range portal.RequestStatuses {
		want = append(want, "status."+string(s))
	}
	for _, b := range []portal.LegalBasis{portal.BasisConsent, portal.BasisContract, portal.BasisLaw} {
		want = append(want, "basis."+string(b))
	}
	for _, f := range []portal.Frequency{portal.FrequencyOneOff, portal.FrequencyRecurring} {
		want = append(want, "freq."+string(f))
	}
	for _, k := range []portal.NotificationKind{
		portal.NotifDelivered, portal.NotifPending, portal.NotifApproved, portal.NotifCollected,
		portal.NotifDenied, portal.NotifExpired, portal.NotifCancelled, portal.NotifConsentExpires,
	} {
		want = append(want, "notif."+string(k))
	}
	for _, c := range []string{portal.EINVALID, portal.ENOTFOUND, portal.EUNAUTHORIZED, portal.EFORBIDDEN, portal.ECONFLICT, portal.EINTERNAL} {
		want = append(want, "err."+c)
	}
	want = append(want, "err.csrf", "err.password_length", "err.password_common", "err.too_many_attempts")
	for _, l := range i18n.Langs {
		want = append(want, "lang."+string(l))
	}
	for _, k := range want {
		if !i18n.Has(i18n.AZ, k) {
			t.Errorf("missing key %q", k)
		}
	}
}

// TestCatalogue_KeysUsedInCode finds every "err.*" literal in the module's Go code outside views (the domain's
// WithKey calls, FieldErrors, the store, the web layer) and every product error code, and checks that each
// has an entry, so a new error key cannot reach a page untranslated.
func TestCatalogue_KeysUsedInCode(t *testing.T) {
	root := filepath.Join("..", "..")
	keyRE := regexp.MustCompile(`"(err\.[A-Za-z_]+)"`)
	codeRE := regexp.MustCompile(`(?m)^\s*Code[A-Za-z]+\s*=\s*"([a-z_]+)"`)
	found := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "views", "testdata", "node_modules", "bin", "data", "static":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			found[m[1]] = path
		}
		if filepath.Base(path) == "errors.go" && filepath.Dir(path) == root {
			for _, m := range codeRE.FindAllStringSubmatch(string(b), -1) {
				found["err."+m[1]] = path
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 10 {
		t.Fatalf("found only %d error keys in the code; is the walk rooted at the module?", len(found))
	}
	for k, path := range found {
		if !i18n.Has(i18n.AZ, k) {
			t.Errorf("%s uses %q, which is not in the catalogue", path, k)
		}
	}
}

func TestT(t *testing.T) {
	ctx := context.Background()
	if got := i18n.T(ctx, "app.name"); got != "Şəxsi kabinet" {
		t.Errorf("default language: got %q", got)
	}
	if got := i18n.T(i18n.WithLang(ctx, i18n.EN), "dashboard.greeting", "Aysel Məmmədova"); got != "Welcome, Aysel Məmmədova" {
		t.Errorf("en with args: got %q", got)
	}
	if got := i18n.T(i18n.WithLang(ctx, i18n.RU), "login.throttled", 15); !strings.Contains(got, "15 мин") {
		t.Errorf("ru with int arg: got %q", got)
	}
	if got := i18n.T(ctx, "no.such.key"); got != "⟦no.such.key⟧" {
		t.Errorf("missing key: got %q", got)
	}
	if got := i18n.T(ctx, "no.such.key", 1); got != "⟦no.such.key⟧" {
		t.Errorf("missing key with args: got %q", got)
	}
}

func TestLang(t *testing.T) {
	tests := []struct {
		in   string
		want i18n.Lang
	}{
		{"az", i18n.AZ}, {"en", i18n.EN}, {"ru", i18n.RU}, {"", i18n.AZ}, {"de", i18n.AZ}, {"EN", i18n.AZ},
	}
	for _, tt := range tests {
		if got := i18n.ParseLang(tt.in); got != tt.want {
			t.Errorf("ParseLang(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	ctx := context.Background()
	if got := i18n.LangFrom(ctx); got != i18n.AZ {
		t.Errorf("LangFrom(empty) = %q", got)
	}
	if got := i18n.LangFrom(i18n.WithLang(ctx, i18n.RU)); got != i18n.RU {
		t.Errorf("LangFrom(ru) = %q", got)
	}
	if got := i18n.LangFrom(i18n.WithLang(ctx, "xx")); got != i18n.AZ {
		t.Errorf("LangFrom(xx) = %q", got)
	}
	if !slices.Equal(i18n.Langs, []i18n.Lang{"az", "en", "ru"}) {
		t.Errorf("Langs = %v", i18n.Langs)
	}
}

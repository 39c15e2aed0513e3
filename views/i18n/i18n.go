// Package i18n is the translation catalogue of the portal: Azerbaijani (the default), English and Russian.
// Pages never hold literal text; they ask T for a key in the language carried by the request's context.
package i18n

import (
	"context"
	"fmt"
	"slices"
)

// Lang is a language code of the catalogue.
type Lang string

// The catalogue's languages.
const (
	AZ Lang = "az"
	EN Lang = "en"
	RU Lang = "ru"
)

// Default is the language used when none is chosen or the choice is unknown.
const Default = AZ

// Langs lists the languages in the order the switcher shows them.
var Langs = []Lang{AZ, EN, RU}

// catalogues maps each language to its entries. The maps are filled in az.go, en.go and ru.go and never
// written after package initialisation, so concurrent reads need no lock.
var catalogues = map[Lang]map[string]string{
	AZ: az,
	EN: en,
	RU: ru,
}

// ParseLang returns the language for a code such as a cookie value or a URL segment; anything unknown is
// the default language.
func ParseLang(s string) Lang {
	for _, l := range Langs {
		if string(l) == s {
			return l
		}
	}
	return Default
}

// Valid reports whether l is one of the catalogue's languages.
func (l Lang) Valid() bool {
	_, ok := catalogues[l]
	return ok
}

type langKey struct{}

// WithLang returns a context that carries the language l.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, langKey{}, ParseLang(string(l)))
}

// LangFrom returns the language carried by ctx, or the default language.
func LangFrom(ctx context.Context) Lang {
	if ctx != nil {
		if l, ok := ctx.Value(langKey{}).(Lang); ok {
			return l
		}
	}
	return Default
}

// T returns the entry for key in the language of ctx. With args, the entry is a fmt format (explicit
// argument indexes such as %[1]s let languages reorder them). A missing key gives "⟦key⟧", so that tests
// find misses in rendered HTML.
func T(ctx context.Context, key string, args ...any) string {
	return Lookup(LangFrom(ctx), key, args...)
}

// Lookup is T with an explicit language, for callers without a request context (e-mails, exports).
func Lookup(l Lang, key string, args ...any) string {
	s, ok := catalogues[ParseLang(string(l))][key]
	if !ok {
		return "⟦" + key + "⟧"
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key is in the catalogue of l.
func Has(l Lang, key string) bool {
	_, ok := catalogues[ParseLang(string(l))][key]
	return ok
}

// Keys returns every key of the default language's catalogue in sorted order, for tests and tools.
func Keys() []string {
	out := make([]string, 0, len(az))
	for k := range az {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Count returns the number of entries in the catalogue of l.
func Count(l Lang) int { return len(catalogues[ParseLang(string(l))]) }

package web

import (
	"context"
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/views"
	"portal/views/i18n"
)

// scopeNames maps scope codes to their names in the visitor's language.
type scopeNames map[portal.Scope]string

func (n scopeNames) list(scopes []portal.Scope) []string {
	out := make([]string, len(scopes))
	for i, sc := range scopes {
		out[i] = n[sc]
	}
	return out
}

// scopeNames reads the scope catalogue in the visitor's language.
func (s *Server) scopeNames(c echo.Context) (scopeNames, error) {
	return s.scopeNamesIn(c.Request().Context())
}

// scopeNamesIn reads the scope catalogue in the language that ctx carries. The map is built once per
// language and shared, as the store keeps the catalogue (only migrations change it): building it on every
// page cost an allocation-heavy map per request. Callers must not change it.
func (s *Server) scopeNamesIn(ctx context.Context) (scopeNames, error) {
	lang := i18n.LangFrom(ctx)
	if names, ok := s.scopeNameMaps.Load(lang); ok {
		return names.(scopeNames), nil
	}
	cat, err := s.store.ScopeCatalog(ctx, string(lang))
	if err != nil {
		return nil, fmt.Errorf("scope catalogue: %w", err)
	}
	out := make(scopeNames, len(cat))
	for _, si := range cat {
		out[si.Scope] = si.Name
	}
	s.scopeNameMaps.Store(lang, out)
	return out, nil
}

// notificationText renders a notification in the reader's language: the company's name, the scopes' names
// and, when it has one, the Baku date of its deadline (the day a consent ends) are the entry's arguments.
func notificationText(ctx context.Context, n portal.Notification, names scopeNames) string {
	deadline := ""
	if n.Deadline != nil {
		deadline = views.FormatDate(ctx, *n.Deadline)
	}
	return i18n.T(ctx, "notif."+string(n.Kind), n.CompanyName, strings.Join(names.list(n.Scopes), ", "), deadline)
}

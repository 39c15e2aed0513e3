package web

import (
	"context"
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
	cat, err := s.scopeCatalog(c)
	if err != nil {
		return nil, err
	}
	out := make(scopeNames, len(cat))
	for _, si := range cat {
		out[si.Scope] = si.Name
	}
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

package views

import (
	"context"
	"net/url"

	"github.com/a-h/templ"
)

// passwordField is one password control of the change form, with its label, hint and problem.
func passwordField(ctx context.Context, name, autocomplete string, f PasswordForm) fieldInput {
	fi := fieldInput{
		ID: "account-" + name, Name: name, Type: "password", Error: f.Errors[name],
		Label: t(ctx, "account.field."+name),
		Attrs: templ.Attributes{"autocomplete": autocomplete, "required": true, "maxlength": "512"},
	}
	if name == "new_password" {
		fi.Hint = t(ctx, "account.field.new_password_hint")
	}
	return fi
}

// websiteURL is a company's website as a link target, and false when it is not a plain http or https
// address: such a value (javascript:, data:, a relative path) is shown as text, never as a link, whatever
// way it reached the database.
func websiteURL(s string) (templ.SafeURL, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", false
	}
	return templ.SafeURL(u.String()), true
}

package views

import (
	"context"

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

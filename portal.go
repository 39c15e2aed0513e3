// Package portal holds the domain of the citizen consent portal: scopes, companies and offers, consents,
// data requests and their state machine, notifications and the audit log. It does no I/O; the store persists
// what these rules decide and the web layer calls them.
package portal

import (
	"context"
	"strings"
	"time"
)

// Clock tells the time. Every rule takes the instant from a Clock so that deadlines are tested without sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the server's real clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// Role is what an account may do on the web.
type Role string

// The account roles.
const (
	RoleCitizen Role = "citizen"
	RoleAdmin   Role = "admin"
)

// User is a person with a web login: a citizen or an admin.
type User struct {
	ID        int64
	FIN       string
	Name      string
	Role      Role
	CreatedAt time.Time
}

// IsAdmin reports whether the user has the admin role.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

// ParseFIN normalizes a personal identification number: 7 characters, digits and Latin capitals, entered
// case-insensitively; surrounding spaces are ignored. It works byte by byte so that letters which upper-case
// into ASCII (the dotless ı, the long ſ) are refused, not converted.
func ParseFIN(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) != 7 {
		return "", Errorf(EINVALID, "FIN must be exactly 7 characters").WithKey("err.fin_format")
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z':
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		default:
			return "", Errorf(EINVALID, "FIN may contain only digits and Latin letters").WithKey("err.fin_format")
		}
	}
	return string(b), nil
}

// ParseVOEN checks a tax number: exactly 10 digits.
func ParseVOEN(s string) (string, error) {
	v := strings.TrimSpace(s)
	if len(v) != 10 {
		return "", Errorf(EINVALID, "VÖEN must be exactly 10 digits").WithKey("err.voen_format")
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return "", Errorf(EINVALID, "VÖEN must be exactly 10 digits").WithKey("err.voen_format")
		}
	}
	return v, nil
}

// Registry gives a citizen's data as the state's registries hold it, scope by scope. The demo registry is a
// table in the portal's database; real registries plug in behind the same interface.
type Registry interface {
	// Fetch returns the fields of each requested scope for the citizen with the given FIN. A scope the
	// registry holds nothing for is present with an empty map, so callers never guess.
	Fetch(ctx context.Context, fin string, scopes []Scope) (map[Scope]map[string]any, error)
}

// Session is a server-side web session. The cookie holds a random id; only the id's SHA-256 is kept, so a
// copy of the database does not hand out live sessions.
type Session struct {
	IDHash     []byte
	UserID     int64
	Data       []byte // the session's values, encoded by package auth
	CreatedAt  time.Time
	LastSeenAt time.Time
	// User is the account UserID names, when the backend read it in the same statement as the row (every
	// page needs both, and one statement is cheaper than two); nil when it did not. Ignored when storing.
	User *User
}

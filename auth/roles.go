package auth

import "portal"

// Can reports whether u holds the role need. Roles do not nest: an admin manages the portal but has no
// consents or data requests of their own, so an admin is not a citizen, and a citizen is never an admin.
// A zero User (nobody signed in) has no role and can do nothing.
func Can(u portal.User, need portal.Role) bool {
	return need != "" && u.Role == need
}

package auth

import (
	"testing"

	"portal"
)

func TestCan(t *testing.T) {
	citizen := portal.User{ID: 1, Role: portal.RoleCitizen}
	admin := portal.User{ID: 2, Role: portal.RoleAdmin}
	tests := []struct {
		name string
		u    portal.User
		need portal.Role
		want bool
	}{
		{"citizen as citizen", citizen, portal.RoleCitizen, true},
		{"admin as admin", admin, portal.RoleAdmin, true},
		{"admin is not a citizen", admin, portal.RoleCitizen, false},
		{"citizen is not an admin", citizen, portal.RoleAdmin, false},
		{"nobody", portal.User{}, portal.RoleCitizen, false},
		{"empty role needed", portal.User{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Can(tt.u, tt.need); got != tt.want {
				t.Fatalf("Can = %v, want %v", got, tt.want)
			}
		})
	}
}

package portal

import "time"

// NotificationKind names what a notification tells the citizen; the catalogue has "notif.<kind>" in each
// language, so a notification is rendered in the language of whoever reads it.
type NotificationKind string

// The notification kinds.
const (
	NotifDelivered      NotificationKind = "delivered"       // X received your data under your consent
	NotifPending        NotificationKind = "pending"         // X asks for your data: approve before the deadline
	NotifApproved       NotificationKind = "approved"        // you approved X's request
	NotifCollected      NotificationKind = "collected"       // X collected the data you approved
	NotifDenied         NotificationKind = "denied"          // you denied X's request
	NotifExpired        NotificationKind = "expired"         // the request from X expired
	NotifCancelled      NotificationKind = "cancelled"       // the request from X was cancelled
	NotifConsentExpires NotificationKind = "consent_expires" // your consent to X ends in 7 days
)

// Notification tells a citizen about something that concerns them.
type Notification struct {
	ID          int64
	CitizenID   int64
	Kind        NotificationKind
	RequestID   string // empty when not about a request
	CompanyID   int64
	CompanyName string
	Scopes      []Scope
	Deadline    *time.Time
	CreatedAt   time.Time
	ReadAt      *time.Time
}

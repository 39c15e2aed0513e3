package views

import "time"

// NotificationsData is the notifications page's view model (GET /notifications).
type NotificationsData struct {
	Items []NotificationItem
	// Upto is the newest notification shown: "mark as read" marks it and every older one, so a notification
	// that arrives after the page was shown stays unread.
	Upto  int64
	Next  int64 // the id to continue below for older notifications; 0 on the last page
	Paged bool  // this is not the first page
}

// NotificationItem is one notification, already rendered in the reader's language.
type NotificationItem struct {
	ID     int64
	When   time.Time
	Text   string
	Href   string // the request's page; "" when not about a request
	Unread bool
}

// anyUnread reports whether the page shows an unread notification.
func anyUnread(items []NotificationItem) bool {
	for _, it := range items {
		if it.Unread {
			return true
		}
	}
	return false
}

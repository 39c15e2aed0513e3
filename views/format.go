package views

import (
	"context"
	"fmt"
	"time"
)

// Baku is Azerbaijan's time zone. Azerbaijan keeps UTC+4 all year (no daylight saving since 2016), so a
// fixed zone is exact and needs no tzdata on the server.
var Baku = time.FixedZone("AZT", 4*60*60)

// FormatTime shows an instant as the citizen reads it: Baku local time, "02.03.2026 13:00". The same
// day-first form is usual in all three languages; ctx is there for languages that will need another.
func FormatTime(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Baku).Format("02.01.2006 15:04")
}

// FormatDate shows the Baku calendar date of an instant: "02.03.2026".
func FormatDate(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Baku).Format("02.01.2006")
}

// isoTime is the machine-readable form of an instant, for datetime and data-deadline attributes: RFC 3339
// in UTC, as the API and portal.js read it.
func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// countdownText is the time left from now until deadline as mm:ss, "00:00" once it has passed, and
// "--:--" when the server's time is not known (portal.js then fills it in).
func countdownText(now, deadline time.Time) string {
	if now.IsZero() {
		return "--:--"
	}
	left := deadline.Sub(now)
	if left <= 0 {
		return "00:00"
	}
	secs := int64((left + time.Second - 1) / time.Second) // round up: 4:59.2 left shows 05:00, as the browser does
	return fmt.Sprintf("%02d:%02d", secs/60, secs%60)
}

// countdownExpired reports whether the deadline has passed at now.
func countdownExpired(now, deadline time.Time) bool { return !now.IsZero() && !now.Before(deadline) }

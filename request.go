package portal

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultApprovalWindow is how long a citizen has to approve a pending request.
const DefaultApprovalWindow = 5 * time.Minute

// PickupWindow is how long a company has to collect the data of an approved request.
const PickupWindow = 5 * time.Minute

// RequestStatus is where a data request stands.
type RequestStatus string

// The request statuses. Delivered, denied, expired and cancelled are final.
const (
	StatusPending   RequestStatus = "pending"
	StatusApproved  RequestStatus = "approved"
	StatusDelivered RequestStatus = "delivered"
	StatusDenied    RequestStatus = "denied"
	StatusExpired   RequestStatus = "expired"
	StatusCancelled RequestStatus = "cancelled"
)

// RequestStatuses lists every status in display order.
var RequestStatuses = []RequestStatus{StatusPending, StatusApproved, StatusDelivered, StatusDenied, StatusExpired, StatusCancelled}

// Final reports whether no transition leaves the status.
func (s RequestStatus) Final() bool {
	return s == StatusDelivered || s == StatusDenied || s == StatusExpired || s == StatusCancelled
}

// Reasons recorded on a request when it ends other than by delivery.
const (
	ReasonCitizenDenied    = "citizen_denied"
	ReasonCompanyCancelled = "company_cancelled"
	ReasonConsentRevoked   = "consent_revoked"
	ReasonCompanySuspended = "company_suspended"
	ReasonApprovalTimeout  = "approval_timeout"
	ReasonPickupTimeout    = "pickup_timeout"
)

// DataRequest is a company's request for one citizen's data.
type DataRequest struct {
	ID          string
	CompanyID   int64
	CitizenID   int64
	Scopes      []Scope
	Purpose     string
	Status      RequestStatus
	BindingCode string
	CreatedAt   time.Time
	Deadline    time.Time  // approval deadline while pending; pickup deadline once approved
	DecidedAt   *time.Time // approved, denied or cancelled
	DeliveredAt *time.Time
	Reason      string
}

// NewRequestID returns an unguessable request id made at t: 44 hex characters, the first 12 the Unix
// millisecond of t and the other 32 random (128 bits, as PRODUCT.md asks of an id), like a UUIDv7 with a
// longer random part. Ids made later sort later, so the requests table (ordered by id) takes each new row
// at the end of its key range instead of at a random page of a million-row table: a busy batch of requests
// then dirties a few pages instead of one each. The time an id shows is the request's own creation time.
func NewRequestID(t time.Time) string {
	var random [16]byte
	if _, err := rand.Read(random[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // rand.Read does not fail on supported platforms
	}
	return RequestIDFrom(t, random)
}

// RequestIDFrom lays out a request id from its time and its random bits; NewRequestID draws the bits, and
// the benchmarks' seeding of past requests draws them from a seeded generator.
func RequestIDFrom(t time.Time, random [16]byte) string {
	var b [22]byte
	ms := uint64(t.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	copy(b[6:], random[:])
	return hex.EncodeToString(b[:])
}

// bindingAlphabet leaves out letters and digits that read alike (0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V).
const bindingAlphabet = "34679ACDEFGHJKMNPQRTWXY"

// NewBindingCode returns a 4-character code that the company shows its customer and the approve screen
// shows the citizen, so both know they look at the same request.
func NewBindingCode() string {
	// Rejection sampling keeps every character equally likely: bytes at or above the largest multiple of the
	// alphabet's size are drawn again.
	limit := byte(256 - 256%len(bindingAlphabet))
	out := make([]byte, 0, 4)
	var b [8]byte
	for len(out) < 4 {
		if _, err := rand.Read(b[:]); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		for _, x := range b {
			if x < limit && len(out) < 4 {
				out = append(out, bindingAlphabet[int(x)%len(bindingAlphabet)])
			}
		}
	}
	return string(out)
}

// CheckPurpose validates a request's purpose text: 1-500 characters.
func CheckPurpose(p string) (string, error) {
	p = strings.TrimSpace(p)
	if n := utf8.RuneCountInString(p); n == 0 || n > 500 {
		return "", Errorf(EINVALID, "purpose must be 1-500 characters").WithKey("err.purpose_length")
	}
	return p, nil
}

// NewRequest decides how a request made at now starts (P1): delivered at once when the citizen's consents
// cover every scope at that instant, otherwise pending until now+window with a binding code.
func NewRequest(companyID, citizenID int64, scopes []Scope, purpose string, consents []Consent, now time.Time, window time.Duration) DataRequest {
	r := DataRequest{
		ID: NewRequestID(now), CompanyID: companyID, CitizenID: citizenID,
		Scopes: scopes, Purpose: purpose, CreatedAt: now,
	}
	// Only this citizen's consents to this company count, whatever list the caller passed (P1).
	var own []Consent
	for _, c := range consents {
		if c.CompanyID == companyID && c.CitizenID == citizenID {
			own = append(own, c)
		}
	}
	if Covers(own, scopes, now) {
		r.Status = StatusDelivered
		r.DeliveredAt = &now
		return r
	}
	r.Status = StatusPending
	r.Deadline = now.Add(window)
	r.BindingCode = NewBindingCode()
	return r
}

// StatusAt is the request's status as seen at now: a pending request past its deadline, or an approved one
// past its pickup window, is expired even before any sweeper has written so.
func (r DataRequest) StatusAt(now time.Time) RequestStatus {
	switch r.Status {
	case StatusPending, StatusApproved:
		if !now.Before(r.Deadline) {
			return StatusExpired
		}
	}
	return r.Status
}

// ExpiryReason names why a request that StatusAt reports as expired expired.
func (r DataRequest) ExpiryReason() string {
	if r.Status == StatusApproved {
		return ReasonPickupTimeout
	}
	return ReasonApprovalTimeout
}

func errNotPending(r DataRequest, now time.Time) error {
	if r.StatusAt(now) == StatusExpired {
		return Errorf(CodeExpired, "the request has expired").WithKey("err.request_expired")
	}
	return Errorf(CodeNotPending, "the request is %s, no longer pending", r.Status).WithKey("err.request_decided")
}

// Approve records the citizen's approval at now. It must come strictly before the deadline; the company then
// has PickupWindow to collect.
func (r DataRequest) Approve(now time.Time) (DataRequest, error) {
	if r.StatusAt(now) != StatusPending {
		return r, errNotPending(r, now)
	}
	r.Status = StatusApproved
	r.DecidedAt = &now
	r.Deadline = now.Add(PickupWindow)
	return r, nil
}

// Deny records the citizen's refusal at now.
func (r DataRequest) Deny(now time.Time) (DataRequest, error) {
	if r.StatusAt(now) != StatusPending {
		return r, errNotPending(r, now)
	}
	r.Status = StatusDenied
	r.DecidedAt = &now
	r.Reason = ReasonCitizenDenied
	return r, nil
}

// CancelByCompany withdraws a pending request at the company's wish.
func (r DataRequest) CancelByCompany(now time.Time) (DataRequest, error) {
	if r.StatusAt(now) != StatusPending {
		return r, errNotPending(r, now)
	}
	return r.cancel(now, ReasonCompanyCancelled), nil
}

// CancelFor ends a pending or approved request for a reason outside the citizen's decision: a revoked
// consent (P3) or a suspended company. It reports false when the request is already final at now.
func (r DataRequest) CancelFor(reason string, now time.Time) (DataRequest, bool) {
	switch r.StatusAt(now) {
	case StatusPending, StatusApproved:
		return r.cancel(now, reason), true
	}
	return r, false
}

func (r DataRequest) cancel(now time.Time, reason string) DataRequest {
	r.Status = StatusCancelled
	r.DecidedAt = &now
	r.Reason = reason
	return r
}

// Collect hands the data of an approved request to the company, once, within the pickup window (P1 b).
func (r DataRequest) Collect(now time.Time) (DataRequest, error) {
	switch r.StatusAt(now) {
	case StatusApproved:
		r.Status = StatusDelivered
		r.DeliveredAt = &now
		return r, nil
	case StatusDelivered:
		return r, Errorf(CodeAlreadyCollected, "the data of this request was already delivered")
	case StatusExpired:
		return r, Errorf(CodeExpired, "the request has expired")
	default:
		return r, Errorf(CodeNotApproved, "the request is %s, not approved", r.Status)
	}
}

// Expire writes down the expiry that StatusAt already reports; it reports false when the request is not due.
func (r DataRequest) Expire(now time.Time) (DataRequest, bool) {
	if r.Status.Final() || r.StatusAt(now) != StatusExpired {
		return r, false
	}
	r.Reason = r.ExpiryReason()
	r.Status = StatusExpired
	return r, true
}

// NeedsScope reports whether the request asks for the scope.
func (r DataRequest) NeedsScope(s Scope) bool {
	for _, x := range r.Scopes {
		if x == s {
			return true
		}
	}
	return false
}

package portal_test

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"portal"
)

var (
	loanScopes = []portal.Scope{portal.ScopeIdentity, portal.ScopeIncome}
	// approvalDeadline is the deadline of a request made at base with the default window.
	approvalDeadline = base.Add(portal.DefaultApprovalWindow)
	// approvedAt is when the citizen approves in the tests; pickupDeadline the end of the pickup window.
	approvedAt     = base.Add(time.Minute)
	pickupDeadline = approvedAt.Add(portal.PickupWindow)
)

// pendingRequest is a request made at base without consents: pending until approvalDeadline.
func pendingRequest(t *testing.T) portal.DataRequest {
	t.Helper()
	r := portal.NewRequest(testCompany, testCitizen, loanScopes, "Loan application", nil, base, portal.DefaultApprovalWindow)
	if r.Status != portal.StatusPending {
		t.Fatalf("new request status = %q, want pending", r.Status)
	}
	return r
}

// approvedRequest is pendingRequest approved at approvedAt: collectable until pickupDeadline.
func approvedRequest(t *testing.T) portal.DataRequest {
	t.Helper()
	r, err := pendingRequest(t).Approve(approvedAt)
	if err != nil {
		t.Fatalf("Approve: %v", err)
	}
	return r
}

// deliveredRequest is a request made at base under consents for every scope: delivered at once.
func deliveredRequest(t *testing.T) portal.DataRequest {
	t.Helper()
	consents := []portal.Consent{
		grantedConsent(portal.ScopeIdentity, portal.ValidityUnlimited, base.Add(-day)),
		grantedConsent(portal.ScopeIncome, portal.Validity30Days, base.Add(-day)),
	}
	r := portal.NewRequest(testCompany, testCitizen, loanScopes, "Loan application", consents, base, portal.DefaultApprovalWindow)
	if r.Status != portal.StatusDelivered {
		t.Fatalf("new request status = %q, want delivered", r.Status)
	}
	return r
}

func must(t *testing.T, r portal.DataRequest, err error) portal.DataRequest {
	t.Helper()
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	return r
}

func deniedRequest(t *testing.T) portal.DataRequest {
	r, err := pendingRequest(t).Deny(base.Add(time.Minute))
	return must(t, r, err)
}

func cancelledRequest(t *testing.T) portal.DataRequest {
	r, err := pendingRequest(t).CancelByCompany(base.Add(time.Minute))
	return must(t, r, err)
}

func expiredRequest(t *testing.T) portal.DataRequest {
	t.Helper()
	r, ok := pendingRequest(t).Expire(approvalDeadline)
	if !ok {
		t.Fatal("setup: Expire reported not due")
	}
	return r
}

func collectedRequest(t *testing.T) portal.DataRequest {
	r, err := approvedRequest(t).Collect(approvedAt.Add(time.Minute))
	return must(t, r, err)
}

func isRequestID(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(s) == 44 && len(b) == 22 && s == strings.ToLower(s)
}

func TestNewRequest(t *testing.T) {
	idActive := grantedConsent(portal.ScopeIdentity, portal.ValidityUnlimited, base.Add(-day))
	incomeActive := grantedConsent(portal.ScopeIncome, portal.Validity30Days, base.Add(-day))
	incomeEndsNow := grantedConsent(portal.ScopeIncome, portal.Validity30Days, base.Add(-30*day))
	incomeEndsSoon := grantedConsent(portal.ScopeIncome, portal.Validity30Days, base.Add(-30*day+time.Nanosecond))
	incomeRevoked := revokedConsent(portal.ScopeIncome, portal.ValidityUnlimited, base.Add(-day), base.Add(-time.Second))
	tests := []struct {
		name      string
		consents  []portal.Consent
		window    time.Duration
		delivered bool
	}{
		{"every scope covered", []portal.Consent{idActive, incomeActive}, portal.DefaultApprovalWindow, true},
		{"covered, consent ending a nanosecond later", []portal.Consent{idActive, incomeEndsSoon}, portal.DefaultApprovalWindow, true},
		{"no consents", nil, portal.DefaultApprovalWindow, false},
		{"one scope not covered", []portal.Consent{idActive}, portal.DefaultApprovalWindow, false},
		{"consent ending at this instant", []portal.Consent{idActive, incomeEndsNow}, portal.DefaultApprovalWindow, false},
		{"revoked consent", []portal.Consent{idActive, incomeRevoked}, portal.DefaultApprovalWindow, false},
		{"custom window", nil, 2 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := portal.NewRequest(testCompany, testCitizen, loanScopes, "Loan application", tt.consents, base, tt.window)
			if !isRequestID(r.ID) {
				t.Errorf("ID = %q, want 44 lower-case hex characters", r.ID)
			}
			if r.CompanyID != testCompany || r.CitizenID != testCitizen || !slices.Equal(r.Scopes, loanScopes) ||
				r.Purpose != "Loan application" || !r.CreatedAt.Equal(base) {
				t.Errorf("request = %+v, want the given company, citizen, scopes, purpose and CreatedAt", r)
			}
			if r.DecidedAt != nil || r.Reason != "" {
				t.Errorf("DecidedAt = %s, Reason = %q; want none", fmtTime(r.DecidedAt), r.Reason)
			}
			if tt.delivered {
				if r.Status != portal.StatusDelivered {
					t.Fatalf("Status = %q, want delivered", r.Status)
				}
				if !sameTime(r.DeliveredAt, &base) {
					t.Errorf("DeliveredAt = %s, want %v", fmtTime(r.DeliveredAt), base)
				}
				if r.BindingCode != "" {
					t.Errorf("BindingCode = %q, want none for a delivered request", r.BindingCode)
				}
				return
			}
			if r.Status != portal.StatusPending {
				t.Fatalf("Status = %q, want pending", r.Status)
			}
			if want := base.Add(tt.window); !r.Deadline.Equal(want) {
				t.Errorf("Deadline = %v, want %v", r.Deadline, want)
			}
			if r.DeliveredAt != nil {
				t.Errorf("DeliveredAt = %s, want nil", fmtTime(r.DeliveredAt))
			}
			if !isBindingCode(r.BindingCode) {
				t.Errorf("BindingCode = %q, want 4 unambiguous characters", r.BindingCode)
			}
		})
	}
}

// TestNewRequest_OnlyThisCompanysConsents: P1 asks for "an active consent to that company" held by "the
// citizen". NewRequest knows both ids, so consents of another company or another citizen must not count,
// whatever list the caller passes.
func TestNewRequest_OnlyThisCompanysConsents(t *testing.T) {
	other := func(edit func(c *portal.Consent)) []portal.Consent {
		var out []portal.Consent
		for _, sc := range loanScopes {
			c := grantedConsent(sc, portal.ValidityUnlimited, base.Add(-day))
			edit(&c)
			out = append(out, c)
		}
		return out
	}
	tests := []struct {
		name     string
		consents []portal.Consent
	}{
		{"consents to another company", other(func(c *portal.Consent) { c.CompanyID = otherCompany })},
		{"consents of another citizen", other(func(c *portal.Consent) { c.CitizenID = otherCitizen })},
		{"one scope from another company", []portal.Consent{
			grantedConsent(portal.ScopeIdentity, portal.ValidityUnlimited, base.Add(-day)),
			other(func(c *portal.Consent) { c.CompanyID = otherCompany })[1],
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := portal.NewRequest(testCompany, testCitizen, loanScopes, "Loan application", tt.consents, base, portal.DefaultApprovalWindow)
			if r.Status != portal.StatusPending {
				t.Errorf("Status = %q, want pending: data would leave under a consent given to someone else", r.Status)
			}
		})
	}
}

func TestDataRequest_StatusAt(t *testing.T) {
	tests := []struct {
		name string
		r    func(t *testing.T) portal.DataRequest
		now  time.Time
		want portal.RequestStatus
	}{
		{"pending at creation", pendingRequest, base, portal.StatusPending},
		{"pending just before the deadline", pendingRequest, approvalDeadline.Add(-time.Nanosecond), portal.StatusPending},
		{"pending at the deadline", pendingRequest, approvalDeadline, portal.StatusExpired},
		{"pending after the deadline", pendingRequest, approvalDeadline.Add(time.Nanosecond), portal.StatusExpired},
		{"approved just before the pickup deadline", approvedRequest, pickupDeadline.Add(-time.Nanosecond), portal.StatusApproved},
		{"approved at the pickup deadline", approvedRequest, pickupDeadline, portal.StatusExpired},
		{"approved after the pickup deadline", approvedRequest, pickupDeadline.Add(time.Hour), portal.StatusExpired},
		{"delivered stays delivered", deliveredRequest, base.AddDate(1, 0, 0), portal.StatusDelivered},
		{"collected stays delivered", collectedRequest, base.AddDate(1, 0, 0), portal.StatusDelivered},
		{"denied stays denied", deniedRequest, base.AddDate(1, 0, 0), portal.StatusDenied},
		{"cancelled stays cancelled", cancelledRequest, base.AddDate(1, 0, 0), portal.StatusCancelled},
		{"expired stays expired", expiredRequest, base.AddDate(1, 0, 0), portal.StatusExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r(t).StatusAt(tt.now); got != tt.want {
				t.Errorf("StatusAt(%v) = %q, want %q", tt.now, got, tt.want)
			}
		})
	}
}

func TestDataRequest_Approve(t *testing.T) {
	tests := []struct {
		name     string
		r        func(t *testing.T) portal.DataRequest
		now      time.Time
		wantCode string // "" means approved
		wantKey  string
	}{
		{"at creation", pendingRequest, base, "", ""},
		{"just before the deadline", pendingRequest, approvalDeadline.Add(-time.Nanosecond), "", ""},
		{"at the deadline", pendingRequest, approvalDeadline, portal.CodeExpired, "err.request_expired"},
		{"after the deadline", pendingRequest, approvalDeadline.Add(time.Minute), portal.CodeExpired, "err.request_expired"},
		{"twice", approvedRequest, approvedAt.Add(time.Second), portal.CodeNotPending, "err.request_decided"},
		{"after deny", deniedRequest, base.Add(2 * time.Minute), portal.CodeNotPending, "err.request_decided"},
		{"after company cancel", cancelledRequest, base.Add(2 * time.Minute), portal.CodeNotPending, "err.request_decided"},
		{"delivered under consent", deliveredRequest, base.Add(time.Second), portal.CodeNotPending, "err.request_decided"},
		{"already collected", collectedRequest, approvedAt.Add(2 * time.Minute), portal.CodeNotPending, "err.request_decided"},
		{"expired and written so", expiredRequest, approvalDeadline.Add(time.Second), portal.CodeExpired, "err.request_expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.r(t)
			got, err := before.Approve(tt.now)
			if tt.wantCode != "" {
				wantErr(t, err, tt.wantCode, tt.wantKey)
				if got.Status != before.Status {
					t.Errorf("Status after a refused approve = %q, want %q unchanged", got.Status, before.Status)
				}
				return
			}
			if err != nil {
				t.Fatalf("Approve error: %v", err)
			}
			if got.Status != portal.StatusApproved {
				t.Errorf("Status = %q, want approved", got.Status)
			}
			if !sameTime(got.DecidedAt, &tt.now) {
				t.Errorf("DecidedAt = %s, want %v", fmtTime(got.DecidedAt), tt.now)
			}
			if want := tt.now.Add(portal.PickupWindow); !got.Deadline.Equal(want) {
				t.Errorf("Deadline = %v, want the pickup deadline %v", got.Deadline, want)
			}
			if got.DeliveredAt != nil || got.Reason != "" || got.BindingCode != before.BindingCode {
				t.Errorf("request = %+v, want no delivery, no reason, binding code kept", got)
			}
		})
	}
}

func TestDataRequest_Deny(t *testing.T) {
	tests := []struct {
		name     string
		r        func(t *testing.T) portal.DataRequest
		now      time.Time
		wantCode string
	}{
		{"pending", pendingRequest, base.Add(time.Second), ""},
		{"just before the deadline", pendingRequest, approvalDeadline.Add(-time.Nanosecond), ""},
		{"at the deadline", pendingRequest, approvalDeadline, portal.CodeExpired},
		{"after the deadline", pendingRequest, approvalDeadline.Add(time.Hour), portal.CodeExpired},
		{"twice", deniedRequest, base.Add(2 * time.Minute), portal.CodeNotPending},
		{"after approve", approvedRequest, approvedAt.Add(time.Second), portal.CodeNotPending},
		{"after company cancel", cancelledRequest, base.Add(2 * time.Minute), portal.CodeNotPending},
		{"delivered", deliveredRequest, base.Add(time.Second), portal.CodeNotPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.r(t).Deny(tt.now)
			if tt.wantCode != "" {
				wantErr(t, err, tt.wantCode, "")
				return
			}
			if err != nil {
				t.Fatalf("Deny error: %v", err)
			}
			if got.Status != portal.StatusDenied || got.Reason != portal.ReasonCitizenDenied || !sameTime(got.DecidedAt, &tt.now) {
				t.Errorf("request = status %q reason %q decided %s; want denied, %q, at %v", got.Status, got.Reason, fmtTime(got.DecidedAt), portal.ReasonCitizenDenied, tt.now)
			}
			if got.DeliveredAt != nil {
				t.Error("a denied request has a DeliveredAt")
			}
		})
	}
}

func TestDataRequest_CancelByCompany(t *testing.T) {
	tests := []struct {
		name     string
		r        func(t *testing.T) portal.DataRequest
		now      time.Time
		wantCode string
	}{
		{"pending", pendingRequest, base.Add(time.Second), ""},
		{"just before the deadline", pendingRequest, approvalDeadline.Add(-time.Nanosecond), ""},
		{"at the deadline", pendingRequest, approvalDeadline, portal.CodeExpired},
		{"approved", approvedRequest, approvedAt.Add(time.Second), portal.CodeNotPending},
		{"denied", deniedRequest, base.Add(2 * time.Minute), portal.CodeNotPending},
		{"twice", cancelledRequest, base.Add(2 * time.Minute), portal.CodeNotPending},
		{"delivered", deliveredRequest, base.Add(time.Second), portal.CodeNotPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.r(t).CancelByCompany(tt.now)
			if tt.wantCode != "" {
				wantErr(t, err, tt.wantCode, "")
				return
			}
			if err != nil {
				t.Fatalf("CancelByCompany error: %v", err)
			}
			if got.Status != portal.StatusCancelled || got.Reason != portal.ReasonCompanyCancelled || !sameTime(got.DecidedAt, &tt.now) {
				t.Errorf("request = status %q reason %q decided %s; want cancelled, %q, at %v", got.Status, got.Reason, fmtTime(got.DecidedAt), portal.ReasonCompanyCancelled, tt.now)
			}
		})
	}
}

func TestDataRequest_CancelFor(t *testing.T) {
	tests := []struct {
		name   string
		r      func(t *testing.T) portal.DataRequest
		reason string
		now    time.Time
		want   bool
	}{
		{"pending, consent revoked", pendingRequest, portal.ReasonConsentRevoked, base.Add(time.Second), true},
		{"pending, company suspended", pendingRequest, portal.ReasonCompanySuspended, approvalDeadline.Add(-time.Nanosecond), true},
		{"approved, consent revoked", approvedRequest, portal.ReasonConsentRevoked, approvedAt.Add(time.Second), true},
		{"approved, just before the pickup deadline", approvedRequest, portal.ReasonCompanySuspended, pickupDeadline.Add(-time.Nanosecond), true},
		{"pending at the deadline", pendingRequest, portal.ReasonConsentRevoked, approvalDeadline, false},
		{"approved at the pickup deadline", approvedRequest, portal.ReasonConsentRevoked, pickupDeadline, false},
		{"delivered", deliveredRequest, portal.ReasonConsentRevoked, base.Add(time.Second), false},
		{"collected", collectedRequest, portal.ReasonConsentRevoked, approvedAt.Add(2 * time.Minute), false},
		{"denied", deniedRequest, portal.ReasonCompanySuspended, base.Add(2 * time.Minute), false},
		{"cancelled", cancelledRequest, portal.ReasonCompanySuspended, base.Add(2 * time.Minute), false},
		{"expired", expiredRequest, portal.ReasonCompanySuspended, approvalDeadline.Add(time.Second), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.r(t)
			got, ok := before.CancelFor(tt.reason, tt.now)
			if ok != tt.want {
				t.Fatalf("CancelFor ok = %v, want %v", ok, tt.want)
			}
			if !ok {
				if got.Status != before.Status || got.Reason != before.Reason || !sameTime(got.DecidedAt, before.DecidedAt) {
					t.Errorf("request changed though CancelFor reported false: %+v, was %+v", got, before)
				}
				return
			}
			if got.Status != portal.StatusCancelled || got.Reason != tt.reason || !sameTime(got.DecidedAt, &tt.now) {
				t.Errorf("request = status %q reason %q decided %s; want cancelled, %q, at %v", got.Status, got.Reason, fmtTime(got.DecidedAt), tt.reason, tt.now)
			}
		})
	}
}

func TestDataRequest_Collect(t *testing.T) {
	tests := []struct {
		name     string
		r        func(t *testing.T) portal.DataRequest
		now      time.Time
		wantCode string // "" means delivered
	}{
		{"approved, at approval", approvedRequest, approvedAt, ""},
		{"approved, within the window", approvedRequest, approvedAt.Add(time.Minute), ""},
		{"approved, just before the pickup deadline", approvedRequest, pickupDeadline.Add(-time.Nanosecond), ""},
		{"approved, at the pickup deadline", approvedRequest, pickupDeadline, portal.CodeExpired},
		{"approved, after the pickup deadline", approvedRequest, pickupDeadline.Add(time.Hour), portal.CodeExpired},
		{"twice", collectedRequest, approvedAt.Add(2 * time.Minute), portal.CodeAlreadyCollected},
		{"twice, after the pickup window", collectedRequest, pickupDeadline.Add(time.Hour), portal.CodeAlreadyCollected},
		{"delivered under consent", deliveredRequest, base.Add(time.Second), portal.CodeAlreadyCollected},
		{"pending", pendingRequest, base.Add(time.Second), portal.CodeNotApproved},
		{"pending, just before its deadline", pendingRequest, approvalDeadline.Add(-time.Nanosecond), portal.CodeNotApproved},
		{"pending past its deadline", pendingRequest, approvalDeadline, portal.CodeExpired},
		{"denied", deniedRequest, base.Add(2 * time.Minute), portal.CodeNotApproved},
		{"cancelled by the company", cancelledRequest, base.Add(2 * time.Minute), portal.CodeNotApproved},
		{"expired", expiredRequest, approvalDeadline.Add(time.Second), portal.CodeExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.r(t)
			got, err := before.Collect(tt.now)
			if tt.wantCode != "" {
				wantErr(t, err, tt.wantCode, "")
				if got.Status != before.Status {
					t.Errorf("Status after a refused collect = %q, want %q unchanged", got.Status, before.Status)
				}
				return
			}
			if err != nil {
				t.Fatalf("Collect error: %v", err)
			}
			if got.Status != portal.StatusDelivered || !sameTime(got.DeliveredAt, &tt.now) {
				t.Errorf("request = status %q delivered %s; want delivered at %v", got.Status, fmtTime(got.DeliveredAt), tt.now)
			}
			if !sameTime(got.DecidedAt, before.DecidedAt) {
				t.Errorf("DecidedAt = %s, want the approval time %s kept", fmtTime(got.DecidedAt), fmtTime(before.DecidedAt))
			}
		})
	}
}

// TestDataRequest_RevokeBetweenApproveAndCollect: P3, a revoke of a needed scope cancels an approved request
// that was not collected yet, and the company then gets nothing.
func TestDataRequest_RevokeBetweenApproveAndCollect(t *testing.T) {
	tests := []struct {
		name    string
		reason  string
		collect time.Time
	}{
		{"consent revoked, collect at once", portal.ReasonConsentRevoked, approvedAt.Add(time.Second + time.Nanosecond)},
		{"consent revoked, collect within the window", portal.ReasonConsentRevoked, pickupDeadline.Add(-time.Nanosecond)},
		{"company suspended", portal.ReasonCompanySuspended, approvedAt.Add(2 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := approvedRequest(t)
			if !r.NeedsScope(portal.ScopeIncome) {
				t.Fatal("request does not need income")
			}
			r, ok := r.CancelFor(tt.reason, approvedAt.Add(time.Second))
			if !ok {
				t.Fatal("CancelFor an approved request reported false")
			}
			got, err := r.Collect(tt.collect)
			wantErr(t, err, portal.CodeNotApproved, "")
			if got.Status != portal.StatusCancelled || got.Reason != tt.reason || got.DeliveredAt != nil {
				t.Errorf("request = status %q reason %q delivered %s; want cancelled for %q, nothing delivered", got.Status, got.Reason, fmtTime(got.DeliveredAt), tt.reason)
			}
		})
	}
}

func TestDataRequest_Expire(t *testing.T) {
	tests := []struct {
		name       string
		r          func(t *testing.T) portal.DataRequest
		now        time.Time
		want       bool
		wantReason string
	}{
		{"pending, not due", pendingRequest, approvalDeadline.Add(-time.Nanosecond), false, ""},
		{"pending, at the deadline", pendingRequest, approvalDeadline, true, portal.ReasonApprovalTimeout},
		{"pending, after the deadline", pendingRequest, approvalDeadline.Add(time.Hour), true, portal.ReasonApprovalTimeout},
		{"approved, not due", approvedRequest, pickupDeadline.Add(-time.Nanosecond), false, ""},
		{"approved, at the pickup deadline", approvedRequest, pickupDeadline, true, portal.ReasonPickupTimeout},
		{"approved, after the pickup deadline", approvedRequest, pickupDeadline.Add(time.Hour), true, portal.ReasonPickupTimeout},
		{"delivered", deliveredRequest, base.AddDate(1, 0, 0), false, ""},
		{"collected", collectedRequest, base.AddDate(1, 0, 0), false, ""},
		{"denied", deniedRequest, base.AddDate(1, 0, 0), false, ""},
		{"cancelled", cancelledRequest, base.AddDate(1, 0, 0), false, ""},
		{"already expired", expiredRequest, base.AddDate(1, 0, 0), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.r(t)
			got, ok := before.Expire(tt.now)
			if ok != tt.want {
				t.Fatalf("Expire ok = %v, want %v", ok, tt.want)
			}
			if !ok {
				if got.Status != before.Status || got.Reason != before.Reason {
					t.Errorf("request changed though Expire reported false: %+v, was %+v", got, before)
				}
				return
			}
			if got.Status != portal.StatusExpired || got.Reason != tt.wantReason {
				t.Errorf("request = status %q reason %q; want expired, %q", got.Status, got.Reason, tt.wantReason)
			}
			if got.DeliveredAt != nil {
				t.Error("an expired request has a DeliveredAt")
			}
			if before.ExpiryReason() != tt.wantReason {
				t.Errorf("ExpiryReason() = %q, want %q", before.ExpiryReason(), tt.wantReason)
			}
			if _, again := got.Expire(tt.now.Add(time.Second)); again {
				t.Error("Expire reported true twice")
			}
		})
	}
}

func TestRequestStatus_Final(t *testing.T) {
	want := map[portal.RequestStatus]bool{
		portal.StatusPending: false, portal.StatusApproved: false,
		portal.StatusDelivered: true, portal.StatusDenied: true, portal.StatusExpired: true, portal.StatusCancelled: true,
	}
	if len(portal.RequestStatuses) != len(want) {
		t.Errorf("RequestStatuses = %v, want the %d statuses of PRODUCT.md §3", portal.RequestStatuses, len(want))
	}
	for _, s := range portal.RequestStatuses {
		t.Run(string(s), func(t *testing.T) {
			if got := s.Final(); got != want[s] {
				t.Errorf("%q.Final() = %v, want %v", s, got, want[s])
			}
		})
	}
}

func TestDataRequest_NeedsScope(t *testing.T) {
	r := portal.DataRequest{Scopes: loanScopes}
	tests := []struct {
		scope portal.Scope
		want  bool
	}{
		{portal.ScopeIdentity, true},
		{portal.ScopeIncome, true},
		{portal.ScopeAddress, false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.scope), func(t *testing.T) {
			if got := r.NeedsScope(tt.scope); got != tt.want {
				t.Errorf("NeedsScope(%q) = %v, want %v", tt.scope, got, tt.want)
			}
		})
	}
}

func TestCheckPurpose(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // "" means refused
	}{
		{"short", "Loan", "Loan"},
		{"one character", "x", "x"},
		{"trimmed", "  Loan application \n", "Loan application"},
		{"500 characters", runes("ə", 500), runes("ə", 500)},
		{"empty", "", ""},
		{"only spaces", "   ", ""},
		{"501 characters", runes("ə", 501), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := portal.CheckPurpose(tt.in)
			if tt.want == "" {
				wantErr(t, err, portal.EINVALID, "err.purpose_length")
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("CheckPurpose = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestNewRequestID(t *testing.T) {
	seen := make(map[string]bool, 1000)
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	prev := ""
	for i := range 1000 {
		now := at.Add(time.Duration(i/10) * time.Millisecond) // ten ids in each millisecond
		id := portal.NewRequestID(now)
		if !isRequestID(id) {
			t.Fatalf("NewRequestID() = %q, want 44 lower-case hex characters (a millisecond and 128 random bits)", id)
		}
		if seen[id] {
			t.Fatalf("NewRequestID() repeated %q", id)
		}
		seen[id] = true
		// The first 12 characters are the millisecond: later ids sort after earlier ones.
		if want := fmt.Sprintf("%012x", now.UnixMilli()); id[:12] != want {
			t.Fatalf("NewRequestID(%v) = %q; want it to start with the millisecond %s", now, id, want)
		}
		if i%10 == 0 && id <= prev {
			t.Fatalf("NewRequestID at %v = %q sorts before %q made a millisecond earlier", now, id, prev)
		}
		prev = id
	}
	// Within one millisecond the other 128 bits are random: two ids made at the same instant differ there.
	a, b := portal.NewRequestID(at), portal.NewRequestID(at)
	if a[12:] == b[12:] {
		t.Fatalf("two ids made at %v share their random part: %q, %q", at, a, b)
	}
}

// ambiguous are the characters a binding code must not use: each reads like another.
const ambiguous = "01258BILOSUVZ"

func isBindingCode(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'A' <= r && r <= 'Z') || strings.ContainsRune(ambiguous, r) {
			return false
		}
	}
	return true
}

func TestNewBindingCode(t *testing.T) {
	used := map[rune]bool{}
	codes := map[string]bool{}
	for range 10000 {
		code := portal.NewBindingCode()
		if !isBindingCode(code) {
			t.Fatalf("NewBindingCode() = %q, want 4 digits or capitals, none of %q", code, ambiguous)
		}
		codes[code] = true
		for _, r := range code {
			used[r] = true
		}
	}
	// 36 letters and digits less the 13 ambiguous leave 23; 40000 draws use every one of them.
	if len(used) != 36-len(ambiguous) {
		t.Errorf("codes used %d distinct characters, want %d", len(used), 36-len(ambiguous))
	}
	if len(codes) < 5000 {
		t.Errorf("only %d distinct codes in 10000 draws", len(codes))
	}
}

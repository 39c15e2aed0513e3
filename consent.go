package portal

import "time"

// Validity is how long a consent lasts once granted.
type Validity string

// The validities a citizen may choose.
const (
	Validity30Days    Validity = "30d"
	Validity90Days    Validity = "90d"
	Validity1Year     Validity = "1y"
	ValidityUnlimited Validity = "unlimited"
)

// Validities lists the choices in display order.
var Validities = []Validity{Validity30Days, Validity90Days, Validity1Year, ValidityUnlimited}

// ParseValidity checks a validity code.
func ParseValidity(s string) (Validity, error) {
	for _, v := range Validities {
		if string(v) == s {
			return v, nil
		}
	}
	return "", Errorf(EINVALID, "validity must be one of 30d, 90d, 1y, unlimited").WithKey("err.validity")
}

// Valid reports whether v is one of the validities a citizen may choose.
func (v Validity) Valid() bool {
	_, err := ParseValidity(string(v))
	return err == nil
}

// Until returns the end of a validity starting at from, or nil for a consent that lasts until revoked.
func (v Validity) Until(from time.Time) *time.Time {
	var end time.Time
	switch v {
	case Validity30Days:
		end = from.AddDate(0, 0, 30)
	case Validity90Days:
		end = from.AddDate(0, 0, 90)
	case Validity1Year:
		end = from.AddDate(1, 0, 0)
	default:
		return nil
	}
	return &end
}

// Consent is a citizen's permission for one company to obtain one scope. There is one per citizen, company
// and scope; its history is kept as ConsentEvents.
type Consent struct {
	ID         int64
	CitizenID  int64
	CompanyID  int64
	Scope      Scope
	Granted    bool // false once revoked
	Validity   Validity
	GrantedAt  time.Time
	ValidUntil *time.Time // nil: until revoked
	RevokedAt  *time.Time
	UpdatedAt  time.Time
}

// ActiveAt reports whether the consent covers a request made at now: granted, not revoked, and not past its
// validity end. The end instant itself is no longer covered.
func (c Consent) ActiveAt(now time.Time) bool {
	if !c.Granted || c.RevokedAt != nil {
		return false
	}
	return c.ValidUntil == nil || now.Before(*c.ValidUntil)
}

// ConsentEventKind names what happened to a consent.
type ConsentEventKind string

// The consent event kinds.
const (
	ConsentGranted ConsentEventKind = "grant"
	ConsentChanged ConsentEventKind = "change"
	ConsentRevoked ConsentEventKind = "revoke"
)

// ConsentEvent is an immutable record of one grant, change or revoke, with the state before and after.
type ConsentEvent struct {
	ID            int64
	ConsentID     int64
	CitizenID     int64
	CompanyID     int64
	Scope         Scope
	Kind          ConsentEventKind
	At            time.Time
	OldActive     bool
	NewActive     bool
	OldValidUntil *time.Time
	NewValidUntil *time.Time
	NewValidity   Validity
	// RequestID is set when the consent was granted while approving a request ("and keep this consent").
	RequestID string
}

// Grant applies a grant at now to the current consent (nil when none exists yet) and returns the new state
// and the event to record. Granting an active consent changes only its validity, so there is always at most
// one consent per citizen, company and scope.
func Grant(cur *Consent, citizenID, companyID int64, scope Scope, v Validity, now time.Time) (Consent, ConsentEvent) {
	next := Consent{CitizenID: citizenID, CompanyID: companyID, Scope: scope}
	ev := ConsentEvent{CitizenID: citizenID, CompanyID: companyID, Scope: scope, At: now, NewActive: true, NewValidity: v}
	kind := ConsentGranted
	if cur != nil {
		next = *cur
		ev.ConsentID = cur.ID
		ev.OldActive = cur.ActiveAt(now)
		ev.OldValidUntil = cur.ValidUntil
		if ev.OldActive {
			kind = ConsentChanged
		}
	}
	if kind == ConsentGranted {
		next.GrantedAt = now
	}
	next.Granted = true
	next.RevokedAt = nil
	next.Validity = v
	next.ValidUntil = v.Until(now)
	next.UpdatedAt = now
	ev.Kind = kind
	ev.NewValidUntil = next.ValidUntil
	return next, ev
}

// ChangeValidity sets a new validity, counted from now, on an active consent.
func ChangeValidity(cur Consent, v Validity, now time.Time) (Consent, ConsentEvent, error) {
	if !v.Valid() {
		return Consent{}, ConsentEvent{}, Errorf(EINVALID, "unknown validity %q", v).WithKey("err.validity")
	}
	if !cur.ActiveAt(now) {
		return Consent{}, ConsentEvent{}, Errorf(ECONFLICT, "the consent is not active").WithKey("err.consent_inactive")
	}
	next, ev := Grant(&cur, cur.CitizenID, cur.CompanyID, cur.Scope, v, now)
	return next, ev, nil
}

// Revoke ends an active consent at now. Revoking a consent that is not active is an error, not a silent success.
func Revoke(cur Consent, now time.Time) (Consent, ConsentEvent, error) {
	if !cur.ActiveAt(now) {
		return Consent{}, ConsentEvent{}, Errorf(ECONFLICT, "the consent is not active").WithKey("err.consent_inactive")
	}
	next := cur
	next.Granted = false
	next.RevokedAt = &now
	next.UpdatedAt = now
	ev := ConsentEvent{
		ConsentID: cur.ID, CitizenID: cur.CitizenID, CompanyID: cur.CompanyID, Scope: cur.Scope,
		Kind: ConsentRevoked, At: now, OldActive: true, NewActive: false,
		OldValidUntil: cur.ValidUntil, NewValidity: cur.Validity,
	}
	return next, ev, nil
}

// Covers reports whether the consents, taken at now, cover every scope: the P1 test for immediate delivery.
func Covers(consents []Consent, scopes []Scope, now time.Time) bool {
	if len(scopes) == 0 {
		return false
	}
	active := make(map[Scope]bool, len(consents))
	for _, c := range consents {
		if c.ActiveAt(now) {
			active[c.Scope] = true
		}
	}
	for _, s := range scopes {
		if !active[s] {
			return false
		}
	}
	return true
}

package portal

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// ActorKind is who did an audited action.
type ActorKind string

// The actor kinds.
const (
	ActorCitizen ActorKind = "citizen"
	ActorAdmin   ActorKind = "admin"
	ActorCompany ActorKind = "company"
	ActorSystem  ActorKind = "system"
)

// Actor identifies who acted: a kind and, except for the system, an id.
type Actor struct {
	Kind ActorKind
	ID   int64
}

// System is the actor for what the portal does by itself (expiry sweeps, demo seeding).
var System = Actor{Kind: ActorSystem}

// AuditEntry is one row of the append-only, hash-chained audit log (P5). Details is a JSON object with no
// personal data values and no secrets.
type AuditEntry struct {
	Seq       int64
	At        time.Time
	Actor     Actor
	Action    string
	CitizenID int64  // the citizen the entry is about, 0 if none
	Subject   string // ids of what was acted on, e.g. "request:ab12…" or "company:7"
	Details   string // JSON object, "{}" when empty
	PrevHash  string // hex; "" for the first row
	Hash      string // hex
}

// Canonical returns the row's canonical encoding, the input of its hash. Each field is written as its
// decimal byte length, a colon, the bytes and a comma, in this order: seq, time (Unix nanoseconds, UTC),
// actor kind, actor id, action, citizen id, subject, details. Length prefixes make the encoding
// unambiguous whatever the fields contain.
func (e AuditEntry) Canonical() []byte {
	fields := []string{
		strconv.FormatInt(e.Seq, 10),
		strconv.FormatInt(e.At.UnixNano(), 10),
		string(e.Actor.Kind),
		strconv.FormatInt(e.Actor.ID, 10),
		e.Action,
		strconv.FormatInt(e.CitizenID, 10),
		e.Subject,
		e.Details,
	}
	var b []byte
	for _, f := range fields {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
		b = append(b, ',')
	}
	return b
}

// ComputeHash returns hex(SHA-256(prev hash bytes || canonical encoding)).
func (e AuditEntry) ComputeHash() string {
	prev, _ := hex.DecodeString(e.PrevHash) // a malformed prev hash fails verification by mismatch
	h := sha256.New()
	h.Write(prev)
	h.Write(e.Canonical())
	return hex.EncodeToString(h.Sum(nil))
}

// ChainBreak describes the first row where an audit chain does not hold.
type ChainBreak struct {
	Seq    int64
	Reason string
}

// VerifyChain checks a run of entries in sequence order that follows a row with hash prevHash and sequence
// prevSeq (0 and "" at the start of the log). It returns the first break, or nil when the run is intact.
func VerifyChain(prevSeq int64, prevHash string, entries []AuditEntry) *ChainBreak {
	for _, e := range entries {
		switch {
		case e.Seq != prevSeq+1:
			return &ChainBreak{Seq: e.Seq, Reason: "sequence gap or reorder after " + strconv.FormatInt(prevSeq, 10) + " (row deleted, inserted or moved)"}
		case e.PrevHash != prevHash:
			return &ChainBreak{Seq: e.Seq, Reason: "previous hash does not match the row before (row deleted, inserted or moved)"}
		case e.ComputeHash() != e.Hash:
			return &ChainBreak{Seq: e.Seq, Reason: "hash does not match the row's content (row edited)"}
		}
		prevSeq, prevHash = e.Seq, e.Hash
	}
	return nil
}

package portal_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"portal"
)

// auditChain returns n entries starting at seq 1 after an empty log, each with its prev hash and hash
// computed, as the store writes them.
func auditChain(n int) []portal.AuditEntry {
	out := make([]portal.AuditEntry, n)
	prev := ""
	for i := range out {
		e := portal.AuditEntry{
			Seq:       int64(i + 1),
			At:        base.Add(time.Duration(i) * time.Second),
			Actor:     portal.Actor{Kind: portal.ActorCitizen, ID: testCitizen},
			Action:    "consent.grant",
			CitizenID: testCitizen,
			Subject:   fmt.Sprintf("consent:%d company:%d", i+1, testCompany),
			Details:   fmt.Sprintf(`{"scope":"address","n":%d}`, i),
			PrevHash:  prev,
		}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		out[i] = e
	}
	return out
}

// rehash recomputes the prev hashes and hashes of entries from index from on, as a forger with write access
// to the table would.
func rehash(entries []portal.AuditEntry, from int) {
	for i := from; i < len(entries); i++ {
		if i > 0 {
			entries[i].PrevHash = entries[i-1].Hash
		}
		entries[i].Hash = entries[i].ComputeHash()
	}
}

func sampleEntry() portal.AuditEntry {
	return portal.AuditEntry{
		Seq: 1, At: time.Unix(0, 5).UTC(), Actor: portal.Actor{Kind: portal.ActorCitizen, ID: 7},
		Action: "consent.grant", CitizenID: 7, Subject: "consent:3", Details: "{}",
	}
}

func TestAuditEntry_Canonical(t *testing.T) {
	t.Run("documented encoding", func(t *testing.T) {
		want := "1:1,1:5,7:citizen,1:7,13:consent.grant,1:7,9:consent:3,2:{},"
		if got := string(sampleEntry().Canonical()); got != want {
			t.Errorf("Canonical() = %q, want %q", got, want)
		}
	})
	t.Run("time zone does not matter", func(t *testing.T) {
		a, b := sampleEntry(), sampleEntry()
		a.At = base
		b.At = base.In(time.FixedZone("AZT", 4*60*60))
		if !bytes.Equal(a.Canonical(), b.Canonical()) {
			t.Errorf("same instant in two zones encodes differently: %q vs %q", a.Canonical(), b.Canonical())
		}
	})

	// Each pair differs only in how the same bytes are split between neighbouring fields.
	pairs := []struct {
		name string
		a, b func(e *portal.AuditEntry)
	}{
		{"subject/details", func(e *portal.AuditEntry) { e.Subject, e.Details = "ab", "c" }, func(e *portal.AuditEntry) { e.Subject, e.Details = "a", "bc" }},
		{"subject/details empty", func(e *portal.AuditEntry) { e.Subject, e.Details = "abc", "" }, func(e *portal.AuditEntry) { e.Subject, e.Details = "", "abc" }},
		{"action/subject", func(e *portal.AuditEntry) { e.Action, e.Subject = "consent.grant", "x" }, func(e *portal.AuditEntry) { e.Action, e.Subject = "consent.gran", "tx" }},
		{"actor kind/actor id", func(e *portal.AuditEntry) { e.Actor = portal.Actor{Kind: "citizen1", ID: 2} }, func(e *portal.AuditEntry) { e.Actor = portal.Actor{Kind: "citizen", ID: 12} }},
		{"a field that looks like an encoding", func(e *portal.AuditEntry) { e.Subject, e.Details = "a,1:b", "{}" }, func(e *portal.AuditEntry) { e.Subject, e.Details = "a", "b,2:{}" }},
		{"separators inside a field", func(e *portal.AuditEntry) { e.Subject, e.Details = "a:", ",b" }, func(e *portal.AuditEntry) { e.Subject, e.Details = "a:,", "b" }},
		{"seq/time digits", func(e *portal.AuditEntry) { e.Seq, e.At = 12, time.Unix(0, 3) }, func(e *portal.AuditEntry) { e.Seq, e.At = 1, time.Unix(0, 23) }},
		{"actor id/citizen id", func(e *portal.AuditEntry) { e.Actor.ID, e.CitizenID = 12, 3 }, func(e *portal.AuditEntry) { e.Actor.ID, e.CitizenID = 1, 23 }},
	}
	for _, tt := range pairs {
		t.Run("unambiguous "+tt.name, func(t *testing.T) {
			a, b := sampleEntry(), sampleEntry()
			tt.a(&a)
			tt.b(&b)
			if bytes.Equal(a.Canonical(), b.Canonical()) {
				t.Errorf("two different entries encode the same: %q", a.Canonical())
			}
			if a.ComputeHash() == b.ComputeHash() {
				t.Errorf("two different entries hash the same")
			}
		})
	}
}

func TestAuditEntry_ComputeHash(t *testing.T) {
	t.Run("sha256 of prev hash bytes and canonical encoding", func(t *testing.T) {
		e := sampleEntry()
		sum := sha256.Sum256(e.Canonical())
		if got, want := e.ComputeHash(), hex.EncodeToString(sum[:]); got != want {
			t.Errorf("first row: ComputeHash() = %s, want %s", got, want)
		}
		e.PrevHash = strings.Repeat("ab", 32)
		prev, _ := hex.DecodeString(e.PrevHash)
		sum = sha256.Sum256(append(prev, e.Canonical()...))
		if got, want := e.ComputeHash(), hex.EncodeToString(sum[:]); got != want {
			t.Errorf("later row: ComputeHash() = %s, want %s", got, want)
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		if a, b := sampleEntry().ComputeHash(), sampleEntry().ComputeHash(); a != b || len(a) != 64 {
			t.Errorf("ComputeHash() = %s then %s, want one 64-character hex hash", a, b)
		}
	})
	t.Run("own hash field is not an input", func(t *testing.T) {
		a, b := sampleEntry(), sampleEntry()
		b.Hash = "deadbeef"
		if a.ComputeHash() != b.ComputeHash() {
			t.Error("ComputeHash depends on the Hash field")
		}
	})

	prevHash := auditChain(1)[0].Hash
	changes := []struct {
		name string
		edit func(e *portal.AuditEntry)
	}{
		{"seq", func(e *portal.AuditEntry) { e.Seq++ }},
		{"time by a nanosecond", func(e *portal.AuditEntry) { e.At = e.At.Add(time.Nanosecond) }},
		{"actor kind", func(e *portal.AuditEntry) { e.Actor.Kind = portal.ActorAdmin }},
		{"actor id", func(e *portal.AuditEntry) { e.Actor.ID++ }},
		{"system actor", func(e *portal.AuditEntry) { e.Actor = portal.System }},
		{"action", func(e *portal.AuditEntry) { e.Action = "consent.revoke" }},
		{"citizen id", func(e *portal.AuditEntry) { e.CitizenID = 0 }},
		{"subject", func(e *portal.AuditEntry) { e.Subject = "consent:4" }},
		{"details", func(e *portal.AuditEntry) { e.Details = `{"x":1}` }},
		{"details whitespace", func(e *portal.AuditEntry) { e.Details = "{ }" }},
		{"prev hash", func(e *portal.AuditEntry) { e.PrevHash = prevHash }},
	}
	for _, tt := range changes {
		t.Run("changes with "+tt.name, func(t *testing.T) {
			e := sampleEntry()
			before := e.ComputeHash()
			tt.edit(&e)
			if e.ComputeHash() == before {
				t.Errorf("ComputeHash() did not change when the %s changed", tt.name)
			}
		})
	}
}

func TestVerifyChain(t *testing.T) {
	tests := []struct {
		name     string
		prevSeq  int64
		prevHash string
		entries  func() []portal.AuditEntry
		wantSeq  int64 // 0 means intact
	}{
		{"intact chain", 0, "", func() []portal.AuditEntry { return auditChain(5) }, 0},
		{"intact single row", 0, "", func() []portal.AuditEntry { return auditChain(1) }, 0},
		{"empty run", 0, "", func() []portal.AuditEntry { return nil }, 0},
		{"intact run after row 2", 2, auditChain(5)[1].Hash, func() []portal.AuditEntry { return auditChain(5)[2:] }, 0},
		{"edited middle row", 0, "", func() []portal.AuditEntry {
			c := auditChain(5)
			c[2].Details = `{"scope":"income","n":2}`
			return c
		}, 3},
		{"edited middle row, time moved by a nanosecond", 0, "", func() []portal.AuditEntry {
			c := auditChain(5)
			c[2].At = c[2].At.Add(time.Nanosecond)
			return c
		}, 3},
		{"edited middle row with its hash recomputed", 0, "", func() []portal.AuditEntry {
			c := auditChain(5)
			c[2].Actor = portal.System
			c[2].Hash = c[2].ComputeHash()
			return c
		}, 4},
		{"edited first row", 0, "", func() []portal.AuditEntry {
			c := auditChain(5)
			c[0].CitizenID = otherCitizen
			return c
		}, 1},
		{"edited last row's hash", 0, "", func() []portal.AuditEntry {
			c := auditChain(5)
			c[4].Hash = strings.Repeat("0", 64)
			return c
		}, 5},
		{"prev hash in upper case", 0, "", func() []portal.AuditEntry {
			c := auditChain(5)
			c[3].PrevHash = strings.ToUpper(c[3].PrevHash)
			return c
		}, 4},
		{"first row with a prev hash", 0, "", func() []portal.AuditEntry {
			c := auditChain(3)
			c[0].PrevHash = strings.Repeat("ab", 32)
			rehash(c, 0)
			return c
		}, 1},
		{"deleted middle row", 0, "", func() []portal.AuditEntry {
			c := auditChain(5)
			return append(c[:2:2], c[3:]...)
		}, 4},
		{"deleted first row", 0, "", func() []portal.AuditEntry { return auditChain(5)[1:] }, 2},
		{"deleted middle row, later rows renumbered", 0, "", func() []portal.AuditEntry {
			c := auditChain(5)
			c = append(c[:2:2], c[3:]...)
			for i := range c {
				c[i].Seq = int64(i + 1)
			}
			return c
		}, 3},
		{"inserted row", 0, "", func() []portal.AuditEntry {
			c := auditChain(5)
			forged := portal.AuditEntry{Seq: 3, At: c[1].At.Add(time.Millisecond), Actor: portal.System, Action: "consent.grant",
				CitizenID: testCitizen, Subject: "consent:99 company:1", Details: "{}", PrevHash: c[1].Hash}
			forged.Hash = forged.ComputeHash()
			return append(append(c[:2:2], forged), c[2:]...)
		}, 3},
		{"inserted row, later rows renumbered", 0, "", func() []portal.AuditEntry {
			c := auditChain(5)
			forged := portal.AuditEntry{Seq: 3, At: c[1].At.Add(time.Millisecond), Actor: portal.System, Action: "consent.grant",
				CitizenID: testCitizen, Subject: "consent:99 company:1", Details: "{}", PrevHash: c[1].Hash}
			forged.Hash = forged.ComputeHash()
			c = append(append(c[:2:2], forged), c[2:]...)
			for i := range c {
				c[i].Seq = int64(i + 1)
			}
			return c
		}, 4},
		{"duplicated row", 0, "", func() []portal.AuditEntry {
			c := auditChain(5)
			return append(c[:3:3], c[2:]...)
		}, 3},
		{"swapped rows", 0, "", func() []portal.AuditEntry {
			c := auditChain(5)
			c[1], c[2] = c[2], c[1]
			return c
		}, 3},
		{"swapped rows, seq numbers kept in place", 0, "", func() []portal.AuditEntry {
			c := auditChain(5)
			c[1], c[2] = c[2], c[1]
			c[1].Seq, c[2].Seq = 2, 3
			return c
		}, 2},
		{"run started from the wrong row", 0, "", func() []portal.AuditEntry { return auditChain(5)[2:] }, 3},
		{"run after row 2 with a wrong prev hash", 2, auditChain(5)[0].Hash, func() []portal.AuditEntry { return auditChain(5)[2:] }, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			brk := portal.VerifyChain(tt.prevSeq, tt.prevHash, tt.entries())
			if tt.wantSeq == 0 {
				if brk != nil {
					t.Fatalf("VerifyChain = %+v, want intact", *brk)
				}
				return
			}
			if brk == nil {
				t.Fatalf("VerifyChain = nil, want a break at seq %d", tt.wantSeq)
			}
			if brk.Seq != tt.wantSeq {
				t.Errorf("VerifyChain break at seq %d (%s), want seq %d", brk.Seq, brk.Reason, tt.wantSeq)
			}
			if brk.Reason == "" {
				t.Error("break has no reason")
			}
		})
	}
}

func TestVerifyChain_Reasons(t *testing.T) {
	edited := auditChain(3)
	edited[1].Subject = "consent:42"
	deleted := auditChain(3)
	deleted = append(deleted[:1:1], deleted[2:]...)
	tests := []struct {
		name    string
		entries []portal.AuditEntry
		want    string
	}{
		{"edited", edited, "edited"},
		{"deleted", deleted, "deleted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			brk := portal.VerifyChain(0, "", tt.entries)
			if brk == nil || !strings.Contains(brk.Reason, tt.want) {
				t.Errorf("VerifyChain = %+v, want a reason mentioning %q", brk, tt.want)
			}
		})
	}
}

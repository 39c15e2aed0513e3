package portal_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"portal"
)

// Fuzz tests of the domain's parsers and the audit encoding (issue 7). Their seed corpora live in
// testdata/fuzz/<FuzzName>/; `go test` runs the seeds, `go test -fuzz FuzzParseFIN` explores.

// FuzzParseFIN: whatever comes in, ParseFIN never panics, accepts only a valid FIN (7 digits or Latin
// capitals), accepts exactly the trimmed inputs of 7 ASCII letters and digits, and is idempotent.
func FuzzParseFIN(f *testing.F) {
	for _, s := range []string{"5ABCD12", "5abcd12", " 7XYZ987 ", "ı5ABCD1", "5ABCD1ſ", "", "1234567", "ABCDEFGH", "5ABC\x00D1", "５ABCD12", "5ABCD12\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		fin, err := portal.ParseFIN(in)
		trimmed := strings.TrimSpace(in)
		wantOK := len(trimmed) == 7 && strings.IndexFunc(trimmed, func(r rune) bool {
			return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z')
		}) < 0
		if (err == nil) != wantOK {
			t.Fatalf("ParseFIN(%q) = %q, %v; want ok=%v", in, fin, err, wantOK)
		}
		if err != nil {
			if portal.ErrorCode(err) != portal.EINVALID || fin != "" {
				t.Fatalf("ParseFIN(%q) refused with %q, code %s", in, fin, portal.ErrorCode(err))
			}
			return
		}
		if len(fin) != 7 || strings.IndexFunc(fin, func(r rune) bool { return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') }) >= 0 {
			t.Fatalf("ParseFIN(%q) = %q: not a valid FIN", in, fin)
		}
		if fin != strings.ToUpper(trimmed) {
			t.Fatalf("ParseFIN(%q) = %q, want the upper-cased input", in, fin)
		}
		if again, err := portal.ParseFIN(fin); err != nil || again != fin {
			t.Fatalf("round trip: ParseFIN(%q) = %q, %v", fin, again, err)
		}
	})
}

// FuzzParseVOEN: ParseVOEN never panics, accepts exactly 10 ASCII digits (spaces around ignored) and
// returns them unchanged; its output parses to itself.
func FuzzParseVOEN(f *testing.F) {
	for _, s := range []string{"1400012345", " 1700384521 ", "140001234", "14000123456", "14000l2345", "١٤٠٠٠١٢٣٤٥", "", "+400012345", "1400012345\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, err := portal.ParseVOEN(in)
		trimmed := strings.TrimSpace(in)
		wantOK := len(trimmed) == 10 && strings.IndexFunc(trimmed, func(r rune) bool { return r < '0' || r > '9' }) < 0
		if (err == nil) != wantOK {
			t.Fatalf("ParseVOEN(%q) = %q, %v; want ok=%v", in, v, err, wantOK)
		}
		if err != nil {
			return
		}
		if v != trimmed || !utf8.ValidString(v) {
			t.Fatalf("ParseVOEN(%q) = %q", in, v)
		}
		if again, err := portal.ParseVOEN(v); err != nil || again != v {
			t.Fatalf("round trip: ParseVOEN(%q) = %q, %v", v, again, err)
		}
	})
}

// FuzzAuditCanonical: the canonical encoding, which the hash chain covers, is injective: two entries that
// differ in any field never encode the same, however the fields' text is chosen (separators, digits,
// lengths inside the text...).
func FuzzAuditCanonical(f *testing.F) {
	f.Add(int64(1), int64(0), "citizen", int64(7), "consent.grant", int64(7), "consent:3", `{}`,
		int64(1), int64(0), "citizen", int64(7), "consent.gran", int64(7), "tconsent:3", `{}`)
	f.Add(int64(12), int64(1), "a", int64(1), "1:b,", int64(0), "", "{}",
		int64(1), int64(21), "a", int64(1), "1:b", int64(0), ",", "{}")
	// Text that looks like the encoding's own separators and length prefixes.
	f.Add(int64(1), int64(2), "citizen", int64(3), "consent.grant", int64(4), "a,b", "c",
		int64(1), int64(2), "citizen", int64(3), "consent.grant", int64(4), "a", "b,c")
	f.Add(int64(1), int64(2), "citizen", int64(3), "consent.grant", int64(4), "x,2:{}", "",
		int64(1), int64(2), "citizen", int64(3), "consent.grant", int64(4), "x", "{}")
	f.Add(int64(-1), int64(-5), "", int64(0), "", int64(0), "", "",
		int64(-1), int64(-5), "", int64(0), "", int64(0), "", "")
	f.Fuzz(func(t *testing.T, seq1, at1 int64, kind1 string, id1 int64, action1 string, cit1 int64, subj1, det1 string,
		seq2, at2 int64, kind2 string, id2 int64, action2 string, cit2 int64, subj2, det2 string) {
		a := portal.AuditEntry{Seq: seq1, At: time.Unix(0, at1), Actor: portal.Actor{Kind: portal.ActorKind(kind1), ID: id1},
			Action: action1, CitizenID: cit1, Subject: subj1, Details: det1}
		b := portal.AuditEntry{Seq: seq2, At: time.Unix(0, at2), Actor: portal.Actor{Kind: portal.ActorKind(kind2), ID: id2},
			Action: action2, CitizenID: cit2, Subject: subj2, Details: det2}
		same := seq1 == seq2 && at1 == at2 && kind1 == kind2 && id1 == id2 && action1 == action2 && cit1 == cit2 && subj1 == subj2 && det1 == det2
		if encSame := string(a.Canonical()) == string(b.Canonical()); encSame != same {
			t.Fatalf("entries equal=%v but encodings equal=%v:\n%+v\n%+v\n%q", same, encSame, a, b, a.Canonical())
		}
		if !same && a.ComputeHash() == b.ComputeHash() {
			t.Fatalf("different entries share a hash")
		}
	})
}

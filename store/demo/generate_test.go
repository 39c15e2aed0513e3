package demo

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"portal"
)

// TestData_fields checks the raw data, before the registry filters it: every scope present with exactly
// its published fields, nothing more.
func TestData_fields(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	months := lastMonths(now, 12)
	people := namedCitizens(now)
	for i := range 500 {
		people = append(people, generate(i, months))
	}
	for _, p := range people {
		if len(p.data) != len(portal.Scopes) {
			t.Errorf("%s has %d scopes", p.fin, len(p.data))
		}
		for _, sc := range portal.Scopes {
			var got []string
			for k := range p.data[sc] {
				got = append(got, k)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(sc.Fields()))
			if !slices.Equal(got, want) {
				t.Errorf("%s %s: fields %v, want %v", p.fin, sc, got, want)
			}
		}
		if p.data[portal.ScopeIdentity]["fin"] != p.fin {
			t.Errorf("%s: identity fin %v", p.fin, p.data[portal.ScopeIdentity]["fin"])
		}
		for _, k := range []string{"degrees"} {
			if p.data[portal.ScopeEducation][k] == nil {
				t.Errorf("%s: nil %s would encode as null", p.fin, k)
			}
		}
		first, _ := p.data[portal.ScopeIdentity]["first_name"].(string)
		last, _ := p.data[portal.ScopeIdentity]["last_name"].(string)
		if p.name != first+" "+last {
			t.Errorf("%s: name %q, identity %q %q", p.fin, p.name, first, last)
		}
		pat, _ := p.data[portal.ScopeIdentity]["patronymic"].(string)
		sex := p.data[portal.ScopeIdentity]["sex"]
		if (sex == "qadın") != strings.HasSuffix(pat, " qızı") || (sex == "kişi") != strings.HasSuffix(pat, " oğlu") {
			t.Errorf("%s: sex %v, patronymic %q", p.fin, sex, pat)
		}
		if sal := p.data[portal.ScopeIncome]["monthly_salaries"].([]map[string]any); len(sal) != 12 || sal[0]["month"] != "2025-03" || sal[11]["month"] != "2026-02" {
			t.Errorf("%s: income months %v", p.fin, sal)
		}
	}
}

func TestGenerate_deterministic(t *testing.T) {
	months := lastMonths(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), 12)
	for _, i := range []int{0, 1, 999, 99_999} {
		if a, b := generate(i, months), generate(i, months); !reflect.DeepEqual(a, b) {
			t.Errorf("citizen %d differs between runs", i)
		}
	}
	if reflect.DeepEqual(generate(1, months).data, generate(2, months).data) {
		t.Error("citizens 1 and 2 are the same")
	}
}

// TestGeneratedFIN_reserved checks the substitutes for FINs that collide with the named accounts.
func TestGeneratedFIN_reserved(t *testing.T) {
	for j := range reservedFINs {
		x := permuteFIN(finSpace - 1 - uint64(j))
		if fin := encodeFIN(x); slices.Contains(reservedFINs, fin) {
			t.Errorf("substitute %d is reserved: %s", j, fin)
		}
	}
	// The index whose image is a reserved FIN gets the substitute instead.
	for _, fin := range reservedFINs {
		i := inversePermuteFIN(decodeFIN(fin))
		if permuteFIN(i) != decodeFIN(fin) {
			t.Fatalf("inverse of %s is wrong", fin)
		}
		if got := GeneratedFIN(int(i)); slices.Contains(reservedFINs, got) {
			t.Errorf("GeneratedFIN(%d) = %s, a reserved FIN", i, got)
		}
	}
	seen := map[uint64]bool{}
	for i := range uint64(100_000) {
		x := permuteFIN(i)
		if x >= finSpace || seen[x] {
			t.Fatalf("permuteFIN(%d) = %d: out of range or repeated", i, x)
		}
		seen[x] = true
	}
}

func TestLastMonths(t *testing.T) {
	got := lastMonths(time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC), 3)
	if want := []string{"2025-10", "2025-11", "2025-12"}; !slices.Equal(got, want) {
		t.Errorf("lastMonths = %v, want %v", got, want)
	}
}

func decodeFIN(fin string) uint64 {
	var x uint64
	for _, c := range fin {
		x = x*36 + uint64(strings.IndexRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", c))
	}
	return x
}

func inversePermuteFIN(y uint64) uint64 {
	for {
		y = inverseFeistel38(y)
		if y < finSpace {
			return y
		}
	}
}

func inverseFeistel38(y uint64) uint64 {
	const half, mask = 19, 1<<19 - 1
	l, r := y>>half, y&mask
	for round := uint64(4); round > 0; round-- {
		l, r = r^(mix64(l^(genSeed+(round-1)*0x9e3779b97f4a7c15))&mask), l
	}
	return l<<half | r
}

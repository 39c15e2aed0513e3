package auth

import (
	"container/list"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"portal"
)

// Throttle defaults (PRODUCT.md §8): 5 failures in 15 minutes.
const (
	DefaultThrottleLimit  = 5
	DefaultThrottleWindow = 15 * time.Minute
)

// maxThrottleKeys caps how many keys a Throttle remembers. A flood of distinct keys (random FINs, many
// addresses) then evicts the least recently failed ones instead of growing memory without bound.
const maxThrottleKeys = 100_000

// Throttle limits login attempts per key, such as "fin:1ABCDEF" or "ip:203.0.113.7": after limit failures
// within a sliding window, further attempts are refused until the oldest of those failures leaves the
// window. Memory is bounded: a key keeps at most limit timestamps, and at most maxThrottleKeys keys are
// kept. A Throttle is safe for concurrent use; it lives in one process, which suits one portal instance.
type Throttle struct {
	clock  portal.Clock
	limit  int
	window time.Duration
	max    int

	mu   sync.Mutex
	keys map[string]*list.Element // of *throttleEntry
	// lru orders keys by their latest failure, oldest at the front, so expired keys and eviction victims
	// are found in O(1).
	lru *list.List
}

type throttleEntry struct {
	key      string
	failures []time.Time // ascending, at most limit
}

// NewThrottle returns a Throttle allowing limit failures per window (values below 1 mean the defaults).
func NewThrottle(clock portal.Clock, limit int, window time.Duration) *Throttle {
	if limit < 1 {
		limit = DefaultThrottleLimit
	}
	if window <= 0 {
		window = DefaultThrottleWindow
	}
	return &Throttle{clock: clock, limit: limit, window: window, max: maxThrottleKeys,
		keys: make(map[string]*list.Element), lru: list.New()}
}

// Allowed reports whether an attempt for key may proceed. When it may not, retryAfter is how long until
// it may, rounded up to whole seconds and at least one second, for the Retry-After header.
func (t *Throttle) Allowed(key string) (ok bool, retryAfter time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	e := t.prune(key, now)
	if e == nil || len(e.failures) < t.limit {
		return true, 0
	}
	// The key is allowed again once the oldest failure it keeps leaves the window.
	wait := e.failures[0].Add(t.window).Sub(now)
	wait = (wait + time.Second - 1).Truncate(time.Second)
	return false, max(wait, time.Second)
}

// Fail records a failed attempt for key. Attempts that Allowed refused are not tried, so they should not be
// recorded; if they are, they push the end of the block further out.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	t.sweep(now)
	e := t.prune(key, now)
	if e == nil {
		if t.lru.Len() >= t.max {
			t.remove(t.lru.Front())
		}
		e = &throttleEntry{key: key}
		t.keys[key] = t.lru.PushBack(e)
	} else {
		t.lru.MoveToBack(t.keys[key])
	}
	e.failures = append(e.failures, now)
	if n := len(e.failures); n > t.limit {
		// Only the latest limit failures decide anything; older ones would only take memory.
		e.failures = append(e.failures[:0], e.failures[n-t.limit:]...)
	}
}

// Reset forgets key's failures, as after a successful login for that FIN.
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.keys[key]; ok {
		t.remove(el)
	}
}

// prune drops key's failures that have left the window, and the key itself when none remain. It returns
// the key's entry, or nil.
func (t *Throttle) prune(key string, now time.Time) *throttleEntry {
	el, ok := t.keys[key]
	if !ok {
		return nil
	}
	e := el.Value.(*throttleEntry)
	cut := now.Add(-t.window)
	i := 0
	for i < len(e.failures) && !e.failures[i].After(cut) {
		i++
	}
	e.failures = e.failures[i:]
	if len(e.failures) == 0 {
		t.remove(el)
		return nil
	}
	return e
}

// sweep removes keys whose latest failure has left the window. Keys are ordered by latest failure, so it
// stops at the first live one: the cost is amortized over the Fail calls that added them.
func (t *Throttle) sweep(now time.Time) {
	cut := now.Add(-t.window)
	for el := t.lru.Front(); el != nil; el = t.lru.Front() {
		e := el.Value.(*throttleEntry)
		if e.failures[len(e.failures)-1].After(cut) {
			return
		}
		t.remove(el)
	}
}

func (t *Throttle) remove(el *list.Element) {
	delete(t.keys, el.Value.(*throttleEntry).key)
	t.lru.Remove(el)
}

// Len returns how many keys the Throttle remembers, for metrics and tests.
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lru.Len()
}

// ClientIP returns the address of the client that sent r, for throttling and the audit log. It is the
// socket's peer address, which the client cannot forge, unless that peer is a trusted proxy: then it is the
// right-most X-Forwarded-For entry that is not itself a trusted proxy, since entries to its left were
// supplied by the client and may be anything. When every entry is trusted, the left-most one is the client.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	peer, ok := parseHostAddr(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		addr, ok := parseHostAddr(strings.TrimSpace(hops[i]))
		if !ok {
			// A garbled entry breaks the chain; the last trusted hop is the best address we know.
			break
		}
		client = addr
		if !isTrusted(addr, trusted) {
			break
		}
	}
	return client.String()
}

// parseHostAddr parses an IP address with or without a port, as in RemoteAddr or some proxies' headers.
func parseHostAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies parses the --trusted-proxies flag: a comma-separated list of IP addresses and CIDR
// prefixes, such as "10.0.0.0/8, 192.168.1.5, fd00::/8". An empty string means no proxy is trusted.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("auth: trusted proxy %q: %w", f, err)
			}
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				// Client addresses are unmapped before matching, so an IPv4-mapped prefix must be too.
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("auth: trusted proxy %q: %w", f, err)
		}
		if a.Zone() != "" {
			return nil, fmt.Errorf("auth: trusted proxy %q: zones are not supported", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

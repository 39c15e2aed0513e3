package auth

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"portal"
)

func TestThrottle(t *testing.T) {
	type step struct {
		advance time.Duration
		op      string // "fail", "reset", or "check"
		ok      bool   // for check
		retry   time.Duration
	}
	fail := func(d time.Duration) step { return step{advance: d, op: "fail"} }
	check := func(d time.Duration, ok bool, retry time.Duration) step {
		return step{advance: d, op: "check", ok: ok, retry: retry}
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"fresh key allowed", []step{check(0, true, 0)}},
		{"four failures allowed", []step{fail(0), fail(0), fail(0), fail(0), check(0, true, 0)}},
		{"five failures block for the window", []step{
			fail(0), fail(0), fail(0), fail(0), fail(0),
			check(0, false, 15*time.Minute),
			check(14*time.Minute+59*time.Second, false, time.Second),
			check(time.Second, true, 0),
		}},
		{"sliding: block ends when the oldest failure leaves", []step{
			fail(0), fail(5 * time.Minute), fail(0), fail(0), fail(0),
			check(time.Minute, false, 9*time.Minute),
			check(9*time.Minute, true, 0),
			fail(0), // five again within the window: the second failure is now the oldest
			check(0, false, 5*time.Minute),
		}},
		{"retry rounded up to whole seconds", []step{
			fail(0), fail(0), fail(0), fail(0), fail(0),
			check(14*time.Minute+59*time.Second+500*time.Millisecond, false, time.Second),
			check(-60*time.Second, false, 61*time.Second), // 60.5s left,
		}},
		{"old failures do not count", []step{
			fail(0), fail(0), fail(0), fail(0), fail(15 * time.Minute), check(0, true, 0),
		}},
		{"reset on success", []step{
			fail(0), fail(0), fail(0), fail(0), fail(0), {op: "reset"}, check(0, true, 0),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := portal.NewFakeClock(epoch)
			th := NewThrottle(clock, 5, 15*time.Minute)
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				switch s.op {
				case "fail":
					th.Fail("fin:1ABCDEF")
				case "reset":
					th.Reset("fin:1ABCDEF")
				case "check":
					ok, retry := th.Allowed("fin:1ABCDEF")
					if ok != s.ok || retry != s.retry {
						t.Fatalf("step %d: Allowed = %v, %v; want %v, %v", i, ok, retry, s.ok, s.retry)
					}
				}
			}
			if ok, _ := th.Allowed("ip:203.0.113.7"); !ok {
				t.Error("an unrelated key is blocked")
			}
		})
	}
}

func TestThrottle_Defaults(t *testing.T) {
	th := NewThrottle(portal.NewFakeClock(epoch), 0, 0)
	if th.limit != DefaultThrottleLimit || th.window != DefaultThrottleWindow {
		t.Fatalf("defaults %d, %v", th.limit, th.window)
	}
}

func TestThrottle_BoundedMemory(t *testing.T) {
	clock := portal.NewFakeClock(epoch)
	th := NewThrottle(clock, 5, 15*time.Minute)
	th.max = 100
	for i := range 1000 {
		th.Fail(fmt.Sprintf("ip:%d", i))
	}
	if n := th.Len(); n != 100 {
		t.Fatalf("%d keys kept, want the cap of 100", n)
	}
	// The most recent keys survive; the oldest were dropped.
	th.Fail("ip:999")
	if _, ok := th.keys["ip:999"]; !ok {
		t.Error("the newest key was evicted")
	}
	if _, ok := th.keys["ip:0"]; ok {
		t.Error("the oldest key survived")
	}
	// A key fails many times but keeps at most limit timestamps.
	for range 50 {
		th.Fail("fin:1ABCDEF")
	}
	if n := len(th.keys["fin:1ABCDEF"].Value.(*throttleEntry).failures); n != 5 {
		t.Errorf("key keeps %d timestamps, want 5", n)
	}
	// Once the window passes, the next failure sweeps every expired key.
	clock.Advance(16 * time.Minute)
	th.Fail("ip:new")
	if n := th.Len(); n != 1 {
		t.Errorf("%d keys after the window passed, want 1", n)
	}
}

func TestThrottle_Concurrent(t *testing.T) {
	th := NewThrottle(portal.NewFakeClock(epoch), 5, 15*time.Minute)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				key := fmt.Sprintf("k%d", (i*100+j)%7)
				th.Allowed(key)
				th.Fail(key)
				if j%10 == 0 {
					th.Reset(key)
				}
			}
		})
	}
	wg.Wait()
}

func TestClientIP(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 192.168.1.5, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"direct", "203.0.113.7:5555", nil, trusted, "203.0.113.7"},
		{"direct ignores forged header", "203.0.113.7:5555", []string{"198.51.100.1"}, trusted, "203.0.113.7"},
		{"no trusted proxies", "10.0.0.1:80", []string{"198.51.100.1"}, nil, "10.0.0.1"},
		{"through a proxy", "10.0.0.1:80", []string{"198.51.100.1"}, trusted, "198.51.100.1"},
		{"client-forged entries on the left", "10.0.0.1:80", []string{"1.1.1.1, 198.51.100.1"}, trusted, "198.51.100.1"},
		{"two proxies", "10.0.0.1:80", []string{"198.51.100.1, 192.168.1.5"}, trusted, "198.51.100.1"},
		{"several headers", "10.0.0.1:80", []string{"6.6.6.6", "198.51.100.1, 10.2.3.4"}, trusted, "198.51.100.1"},
		{"proxy without header", "10.0.0.1:80", nil, trusted, "10.0.0.1"},
		{"all hops trusted", "10.0.0.1:80", []string{"10.9.9.9, 192.168.1.5"}, trusted, "10.9.9.9"},
		{"garbled entry", "10.0.0.1:80", []string{"1.1.1.1, nonsense, 10.2.3.4"}, trusted, "10.2.3.4"},
		{"entry with port", "10.0.0.1:80", []string{"198.51.100.1:4711"}, trusted, "198.51.100.1"},
		{"ipv6 peer", "[2001:db8::1]:443", nil, trusted, "2001:db8::1"},
		{"ipv6 proxy", "[fd00::2]:443", []string{"2001:db8::9"}, trusted, "2001:db8::9"},
		{"ipv4-mapped peer", "[::ffff:10.0.0.1]:80", []string{"198.51.100.1"}, trusted, "198.51.100.1"},
		{"remote without port", "203.0.113.7", nil, trusted, "203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/login", nil)
			r.RemoteAddr = tt.remote
			for _, h := range tt.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := ClientIP(r, tt.trusted); got != tt.want {
				t.Fatalf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"", nil, false},
		{" , ", nil, false},
		{"10.0.0.0/8", []string{"10.0.0.0/8"}, false},
		{"10.1.2.3/8", []string{"10.0.0.0/8"}, false},
		{"192.168.1.5, ::1", []string{"192.168.1.5/32", "::1/128"}, false},
		{"::ffff:10.0.0.0/104", []string{"10.0.0.0/8"}, false},
		{"::ffff:10.0.0.1", []string{"10.0.0.1/32"}, false},
		{"10.0.0.0/33", nil, true},
		{"proxy.example.com", nil, true},
		{"10.0.0.1,nope", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTrustedProxies(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i].String() != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

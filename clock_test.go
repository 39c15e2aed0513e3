package portal_test

import (
	"sync"
	"testing"
	"time"

	"portal"
)

func TestFakeClock(t *testing.T) {
	baku := time.FixedZone("AZT", 4*60*60)
	tests := []struct {
		name  string
		start time.Time
		move  func(c *portal.FakeClock)
		want  time.Time
	}{
		{"starts at the given time", base, func(*portal.FakeClock) {}, base},
		{"start is kept in UTC", base.In(baku), func(*portal.FakeClock) {}, base},
		{"Advance moves forward", base, func(c *portal.FakeClock) { c.Advance(5 * time.Minute) }, base.Add(5 * time.Minute)},
		{"Advance by a nanosecond", base, func(c *portal.FakeClock) { c.Advance(time.Nanosecond) }, base.Add(time.Nanosecond)},
		{"Advance adds up", base, func(c *portal.FakeClock) {
			c.Advance(4 * time.Minute)
			c.Advance(time.Minute - time.Nanosecond)
		}, base.Add(5*time.Minute - time.Nanosecond)},
		{"Advance by zero", base, func(c *portal.FakeClock) { c.Advance(0) }, base},
		{"Set jumps", base, func(c *portal.FakeClock) { c.Set(base.AddDate(1, 0, 0)) }, base.AddDate(1, 0, 0)},
		{"Set goes back", base, func(c *portal.FakeClock) { c.Set(base.Add(-time.Hour)) }, base.Add(-time.Hour)},
		{"Set keeps UTC", base, func(c *portal.FakeClock) { c.Set(base.Add(time.Hour).In(baku)) }, base.Add(time.Hour)},
		{"Set then Advance", base, func(c *portal.FakeClock) {
			c.Set(base.Add(time.Hour))
			c.Advance(time.Minute)
		}, base.Add(time.Hour + time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := portal.NewFakeClock(tt.start)
			tt.move(c)
			got := c.Now()
			if !got.Equal(tt.want) {
				t.Errorf("Now() = %v, want %v", got, tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("Now() location = %v, want UTC", got.Location())
			}
		})
	}
}

func TestFakeClock_Concurrent(t *testing.T) {
	var c portal.Clock = portal.NewFakeClock(base)
	fc := c.(*portal.FakeClock)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range 100 {
				fc.Advance(time.Second)
			}
		}()
		go func() {
			defer wg.Done()
			for range 100 {
				_ = c.Now()
			}
		}()
	}
	wg.Wait()
	if got, want := c.Now(), base.Add(800*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
}

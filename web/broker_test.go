package web

import (
	"testing"
	"time"
)

func TestMemBroker(t *testing.T) {
	b := newMemBroker()
	t.Run("delivers to the topic only", func(t *testing.T) {
		a, stopA := b.Subscribe("citizen:1")
		defer stopA()
		other, stopB := b.Subscribe("citizen:2")
		defer stopB()
		b.Publish("citizen:1", Notice{Kind: "request", RequestID: "r1"})
		if n := <-a; n.RequestID != "r1" {
			t.Errorf("got %+v", n)
		}
		select {
		case n := <-other:
			t.Errorf("another topic got %+v", n)
		default:
		}
	})
	t.Run("a slow subscriber is dropped, never blocks", func(t *testing.T) {
		slow, stop := b.Subscribe("citizen:3")
		defer stop()
		fast, stopFast := b.Subscribe("citizen:3")
		defer stopFast()
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < subscriberBuffer*4; i++ {
				b.Publish("citizen:3", Notice{Kind: "request"})
				<-fast // the fast one keeps up
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Publish blocked on a slow subscriber")
		}
		n := 0
		for range slow { // closed once it fell behind
			n++
		}
		if n != subscriberBuffer {
			t.Errorf("slow subscriber got %d notices before being dropped, want %d", n, subscriberBuffer)
		}
	})
	t.Run("unsubscribe closes and forgets", func(t *testing.T) {
		ch, stop := b.Subscribe("request:x")
		stop()
		stop() // twice is harmless
		if _, ok := <-ch; ok {
			t.Error("channel open after unsubscribe")
		}
		b.Publish("request:x", Notice{})
		b.mu.Lock()
		defer b.mu.Unlock()
		if len(b.topics["request:x"]) != 0 {
			t.Error("topic kept after its last subscriber left")
		}
	})
}

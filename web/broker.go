package web

import (
	"strconv"
	"sync"

	"portal"
)

// Broker carries change notices from whoever made a change to whoever is waiting for it: citizens' event
// streams and companies' long polls. It is in memory now; a broker for several instances (PostgreSQL
// LISTEN/NOTIFY, say) implements the same interface. A notice says only what changed; subscribers read the
// current state from the store, so a lost or merged notice costs nothing but latency.
type Broker interface {
	// Subscribe returns a channel of notices for the topic and a function that ends the subscription. The
	// channel is closed when the subscription ends, or when the subscriber fell too far behind.
	Subscribe(topic string) (<-chan Notice, func())
	// Publish sends a notice to the topic's subscribers without ever blocking.
	Publish(topic string, n Notice)
}

// Notice says that something changed.
type Notice struct {
	Kind      string // "request" or "notifications"
	RequestID string
	// New says the request was just made: no page shows its panel yet, so a stream sends the pending list
	// and the badge and skips the panel.
	New bool
}

func citizenTopic(id int64) string     { return "citizen:" + strconv.FormatInt(id, 10) }
func requestTopic(id string) string    { return "request:" + id }
func sessionTopic(userID int64) string { return "sessions:" + strconv.FormatInt(userID, 10) }

// memBroker is the in-memory Broker.
type memBroker struct {
	mu     sync.Mutex
	topics map[string]map[*subscriber]struct{}
}

type subscriber struct {
	ch     chan Notice
	closed bool
}

// subscriberBuffer is how many notices a subscriber may lag behind before it is dropped.
const subscriberBuffer = 32

func newMemBroker() *memBroker { return &memBroker{topics: map[string]map[*subscriber]struct{}{}} }

func (b *memBroker) Subscribe(topic string) (<-chan Notice, func()) {
	sub := &subscriber{ch: make(chan Notice, subscriberBuffer)}
	b.mu.Lock()
	if b.topics[topic] == nil {
		b.topics[topic] = map[*subscriber]struct{}{}
	}
	b.topics[topic][sub] = struct{}{}
	b.mu.Unlock()
	return sub.ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.drop(topic, sub)
	}
}

// drop removes a subscriber and closes its channel; the caller holds mu.
func (b *memBroker) drop(topic string, sub *subscriber) {
	if sub.closed {
		return
	}
	sub.closed = true
	close(sub.ch)
	delete(b.topics[topic], sub)
	if len(b.topics[topic]) == 0 {
		delete(b.topics, topic)
	}
}

func (b *memBroker) Publish(topic string, n Notice) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for sub := range b.topics[topic] {
		select {
		case sub.ch <- n:
		default:
			// A slow subscriber is dropped rather than allowed to block the publisher; its stream ends and
			// the browser reconnects and reloads the current state.
			b.drop(topic, sub)
		}
	}
}

// announce tells the citizen's streams and the request's long polls that the request changed, and that the
// citizen's notifications changed with it.
func (s *Server) announce(citizenID int64, requestID string) {
	n := Notice{Kind: "request", RequestID: requestID}
	s.broker.Publish(citizenTopic(citizenID), n)
	s.broker.Publish(requestTopic(requestID), n)
}

// announceNew tells the citizen's streams that a request was just made. Nothing waits on it yet: the
// company learns its id from the answer that is about to be sent.
func (s *Server) announceNew(citizenID int64, requestID string) {
	s.broker.Publish(citizenTopic(citizenID), Notice{Kind: "request", RequestID: requestID, New: true})
}

// announceAll announces each request, e.g. those a revoke or a suspension cancelled.
func (s *Server) announceAll(requests []portal.DataRequest) {
	for _, r := range requests {
		s.announce(r.CitizenID, r.ID)
	}
}

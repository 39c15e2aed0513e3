package web_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal"
	"portal/web"
)

// sseEvent is one server-sent event.
type sseEvent struct {
	Name string
	Data string
}

// openStream connects the browser to /events and returns its events as they arrive.
func (b *browser) openStream(t *testing.T) (<-chan sseEvent, func()) {
	t.Helper()
	return b.openStreamAt(t, "/events")
}

// openStreamAt connects to the event stream at path (with its query).
func (b *browser) openStreamAt(t *testing.T, path string) (<-chan sseEvent, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.e.http.URL+path, nil)
	resp, err := b.c.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("X-Accel-Buffering") != "no" {
		cancel()
		t.Fatalf("/events: %d %v", resp.StatusCode, resp.Header)
	}
	events := make(chan sseEvent, 64)
	go func() {
		defer close(events)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Name != "" {
					events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.Name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.Data += strings.TrimPrefix(line, "data: ") + "\n"
			}
		}
	}()
	return events, cancel
}

// waitEvent returns the first event with the name whose data contains want, failing after the timeout.
func waitEvent(t *testing.T, events <-chan sseEvent, name, want string, timeout time.Duration) sseEvent {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("stream closed before %q", name)
			}
			if ev.Name == name && strings.Contains(ev.Data, want) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %q event within %s", name, timeout)
		}
	}
}

func TestEvents_NewRequestArrivesOnlyForItsCitizen(t *testing.T) {
	a := newAPIEnv(t)
	aysel, rashad := a.browser(), a.browser()
	aysel.login(finAysel, testPassword)
	rashad.login(finRashad, testPassword)
	ayselEvents, stopA := aysel.openStream(t)
	defer stopA()
	rashadEvents, stopR := rashad.openStream(t)
	defer stopR()

	r := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income"))
	ev := waitEvent(t, ayselEvents, "pending", "", 5*time.Second)
	if !strings.Contains(ev.Data, r.str("id")) || !strings.Contains(ev.Data, r.str("binding_code")) || !strings.Contains(ev.Data, "Xəzər İnvest Bank") {
		t.Errorf("pending event lacks the request: %s", ev.Data)
	}
	badge := waitEvent(t, ayselEvents, "unread", "", 5*time.Second)
	if !strings.Contains(badge.Data, `data-count="1"`) {
		t.Errorf("unread event = %s, want a count of 1", badge.Data)
	}
	select {
	case ev := <-rashadEvents:
		t.Errorf("Rəşad received an event about Aysel: %+v", ev)
	case <-time.After(300 * time.Millisecond):
	}

	// A decision in another tab updates the open request page: its panel event carries the final state.
	tok := aysel.csrf("/")
	aysel.post("/requests/"+r.str("id")+"/deny", url.Values{"_csrf": {tok}})
	panel := waitEvent(t, ayselEvents, "request-"+r.str("id"), `data-status="denied"`, 5*time.Second)
	if strings.Contains(panel.Data, `data-testid="approve"`) {
		t.Errorf("panel after denial still offers a decision: %s", panel.Data)
	}
}

func TestEvents_ExpiryAnnounced(t *testing.T) {
	a := newAPIEnv(t)
	b := a.browser()
	b.login(finAysel, testPassword)
	events, stop := b.openStream(t)
	defer stop()
	id := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income")).str("id")
	waitEvent(t, events, "pending", "", 5*time.Second)
	a.clock.Advance(5 * time.Minute)
	if err := a.server.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	panel := waitEvent(t, events, "request-"+id, `data-status="expired"`, 5*time.Second)
	if strings.Contains(panel.Data, `data-testid="approve"`) {
		t.Errorf("expired panel still offers a decision: %s", panel.Data)
	}
}

func TestEvents_ClosedWhenSessionEnds(t *testing.T) {
	e := newTestEnv(t)
	s, err := web.New(web.Options{Store: e.store, Clock: e.clock, Hasher: hasher, Heartbeat: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.server = s
	e.http.Config.Handler = s
	e.user(finAysel, "Aysel Məmmədova", portal.RoleCitizen)
	b := e.browser()
	b.login(finAysel, testPassword)
	events, stop := b.openStream(t)
	defer stop()
	tok := b.csrf("/")
	b.post("/logout", url.Values{"_csrf": {tok}})
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return // closed, as it must be
			}
		case <-deadline:
			t.Fatal("event stream still open after logout")
		}
	}
}

// TestEvents_WatchedRequestSentOnConnect: a request page's stream gets the request's state at once, so a
// decision made while the page loaded (or the stream reconnected) is not missed; another citizen's is not sent.
func TestEvents_WatchedRequestSentOnConnect(t *testing.T) {
	a := newAPIEnv(t)
	id := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income")).str("id")
	if _, err := a.store.DecideRequest(context.Background(), a.aysel.ID, id, false, ""); err != nil {
		t.Fatal(err)
	}
	b := a.browser()
	b.login(finAysel, testPassword)
	_, doc := b.get("/requests/" + id)
	if got := doc.Find("body").AttrOr("sse-connect", ""); got != "/events?watch="+id+"&seen=denied" {
		t.Fatalf("request page connects to %q", got)
	}
	// The page showed it pending; it was denied meanwhile: the stream sends the new state at once.
	events, stop := b.openStreamAt(t, "/events?watch="+id+"&seen=pending")
	defer stop()
	waitEvent(t, events, "request-"+id, `data-status="denied"`, 5*time.Second)

	other := a.browser()
	other.login(finRashad, testPassword)
	otherEvents, stopOther := other.openStreamAt(t, "/events?watch="+id+"&seen=pending")
	defer stopOther()
	for {
		select {
		case ev := <-otherEvents:
			if strings.HasPrefix(ev.Name, "request-") {
				t.Fatalf("Rəşad's stream sent Aysel's request: %s", ev.Data)
			}
			continue
		case <-time.After(500 * time.Millisecond):
		}
		break
	}
}

func TestEvents_NeedsCitizenSession(t *testing.T) {
	e := newTestEnv(t)
	resp, _ := e.browser().get("/events")
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous /events: %d, want a redirect to login", resp.StatusCode)
	}
}

// TestEvents_OverHTTP2 covers the stream where the connection cannot be taken over from net/http: over
// HTTP/2 it runs in its handler as a streamed answer, with the same events.
func TestEvents_OverHTTP2(t *testing.T) {
	a := newAPIEnv(t)
	h2 := httptest.NewUnstartedServer(a.server)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	t.Cleanup(h2.Close)
	a.http = h2
	aysel := a.browser()
	if resp, err := aysel.c.Get(h2.URL + "/healthz"); err != nil || resp.ProtoMajor != 2 {
		t.Fatalf("test server does not speak HTTP/2: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	aysel.login(finAysel, testPassword)
	events, stop := aysel.openStream(t)
	defer stop()
	r := a.api(a.bankKey, "POST", "/api/v1/requests", reqBody(finAysel, "income"))
	waitEvent(t, events, "pending", r.str("id"), 5*time.Second)
	tok := aysel.csrf("/")
	aysel.post("/requests/"+r.str("id")+"/deny", url.Values{"_csrf": {tok}})
	waitEvent(t, events, "request-"+r.str("id"), `data-status="denied"`, 5*time.Second)
}

package web

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"portal"
	"portal/views"
	"portal/views/i18n"
)

// handleEvents handles GET /events: the signed-in citizen's server-sent event stream. It carries only this
// citizen's events: the pending list ("pending"), the unread badge ("unread") and a request's live panel
// ("request-<id>"), each rendered in the citizen's language. A comment every heartbeat keeps proxies from
// closing it; the stream of an ended session closes within one heartbeat (see streamWatch).
//
// Over HTTP/1.1 the handler takes the connection over from net/http (Hijack) and returns, leaving one small
// goroutine per stream: an idle stream then holds neither net/http's connection buffers and goroutines nor
// the stack its request grew in the middleware. Ten thousand open streams cost about half the memory that
// way. Elsewhere (HTTP/2) the stream runs in the handler as a plain streamed answer.
func (s *Server) handleEvents(c echo.Context) error {
	u, cur := userOf(c), currentOf(c)
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")

	// What the stream needs after its request: the echo.Context goes back to Echo's pool when the handler
	// returns, and the request's context holds the whole request. Only the language travels on.
	ctx, end := context.WithCancel(i18n.WithLang(context.Background(), i18n.LangFrom(c.Request().Context())))
	v := &streamView{user: *u, csrf: tok, requestID: RequestIDOf(c)}
	// Subscribe before the first byte goes out, so nothing published from then on is missed.
	notices, unsubscribe := s.broker.Subscribe(citizenTopic(u.ID))
	unwatch := s.watchStream(cur.IDHash, end)
	finish := func() {
		unwatch()
		unsubscribe()
		end()
	}

	// If the watched request (the request page's own, ?watch=<id>&seen=<status>) changed while the page
	// loaded or the stream reconnected, its state goes out at once with the first comment, so the change is
	// not missed. An unchanged one is not sent: replacing the panel under the citizen's pointer for nothing
	// could swallow a click. Another citizen's request is simply not found.
	hello := []byte(streamHello)
	if watch := c.QueryParam("watch"); watch != "" && len(watch) <= 64 {
		r, err := s.store.CitizenRequest(ctx, u.ID, watch)
		if err == nil && string(r.StatusAt(s.clock.Now())) != c.QueryParam("seen") {
			events, err := s.renderNotice(ctx, v, Notice{Kind: "request", RequestID: watch}, nil)
			if err != nil {
				finish()
				s.log.Warn("event stream", "id", v.requestID, "err", err)
				return nil
			}
			hello = append(hello, events...)
		}
	}

	if conn := s.hijackStream(c, hello); conn != nil {
		go func() {
			defer conn.Close()
			defer finish()
			s.metrics.sseClients.Inc()
			defer s.metrics.sseClients.Dec()
			s.streamLoop(ctx, v, conn.write, notices)
		}()
		return nil
	}

	defer finish()
	// The request's context ends when the client goes away.
	defer context.AfterFunc(c.Request().Context(), end)()
	w := c.Response()
	rc := http.NewResponseController(w)
	// The stream outlives any write deadline; clear it (the server sets none today, a proxy config may).
	_ = rc.SetWriteDeadline(time.Time{})
	w.WriteHeader(http.StatusOK)
	s.metrics.sseClients.Inc()
	defer s.metrics.sseClients.Dec()
	write := func(p []byte) error {
		if _, err := w.Write(p); err != nil {
			return err
		}
		return rc.Flush()
	}
	if write(hello) != nil {
		return nil
	}
	s.streamLoop(ctx, v, write, notices)
	return nil
}

// streamHello opens every stream: a comment, and how soon a browser reconnects after losing it.
const streamHello = ": connected\nretry: 3000\n\n"

// streamView is what an event stream renders with: its citizen, the session's CSRF token (the request
// panel's forms carry it) and the request id for the log.
type streamView struct {
	user      portal.User
	csrf      string
	requestID string
}

// streamLoop writes the stream's heartbeats and events until ctx ends (the client left, or the session
// ended), the server shuts down, the broker drops the subscriber or a write fails.
func (s *Server) streamLoop(ctx context.Context, v *streamView, write func([]byte) error, notices <-chan Notice) {
	heartbeat := time.NewTicker(s.opts.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.streamsDone:
			return
		case <-heartbeat.C:
			if write([]byte(": heartbeat\n\n")) != nil {
				return
			}
		case n, ok := <-notices:
			if !ok {
				return // dropped as too slow; the browser reconnects and gets the current state
			}
			events, err := s.renderNotice(ctx, v, n, notices)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("event stream", "id", v.requestID, "err", err)
				}
				return
			}
			if write(events) != nil {
				return
			}
		}
	}
}

// hijackStream takes an HTTP/1.1 connection over from net/http and writes the stream's head and its first
// bytes (hello) on it; nil when the connection cannot be taken over (HTTP/2) or the write failed.
func (s *Server) hijackStream(c echo.Context, hello []byte) *hijackedStream {
	hj, ok := c.Response().Writer.(http.Hijacker)
	if !ok || c.Request().ProtoMajor != 1 {
		return nil
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return nil
	}
	// The stream is never read from: clear net/http's read deadline. Writes get a deadline each.
	_ = conn.SetDeadline(time.Time{})
	h := c.Response().Header()
	h.Set("Connection", "close") // the answer ends when the connection does
	var head bytes.Buffer
	head.WriteString("HTTP/1.1 200 OK\r\n")
	_ = h.Write(&head)
	head.WriteString("\r\n")
	head.Write(hello)
	hs := &hijackedStream{conn: conn, timeout: 2 * s.opts.Heartbeat}
	if hs.write(head.Bytes()) != nil {
		conn.Close()
		return nil
	}
	return hs
}

// hijackedStream is an event stream's own connection once net/http let it go.
type hijackedStream struct {
	conn    net.Conn
	timeout time.Duration
}

// write sends p whole, or fails when the client does not take it within the timeout (or left: a stream
// that nobody reads learns that its client went away at the next heartbeat at the latest).
func (h *hijackedStream) write(p []byte) error {
	_ = h.conn.SetWriteDeadline(time.Now().Add(h.timeout))
	_, err := h.conn.Write(p)
	return err
}

func (h *hijackedStream) Close() error { return h.conn.Close() }

// renderNotice renders the events a notice calls for, all in one piece. Notices that queued up meanwhile
// are merged: the fragments show current state, so one rendering covers them all.
func (s *Server) renderNotice(ctx context.Context, v *streamView, first Notice, more <-chan Notice) ([]byte, error) {
	u := &v.user
	// The requests whose panels to send: those a notice says changed, except ones only just made.
	requests := map[string]bool{}
	note := func(n Notice) {
		if n.RequestID != "" {
			requests[n.RequestID] = requests[n.RequestID] || !n.New
		}
	}
	note(first)
drain:
	for {
		select {
		case n, ok := <-more:
			if !ok {
				break drain
			}
			note(n)
		default:
			break drain
		}
	}
	now := s.clock.Now()
	open, err := s.store.OpenRequests(ctx, u.ID, now)
	if err != nil {
		return nil, err
	}
	names, err := s.scopeNamesIn(ctx)
	if err != nil {
		return nil, err
	}
	items := make([]views.PendingItem, 0, len(open))
	for _, r := range open {
		items = append(items, views.PendingItem{ID: r.ID, CompanyName: r.CompanyName, Scopes: names.list(r.Scopes), Deadline: r.Deadline, BindingCode: r.BindingCode})
	}
	var out bytes.Buffer
	if err := appendEvent(ctx, &out, "pending", views.PendingList(now, items)); err != nil {
		return nil, err
	}
	unread, err := s.store.UnreadCount(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if err := appendEvent(ctx, &out, "unread", views.UnreadBadge(unread)); err != nil {
		return nil, err
	}
	for id, panel := range requests {
		if !panel {
			continue
		}
		d, err := s.requestDataFor(ctx, u, v.csrf, id)
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := appendEvent(ctx, &out, "request-"+id, views.RequestPanel(d)); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

// appendEvent renders a component as one server-sent event; each line of HTML becomes a data line.
func appendEvent(ctx context.Context, out *bytes.Buffer, name string, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(ctx, &buf); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	out.WriteString("event: " + name + "\n")
	for _, line := range strings.Split(buf.String(), "\n") {
		out.WriteString("data: " + strings.TrimRight(line, "\r") + "\n")
	}
	out.WriteString("\n")
	return nil
}

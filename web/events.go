package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"portal"
	"portal/views"
)

// handleEvents handles GET /events: the signed-in citizen's server-sent event stream. It carries only this
// citizen's events: the pending list ("pending"), the unread badge ("unread") and a request's live panel
// ("request-<id>"), each rendered in the citizen's language. A comment every heartbeat keeps proxies from
// closing it and checks that the session still exists, so the stream of an ended session closes within one
// heartbeat.
func (s *Server) handleEvents(c echo.Context) error {
	u, cur := userOf(c), currentOf(c)
	w := c.Response()
	rc := http.NewResponseController(w)
	// The stream outlives any write deadline; clear it (the server sets none today, a proxy config may).
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	notices, cancel := s.broker.Subscribe(citizenTopic(u.ID))
	defer cancel()
	s.metrics.sseClients.Inc()
	defer s.metrics.sseClients.Dec()

	ctx := c.Request().Context()
	if _, err := fmt.Fprint(w, ": connected\nretry: 3000\n\n"); err != nil {
		return nil
	}
	// If the watched request changed while the page loaded or the stream reconnected, send its state at once,
	// so the change is not missed. An unchanged one is not sent: replacing the panel under the citizen's
	// pointer for nothing could swallow a click. Another citizen's request is simply not found.
	if watch := c.QueryParam("watch"); watch != "" && len(watch) <= 64 {
		r, err := s.store.CitizenRequest(ctx, u.ID, watch)
		if err == nil && string(r.StatusAt(s.clock.Now())) != c.QueryParam("seen") {
			if err := s.sendNotice(ctx, c, w, u, Notice{Kind: "request", RequestID: watch}, nil); err != nil {
				s.log.Warn("event stream", "id", RequestIDOf(c), "err", err)
				return nil
			}
		}
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	heartbeat := time.NewTicker(s.opts.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.streamsDone:
			return nil
		case <-heartbeat.C:
			if _, err := s.store.Session(ctx, cur.IDHash); err != nil {
				return nil // logged out or timed out: end the stream
			}
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return nil
			}
		case n, ok := <-notices:
			if !ok {
				return nil // dropped as too slow; the browser reconnects and gets the current state
			}
			if err := s.sendNotice(ctx, c, w, u, n, notices); err != nil {
				s.log.Warn("event stream", "id", RequestIDOf(c), "err", err)
				return nil
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// sendNotice writes the events a notice calls for. Notices that queued up meanwhile are merged: the
// fragments show current state, so one rendering covers them all.
func (s *Server) sendNotice(ctx context.Context, c echo.Context, w http.ResponseWriter, u *portal.User, first Notice, more <-chan Notice) error {
	requests := map[string]bool{}
	if first.RequestID != "" {
		requests[first.RequestID] = true
	}
drain:
	for {
		select {
		case n, ok := <-more:
			if !ok {
				break drain
			}
			if n.RequestID != "" {
				requests[n.RequestID] = true
			}
		default:
			break drain
		}
	}
	now := s.clock.Now()
	open, err := s.store.OpenRequests(ctx, u.ID, now)
	if err != nil {
		return err
	}
	names, err := s.scopeNames(c)
	if err != nil {
		return err
	}
	items := make([]views.PendingItem, 0, len(open))
	for _, r := range open {
		items = append(items, views.PendingItem{ID: r.ID, CompanyName: r.CompanyName, Scopes: names.list(r.Scopes), Deadline: r.Deadline, BindingCode: r.BindingCode})
	}
	if err := writeEvent(ctx, w, "pending", views.PendingList(now, items)); err != nil {
		return err
	}
	unread, err := s.store.UnreadCount(ctx, u.ID)
	if err != nil {
		return err
	}
	if err := writeEvent(ctx, w, "unread", views.UnreadBadge(unread)); err != nil {
		return err
	}
	for id := range requests {
		d, err := s.requestData(c, id)
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		if err := writeEvent(ctx, w, "request-"+id, views.RequestPanel(d)); err != nil {
			return err
		}
	}
	return nil
}

// writeEvent renders a component as one server-sent event; each line of HTML becomes a data line.
func writeEvent(ctx context.Context, w http.ResponseWriter, name string, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(ctx, &buf); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	var out strings.Builder
	out.WriteString("event: " + name + "\n")
	for _, line := range strings.Split(buf.String(), "\n") {
		out.WriteString("data: " + strings.TrimRight(line, "\r") + "\n")
	}
	out.WriteString("\n")
	_, err := w.Write([]byte(out.String()))
	return err
}

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Session and CSRF cookie names: the portal runs as in production (no --dev), so they carry __Host-.
var (
	sessionCookies = []string{"__Host-session", "session"}
	csrfCookies    = []string{"__Host-csrf", "csrf"}
)

func firstCookie(h http.Header, names []string) string {
	for _, n := range names {
		if c := cookieOf(h, n); c != "" {
			return c
		}
	}
	return ""
}

// login signs a citizen in through the login form, as a browser would: the form's CSRF token from GET
// /login with its cookie sent back, then the dashboard for the session's own CSRF token.
func login(addr, fin, password string) (Login, error) {
	h := &hconn{addr: addr}
	defer h.reset()
	st, body, hdr, err := h.do(request(http.MethodGet, "/login", nil), true)
	if err != nil || st != http.StatusOK {
		return Login{}, fmt.Errorf("GET /login: %d %v", st, err)
	}
	anon, tok := firstCookie(hdr, csrfCookies), metaCSRF(body)
	if anon == "" || tok == "" {
		return Login{}, fmt.Errorf("GET /login: no CSRF cookie or token")
	}
	form := url.Values{"fin": {fin}, "password": {password}, "_csrf": {tok}}.Encode()
	st, _, hdr, err = h.do(request(http.MethodPost, "/login", []byte(form),
		"Content-Type: application/x-www-form-urlencoded", "Cookie: "+anon), false)
	if err != nil || st != http.StatusSeeOther {
		return Login{}, fmt.Errorf("POST /login for %s: %d %v", fin, st, err)
	}
	sess := firstCookie(hdr, sessionCookies)
	if sess == "" {
		return Login{}, fmt.Errorf("POST /login for %s: no session cookie", fin)
	}
	st, body, _, err = h.do(request(http.MethodGet, "/", nil, "Cookie: "+sess), true)
	if err != nil || st != http.StatusOK {
		return Login{}, fmt.Errorf("GET / for %s: %d %v", fin, st, err)
	}
	return Login{FIN: fin, Cookie: sess, CSRF: metaCSRF(body)}, nil
}

// stream is an open /events connection.
type stream struct {
	c  net.Conn
	br *bufio.Reader // the de-chunked body
}

// openStream opens a citizen's event stream and waits for its first comment, so that the server has
// subscribed it when openStream returns.
func openStream(addr, cookie string) (*stream, error) {
	c, err := dialer.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(request(http.MethodGet, "/events", nil, "Cookie: "+cookie, "Accept: text/event-stream")); err != nil {
		c.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(c, 2048), nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		c.Close()
		return nil, fmt.Errorf("GET /events: %d", resp.StatusCode)
	}
	br := bufio.NewReaderSize(resp.Body, 2048)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, ":") {
		c.Close()
		return nil, fmt.Errorf("GET /events: first line %q, %v", line, err)
	}
	_ = c.SetDeadline(time.Time{})
	return &stream{c: c, br: br}, nil
}

// close resets the connection (no TIME_WAIT left behind).
func (s *stream) close() {
	if tc, ok := s.c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	s.c.Close()
}

// arrivals records when each request's first event arrived on any stream.
type arrivals struct {
	mu sync.Mutex
	at map[string]time.Time
}

// watch reads the stream until it closes, noting when each request first shows: in the pending list
// (data-request-id="<id>" in a "pending" event) or as its own "request-<id>" event.
func (a *arrivals) watch(s *stream) {
	const marker = `data-request-id="`
	event := ""
	for {
		line, err := s.br.ReadString('\n')
		if err != nil {
			return
		}
		now := time.Now()
		var ids []string
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event: "))
			if id, ok := strings.CutPrefix(event, "request-"); ok {
				ids = append(ids, id)
			}
		case event == "pending" && strings.HasPrefix(line, "data: "):
			for rest := line; ; {
				i := strings.Index(rest, marker)
				if i < 0 {
					break
				}
				rest = rest[i+len(marker):]
				if j := strings.IndexByte(rest, '"'); j > 0 {
					ids = append(ids, rest[:j])
				}
			}
		case strings.TrimSpace(line) == "":
			event = ""
		}
		if len(ids) == 0 {
			continue
		}
		a.mu.Lock()
		for _, id := range ids {
			if _, seen := a.at[id]; !seen {
				a.at[id] = now
			}
		}
		a.mu.Unlock()
	}
}

// jsonID extracts the "id" of an API answer without decoding the whole document.
func jsonID(body []byte) string {
	const key = `"id":"`
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return ""
	}
	rest := body[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

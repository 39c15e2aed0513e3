package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// hconn is one keep-alive HTTP/1.1 connection of the load generator. It writes prepared request bytes and
// parses answers with net/http's response reader: much cheaper than http.Client's pool and goroutines, so a
// single core of load can keep a single core of server busy.
type hconn struct {
	addr string
	c    net.Conn
	br   *bufio.Reader
}

var dialer = net.Dialer{Timeout: 5 * time.Second}

func dial(addr string) (*hconn, error) {
	c, err := dialer.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &hconn{addr: addr, c: c, br: bufio.NewReaderSize(c, 16<<10)}, nil
}

// Close closes the connection with a reset, so that thousands of closed connections leave no TIME_WAIT
// behind to exhaust the loopback's ports.
func (h *hconn) Close() error {
	if tc, ok := h.c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	return h.c.Close()
}

// do sends a request and reads its answer, returning the status, the body (when keep is set) and the
// headers. The connection is redialled when the server closed it.
func (h *hconn) do(req []byte, keep bool) (int, []byte, http.Header, error) {
	if h.c == nil {
		c, err := dial(h.addr)
		if err != nil {
			return 0, nil, nil, err
		}
		*h = *c
	}
	_ = h.c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := h.c.Write(req); err != nil {
		h.reset()
		return 0, nil, nil, err
	}
	resp, err := http.ReadResponse(h.br, nil)
	if err != nil {
		h.reset()
		return 0, nil, nil, err
	}
	var body []byte
	if keep {
		body, err = io.ReadAll(resp.Body)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	if err != nil {
		h.reset()
		return 0, nil, nil, err
	}
	if resp.Close {
		h.reset()
	}
	return resp.StatusCode, body, resp.Header, nil
}

func (h *hconn) reset() {
	if h.c != nil {
		h.c.Close()
	}
	h.c, h.br = nil, nil
}

// request builds an HTTP/1.1 request's bytes. Headers are "Name: value" lines.
func request(method, path string, body []byte, headers ...string) []byte {
	var b bytes.Buffer
	b.Grow(256 + len(body))
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: portalbench\r\n", method, path)
	for _, h := range headers {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	if body != nil || method == http.MethodPost {
		b.WriteString("Content-Length: ")
		b.WriteString(strconv.Itoa(len(body)))
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// cookieOf returns "name=value" of the named cookie set by an answer, or "".
func cookieOf(h http.Header, name string) string {
	for _, line := range h.Values("Set-Cookie") {
		nv, _, _ := strings.Cut(line, ";")
		if k, v, ok := strings.Cut(nv, "="); ok && k == name && v != "" {
			return nv
		}
	}
	return ""
}

// metaCSRF extracts the content of <meta name="csrf-token" content="...">.
func metaCSRF(page []byte) string {
	const marker = `name="csrf-token" content="`
	i := bytes.Index(page, []byte(marker))
	if i < 0 {
		return ""
	}
	rest := page[i+len(marker):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal"
)

// contentSecurityPolicy is PRODUCT.md §8's policy: no inline script, nothing from elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

const requestIDKey = "request_id"

// requestID gives every request a fresh random id, returned in X-Request-ID and written in every log line.
// An incoming X-Request-ID is not trusted: it could forge or collide with another's.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("request id: %w", err)
		}
		id := hex.EncodeToString(b[:])
		c.Set(requestIDKey, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// RequestIDOf returns the request's id.
func RequestIDOf(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string)
	return id
}

// securityHeaders sets PRODUCT.md §8's headers on every response, before the handler runs, so that errors,
// static files and event streams carry them too.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if c.Request().TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		return next(c)
	}
}

// noStore marks responses as not to be cached: authenticated pages, API answers.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

// recoverPanic turns a panic into an internal error handled like any other, with the stack in the log.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				err = &portal.Error{Code: portal.EINTERNAL, Message: "panic", Err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
			}
		}()
		return next(c)
	}
}

// logRequests writes one structured line per request: method, path (never the query string, which could
// carry personal data), route, status, duration and request id. It also feeds the metrics.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			// Let the one error handler write the answer now, so that the status logged is the one sent.
			c.Error(err)
		}
		status := c.Response().Status
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		s.metrics.observe(c.Request().Method, route, status, elapsed)
		if status >= 400 && strings.HasPrefix(c.Request().URL.Path, "/api/") {
			s.apiErrors.add(s.clock.Now(), status) // the admin overview's "API errors in the last hour"
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		if strings.HasPrefix(route, "/static/") || route == "/healthz" || route == "/metrics" {
			level = slog.LevelDebug
		}
		ctx := c.Request().Context()
		if !s.log.Enabled(ctx, level) {
			return nil // the attributes below cost allocations on every request even when the line is dropped
		}
		s.log.LogAttrs(ctx, level, "request",
			slog.String("id", RequestIDOf(c)),
			slog.String("method", c.Request().Method),
			slog.String("path", c.Request().URL.Path),
			slog.String("route", route),
			slog.Int("status", status),
			slog.String("duration", elapsed.String()),
			slog.String("bytes", strconv.FormatInt(c.Response().Size, 10)),
		)
		return nil
	}
}

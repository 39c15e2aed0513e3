package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"portal"
	"portal/auth"
	"portal/store"
)

const companyKey = "company"

// maxAPIBody is the largest request body the API reads.
const maxAPIBody = 64 << 10

// companyOf returns the company whose API key authenticated the request.
func companyOf(c echo.Context) portal.Company {
	co, _ := c.Get(companyKey).(portal.Company)
	return co
}

// apiKeys authenticates companies and limits each key's rate.
type apiKeys struct {
	store *store.Store
	clock portal.Clock
	rate  float64

	mu       sync.Mutex
	limiters map[int64]*rate.Limiter
	touched  map[int64]time.Time
}

func newAPIKeys(s *store.Store, clock portal.Clock, perSecond float64) *apiKeys {
	return &apiKeys{store: s, clock: clock, rate: perSecond, limiters: map[int64]*rate.Limiter{}, touched: map[int64]time.Time{}}
}

// limiter returns the key's token bucket: perSecond requests a second, bursts of twice that.
func (k *apiKeys) limiter(keyID int64) *rate.Limiter {
	k.mu.Lock()
	defer k.mu.Unlock()
	l, ok := k.limiters[keyID]
	if !ok {
		l = rate.NewLimiter(rate.Limit(k.rate), int(math.Max(1, 2*k.rate)))
		k.limiters[keyID] = l
	}
	return l
}

// shouldTouch reports whether the key's last-used time is stale by a minute, so that using a key costs a
// write at most once a minute.
func (k *apiKeys) shouldTouch(keyID int64, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.touched[keyID]) < time.Minute {
		return false
	}
	k.touched[keyID] = now
	return true
}

// requireAPIKey accepts a request only with a live key in the Authorization header (never in the URL),
// refuses a suspended company's calls at once, and applies the key's rate limit.
func (s *Server) requireAPIKey(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key, ok := auth.ParseBearer(c.Request().Header.Get(echo.HeaderAuthorization))
		if !ok {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="portal"`)
			return portal.Errorf(portal.CodeUnauthorized, "a valid API key is required in the Authorization header as Bearer <key>")
		}
		k, company, err := s.store.APIKeyByHash(c.Request().Context(), auth.HashAPIKey(key))
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="portal", error="invalid_token"`)
			return portal.Errorf(portal.CodeUnauthorized, "the API key is unknown or revoked")
		}
		if err != nil {
			return fmt.Errorf("api key: %w", err)
		}
		if company.Status != portal.CompanyActive {
			return portal.Errorf(portal.CodeCompanySuspended, "the company is suspended; its API access is blocked")
		}
		now := s.clock.Now()
		if r := s.apiKeys.limiter(k.ID).ReserveN(now, 1); !r.OK() || r.DelayFrom(now) > 0 {
			wait := r.DelayFrom(now)
			r.CancelAt(now)
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Max(1, math.Ceil(wait.Seconds())))))
			return portal.Errorf(portal.CodeRateLimited, "too many requests for this API key; retry later")
		}
		if s.apiKeys.shouldTouch(k.ID, now) {
			if err := s.store.TouchAPIKey(c.Request().Context(), k.ID, now); err != nil {
				s.log.Warn("touch api key", "id", RequestIDOf(c), "err", err)
			}
		}
		c.Set(companyKey, company)
		return next(c)
	}
}

// readJSON reads at most maxAPIBody bytes and decodes exactly one JSON object into v, refusing unknown
// fields, wrong types and trailing data with a clear detail. It returns the raw body for idempotency hashing.
func readJSON(c echo.Context, v any) ([]byte, error) {
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return nil, portal.Errorf(portal.CodeInvalidRequest, "Content-Type must be application/json")
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxAPIBody+1))
	if err != nil {
		return nil, portal.Errorf(portal.CodeInvalidRequest, "the request body could not be read")
	}
	if len(body) > maxAPIBody {
		return nil, portal.Errorf(portal.CodeBodyTooLarge, "the request body is larger than %d bytes", maxAPIBody)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, portal.Errorf(portal.CodeInvalidRequest, "invalid JSON: %s", jsonProblem(err))
	}
	if dec.More() {
		return nil, portal.Errorf(portal.CodeInvalidRequest, "invalid JSON: unexpected data after the object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, portal.Errorf(portal.CodeInvalidRequest, "invalid JSON: unexpected data after the object")
	}
	return body, nil
}

// jsonProblem describes a decoding error without echoing the input back.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be %s", typ.Field, typ.Type.String())
	case errors.Is(err, io.EOF):
		return "the body is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the body ends too early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "the body is not a JSON object of the expected shape"
}

// writeJSON answers with a JSON document.
func writeJSON(c echo.Context, status int, v any) error {
	body, err := jsonMarshal(v)
	if err != nil {
		return fmt.Errorf("encode answer: %w", err)
	}
	return c.Blob(status, echo.MIMEApplicationJSON, body)
}

// apiTime formats times for the API: RFC 3339 in UTC.
func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func apiTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := apiTime(*t)
	return &s
}

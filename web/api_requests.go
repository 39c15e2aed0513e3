package web

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"portal"
	"portal/store"
)

// requestBody is the body of POST /api/v1/requests.
type requestBody struct {
	CitizenFIN string   `json:"citizen_fin"`
	Scopes     []string `json:"scopes"`
	Purpose    string   `json:"purpose"`
}

// requestAnswer is how the API shows a data request. Data is present only in the answer that delivers it.
type requestAnswer struct {
	ID          string                          `json:"id"`
	Status      portal.RequestStatus            `json:"status"`
	Scopes      []portal.Scope                  `json:"scopes"`
	CreatedAt   string                          `json:"created_at"`
	ExpiresAt   *string                         `json:"expires_at,omitempty"`
	DecidedAt   *string                         `json:"decided_at,omitempty"`
	DeliveredAt *string                         `json:"delivered_at,omitempty"`
	BindingCode string                          `json:"binding_code,omitempty"`
	Reason      string                          `json:"reason,omitempty"`
	Data        map[portal.Scope]map[string]any `json:"data,omitempty"`
}

// answerOf shows a request as it stands at now: a pending one past its deadline is already expired.
func answerOf(r portal.DataRequest, now time.Time) requestAnswer {
	a := requestAnswer{ID: r.ID, Status: r.StatusAt(now), Scopes: r.Scopes, CreatedAt: apiTime(r.CreatedAt),
		DecidedAt: apiTimePtr(r.DecidedAt), DeliveredAt: apiTimePtr(r.DeliveredAt), Reason: r.Reason}
	if a.Status == portal.StatusExpired && a.Reason == "" {
		a.Reason = r.ExpiryReason()
	}
	switch r.Status {
	case portal.StatusPending, portal.StatusApproved:
		a.ExpiresAt = apiTimePtr(&r.Deadline)
	}
	if a.Status == portal.StatusPending {
		a.BindingCode = r.BindingCode
	}
	return a
}

// validIdempotencyKey accepts 1-255 printable ASCII characters.
func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for _, r := range k {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// handleAPICreateRequest handles POST /api/v1/requests: delivered at once (200, with the data) when the
// citizen's consents cover every scope at that instant, otherwise pending (202) for the citizen to approve.
func (s *Server) handleAPICreateRequest(c echo.Context) error {
	ctx := c.Request().Context()
	company := companyOf(c)
	var body requestBody
	raw, err := readJSON(c, &body)
	if err != nil {
		return err
	}
	idemKey := c.Request().Header.Get("Idempotency-Key")
	if idemKey != "" && !validIdempotencyKey(idemKey) {
		return portal.Errorf(portal.CodeInvalidRequest, "Idempotency-Key must be 1-255 printable ASCII characters")
	}
	fin, err := portal.ParseFIN(body.CitizenFIN)
	if err != nil {
		return portal.Errorf(portal.CodeInvalidRequest, "citizen_fin: %s", portal.ErrorMessage(err))
	}
	scopes, err := portal.ParseScopes(body.Scopes)
	if err != nil {
		return portal.Errorf(portal.CodeInvalidRequest, "scopes: %s", portal.ErrorMessage(err))
	}
	purpose, err := portal.CheckPurpose(body.Purpose)
	if err != nil {
		return portal.Errorf(portal.CodeInvalidRequest, "purpose: %s", portal.ErrorMessage(err))
	}
	sum := sha256.Sum256(raw)
	in := store.NewRequest{
		CompanyID: company.ID, FIN: fin, Scopes: scopes, Purpose: purpose,
		IdempotencyKey: idemKey, BodyHash: sum[:],
		Render: func(r portal.DataRequest, data map[portal.Scope]map[string]any) (int, []byte, error) {
			a := answerOf(r, r.CreatedAt)
			status := http.StatusAccepted
			if r.Status == portal.StatusDelivered {
				a.Data, a.DeliveredAt, status = data, nil, http.StatusOK
			}
			b, err := jsonMarshal(a)
			return status, b, err
		},
	}
	// The database's own registry is read inside the transaction that decides the request. Another
	// registry is asked beforehand, and only when the consents seem to cover the request; the store decides
	// again inside its transaction and asks for the data if a consent arrived in between.
	in.RegistryInTx = s.store.IsOwnRegistry(s.opts.Registry)
	var consents []portal.Consent
	if !in.RegistryInTx {
		if consents, err = s.store.ActiveConsentsFor(ctx, fin, company.ID); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		if !in.RegistryInTx && (attempt > 0 || portal.Covers(consents, scopes, s.clock.Now())) {
			if in.Data, err = s.opts.Registry.Fetch(ctx, fin, scopes); err != nil {
				return fmt.Errorf("fetch registry data: %w", err)
			}
		}
		created, err := s.store.CreateRequest(ctx, in, s.opts.ApprovalWindow)
		if errors.Is(err, store.ErrNeedData) && attempt < 2 {
			continue
		}
		if err != nil {
			return err
		}
		if r := created.Request; r != nil {
			s.metrics.dataRequests.WithLabelValues(string(r.Status)).Inc()
			s.announceNew(r.CitizenID, r.ID)
		}
		return c.Blob(created.Status, echo.MIMEApplicationJSON, created.Body)
	}
}

// handleAPIGetRequest handles GET /api/v1/requests/{id}; with ?wait=N (at most 30 seconds) it holds the
// answer until the request's status changes or N seconds pass. Another company's request is not found (P6).
func (s *Server) handleAPIGetRequest(c echo.Context) error {
	ctx := c.Request().Context()
	company := companyOf(c)
	wait := 0
	if w := c.QueryParam("wait"); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n < 0 || n > 30 {
			return portal.Errorf(portal.CodeInvalidRequest, "wait must be a whole number of seconds from 0 to 30")
		}
		wait = n
	}
	r, err := s.store.CompanyRequest(ctx, company.ID, c.Param("id"))
	if err != nil {
		return apiNotFound(err)
	}
	if wait > 0 && !r.StatusAt(s.clock.Now()).Final() {
		// Subscribe first, then read again, so a change between the two reads is not missed.
		events, cancel := s.broker.Subscribe(requestTopic(r.ID))
		defer cancel()
		if r, err = s.store.CompanyRequest(ctx, company.ID, r.ID); err != nil {
			return apiNotFound(err)
		}
		first := r.StatusAt(s.clock.Now())
		timer := time.NewTimer(time.Duration(wait) * time.Second)
		defer timer.Stop()
	waiting:
		for first == r.StatusAt(s.clock.Now()) {
			var expiry <-chan time.Time
			if !r.StatusAt(s.clock.Now()).Final() {
				// The deadline passing is a change too, even before the sweeper writes it down.
				expiry = time.After(r.Deadline.Sub(s.clock.Now()) + 10*time.Millisecond)
			}
			select {
			case <-events:
			case <-expiry:
			case <-timer.C:
				break waiting
			case <-ctx.Done():
				return nil
			case <-s.streamsDone:
				break waiting
			}
			if r, err = s.store.CompanyRequest(ctx, company.ID, r.ID); err != nil {
				return apiNotFound(err)
			}
		}
	}
	return writeJSON(c, http.StatusOK, answerOf(r, s.clock.Now()))
}

// apiNotFound turns the store's not-found into the API's stable code.
func apiNotFound(err error) error {
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		return portal.Errorf(portal.CodeNotFound, "no such request for this company")
	}
	return err
}

// handleAPICollect handles POST /api/v1/requests/{id}/collect: the data of an approved request, once,
// within the pickup window.
func (s *Server) handleAPICollect(c echo.Context) error {
	ctx := c.Request().Context()
	company := companyOf(c)
	r, err := s.store.CompanyRequest(ctx, company.ID, c.Param("id"))
	if err != nil {
		return apiNotFound(err)
	}
	// Check before fetching, so a request that cannot be collected costs no registry read; the store
	// checks again inside its transaction, which is what counts.
	if _, err := r.Collect(s.clock.Now()); err != nil {
		return err
	}
	data, err := s.fetchFor(c, r)
	if err != nil {
		return err
	}
	done, err := s.store.CollectRequest(ctx, company.ID, r.ID)
	if err != nil {
		return apiNotFound(err)
	}
	s.announce(done.CitizenID, done.ID)
	a := answerOf(done, s.clock.Now())
	a.Data = data
	return writeJSON(c, http.StatusOK, a)
}

// fetchFor reads the registry for a request's citizen and scopes.
func (s *Server) fetchFor(c echo.Context, r portal.DataRequest) (map[portal.Scope]map[string]any, error) {
	citizen, err := s.store.User(c.Request().Context(), r.CitizenID)
	if err != nil {
		return nil, fmt.Errorf("request citizen: %w", err)
	}
	data, err := s.opts.Registry.Fetch(c.Request().Context(), citizen.FIN, r.Scopes)
	if err != nil {
		return nil, fmt.Errorf("fetch registry data: %w", err)
	}
	return data, nil
}

// handleAPICancel handles DELETE /api/v1/requests/{id}: the company withdraws its pending request.
func (s *Server) handleAPICancel(c echo.Context) error {
	r, err := s.store.CancelRequest(c.Request().Context(), companyOf(c).ID, c.Param("id"))
	if err != nil {
		return apiNotFound(err)
	}
	s.announce(r.CitizenID, r.ID)
	return writeJSON(c, http.StatusOK, answerOf(r, s.clock.Now()))
}

// offerAnswer is how the API shows an offer.
type offerAnswer struct {
	Scope         portal.Scope      `json:"scope"`
	Fields        []string          `json:"fields"`
	Purpose       string            `json:"purpose"`
	LegalBasis    portal.LegalBasis `json:"legal_basis"`
	LawName       string            `json:"law_name,omitempty"`
	RetentionDays int               `json:"retention_days"`
	Frequency     portal.Frequency  `json:"frequency"`
}

// handleAPIOffers handles GET /api/v1/offers: the scopes this company may ask for.
func (s *Server) handleAPIOffers(c echo.Context) error {
	offers, err := s.store.Offers(c.Request().Context(), companyOf(c).ID)
	if err != nil {
		return err
	}
	out := []offerAnswer{}
	for _, o := range offers {
		if o.Active() {
			out = append(out, offerAnswer{Scope: o.Scope, Fields: o.Scope.Fields(), Purpose: o.Purpose, LegalBasis: o.LegalBasis,
				LawName: o.LawName, RetentionDays: o.RetentionDays, Frequency: o.Frequency})
		}
	}
	return writeJSON(c, http.StatusOK, map[string]any{"offers": out})
}

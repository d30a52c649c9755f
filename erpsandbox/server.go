// Package erpsandbox is a small but real ERP that speaks Orderflow's ERP
// contract (package erpapi, docs/erp.md) over HTTP, for `make run`, the tests
// and demos (`orderflow erp-sandbox`). It keeps its data in Postgres in a
// schema of its own (erp_sandbox), sends its news of orders back to Orderflow
// as signed webhooks (acknowledged, invoiced, shipped, paid; webhooks.go), and
// fails on purpose when told to (Faults): errors, latency, outages, orders
// committed whose answer is lost, webhooks duplicated and out of order.
package erpsandbox

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orderflow/orderflow/erpapi"
)

// maxBodyBytes bounds a request body; an order of a few thousand lines fits.
const maxBodyBytes = 1 << 20

// defaultLimit is a list's page size when the client names none.
const defaultLimit = 100

// Server is the sandbox ERP's HTTP handler.
type Server struct {
	store *Store
	token string
	log   *slog.Logger
	// random draws the fault dice, a number in [0, 1). Rates of 0 and 1 are
	// certain whatever it answers; tests may replace it for rates in between.
	random func() float64
	// sleep waits out the added latency; it returns early when the request
	// ends.
	sleep func(*http.Request, time.Duration)
	// now is the clock outage windows are read against.
	now func() time.Time

	mu     sync.Mutex
	faults Faults

	// injected counts the faults dealt so far.
	injectedErrors, lostAnswers atomic.Int64
	// duplicates and reordered count the webhook faults dealt so far.
	duplicates, reordered atomic.Int64
}

// Injected counts the faults the sandbox has dealt since it started: calls
// failed by the error rate or an outage, and committed orders whose answer it
// lost. A test reads them to show its faults were met, not dodged.
func (s *Server) Injected() (errors, lostAnswers int64) {
	return s.injectedErrors.Load(), s.lostAnswers.Load()
}

// NewServer returns a sandbox serving the store to callers holding token,
// starting with the given faults.
func NewServer(store *Store, token string, faults Faults, log *slog.Logger) (*Server, error) {
	if token == "" {
		return nil, errors.New("erp sandbox: empty token")
	}
	if _, err := faults.Validate(); err != nil {
		return nil, fmt.Errorf("erp sandbox faults: %w", err)
	}
	return &Server{
		store:  store,
		token:  token,
		log:    log,
		random: rand.Float64,
		sleep:  sleepOrDone,
		now:    time.Now,
		faults: faults,
	}, nil
}

func sleepOrDone(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// Faults answers the faults in force.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// SetFaults replaces the faults in force.
func (s *Server) SetFaults(f Faults) error {
	if _, err := f.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	return nil
}

// Handler answers every route of the sandbox, behind the bearer token.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	// The contract (erpapi), subject to faults.
	mux.Handle("POST "+erpapi.OrdersPath, s.contract(s.createOrder))
	mux.Handle("GET "+erpapi.OrdersPath, s.contract(s.listOrders))
	mux.Handle("GET "+erpapi.OrderByReferencePath+"{reference}", s.contract(s.orderByReference))
	mux.Handle("GET "+erpapi.StockChangesPath, s.contract(s.stockChanges))
	mux.Handle("GET "+erpapi.PriceChangesPath, s.contract(s.priceChanges))
	// Administration for tests and demos, never subject to faults.
	mux.HandleFunc("GET /admin/faults", s.getFaults)
	mux.HandleFunc("PUT /admin/faults", s.putFaults)
	mux.HandleFunc("POST /admin/stock", s.recordStock)
	mux.HandleFunc("POST /admin/prices", s.recordPrice)
	mux.HandleFunc("DELETE /admin/orders/{number}", s.deleteOrder)
	mux.HandleFunc("PATCH /admin/orders/{number}", s.patchOrder)
	mux.HandleFunc("POST /admin/orders/{number}/invoice", s.invoiceOrder)
	mux.HandleFunc("POST /admin/orders/{number}/ship", s.shipOrder)
	mux.HandleFunc("POST /admin/orders/{number}/pay", s.payOrder)
	mux.HandleFunc("GET /admin/webhooks", s.listWebhooks)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such route", "")
	})
	return s.authenticate(mux)
}

// authenticate refuses every request without the sandbox's bearer token.
func (s *Server) authenticate(next http.Handler) http.Handler {
	want := []byte("Bearer " + s.token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="erp-sandbox"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "missing or wrong bearer token", "")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// contract applies the faults in force before a contract handler runs:
// outages and errors answer 503 having done nothing, latency delays.
func (s *Server) contract(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := s.Faults()
		if until := f.OutageUntil; s.now().Before(until) {
			s.injectedErrors.Add(1)
			w.Header().Set("Retry-After", strconv.Itoa(int(until.Sub(s.now()).Seconds())+1))
			writeError(w, http.StatusServiceUnavailable, "outage", "the ERP is down until "+until.UTC().Format(time.RFC3339), "")
			return
		}
		if f.LatencyMS > 0 {
			s.sleep(r, time.Duration(f.LatencyMS)*time.Millisecond)
		}
		if f.ErrorRate > 0 && s.random() < f.ErrorRate {
			s.injectedErrors.Add(1)
			writeError(w, http.StatusServiceUnavailable, "unavailable", "injected failure (error_rate)", "")
			return
		}
		h(w, r)
	})
}

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get(erpapi.IdempotencyKeyHeader)
	if key == "" {
		writeError(w, http.StatusBadRequest, "invalid", erpapi.IdempotencyKeyHeader+" header is required", erpapi.IdempotencyKeyHeader)
		return
	}
	var req erpapi.OrderRequest
	if !s.decode(w, r, &req) {
		return
	}
	if field, msg := validateOrder(req); field != "" {
		writeError(w, http.StatusBadRequest, "invalid", msg, field)
		return
	}
	order, created, err := s.store.CreateOrder(r.Context(), key, req)
	if err != nil {
		s.writeStoreError(w, r, err)
		return
	}
	// The order is committed; losing the answer now is what a timeout after
	// the ERP's commit looks like to the client.
	if f := s.Faults(); f.LoseAnswerRate > 0 && s.random() < f.LoseAnswerRate {
		s.lostAnswers.Add(1)
		s.log.Info("erp sandbox: losing the answer to a committed order", "number", order.Number, "reference", order.Reference)
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, order)
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// validateOrder names the first field of the request that can never be
// accepted, and why; an empty field means the request is valid.
func validateOrder(req erpapi.OrderRequest) (field, msg string) {
	switch {
	case strings.TrimSpace(req.Reference) == "":
		return "reference", "reference is required"
	case strings.TrimSpace(req.Customer) == "":
		return "customer", "customer is required"
	case !currencyPattern.MatchString(req.Currency):
		return "currency", "currency must be an ISO 4217 code such as EUR"
	case req.TotalMinor < 0:
		return "total_minor", "total_minor must not be negative"
	case req.PlacedAt.IsZero():
		return "placed_at", "placed_at is required (RFC 3339)"
	case len(req.Lines) == 0:
		return "lines", "an order needs at least one line"
	}
	for i, l := range req.Lines {
		switch {
		case strings.TrimSpace(l.SKU) == "":
			return fmt.Sprintf("lines[%d].sku", i), "sku is required"
		case l.Quantity <= 0:
			return fmt.Sprintf("lines[%d].quantity", i), "quantity must be positive"
		case l.UnitPriceMinor < 0:
			return fmt.Sprintf("lines[%d].unit_price_minor", i), "unit_price_minor must not be negative"
		}
	}
	return "", ""
}

func (s *Server) orderByReference(w http.ResponseWriter, r *http.Request) {
	order, err := s.store.OrderByReference(r.Context(), r.PathValue("reference"))
	if err != nil {
		s.writeStoreError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, order)
}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f OrderFilter
	for _, b := range []struct {
		param string
		dst   *time.Time
	}{{erpapi.PlacedFromParam, &f.From}, {erpapi.PlacedToParam, &f.To}} {
		if v := q.Get(b.param); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "invalid", b.param+" must be an RFC 3339 time", b.param)
				return
			}
			*b.dst = t
		}
	}
	limit, ok := parseLimit(w, r)
	if !ok {
		return
	}
	page, err := s.store.ListOrders(r.Context(), f, q.Get(erpapi.CursorParam), limit)
	if err != nil {
		s.writeStoreError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) stockChanges(w http.ResponseWriter, r *http.Request) {
	limit, ok := parseLimit(w, r)
	if !ok {
		return
	}
	page, err := s.store.StockChanges(r.Context(), r.URL.Query().Get(erpapi.CursorParam), limit)
	if err != nil {
		s.writeStoreError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) priceChanges(w http.ResponseWriter, r *http.Request) {
	limit, ok := parseLimit(w, r)
	if !ok {
		return
	}
	page, err := s.store.PriceChanges(r.Context(), r.URL.Query().Get(erpapi.CursorParam), limit)
	if err != nil {
		s.writeStoreError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// parseLimit reads the page size: defaultLimit when absent, 1..MaxLimit.
func parseLimit(w http.ResponseWriter, r *http.Request) (int, bool) {
	v := r.URL.Query().Get(erpapi.LimitParam)
	if v == "" {
		return defaultLimit, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > erpapi.MaxLimit {
		writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("limit must be between 1 and %d", erpapi.MaxLimit), erpapi.LimitParam)
		return 0, false
	}
	return n, true
}

func (s *Server) getFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Faults())
}

func (s *Server) putFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if !s.decode(w, r, &f) {
		return
	}
	if field, err := f.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error(), field)
		return
	}
	_ = s.SetFaults(f) // validated above
	s.log.Info("erp sandbox: faults set", "error_rate", f.ErrorRate, "lose_answer_rate", f.LoseAnswerRate,
		"latency_ms", f.LatencyMS, "outage_until", f.OutageUntil, "duplicate_rate", f.DuplicateRate,
		"reorder_window_ms", f.ReorderWindowMS)
	writeJSON(w, http.StatusOK, f)
}

// stockRequest is the body of POST /admin/stock.
type stockRequest struct {
	SKU      string `json:"sku"`
	Location string `json:"location"` // optional: the default location
	OnHand   int64  `json:"on_hand"`
}

func (s *Server) recordStock(w http.ResponseWriter, r *http.Request) {
	var req stockRequest
	if !s.decode(w, r, &req) {
		return
	}
	switch {
	case strings.TrimSpace(req.SKU) == "":
		writeError(w, http.StatusBadRequest, "invalid", "sku is required", "sku")
		return
	case req.OnHand < 0:
		writeError(w, http.StatusBadRequest, "invalid", "on_hand must not be negative", "on_hand")
		return
	}
	c, err := s.store.RecordStockChangeAt(r.Context(), req.SKU, strings.TrimSpace(req.Location), req.OnHand)
	if err != nil {
		s.writeStoreError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) recordPrice(w http.ResponseWriter, r *http.Request) {
	var req erpapi.PriceChange
	if !s.decode(w, r, &req) {
		return
	}
	switch {
	case strings.TrimSpace(req.PriceList) == "":
		writeError(w, http.StatusBadRequest, "invalid", "price_list is required", "price_list")
		return
	case strings.TrimSpace(req.SKU) == "":
		writeError(w, http.StatusBadRequest, "invalid", "sku is required", "sku")
		return
	case !currencyPattern.MatchString(req.Currency):
		writeError(w, http.StatusBadRequest, "invalid", "currency must be an ISO 4217 code such as EUR", "currency")
		return
	case req.UnitPriceMinor < 0:
		writeError(w, http.StatusBadRequest, "invalid", "unit_price_minor must not be negative", "unit_price_minor")
		return
	}
	c, err := s.store.RecordPriceChange(r.Context(), req)
	if err != nil {
		s.writeStoreError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) deleteOrder(w http.ResponseWriter, r *http.Request) {
	if err := s.store.DeleteOrder(r.Context(), r.PathValue("number")); err != nil {
		s.writeStoreError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

var orderStatuses = map[string]bool{
	erpapi.OrderStatusOpen: true, erpapi.OrderStatusInvoiced: true, erpapi.OrderStatusShipped: true,
	erpapi.OrderStatusPaid: true, erpapi.OrderStatusCancelled: true,
}

func (s *Server) patchOrder(w http.ResponseWriter, r *http.Request) {
	var p OrderPatch
	if !s.decode(w, r, &p) {
		return
	}
	if p.TotalMinor != nil && *p.TotalMinor < 0 {
		writeError(w, http.StatusBadRequest, "invalid", "total_minor must not be negative", "total_minor")
		return
	}
	if p.Status != nil && !orderStatuses[*p.Status] {
		writeError(w, http.StatusBadRequest, "invalid", "status must be open, invoiced, shipped, paid or cancelled", "status")
		return
	}
	order, err := s.store.PatchOrder(r.Context(), r.PathValue("number"), p)
	if err != nil {
		s.writeStoreError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, order)
}

func (s *Server) shipOrder(w http.ResponseWriter, r *http.Request) {
	var req ShipRequest
	if !s.decodeOptional(w, r, &req) {
		return
	}
	for i, l := range req.Lines {
		switch {
		case strings.TrimSpace(l.SKU) == "":
			writeError(w, http.StatusBadRequest, "invalid", "sku is required", fmt.Sprintf("lines[%d].sku", i))
			return
		case l.Quantity <= 0:
			writeError(w, http.StatusBadRequest, "invalid", "quantity must be positive", fmt.Sprintf("lines[%d].quantity", i))
			return
		}
	}
	news, err := s.store.ShipOrder(r.Context(), r.PathValue("number"), req)
	s.writeNews(w, r, news, err)
}

func (s *Server) invoiceOrder(w http.ResponseWriter, r *http.Request) {
	var req AmountRequest
	if !s.decodeOptional(w, r, &req) {
		return
	}
	if req.AmountMinor != nil && *req.AmountMinor < 0 {
		writeError(w, http.StatusBadRequest, "invalid", "amount_minor must not be negative", "amount_minor")
		return
	}
	news, err := s.store.InvoiceOrder(r.Context(), r.PathValue("number"), req)
	s.writeNews(w, r, news, err)
}

func (s *Server) payOrder(w http.ResponseWriter, r *http.Request) {
	var req AmountRequest
	if !s.decodeOptional(w, r, &req) {
		return
	}
	if req.AmountMinor != nil && *req.AmountMinor < 1 {
		writeError(w, http.StatusBadRequest, "invalid", "amount_minor must be at least 1", "amount_minor")
		return
	}
	news, err := s.store.PayOrder(r.Context(), r.PathValue("number"), req)
	s.writeNews(w, r, news, err)
}

func (s *Server) writeNews(w http.ResponseWriter, r *http.Request, news News, err error) {
	if err != nil {
		s.writeStoreError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, news)
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	events, err := s.store.Outbox(r.Context())
	if err != nil {
		s.writeStoreError(w, r, err)
		return
	}
	if events == nil {
		events = []OutboxEvent{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": events})
}

// decodeOptional reads a JSON body into dst, if there is one: an empty body
// leaves dst as it is.
func (s *Server) decodeOptional(w http.ResponseWriter, r *http.Request, dst any) bool {
	if r.ContentLength == 0 {
		return true
	}
	return s.decode(w, r, dst)
}

// decode reads a JSON body into dst, answering 400 when it cannot.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, dst any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", "malformed JSON body: "+err.Error(), "")
		return false
	}
	return true
}

// writeStoreError is the one place store errors become answers; anything
// unexpected is logged and shown only as "internal error".
func (s *Server) writeStoreError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "no such order", "")
	case errors.Is(err, ErrDuplicateReference):
		writeError(w, http.StatusConflict, "duplicate_reference", err.Error(), "reference")
	case errors.Is(err, ErrBadCursor):
		writeError(w, http.StatusBadRequest, "invalid", err.Error(), erpapi.CursorParam)
	default:
		s.log.Error("erp sandbox: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "internal error", "")
	}
}

func writeError(w http.ResponseWriter, status int, code, msg, field string) {
	writeJSON(w, status, erpapi.Error{Code: code, Message: msg, Field: field})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client is gone if this fails
}

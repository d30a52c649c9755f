package erp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orderflow/orderflow/erpapi"
)

// Connector is an ERP as Orderflow needs it. HTTPConnector speaks the erpapi
// contract; tests may put any other in its place.
//
// Every method returns a *RefusedError when the ERP refused the request for
// good (retrying cannot change the answer), and any other error when the
// request may succeed later (the ERP is down, slow or busy).
type Connector interface {
	// PushOrder creates the order in the ERP under an idempotency key: the
	// same key answers the order first created, never a second one.
	PushOrder(ctx context.Context, key string, req erpapi.OrderRequest) (erpapi.Order, error)
	// OrderByReference finds the order Orderflow gave the ERP under
	// reference (Orderflow's order ID); ok is false when the ERP has none.
	OrderByReference(ctx context.Context, reference string) (order erpapi.Order, ok bool, err error)
	// StockChanges lists up to limit stock changes after cursor ("" is the
	// beginning), oldest first.
	StockChanges(ctx context.Context, cursor string, limit int) (erpapi.StockPage, error)
	// PriceChanges lists up to limit price changes after cursor, oldest first.
	PriceChanges(ctx context.Context, cursor string, limit int) (erpapi.PricePage, error)
	// Orders lists the orders placed in [from, to), a page of up to limit
	// after cursor, for reconciliation.
	Orders(ctx context.Context, from, to time.Time, cursor string, limit int) (erpapi.OrderPage, error)
}

// RefusedError is the ERP's answer that a request can never succeed as sent
// (a 4xx other than 408 and 429): the workflow must not retry it, and ops see
// the ERP's own reason.
type RefusedError struct {
	// Status is the HTTP status the ERP answered.
	Status int
	// Reason is the ERP's error body: code, offending field, message.
	Reason erpapi.Error
}

// Error says who refused what and why.
func (e *RefusedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "erp refused the request (%d %s", e.Status, e.Reason.Code)
	if e.Reason.Field != "" {
		fmt.Fprintf(&b, ", field %s", e.Reason.Field)
	}
	fmt.Fprintf(&b, "): %s", e.Reason.Message)
	return b.String()
}

// AsRefused tells whether err is (or wraps) the ERP's refusal.
func AsRefused(err error) (*RefusedError, bool) {
	var r *RefusedError
	ok := errors.As(err, &r)
	return r, ok
}

// DefaultTimeout bounds one HTTP call to the ERP: a hung ERP fails the
// attempt, and the activity's retry policy tries again.
const DefaultTimeout = 30 * time.Second

// maxBodyBytes bounds what is read of an ERP answer: a page of MaxLimit
// orders fits many times over, a runaway answer does not fill memory.
const maxBodyBytes = 16 << 20

// HTTPConnector is a Connector over the erpapi HTTP JSON contract.
type HTTPConnector struct {
	// BaseURL is the ERP's base URL, e.g. "http://127.0.0.1:8091"; the
	// contract's paths are appended to it.
	BaseURL string
	// Token is the bearer token the ERP gave Orderflow.
	Token string
	// Client makes the calls; it must have a timeout.
	Client *http.Client
	// QuickRetries is how many times a call that failed retryably (5xx,
	// 429, a timeout, a lost answer) is made again at once, QuickRetryWait
	// apart (doubling), before the failure goes to Temporal's retry policy.
	// Every call of the contract may be repeated: reads, and creates under
	// their idempotency key. A push makes two calls, so against an ERP that
	// fails one call in three, most pushes go through without waiting for
	// Temporal's backoff (1 s, doubling) to come round.
	QuickRetries   int
	QuickRetryWait time.Duration
}

// NewHTTPConnector is an HTTPConnector whose calls each take at most timeout
// (DefaultTimeout when zero).
func NewHTTPConnector(baseURL, token string, timeout time.Duration) *HTTPConnector {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &HTTPConnector{
		BaseURL:        strings.TrimRight(baseURL, "/"),
		Token:          token,
		Client:         &http.Client{Timeout: timeout},
		QuickRetries:   DefaultQuickRetries,
		QuickRetryWait: DefaultQuickRetryWait,
	}
}

// DefaultQuickRetries and DefaultQuickRetryWait are NewHTTPConnector's quick
// retries: two more tries, 100 ms and 200 ms later.
const (
	DefaultQuickRetries   = 2
	DefaultQuickRetryWait = 100 * time.Millisecond
)

var _ Connector = (*HTTPConnector)(nil)

// PushOrder POSTs the order with the Idempotency-Key header; the ERP answers
// 201 for a new order and 200 for a replayed key, both with the order.
func (c *HTTPConnector) PushOrder(ctx context.Context, key string, req erpapi.OrderRequest) (erpapi.Order, error) {
	if key == "" {
		return erpapi.Order{}, errors.New("erp: push order: empty idempotency key")
	}
	body, err := json.Marshal(req)
	if err != nil {
		return erpapi.Order{}, fmt.Errorf("erp: push order: %w", err)
	}
	var order erpapi.Order
	status, err := c.call(ctx, request{method: http.MethodPost, path: erpapi.OrdersPath, idempotencyKey: key, body: body}, &order)
	if err != nil {
		return erpapi.Order{}, err
	}
	if order.Number == "" {
		// An order without a number cannot be recorded; the ERP may answer
		// properly next time.
		return erpapi.Order{}, fmt.Errorf("erp: POST %s: %d answer has no order number", erpapi.OrdersPath, status)
	}
	return order, nil
}

// OrderByReference GETs the order by Orderflow's reference; a 404 with the
// contract's error body means the ERP has no such order.
func (c *HTTPConnector) OrderByReference(ctx context.Context, reference string) (erpapi.Order, bool, error) {
	var order erpapi.Order
	status, err := c.call(ctx, request{method: http.MethodGet, path: erpapi.OrderByReferencePath + url.PathEscape(reference),
		notFoundMeansNone: true}, &order)
	if err != nil || status == http.StatusNotFound {
		return erpapi.Order{}, false, err
	}
	return order, true, nil
}

// StockChanges GETs a page of stock changes.
func (c *HTTPConnector) StockChanges(ctx context.Context, cursor string, limit int) (erpapi.StockPage, error) {
	var page erpapi.StockPage
	_, err := c.call(ctx, request{method: http.MethodGet, path: erpapi.StockChangesPath, query: pageQuery(cursor, limit)}, &page)
	return page, err
}

// PriceChanges GETs a page of price changes.
func (c *HTTPConnector) PriceChanges(ctx context.Context, cursor string, limit int) (erpapi.PricePage, error) {
	var page erpapi.PricePage
	_, err := c.call(ctx, request{method: http.MethodGet, path: erpapi.PriceChangesPath, query: pageQuery(cursor, limit)}, &page)
	return page, err
}

// Orders GETs a page of the orders placed in [from, to).
func (c *HTTPConnector) Orders(ctx context.Context, from, to time.Time, cursor string, limit int) (erpapi.OrderPage, error) {
	query := pageQuery(cursor, limit)
	query.Set(erpapi.PlacedFromParam, from.UTC().Format(time.RFC3339))
	query.Set(erpapi.PlacedToParam, to.UTC().Format(time.RFC3339))
	var page erpapi.OrderPage
	_, err := c.call(ctx, request{method: http.MethodGet, path: erpapi.OrdersPath, query: query}, &page)
	return page, err
}

// pageQuery is the paging parameters; limit is clamped to the contract's
// MaxLimit and left out when not positive (the ERP's default page).
func pageQuery(cursor string, limit int) url.Values {
	query := url.Values{}
	if cursor != "" {
		query.Set(erpapi.CursorParam, cursor)
	}
	if limit > 0 {
		query.Set(erpapi.LimitParam, strconv.Itoa(min(limit, erpapi.MaxLimit)))
	}
	return query
}

// request is one call to the ERP.
type request struct {
	method, path   string
	query          url.Values
	idempotencyKey string
	body           []byte
	// notFoundMeansNone lets a 404 carrying the contract's error body
	// through as an answer (status 404, no error): "the ERP has none".
	notFoundMeansNone bool
}

// call makes the request, again at once up to QuickRetries times while it
// fails retryably, and decodes a 2xx answer into out, returning its status. Every failure is classified: a 4xx other than 408 and 429 with the
// contract's error body is a *RefusedError; anything else (transport errors,
// timeouts, 5xx, 408, 429, answers that do not speak the contract) is a plain
// error, retryable.
func (c *HTTPConnector) call(ctx context.Context, r request, out any) (int, error) {
	wait := c.QuickRetryWait
	for retry := 0; ; retry++ {
		status, err := c.callOnce(ctx, r, out)
		var refused *RefusedError
		if err == nil || errors.As(err, &refused) || retry >= c.QuickRetries {
			return status, err
		}
		select {
		case <-ctx.Done():
			return status, err
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// callOnce makes the request once (see call).
func (c *HTTPConnector) callOnce(ctx context.Context, r request, out any) (int, error) {
	method, path := r.method, r.path
	target := c.BaseURL + path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	what := method + " " + path
	var reqBody io.Reader
	if r.body != nil {
		reqBody = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reqBody)
	if err != nil {
		return 0, fmt.Errorf("erp: %s: %w", what, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.idempotencyKey != "" {
		req.Header.Set(erpapi.IdempotencyKeyHeader, r.idempotencyKey)
	}

	resp, err := c.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("erp: %s: %w", what, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return 0, fmt.Errorf("erp: %s: %d answer: reading the body: %w", what, resp.StatusCode, err)
	}

	switch status := resp.StatusCode; {
	case status >= 200 && status < 300:
		if err := json.Unmarshal(raw, out); err != nil {
			return 0, fmt.Errorf("erp: %s: %d answer is not the contract's JSON: %w: %s", what, status, err, snippet(raw))
		}
		return status, nil
	case status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
		var reason erpapi.Error
		if err := json.Unmarshal(raw, &reason); err != nil || reason.Code == "" {
			// Not the ERP speaking the contract (a proxy's page, a wrong
			// base URL): configuration ops can fix, so worth retrying.
			return 0, fmt.Errorf("erp: %s: %s, and the body is not the contract's error: %s", what, resp.Status, snippet(raw))
		}
		if status == http.StatusNotFound && r.notFoundMeansNone {
			return status, nil
		}
		return 0, &RefusedError{Status: status, Reason: reason}
	default:
		var reason erpapi.Error
		if json.Unmarshal(raw, &reason) == nil && reason.Message != "" {
			return 0, fmt.Errorf("erp: %s: %s: %s: %s", what, resp.Status, reason.Code, reason.Message)
		}
		return 0, fmt.Errorf("erp: %s: %s: %s", what, resp.Status, snippet(raw))
	}
}

// snippet is the start of a body, for an error message.
func snippet(raw []byte) string {
	const max = 200
	s := strings.TrimSpace(string(raw))
	if len(s) > max {
		s = s[:max] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return strconv.Quote(s)
}

package erp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/erpapi"
)

const testToken = "erp-test-token"

// erpServer is an ERP over HTTP whose handler each test writes; it refuses
// any call without the bearer token, as the contract says.
func erpServer(t *testing.T, handler http.HandlerFunc) *erp.HTTPConnector {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			t.Errorf("%s %s: Authorization %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
			answer(w, http.StatusUnauthorized, erpapi.Error{Code: "unauthorized", Message: "bad token"})
			return
		}
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return erp.NewHTTPConnector(srv.URL+"/", testToken, 2*time.Second)
}

func answer(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// A push sends the order as JSON with the idempotency key; 201 and a
// replayed key's 200 both answer the order.
func TestHTTPConnectorPushOrder(t *testing.T) {
	t.Parallel()
	placed := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	want := erpapi.OrderRequest{Reference: "ref-1", Customer: "c-1", Currency: "EUR", TotalMinor: 12_34, PlacedAt: placed,
		Lines: []erpapi.OrderLine{{SKU: "A", Quantity: 2, UnitPriceMinor: 6_17}}}
	calls := 0
	c := erpServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, erpapi.OrdersPath, r.URL.Path)
		assert.Equal(t, "orderflow-order-1", r.Header.Get(erpapi.IdempotencyKeyHeader))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		var got erpapi.OrderRequest
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&got))
		assert.Equal(t, want, got)
		status := http.StatusCreated
		if calls > 1 {
			status = http.StatusOK // the key replayed
		}
		answer(w, status, erpapi.Order{Number: "ERP-1", Reference: got.Reference, Status: erpapi.OrderStatusOpen})
	})
	for range 2 {
		got, err := c.PushOrder(context.Background(), "orderflow-order-1", want)
		require.NoError(t, err)
		require.Equal(t, "ERP-1", got.Number)
	}
}

// Lookup by reference: the order when the ERP has it, ok false on the
// contract's 404, and the reference path-escaped.
func TestHTTPConnectorOrderByReference(t *testing.T) {
	t.Parallel()
	c := erpServer(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Empty(t, r.Header.Get(erpapi.IdempotencyKeyHeader), "only creating carries a key")
		switch r.URL.EscapedPath() {
		case erpapi.OrderByReferencePath + "known":
			answer(w, http.StatusOK, erpapi.Order{Number: "ERP-7", Reference: "known"})
		case erpapi.OrderByReferencePath + "a%2Fb":
			answer(w, http.StatusNotFound, erpapi.Error{Code: "not_found", Message: "no order a/b"})
		default:
			t.Errorf("unexpected path %s", r.URL.EscapedPath())
			answer(w, http.StatusInternalServerError, erpapi.Error{Code: "internal", Message: "test"})
		}
	})
	ctx := context.Background()
	got, ok, err := c.OrderByReference(ctx, "known")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "ERP-7", got.Number)

	_, ok, err = c.OrderByReference(ctx, "a/b")
	require.NoError(t, err)
	require.False(t, ok)
}

// The lists send the cursor, the limit (clamped to MaxLimit) and, for
// orders, the period in UTC RFC 3339.
func TestHTTPConnectorPaging(t *testing.T) {
	t.Parallel()
	changed := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	c := erpServer(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch r.URL.Path {
		case erpapi.StockChangesPath:
			assert.Equal(t, "s-1", q.Get(erpapi.CursorParam))
			assert.Equal(t, "100", q.Get(erpapi.LimitParam))
			answer(w, http.StatusOK, erpapi.StockPage{Items: []erpapi.StockChange{{SKU: "A", OnHand: 5, ChangedAt: changed}}, NextCursor: "s-2"})
		case erpapi.PriceChangesPath:
			assert.False(t, q.Has(erpapi.CursorParam), "an empty cursor starts from the beginning")
			assert.Equal(t, "500", q.Get(erpapi.LimitParam), "clamped to MaxLimit")
			answer(w, http.StatusOK, erpapi.PricePage{Items: []erpapi.PriceChange{{PriceList: "L", SKU: "A", Currency: "EUR", UnitPriceMinor: 9}}})
		case erpapi.OrdersPath:
			assert.Equal(t, "2025-06-01T00:00:00Z", q.Get(erpapi.PlacedFromParam))
			assert.Equal(t, "2025-06-02T00:00:00Z", q.Get(erpapi.PlacedToParam))
			assert.Equal(t, "o-1", q.Get(erpapi.CursorParam))
			assert.False(t, q.Has(erpapi.LimitParam), "no limit: the ERP's default page")
			answer(w, http.StatusOK, erpapi.OrderPage{Items: []erpapi.Order{{Number: "ERP-1"}}, NextCursor: "o-2"})
		default:
			t.Errorf("unexpected path %s", r.URL.Path)
		}
	})
	ctx := context.Background()
	stock, err := c.StockChanges(ctx, "s-1", 100)
	require.NoError(t, err)
	require.Equal(t, erpapi.StockPage{Items: []erpapi.StockChange{{SKU: "A", OnHand: 5, ChangedAt: changed}}, NextCursor: "s-2"}, stock)

	prices, err := c.PriceChanges(ctx, "", 10_000)
	require.NoError(t, err)
	require.Len(t, prices.Items, 1)
	require.Empty(t, prices.NextCursor)

	berlin := time.FixedZone("CEST", 2*60*60)
	orders, err := c.Orders(ctx, changed.In(berlin), changed.Add(24*time.Hour), "o-1", 0)
	require.NoError(t, err)
	require.Equal(t, "o-2", orders.NextCursor)
	require.Equal(t, "ERP-1", orders.Items[0].Number)
}

// Errors are classified: a 4xx with the contract's error body is a refusal
// carrying the ERP's reason; 5xx, 408, 429, garbage, undecodable answers and
// transport errors are retryable and say the status.
func TestHTTPConnectorErrorClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		body        string
		refused     *erpapi.Error
		errContains string
	}{
		{name: "400 refusal", status: 400, body: `{"code":"invalid","field":"lines[0].sku","message":"unknown SKU"}`,
			refused: &erpapi.Error{Code: "invalid", Field: "lines[0].sku", Message: "unknown SKU"}},
		{name: "409 refusal", status: 409, body: `{"code":"conflict","message":"reference taken by another order"}`,
			refused: &erpapi.Error{Code: "conflict", Message: "reference taken by another order"}},
		{name: "503", status: 503, body: `{"code":"unavailable","message":"down for maintenance"}`, errContains: "503"},
		{name: "500 with garbage", status: 500, body: `<html>oops`, errContains: "500"},
		{name: "429", status: 429, body: `{"code":"rate_limited","message":"slow down"}`, errContains: "429"},
		{name: "408", status: 408, body: ``, errContains: "408"},
		{name: "4xx not speaking the contract", status: 404, body: `<html>no such host</html>`, errContains: "404"},
		{name: "201 with garbage", status: 201, body: `{"number":`, errContains: "201"},
		{name: "201 without a number", status: 201, body: `{"reference":"ref-1"}`, errContains: "no order number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := erpServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			_, err := c.PushOrder(context.Background(), "orderflow-order-1", erpapi.OrderRequest{Reference: "ref-1"})
			assert.Error(t, err)
			refused, ok := erp.AsRefused(err)
			if tc.refused != nil {
				assert.True(t, ok, "want a refusal, got %v", err)
				assert.Equal(t, tc.status, refused.Status)
				assert.Equal(t, *tc.refused, refused.Reason)
				assert.Contains(t, err.Error(), tc.refused.Message)
				return
			}
			assert.False(t, ok, "want a retryable error, got the refusal %v", err)
			assert.Contains(t, err.Error(), tc.errContains)
		})
	}
}

// A call that fails retryably is made again at once, a few times, before the
// failure goes to Temporal; a refusal is not repeated.
func TestHTTPConnectorQuickRetries(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c := erpServer(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			answer(w, http.StatusServiceUnavailable, erpapi.Error{Code: "unavailable", Message: "busy"})
			return
		}
		answer(w, http.StatusCreated, erpapi.Order{Number: "ERP-7", Reference: "ref-7"})
	})
	got, err := c.PushOrder(context.Background(), "orderflow-order-7", erpapi.OrderRequest{Reference: "ref-7"})
	require.NoError(t, err, "the third try answers")
	require.Equal(t, "ERP-7", got.Number)
	require.Equal(t, int32(3), calls.Load())

	calls.Store(-10) // every call fails from now on
	_, err = c.PushOrder(context.Background(), "orderflow-order-8", erpapi.OrderRequest{Reference: "ref-8"})
	require.ErrorContains(t, err, "503")
	require.Equal(t, int32(-10+1+erp.DefaultQuickRetries), calls.Load(), "one call and its quick retries")

	var refusals atomic.Int32
	refusing := erpServer(t, func(w http.ResponseWriter, r *http.Request) {
		refusals.Add(1)
		answer(w, http.StatusBadRequest, erpapi.Error{Code: "invalid", Field: "customer", Message: "unknown customer"})
	})
	_, err = refusing.PushOrder(context.Background(), "orderflow-order-9", erpapi.OrderRequest{Reference: "ref-9"})
	_, ok := erp.AsRefused(err)
	require.True(t, ok)
	require.Equal(t, int32(1), refusals.Load(), "a refusal is not repeated")
}

// A transport error (nothing listening, or an ERP slower than the timeout)
// is retryable.
func TestHTTPConnectorTransportErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
	}))
	t.Cleanup(srv.Close)

	slow := erp.NewHTTPConnector(srv.URL, testToken, 50*time.Millisecond)
	_, _, err := slow.OrderByReference(context.Background(), "ref-1")
	require.Error(t, err)
	_, refused := erp.AsRefused(err)
	require.False(t, refused)
	require.True(t, strings.Contains(err.Error(), "Timeout") || strings.Contains(err.Error(), "deadline"), err.Error())

	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	_, err = erp.NewHTTPConnector(gone.URL, testToken, time.Second).StockChanges(context.Background(), "", 10)
	require.Error(t, err)
	_, refused = erp.AsRefused(err)
	require.False(t, refused)
}

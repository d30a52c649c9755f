package erpsandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/erpapi"
	"github.com/orderflow/orderflow/erpsandbox"
	"github.com/orderflow/orderflow/testenv"
)

const testToken = "test-token"

// sandbox is a running sandbox on a database of its own, with a client
// holding its token.
type sandbox struct {
	t      *testing.T
	server *erpsandbox.Server
	store  *erpsandbox.Store
	url    string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	pool, _ := testenv.NewDatabase(t)
	ctx := context.Background()
	store, err := erpsandbox.NewStore(ctx, pool)
	require.NoError(t, err)
	// Creating the schema again must be harmless: the sandbox does it at
	// every start.
	_, err = erpsandbox.NewStore(ctx, pool)
	require.NoError(t, err)
	srv, err := erpsandbox.NewServer(store, testToken, erpsandbox.Faults{}, slog.New(slog.NewTextHandler(t.Output(), nil)))
	require.NoError(t, err)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &sandbox{t: t, server: srv, store: store, url: hs.URL}
}

// do sends a request with the token and answers the status and body.
func (s *sandbox) do(method, path string, body any, header http.Header) (int, []byte) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(s.t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, r)
	require.NoError(s.t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp.StatusCode, out
}

func (s *sandbox) createOrder(key string, req erpapi.OrderRequest) (int, []byte) {
	s.t.Helper()
	return s.do(http.MethodPost, erpapi.OrdersPath, req, http.Header{erpapi.IdempotencyKeyHeader: {key}})
}

func decodeAs[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(body, &v), "body: %s", body)
	return v
}

func orderRequest(reference string, placedAt time.Time) erpapi.OrderRequest {
	return erpapi.OrderRequest{
		Reference:  reference,
		Customer:   "company-1",
		Currency:   "EUR",
		TotalMinor: 2500,
		PlacedAt:   placedAt,
		Lines:      []erpapi.OrderLine{{SKU: "BOLT-M8", Quantity: 10, UnitPriceMinor: 250}},
	}
}

func TestCreateOrderIsIdempotent(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	placed := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

	status, body := s.createOrder("key-1", orderRequest("order-1", placed))
	require.Equal(t, http.StatusCreated, status, "%s", body)
	first := decodeAs[erpapi.Order](t, body)
	require.Regexp(t, `^SO-\d{6}$`, first.Number)
	require.Equal(t, "order-1", first.Reference)
	require.Equal(t, erpapi.OrderStatusOpen, first.Status)
	require.Equal(t, placed, first.PlacedAt)
	require.Equal(t, []erpapi.OrderLine{{SKU: "BOLT-M8", Quantity: 10, UnitPriceMinor: 250}}, first.Lines)

	status, body = s.createOrder("key-1", orderRequest("order-1", placed))
	require.Equal(t, http.StatusOK, status, "%s", body)
	require.Equal(t, first, decodeAs[erpapi.Order](t, body))

	status, body = s.createOrder("key-2", orderRequest("order-2", placed))
	require.Equal(t, http.StatusCreated, status, "%s", body)
	require.NotEqual(t, first.Number, decodeAs[erpapi.Order](t, body).Number)
}

func TestCreateOrderConcurrentRetriesMakeOneOrder(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	req := orderRequest("order-1", time.Now())
	const n = 8
	statuses := make(chan int, n)
	numbers := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			b, _ := json.Marshal(req)
			r, _ := http.NewRequest(http.MethodPost, s.url+erpapi.OrdersPath, bytes.NewReader(b))
			r.Header.Set("Authorization", "Bearer "+testToken)
			r.Header.Set(erpapi.IdempotencyKeyHeader, "key-1")
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				statuses <- 0
				return
			}
			defer resp.Body.Close()
			var o erpapi.Order
			_ = json.NewDecoder(resp.Body).Decode(&o)
			statuses <- resp.StatusCode
			numbers <- o.Number
		})
	}
	wg.Wait()
	close(statuses)
	close(numbers)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	require.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusOK: n - 1}, count)
	seen := map[string]bool{}
	for num := range numbers {
		seen[num] = true
	}
	require.Len(t, seen, 1, "every answer is the one order")
}

func TestCreateOrderRefusesDuplicateReference(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	status, body := s.createOrder("key-1", orderRequest("order-1", time.Now()))
	require.Equal(t, http.StatusCreated, status, "%s", body)

	status, body = s.createOrder("key-other", orderRequest("order-1", time.Now()))
	require.Equal(t, http.StatusConflict, status)
	e := decodeAs[erpapi.Error](t, body)
	require.Equal(t, "duplicate_reference", e.Code)
	require.Equal(t, "reference", e.Field)
}

func TestCreateOrderValidation(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	valid := orderRequest("order-1", time.Now())
	for _, tc := range []struct {
		field  string
		mutate func(*erpapi.OrderRequest)
	}{
		{"reference", func(r *erpapi.OrderRequest) { r.Reference = "" }},
		{"customer", func(r *erpapi.OrderRequest) { r.Customer = " " }},
		{"currency", func(r *erpapi.OrderRequest) { r.Currency = "euro" }},
		{"total_minor", func(r *erpapi.OrderRequest) { r.TotalMinor = -1 }},
		{"placed_at", func(r *erpapi.OrderRequest) { r.PlacedAt = time.Time{} }},
		{"lines", func(r *erpapi.OrderRequest) { r.Lines = nil }},
		{"lines[0].quantity", func(r *erpapi.OrderRequest) { r.Lines = []erpapi.OrderLine{{SKU: "A", Quantity: 0}} }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			req := valid
			tc.mutate(&req)
			status, body := s.createOrder("key-"+tc.field, req)
			require.Equal(t, http.StatusBadRequest, status, "%s", body)
			require.Equal(t, tc.field, decodeAs[erpapi.Error](t, body).Field)
		})
	}
	status, body := s.do(http.MethodPost, erpapi.OrdersPath, valid, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, erpapi.IdempotencyKeyHeader, decodeAs[erpapi.Error](t, body).Field)

	// Nothing of the refused requests was written.
	page, err := s.store.ListOrders(context.Background(), erpsandbox.OrderFilter{}, "", 10)
	require.NoError(t, err)
	require.Empty(t, page.Items)
}

func TestOrderByReference(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	status, body := s.do(http.MethodGet, erpapi.OrderByReferencePath+url.PathEscape("order/1"), nil, nil)
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "not_found", decodeAs[erpapi.Error](t, body).Code)

	status, body = s.createOrder("key-1", orderRequest("order/1", time.Now()))
	require.Equal(t, http.StatusCreated, status, "%s", body)
	created := decodeAs[erpapi.Order](t, body)

	status, body = s.do(http.MethodGet, erpapi.OrderByReferencePath+url.PathEscape("order/1"), nil, nil)
	require.Equal(t, http.StatusOK, status, "%s", body)
	require.Equal(t, created, decodeAs[erpapi.Order](t, body))
}

func TestStockChangesPageWithCursor(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	for i, sku := range []string{"A", "B", "C"} {
		status, body := s.do(http.MethodPost, "/admin/stock", map[string]any{"sku": sku, "on_hand": 10 * (i + 1)}, nil)
		require.Equal(t, http.StatusCreated, status, "%s", body)
	}
	page := func(cursor string) erpapi.StockPage {
		q := url.Values{erpapi.LimitParam: {"2"}, erpapi.CursorParam: {cursor}}
		status, body := s.do(http.MethodGet, erpapi.StockChangesPath+"?"+q.Encode(), nil, nil)
		require.Equal(t, http.StatusOK, status, "%s", body)
		return decodeAs[erpapi.StockPage](t, body)
	}
	skus := func(p erpapi.StockPage) []string {
		var out []string
		for _, c := range p.Items {
			out = append(out, c.SKU)
		}
		return out
	}

	p1 := page("")
	require.Equal(t, []string{"A", "B"}, skus(p1))
	require.Equal(t, int64(10), p1.Items[0].OnHand)
	require.NotEmpty(t, p1.NextCursor)
	p2 := page(p1.NextCursor)
	require.Equal(t, []string{"C"}, skus(p2))
	p3 := page(p2.NextCursor)
	require.Empty(t, p3.Items)
	require.Equal(t, p2.NextCursor, p3.NextCursor, "an empty page keeps the cursor")

	// A change made later is found from the kept cursor.
	status, _ := s.do(http.MethodPost, "/admin/stock", map[string]any{"sku": "A", "on_hand": 0}, nil)
	require.Equal(t, http.StatusCreated, status)
	require.Equal(t, []string{"A"}, skus(page(p3.NextCursor)))

	status, body := s.do(http.MethodGet, erpapi.StockChangesPath+"?cursor=garbage", nil, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, erpapi.CursorParam, decodeAs[erpapi.Error](t, body).Field)
}

func TestPriceChanges(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	change := map[string]any{"price_list": "WHOLESALE", "sku": "BOLT-M8", "currency": "EUR", "unit_price_minor": 240}
	status, body := s.do(http.MethodPost, "/admin/prices", change, nil)
	require.Equal(t, http.StatusCreated, status, "%s", body)

	status, body = s.do(http.MethodGet, erpapi.PriceChangesPath, nil, nil)
	require.Equal(t, http.StatusOK, status, "%s", body)
	page := decodeAs[erpapi.PricePage](t, body)
	require.Len(t, page.Items, 1)
	require.Equal(t, "WHOLESALE", page.Items[0].PriceList)
	require.Equal(t, int64(240), page.Items[0].UnitPriceMinor)
	require.False(t, page.Items[0].ChangedAt.IsZero())
}

func TestErrorRateAnswers503AndWritesNothing(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	status, body := s.do(http.MethodPut, "/admin/faults", erpsandbox.Faults{ErrorRate: 1}, nil)
	require.Equal(t, http.StatusOK, status, "%s", body)

	status, body = s.createOrder("key-1", orderRequest("order-1", time.Now()))
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Equal(t, "unavailable", decodeAs[erpapi.Error](t, body).Code)

	// Admin routes are never failed, and nothing was written.
	page, err := s.store.ListOrders(context.Background(), erpsandbox.OrderFilter{}, "", 10)
	require.NoError(t, err)
	require.Empty(t, page.Items)
	require.NoError(t, s.server.SetFaults(erpsandbox.Faults{}))
	status, _ = s.do(http.MethodGet, erpapi.OrderByReferencePath+"order-1", nil, nil)
	require.Equal(t, http.StatusNotFound, status)
}

func TestLostAnswerStillCommitsTheOrder(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	require.NoError(t, s.server.SetFaults(erpsandbox.Faults{LoseAnswerRate: 1}))

	status, body := s.createOrder("key-1", orderRequest("order-1", time.Now()))
	require.Equal(t, http.StatusBadGateway, status)
	require.Empty(t, body)

	require.NoError(t, s.server.SetFaults(erpsandbox.Faults{}))
	status, body = s.do(http.MethodGet, erpapi.OrderByReferencePath+"order-1", nil, nil)
	require.Equal(t, http.StatusOK, status, "%s", body)
	committed := decodeAs[erpapi.Order](t, body)

	// The client's retry with the same key gets the same order.
	status, body = s.createOrder("key-1", orderRequest("order-1", time.Now()))
	require.Equal(t, http.StatusOK, status, "%s", body)
	require.Equal(t, committed.Number, decodeAs[erpapi.Order](t, body).Number)
}

func TestOutageAndLatency(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	var slept time.Duration
	erpsandbox.SetSleep(s.server, func(_ *http.Request, d time.Duration) { slept += d })
	require.NoError(t, s.server.SetFaults(erpsandbox.Faults{LatencyMS: 500}))
	status, _ := s.do(http.MethodGet, erpapi.StockChangesPath, nil, nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 500*time.Millisecond, slept)

	require.NoError(t, s.server.SetFaults(erpsandbox.Faults{OutageUntil: time.Now().Add(time.Minute)}))
	status, body := s.do(http.MethodGet, erpapi.StockChangesPath, nil, nil)
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Equal(t, "outage", decodeAs[erpapi.Error](t, body).Code)
	status, body = s.do(http.MethodGet, "/admin/faults", nil, nil)
	require.Equal(t, http.StatusOK, status, "admin works during an outage")
	require.False(t, decodeAs[erpsandbox.Faults](t, body).OutageUntil.IsZero())

	status, body = s.do(http.MethodPut, "/admin/faults", erpsandbox.Faults{ErrorRate: 1.5}, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "error_rate", decodeAs[erpapi.Error](t, body).Field)
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	for _, auth := range []string{"", "Bearer wrong", testToken} {
		req, err := http.NewRequest(http.MethodGet, s.url+erpapi.StockChangesPath, nil)
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		e := decodeAs[erpapi.Error](t, mustRead(t, resp))
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "auth %q", auth)
		require.Equal(t, "unauthorized", e.Code)
	}
	req, err := http.NewRequest(http.MethodGet, s.url+"/admin/faults", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "admin needs the token too")
}

func mustRead(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}

func TestListOrdersByPlacedAtWithPaging(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	// Created out of order, so that "oldest first" is by placed_at, not by
	// creation.
	for i, h := range []int{30, 12, 1, 23, -2} {
		ref := "order-" + string(rune('a'+i))
		status, body := s.createOrder("key-"+ref, orderRequest(ref, day.Add(time.Duration(h)*time.Hour)))
		require.Equal(t, http.StatusCreated, status, "%s", body)
	}
	list := func(cursor string) erpapi.OrderPage {
		q := url.Values{
			erpapi.PlacedFromParam: {day.Format(time.RFC3339)},
			erpapi.PlacedToParam:   {day.Add(24 * time.Hour).Format(time.RFC3339)},
			erpapi.LimitParam:      {"2"},
			erpapi.CursorParam:     {cursor},
		}
		status, body := s.do(http.MethodGet, erpapi.OrdersPath+"?"+q.Encode(), nil, nil)
		require.Equal(t, http.StatusOK, status, "%s", body)
		return decodeAs[erpapi.OrderPage](t, body)
	}
	var refs []string
	cursor := ""
	for range 3 {
		p := list(cursor)
		for _, o := range p.Items {
			refs = append(refs, o.Reference)
		}
		cursor = p.NextCursor
	}
	// Hours 1, 12 and 23 of the day; -2 and 30 are outside it.
	require.Equal(t, []string{"order-c", "order-b", "order-d"}, refs)

	status, body := s.do(http.MethodGet, erpapi.OrdersPath+"?placed_from=yesterday", nil, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, erpapi.PlacedFromParam, decodeAs[erpapi.Error](t, body).Field)
}

func TestAdminDeleteAndPatchOrder(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	status, body := s.createOrder("key-1", orderRequest("order-1", time.Now()))
	require.Equal(t, http.StatusCreated, status, "%s", body)
	number := decodeAs[erpapi.Order](t, body).Number

	status, body = s.do(http.MethodPatch, "/admin/orders/"+number, map[string]any{"total_minor": 9999, "status": "shipped"}, nil)
	require.Equal(t, http.StatusOK, status, "%s", body)
	patched := decodeAs[erpapi.Order](t, body)
	require.Equal(t, int64(9999), patched.TotalMinor)
	require.Equal(t, erpapi.OrderStatusShipped, patched.Status)

	status, body = s.do(http.MethodPatch, "/admin/orders/"+number, map[string]any{"status": "lost"}, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "status", decodeAs[erpapi.Error](t, body).Field)

	status, _ = s.do(http.MethodDelete, "/admin/orders/"+number, nil, nil)
	require.Equal(t, http.StatusNoContent, status)
	status, _ = s.do(http.MethodDelete, "/admin/orders/"+number, nil, nil)
	require.Equal(t, http.StatusNotFound, status)
	status, _ = s.do(http.MethodGet, erpapi.OrderByReferencePath+"order-1", nil, nil)
	require.Equal(t, http.StatusNotFound, status)
}

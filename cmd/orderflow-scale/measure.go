package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/demo"
)

// namedGet is one GET request timed on each stack, by name. The list
// (readRequests) is the same on the small and the loaded data, so that each
// figure compares with itself.
type namedGet struct {
	Name  string
	Token string
	Path  string
}

// cursors are what the deep pages start from: a SKU half-way through the
// catalogue, a catalog product's handle half-way through the storefront's
// catalog, and an order half-way through the benchmark buyer's history
// (cursors as the API gives them out: base64url of the SKU; of
// "RFC 3339 time|order ID"; of the handle). Read from the database so that the request timed
// is the deep page itself, not the walk to it.
type cursors struct {
	product        string
	catalogProduct string
	buyerOrder     string
	companyOrder   string
	orderID        uuid.UUID
	buyerOrders    int
	companyOrders  int
	catalogueCount int
}

// readRequests are the GET requests timed on each stack: the SKU list, the
// storefront's catalog (issue 13, point 1: a page of parents with every
// variant's price and availability; filtered by text, category and
// attributes, each filter one that matches on both data sets; one product),
// the order lists and views.
func readRequests(c cursors, cartID string) []namedGet {
	buyer, ops := demo.BenchBuyer.Token, opsToken()
	company := demo.BenchID.String()
	return []namedGet{
		{"product list, first page", buyer, "/v1/products?limit=20"},
		{"product list, cursor page", buyer, "/v1/products?limit=20&cursor=" + c.product},
		{"catalog list, first page", buyer, "/v1/catalog/products?limit=20"},
		{"catalog list, cursor page", buyer, "/v1/catalog/products?limit=20&cursor=" + c.catalogProduct},
		{"catalog search (q=bolt)", buyer, "/v1/catalog/products?limit=20&q=bolt"},
		{"catalog by category", buyer, "/v1/catalog/products?limit=20&category=fasteners"},
		{"catalog by attribute (material)", buyer, "/v1/catalog/products?limit=20&attr.material=steel"},
		{"catalog by attribute range (diameter)", buyer, "/v1/catalog/products?limit=20&attr.diameter_mm=8..12"},
		{"catalog product view", buyer, "/v1/catalog/products/hex-bolt-m10"},
		{"order list (buyer), first page", buyer, "/v1/orders?limit=50"},
		{"order list (buyer), cursor page", buyer, "/v1/orders?limit=50&cursor=" + c.buyerOrder},
		{"order list (ops, one company), first page", ops, "/v1/admin/orders?limit=50&company_id=" + company},
		{"order list (ops, one company), cursor page", ops, "/v1/admin/orders?limit=50&company_id=" + company + "&cursor=" + c.companyOrder},
		{"order view", buyer, "/v1/orders/" + c.orderID.String()},
		{"cart view", buyer, "/v1/carts/" + cartID},
	}
}

func opsToken() string {
	for _, s := range demo.Staff {
		if s.Role == "ops" {
			return s.Token
		}
	}
	return ""
}

// Measurement is one stack's figures, written as JSON for report.
type Measurement struct {
	Label       string    `json:"label"`
	At          time.Time `json:"at"`
	LoadAverage string    `json:"load_average"`
	Orders      int       `json:"orders"`
	Products    int       `json:"products"`
	BuyerOrders int       `json:"buyer_orders"`
	Checkouts   Timing    `json:"checkouts"`
	// LateCheckouts answered 202 (the API stopped waiting) and were timed
	// until polling read them placed.
	LateCheckouts int           `json:"late_checkouts"`
	WholeOrders   Timing        `json:"whole_orders"`
	Reads         []NamedTiming `json:"reads"`
}

// Timing is a latency distribution in milliseconds.
type Timing struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
}

// NamedTiming is one named request's timing, and the size of its answer:
// a figure compares with the same figure on the other data only as far as
// the answers are alike (a catalog page of 1 product against one of 20 is
// another request).
type NamedTiming struct {
	Name  string `json:"name"`
	Path  string `json:"path"`
	Bytes int    `json:"bytes"`
	Timing
}

// runMeasure times, against a running stack: N whole checkouts of the demo's
// benchmark buyer (cart, three lines, ship-to, checkout with an
// Idempotency-Key, as make bench's policies path; one at a time, after a
// warm-up), then each named GET request R times, round robin, so that the
// machine's moods fall on every request alike.
func runMeasure(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("measure", flag.ContinueOnError)
	api := fs.String("api", "http://127.0.0.1:19080", "the stack's API")
	dbURL := fs.String("db", os.Getenv("DATABASE_URL"), "the stack's database (for the deep pages' cursors)")
	label := fs.String("label", "small", "what the stack holds")
	results := fs.String("results", "", "append the measurement to this JSON-lines file")
	n := fs.Int("checkouts", 150, "whole checkouts timed")
	warmup := fs.Int("warmup", 10, "checkouts and reads of each request before timing")
	reads := fs.Int("reads", 1000, "times each GET request is timed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	client := &shopClient{api: *api, http: &http.Client{Timeout: 30 * time.Second}}

	m := Measurement{Label: *label, At: time.Now().UTC()}
	var lastCart string
	fmt.Printf("[%s] %d checkouts (after %d to warm up)\n", *label, *n, *warmup)
	var checkouts, whole []time.Duration
	for i := 0; i < *warmup+*n; i++ {
		started := time.Now()
		cart, err := client.buildCart(ctx)
		if err != nil {
			return err
		}
		took, late, err := client.checkout(ctx, cart)
		if err != nil {
			return err
		}
		if i >= *warmup {
			if late {
				m.LateCheckouts++
			}
			checkouts = append(checkouts, took)
			whole = append(whole, time.Since(started))
		}
		lastCart = cart
	}
	m.Checkouts, m.WholeOrders = timing(checkouts), timing(whole)
	fmt.Printf("[%s] checkout p50 %.1f ms p99 %.1f ms (%d answered 202 and were polled until placed); whole order p50 %.1f ms\n",
		*label, m.Checkouts.P50, m.Checkouts.P99, m.LateCheckouts, m.WholeOrders.P50)

	c, err := readCursors(ctx, pool)
	if err != nil {
		return err
	}
	m.BuyerOrders, m.Products = c.buyerOrders, c.catalogueCount
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM orders`).Scan(&m.Orders); err != nil {
		return err
	}
	requests := readRequests(c, lastCart)
	sizes := make([]int, len(requests))
	for i, r := range requests { // each answers 200, or the figures mean nothing
		body, err := client.do(ctx, http.MethodGet, r.Token, r.Path, "", "", http.StatusOK)
		if err != nil {
			return fmt.Errorf("%s: %w", r.Name, err)
		}
		sizes[i] = len(body)
	}
	fmt.Printf("[%s] %d GET requests × %d (after %d to warm up), round robin; %d orders, %d of them the buyer's, %d SKUs\n",
		*label, len(requests), *reads, *warmup, m.Orders, m.BuyerOrders, m.Products)
	samples := make([][]time.Duration, len(requests))
	for i := 0; i < *warmup+*reads; i++ {
		for j, r := range requests {
			took, err := client.get(ctx, r.Token, r.Path)
			if err != nil {
				return fmt.Errorf("%s: %w", r.Name, err)
			}
			if i >= *warmup {
				samples[j] = append(samples[j], took)
			}
		}
	}
	for j, r := range requests {
		t := timing(samples[j])
		m.Reads = append(m.Reads, NamedTiming{Name: r.Name, Path: r.Path, Bytes: sizes[j], Timing: t})
		fmt.Printf("[%s] %-44s p50 %6.1f ms  p99 %6.1f ms  %7d bytes\n", *label, r.Name, t.P50, t.P99, sizes[j])
	}
	m.LoadAverage = loadAverage()
	if *results != "" {
		f, err := os.OpenFile(*results, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := json.NewEncoder(f).Encode(m); err != nil {
			return err
		}
	}
	return nil
}

// readCursors finds the deep pages' starting points.
func readCursors(ctx context.Context, pool *pgxpool.Pool) (cursors, error) {
	var c cursors
	var sku string
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM products`).Scan(&c.catalogueCount); err != nil {
		return c, err
	}
	if err := pool.QueryRow(ctx, `SELECT sku FROM products ORDER BY sku OFFSET $1 LIMIT 1`, c.catalogueCount/2).Scan(&sku); err != nil {
		return c, fmt.Errorf("the catalogue's middle: %w", err)
	}
	c.product = base64.RawURLEncoding.EncodeToString([]byte(sku))
	var handle string
	if err := pool.QueryRow(ctx, `SELECT handle FROM catalog_products ORDER BY handle OFFSET (SELECT count(*) / 2 FROM catalog_products) LIMIT 1`).Scan(&handle); err != nil {
		return c, fmt.Errorf("the catalog's middle: %w", err)
	}
	c.catalogProduct = base64.RawURLEncoding.EncodeToString([]byte(handle))
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM orders WHERE customer_id = $1`, demo.BenchBuyer.ID).Scan(&c.buyerOrders); err != nil {
		return c, err
	}
	var at time.Time
	if err := pool.QueryRow(ctx, `SELECT placed_at, id FROM orders WHERE customer_id = $1 ORDER BY placed_at DESC, id DESC OFFSET $2 LIMIT 1`,
		demo.BenchBuyer.ID, c.buyerOrders/2).Scan(&at, &c.orderID); err != nil {
		return c, fmt.Errorf("the buyer's middle order: %w", err)
	}
	c.buyerOrder = orderCursor(at, c.orderID)
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM orders WHERE company_id = $1`, demo.BenchID).Scan(&c.companyOrders); err != nil {
		return c, err
	}
	var id uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT placed_at, id FROM orders WHERE company_id = $1 ORDER BY placed_at, id OFFSET $2 LIMIT 1`,
		demo.BenchID, c.companyOrders/2).Scan(&at, &id); err != nil {
		return c, fmt.Errorf("the company's middle order: %w", err)
	}
	c.companyOrder = orderCursor(at, id)
	return c, nil
}

// orderCursor is an order list's cursor as the API gives it out (api/paging.go).
func orderCursor(at time.Time, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id.String()))
}

func timing(ds []time.Duration) Timing {
	if len(ds) == 0 {
		return Timing{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	pick := func(q float64) float64 {
		i := int(q*float64(len(s))+0.5) - 1
		return float64(s[max(0, min(i, len(s)-1))].Microseconds()) / 1000
	}
	return Timing{N: len(s), P50: pick(0.50), P99: pick(0.99)}
}

// shopClient is the benchmark buyer's storefront.
type shopClient struct {
	api  string
	http *http.Client
}

const cartDetails = `{"ship_to":{"name":"Bench Receiving","line1":"Dock 1","city":"Berlin","postal_code":"10115","country":"DE"},` +
	`"shipping_method":"standard","po_number":"SCALE"}`

// buildCart creates a cart with the demo's three bench SKUs and a ship-to.
func (s *shopClient) buildCart(ctx context.Context) (string, error) {
	token := demo.BenchBuyer.Token
	body, err := s.do(ctx, http.MethodPost, token, "/v1/carts", "", "", http.StatusCreated)
	if err != nil {
		return "", fmt.Errorf("create cart: %w", err)
	}
	var cart struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &cart); err != nil || cart.ID == "" {
		return "", fmt.Errorf("create cart: no ID in %.200s", body)
	}
	for _, sku := range demo.BenchSKUs {
		if _, err := s.do(ctx, http.MethodPost, token, "/v1/carts/"+cart.ID+"/lines", fmt.Sprintf(`{"sku":%q,"quantity":1}`, sku), "", http.StatusOK); err != nil {
			return "", fmt.Errorf("add line: %w", err)
		}
	}
	if _, err := s.do(ctx, http.MethodPatch, token, "/v1/carts/"+cart.ID, cartDetails, "", http.StatusOK); err != nil {
		return "", fmt.Errorf("set ship-to: %w", err)
	}
	return cart.ID, nil
}

// checkout checks the cart out and times it until the order is placed: at
// once (201), or, when the API's synchronous wait ran out first (202 pending,
// on a loaded machine), when polling GET …/checkout first reads it placed.
// late tells which.
func (s *shopClient) checkout(ctx context.Context, cartID string) (took time.Duration, late bool, err error) {
	started := time.Now()
	token, path := demo.BenchBuyer.Token, "/v1/carts/"+cartID+"/checkout"
	_, err = s.do(ctx, http.MethodPost, token, path, "", "scale-"+cartID, http.StatusCreated)
	if err == nil {
		return time.Since(started), false, nil
	}
	var status struct {
		Status string `json:"status"`
	}
	if !strings.Contains(err.Error(), ": 202, want 201") {
		return 0, false, fmt.Errorf("checkout: %w", err)
	}
	for time.Since(started) < time.Minute {
		body, err := s.do(ctx, http.MethodGet, token, path, "", "", http.StatusOK)
		if err != nil {
			return 0, true, fmt.Errorf("checkout status: %w", err)
		}
		if err := json.Unmarshal(body, &status); err != nil {
			return 0, true, fmt.Errorf("checkout status: %w", err)
		}
		switch status.Status {
		case "placed":
			return time.Since(started), true, nil
		case "pending", "none": // none: the workflow has not begun yet
			time.Sleep(10 * time.Millisecond)
		default:
			return 0, true, fmt.Errorf("checkout: %s: %.300s", status.Status, body)
		}
	}
	return 0, true, fmt.Errorf("checkout: not placed after a minute")
}

func (s *shopClient) get(ctx context.Context, token, path string) (time.Duration, error) {
	started := time.Now()
	_, err := s.do(ctx, http.MethodGet, token, path, "", "", http.StatusOK)
	return time.Since(started), err
}

// do sends one request and reads the whole answer (so the connection is
// reused); an answer other than want is an error.
func (s *shopClient) do(ctx context.Context, method, token, path, body, idempotencyKey string, want int) ([]byte, error) {
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.api+path, reader)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return b, fmt.Errorf("%s %s: %d, want %d: %.300s", method, path, resp.StatusCode, want, b)
	}
	return b, nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/orderflow/orderflow/demo"
)

// benchRequestTimeout bounds one request, well above the longest synchronous
// checkout wait the API allows (one minute), so a stuck stack cannot hang the
// bench.
const benchRequestTimeout = 90 * time.Second

// benchShop places orders through the API, like a storefront would.
type benchShop struct {
	api, token string
	lines      int
	plain      bool
	http       *http.Client
}

func newBenchShop(s benchSettings) *benchShop {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// Every client keeps its connection: no reconnects in the measurements.
	conns := max(slicesMax(s.concurrency), 1) * 2
	transport.MaxIdleConns = conns
	transport.MaxIdleConnsPerHost = conns
	return &benchShop{
		api: s.api, token: s.token, lines: s.lines, plain: s.plain,
		http: &http.Client{Transport: transport, Timeout: benchRequestTimeout},
	}
}

func slicesMax(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// preflight places one order, so that a stack that is down, a wrong token or a
// missing bench company fail at once with the reason, not as N errors.
func (s *benchShop) preflight(ctx context.Context) error {
	resp, err := s.do(ctx, http.MethodGet, "/healthz", "", "")
	if err != nil {
		return fmt.Errorf("bench: the API at %s does not answer (is `orderflow dev` running?): %w", s.api, err)
	}
	if resp.status != http.StatusOK {
		return fmt.Errorf("bench: GET %s/healthz answered %d: %s", s.api, resp.status, resp.body)
	}
	if sample := s.order(ctx); !sample.ok {
		return fmt.Errorf("bench: a first order failed: %s", sample.failure)
	}
	return nil
}

const benchCartDetails = `{"ship_to":{"name":"Bench Receiving","line1":"Dock 1","city":"Berlin","postal_code":"10115","country":"DE"},` +
	`"shipping_method":"standard","po_number":"BENCH"}`

// order creates a cart, adds the lines one request each, sets the ship-to
// (unless plain), and checks out synchronously. Only 201 from checkout (the order
// was placed in time) counts as success.
func (s *benchShop) order(ctx context.Context) benchSample {
	start := time.Now()
	cartPath, failure := s.buildCart(ctx)
	if failure != "" {
		return benchSample{failure: failure}
	}
	sample := s.checkout(ctx, cartPath)
	sample.order = time.Since(start)
	return sample
}

// buildCart does everything an order does before checkout and returns the
// cart's path.
func (s *benchShop) buildCart(ctx context.Context) (cartPath, failure string) {
	resp, err := s.do(ctx, http.MethodPost, "/v1/carts", "", "")
	if failed, why := unexpected("create cart", resp, err, http.StatusCreated); failed {
		return "", why
	}
	var cart struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(resp.body, &cart); err != nil || cart.ID == "" {
		return "", fmt.Sprintf("create cart: no cart ID in %s", clip(resp.body))
	}
	cartPath = "/v1/carts/" + cart.ID
	for _, sku := range demo.BenchSKUs[:s.lines] {
		resp, err := s.do(ctx, http.MethodPost, cartPath+"/lines", fmt.Sprintf(`{"sku":%q,"quantity":1}`, sku), "")
		if failed, why := unexpected("add line", resp, err, http.StatusOK); failed {
			return "", why
		}
	}
	// Ship-to and shipping put tax and shipping in the priced path, as a real
	// storefront's checkout page would.
	if !s.plain {
		resp, err := s.do(ctx, http.MethodPatch, cartPath, benchCartDetails, "")
		if failed, why := unexpected("set ship-to", resp, err, http.StatusOK); failed {
			return "", why
		}
	}
	return cartPath, ""
}

// checkout checks the cart out synchronously and times it.
func (s *benchShop) checkout(ctx context.Context, cartPath string) benchSample {
	start := time.Now()
	resp, err := s.do(ctx, http.MethodPost, cartPath+"/checkout", "", "bench-"+strings.TrimPrefix(cartPath, "/v1/carts/"))
	sample := benchSample{checkout: time.Since(start)}
	sample.order = sample.checkout
	if failed, why := unexpected("checkout", resp, err, http.StatusCreated); failed {
		sample.failure = why
		return sample
	}
	sample.ok = true
	return sample
}

// checkoutsOnly builds n carts c at a time, untimed, and returns a unit that
// checks the next one out: the checkout path alone, as the bare workflow is.
func (s *benchShop) checkoutsOnly(ctx context.Context, c, n int) func(context.Context) benchSample {
	carts := make(chan string, n)
	drive(ctx, c, n, func(ctx context.Context) benchSample {
		path, failure := s.buildCart(ctx)
		if failure == "" {
			carts <- path
		}
		return benchSample{ok: failure == "", failure: failure}
	})
	close(carts)
	return func(ctx context.Context) benchSample {
		path, ok := <-carts
		if !ok {
			return benchSample{failure: "no cart was built for this checkout"}
		}
		return s.checkout(ctx, path)
	}
}

type benchResponse struct {
	status int
	body   []byte
}

// do sends one request and reads the whole answer, so the connection is reused.
func (s *benchShop) do(ctx context.Context, method, path, body, idempotencyKey string) (benchResponse, error) {
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.api+path, reader)
	if err != nil {
		return benchResponse{}, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return benchResponse{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return benchResponse{status: resp.StatusCode, body: b}, err
}

// unexpected tells whether a step failed, and how.
func unexpected(step string, resp benchResponse, err error, want int) (bool, string) {
	switch {
	case err != nil:
		return true, fmt.Sprintf("%s: %v", step, err)
	case resp.status != want:
		return true, fmt.Sprintf("%s: %d %s", step, resp.status, clip(resp.body))
	}
	return false, ""
}

// clip shortens a response body for an error sample.
func clip(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

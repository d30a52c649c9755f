package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

// buyerClient calls the API as one buyer.
type buyerClient struct {
	t     testing.TB
	base  string
	token string
}

// newBuyerClient calls the stack's API as buyer.
func newBuyerClient(t testing.TB, s *testenv.Stack, buyer testenv.Buyer) buyerClient {
	return buyerClient{t: t, base: s.API.URL, token: buyer.Token}
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// errorBody is the shape of every error response.
type errorBody struct {
	Error api.Error `json:"error"`
}

// requireError checks an error response: its status, its code, and the field it
// names ("" when the error is about no field). It returns the error for more checks.
func (r response) requireError(t testing.TB, status int, code, field string) api.Error {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	var body errorBody
	r.decode(t, &body)
	require.Equal(t, code, body.Error.Code, "body: %s", r.Body)
	require.Equal(t, field, body.Error.Field, "body: %s", r.Body)
	require.NotEmpty(t, body.Error.Message, "body: %s", r.Body)
	return body.Error
}

// do sends a request; body may be nil, a string (sent as is) or a value to
// JSON-encode; headers are name, value pairs. The answer must match the API's
// OpenAPI document.
func (c buyerClient) do(method, path string, body any, headers ...string) response {
	c.t.Helper()
	req, res, err := c.roundTrip(method, path, body, headers...)
	require.NoError(c.t, err)
	checkContract(c.t, req, res.Status, res.Header, res.Body)
	return res
}

// send is do without assertions, for goroutines other than the test's.
func (c buyerClient) send(method, path string, body any, headers ...string) (response, error) {
	_, res, err := c.roundTrip(method, path, body, headers...)
	return res, err
}

func (c buyerClient) roundTrip(method, path string, body any, headers ...string) (*http.Request, response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, response{}, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return nil, response{}, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return req, response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return req, response{}, err
	}
	return req, response{Status: res.StatusCode, Header: res.Header, Body: raw}, nil
}

// createCart opens a cart through the API and adds lines (SKU, quantity pairs in order).
func (c buyerClient) createCart(lines ...any) uuid.UUID {
	c.t.Helper()
	res := c.do("POST", "/v1/carts", nil)
	require.Equal(c.t, http.StatusCreated, res.Status, "create cart: %s", res.Body)
	var cart api.Cart
	res.decode(c.t, &cart)
	for i := 0; i+1 < len(lines); i += 2 {
		res = c.do("POST", cartPath(cart.ID, "lines"), map[string]any{"sku": lines[i], "quantity": lines[i+1]})
		require.Equal(c.t, http.StatusOK, res.Status, "add line %v: %s", lines[i], res.Body)
	}
	return cart.ID
}

// getCart reads a cart through the API.
func (c buyerClient) getCart(id uuid.UUID) api.Cart {
	c.t.Helper()
	res := c.do("GET", cartPath(id), nil)
	require.Equal(c.t, http.StatusOK, res.Status, "get cart: %s", res.Body)
	var cart api.Cart
	res.decode(c.t, &cart)
	return cart
}

// checkout posts a checkout of the cart.
func (c buyerClient) checkout(id uuid.UUID, headers ...string) response {
	c.t.Helper()
	return c.do("POST", cartPath(id, "checkout"), nil, headers...)
}

// placeOrderEventually checks the cart out and answers the order once it is
// placed: at once (201), or, on a machine too busy for the checkout's
// synchronous wait, after a 202 and polling. For tests about something other
// than checkout's answer.
func (c buyerClient) placeOrderEventually(id uuid.UUID) api.Order {
	c.t.Helper()
	res := c.checkout(id)
	if res.Status == http.StatusAccepted {
		placed := c.awaitCheckoutStatus(id, "placed")
		require.NotNil(c.t, placed.OrderID, "a placed checkout names its order")
		return c.getOrder(*placed.OrderID)
	}
	require.Equal(c.t, http.StatusCreated, res.Status, "checkout: %s", res.Body)
	var order api.Order
	res.decode(c.t, &order)
	require.Equal(c.t, "placed", order.Status)
	return order
}

// placeOrder checks the cart out and requires the order to be placed at once.
func (c buyerClient) placeOrder(id uuid.UUID) api.Order {
	c.t.Helper()
	res := c.checkout(id)
	require.Equal(c.t, http.StatusCreated, res.Status, "checkout: %s", res.Body)
	var order api.Order
	res.decode(c.t, &order)
	require.Equal(c.t, "placed", order.Status)
	return order
}

// getOrder reads an order through the API.
func (c buyerClient) getOrder(id uuid.UUID) api.Order {
	c.t.Helper()
	res := c.do("GET", "/v1/orders/"+id.String(), nil)
	require.Equal(c.t, http.StatusOK, res.Status, "get order: %s", res.Body)
	var order api.Order
	res.decode(c.t, &order)
	return order
}

// cartPath is /v1/carts/<id>[/<rest>...].
func cartPath(id uuid.UUID, rest ...string) string {
	p := "/v1/carts/" + id.String()
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

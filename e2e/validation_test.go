package e2e_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/testenv"
)

// badRequest is one request the API must refuse without writing anything.
type badRequest struct {
	name         string
	method, path string
	body         any
	auth         *string  // the Authorization header; nil: the buyer's token
	headers      []string // name, value pairs
	status       int
	code, field  string
}

func TestBadInputIsRefusedAndWritesNothing(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 100, 100)
	usdOnly := testenv.NewProduct(t, s.Pool, "USD", 100, 100)
	c := newBuyerClient(t, s, buyer)

	open := c.createCart(sku, 2)
	empty := c.createCart()
	completed := c.createCart(sku, 1)
	order := c.placeOrder(completed)
	lines, line := cartPath(open, "lines"), cartPath(open, "lines", sku)

	str := func(s string) *string { return &s }
	cases := []badRequest{
		{name: "malformed JSON", method: "POST", path: lines, body: `{"sku": "` + sku + `", "quantity": `,
			status: 400, code: "malformed_json"},
		{name: "two JSON values", method: "POST", path: lines, body: `{"sku": "` + sku + `", "quantity": 1} {}`,
			status: 400, code: "malformed_json"},
		{name: "no body", method: "POST", path: lines, body: nil, status: 400, code: "malformed_json"},
		{name: "trailing garbage after the JSON value", method: "POST", path: lines, body: `{"sku": "` + sku + `", "quantity": 1}}`,
			status: 400, code: "malformed_json"},
		// Text Postgres cannot store: a 400 naming where it is, never a 500.
		{name: "NUL in a JSON string", method: "POST", path: lines, body: `{"sku": "A\u0000B", "quantity": 1}`,
			status: 400, code: "invalid_field", field: "sku"},
		{name: "invalid UTF-8 in a JSON string", method: "POST", path: lines, body: "{\"sku\": \"A\xffB\", \"quantity\": 1}",
			status: 400, code: "invalid_field", field: "sku"},
		{name: "NUL in a nested field", method: "PATCH", path: cartPath(open),
			body:   `{"ship_to": {"name": "Ann", "line1": "1 Road", "city": "Paris\u0000", "postal_code": "75001", "country": "FR"}}`,
			status: 400, code: "invalid_field", field: "ship_to.city"},
		{name: "NUL in a bulk line", method: "POST", path: cartPath(open, "lines", "bulk"),
			body:   `{"lines": [{"sku": "` + sku + `", "quantity": 1}, {"sku": "X\u0000", "quantity": 1}]}`,
			status: 400, code: "invalid_field", field: "lines[1].sku"},
		{name: "NUL in a CSV cell", method: "POST", path: cartPath(open, "lines", "bulk"), body: sku + ",1\nA\x00B,2\n",
			headers: []string{"Content-Type", "text/csv"}, status: 400, code: "invalid_field", field: "lines[2].sku"},
		{name: "CSV body over the cap", method: "POST", path: cartPath(open, "lines", "bulk"),
			body: strings.Repeat(sku+",1\n", (1<<20)/(len(sku)+3)+10), headers: []string{"Content-Type", "text/csv"},
			status: 413, code: "body_too_large"},
		{name: "NUL in a path segment", method: "PUT", path: cartPath(open, "lines", "A%00B"), body: map[string]any{"quantity": 1},
			status: 400, code: "invalid_field", field: "sku"},
		{name: "invalid UTF-8 in a path segment", method: "DELETE", path: cartPath(open, "lines", "A%FFB"),
			status: 400, code: "invalid_field", field: "sku"},
		{name: "NUL in a query parameter", method: "GET", path: "/v1/orders?status=placed%00",
			status: 400, code: "invalid_field", field: "status"},
		{name: "invalid UTF-8 in an Idempotency-Key", method: "POST", path: lines, body: map[string]any{"sku": sku, "quantity": 1},
			headers: []string{"Idempotency-Key", "key\xff"}, status: 400, code: "invalid_header", field: "Idempotency-Key"},
		{name: "unknown SKU", method: "POST", path: lines, body: map[string]any{"sku": "NO-SUCH-SKU", "quantity": 1},
			status: 404, code: "unknown_sku", field: "sku"},
		{name: "SKU not sold in the cart currency", method: "POST", path: lines, body: map[string]any{"sku": usdOnly, "quantity": 1},
			status: 422, code: "not_priced", field: "sku"},
		{name: "malformed SKU", method: "POST", path: lines, body: map[string]any{"sku": "no spaces!", "quantity": 1},
			status: 422, code: "invalid_field", field: "sku"},
		{name: "missing SKU", method: "POST", path: lines, body: map[string]any{"quantity": 1},
			status: 422, code: "invalid_field", field: "sku"},
		{name: "quantity 0", method: "POST", path: lines, body: map[string]any{"sku": sku, "quantity": 0},
			status: 422, code: "invalid_field", field: "quantity"},
		{name: "quantity -1", method: "POST", path: lines, body: map[string]any{"sku": sku, "quantity": -1},
			status: 422, code: "invalid_field", field: "quantity"},
		{name: "quantity 10001", method: "POST", path: lines, body: map[string]any{"sku": sku, "quantity": 10001},
			status: 422, code: "invalid_field", field: "quantity"},
		{name: "quantity 1e30", method: "POST", path: lines, body: `{"sku": "` + sku + `", "quantity": 1e30}`,
			status: 422, code: "invalid_field", field: "quantity"},
		{name: "quantity 1.5", method: "POST", path: lines, body: `{"sku": "` + sku + `", "quantity": 1.5}`,
			status: 422, code: "invalid_field", field: "quantity"},
		{name: "quantity as a string", method: "POST", path: lines, body: `{"sku": "` + sku + `", "quantity": "3"}`,
			status: 422, code: "invalid_field", field: "quantity"},
		{name: "quantity missing", method: "POST", path: lines, body: map[string]any{"sku": sku},
			status: 422, code: "invalid_field", field: "quantity"},
		{name: "quantity null", method: "POST", path: lines, body: `{"sku": "` + sku + `", "quantity": null}`,
			status: 422, code: "invalid_field", field: "quantity"},
		{name: "line would exceed the maximum", method: "POST", path: lines, body: map[string]any{"sku": sku, "quantity": 9999},
			status: 422, code: "invalid_field", field: "quantity"},
		{name: "set quantity 0", method: "PUT", path: line, body: map[string]any{"quantity": 0},
			status: 422, code: "invalid_field", field: "quantity"},
		{name: "set quantity missing", method: "PUT", path: line, body: map[string]any{},
			status: 422, code: "invalid_field", field: "quantity"},
		{name: "set quantity of a line the cart lacks", method: "PUT", path: cartPath(open, "lines", usdOnly), body: map[string]any{"quantity": 1},
			status: 404, code: "line_not_found", field: "sku"},
		{name: "cart in another currency", method: "POST", path: "/v1/carts", body: map[string]any{"currency": "USD"},
			status: 422, code: "invalid_field", field: "currency"},
		{name: "lower-case currency", method: "POST", path: "/v1/carts", body: map[string]any{"currency": "eur"},
			status: 422, code: "invalid_field", field: "currency"},
		{name: "currency as a number", method: "POST", path: "/v1/carts", body: `{"currency": 978}`,
			status: 422, code: "invalid_field", field: "currency"},
		{name: "checkout of an empty cart", method: "POST", path: cartPath(empty, "checkout"),
			status: 422, code: "empty_cart", field: "lines"},
		{name: "add to a completed cart", method: "POST", path: cartPath(completed, "lines"), body: map[string]any{"sku": sku, "quantity": 1},
			status: 409, code: "cart_not_open"},
		{name: "set a line of a completed cart", method: "PUT", path: cartPath(completed, "lines", sku), body: map[string]any{"quantity": 5},
			status: 409, code: "cart_not_open"},
		{name: "remove a line of a completed cart", method: "DELETE", path: cartPath(completed, "lines", sku),
			status: 409, code: "cart_not_open"},
		{name: "no token", method: "POST", path: lines, body: map[string]any{"sku": sku, "quantity": 1}, auth: str(""),
			status: 401, code: "unauthorized"},
		{name: "wrong token", method: "POST", path: lines, body: map[string]any{"sku": sku, "quantity": 1}, auth: str("Bearer oft_wrong"),
			status: 401, code: "unauthorized"},
		{name: "basic auth", method: "POST", path: lines, body: map[string]any{"sku": sku, "quantity": 1}, auth: str("Basic x"),
			status: 401, code: "unauthorized"},
		{name: "bearer without token", method: "POST", path: "/v1/carts", auth: str("Bearer "),
			status: 401, code: "unauthorized"},
		{name: "malformed cart id", method: "GET", path: "/v1/carts/not-a-uuid",
			status: 400, code: "invalid_field", field: "cart_id"},
		{name: "malformed cart id on line add", method: "POST", path: "/v1/carts/123/lines", body: map[string]any{"sku": sku, "quantity": 1},
			status: 400, code: "invalid_field", field: "cart_id"},
		{name: "malformed cart id on checkout", method: "POST", path: "/v1/carts/123/checkout",
			status: 400, code: "invalid_field", field: "cart_id"},
		{name: "malformed order id", method: "GET", path: "/v1/orders/123",
			status: 400, code: "invalid_field", field: "order_id"},
		{name: "bill-to without a name", method: "PATCH", path: cartPath(open),
			body:   map[string]any{"bill_to": map[string]any{"line1": "1 Road", "city": "Paris", "country": "FR"}},
			status: 422, code: "invalid_field", field: "bill_to.name"},
		{name: "ship-to address of no address book", method: "PATCH", path: cartPath(open),
			body:   map[string]any{"ship_to_address_id": "0c0a1e00-0000-4000-8000-000000000000"},
			status: 422, code: "invalid_field", field: "ship_to_address_id"},
		{name: "requisition list name too long", method: "POST", path: "/v1/requisition-lists",
			body:   map[string]any{"name": strings.Repeat("n", 101)},
			status: 422, code: "invalid_field", field: "name"},
		{name: "requisition list line of an unknown SKU", method: "POST", path: "/v1/requisition-lists",
			body:   map[string]any{"name": "x", "lines": []map[string]any{{"sku": sku, "quantity": 1}, {"sku": "NO-SUCH-SKU", "quantity": 1}}},
			status: 404, code: "unknown_sku", field: "lines[1].sku"},
		{name: "add-to-cart into a cart that is no UUID", method: "POST", path: "/v1/requisition-lists/0c0a1e00-0000-4000-8000-000000000000/add-to-cart",
			body: map[string]any{"cart_id": 5}, status: 422, code: "invalid_field", field: "cart_id"},
		{name: "reorder of an order that does not exist", method: "POST", path: "/v1/orders/0c0a1e00-0000-4000-8000-000000000000/reorder",
			status: 404, code: "not_found"},
		{name: "malformed order id on reorder", method: "POST", path: "/v1/orders/123/reorder",
			status: 400, code: "invalid_field", field: "order_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, s.Pool)
			client, headers := newBuyerClient(t, s, buyer), []string(nil)
			if tc.auth != nil { // send this Authorization header instead, if any
				client.token = ""
				if *tc.auth != "" {
					headers = []string{"Authorization", *tc.auth}
				}
			}
			res := client.do(tc.method, tc.path, tc.body, append(headers, tc.headers...)...)
			res.requireError(t, tc.status, tc.code, tc.field)
			require.Equal(t, before, snapshot(t, s.Pool), "a refused request writes nothing")
		})
	}

	t.Run("the auth scheme is case-insensitive", func(t *testing.T) {
		for _, scheme := range []string{"bearer", "BEARER", "Bearer"} {
			client := newBuyerClient(t, s, buyer)
			client.token = ""
			res := client.do("GET", cartPath(open), nil, "Authorization", scheme+" "+buyer.Token)
			require.Equal(t, http.StatusOK, res.Status, "%s: %s", scheme, res.Body)
		}
	})

	t.Run("a retry with its JSON keys in another order is a replay", func(t *testing.T) {
		first := c.do("POST", "/v1/carts", `{"currency": "EUR", "po_number": "PO-7"}`, "Idempotency-Key", "reordered-keys")
		require.Equal(t, http.StatusCreated, first.Status, string(first.Body))
		again := c.do("POST", "/v1/carts", "{\n  \"po_number\": \"PO-7\",\n  \"currency\": \"EUR\"\n}", "Idempotency-Key", "reordered-keys")
		require.Equal(t, http.StatusCreated, again.Status, string(again.Body))
		require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
		require.Equal(t, string(first.Body), string(again.Body))
		c.do("POST", "/v1/carts", `{"currency": "EUR", "po_number": "PO-8"}`, "Idempotency-Key", "reordered-keys").
			requireError(t, http.StatusUnprocessableEntity, "idempotency_key_reused", "Idempotency-Key")
	})

	t.Run("checkout of a completed cart names its order", func(t *testing.T) {
		before := snapshot(t, s.Pool)
		e := c.checkout(completed).requireError(t, http.StatusConflict, "cart_not_open", "")
		require.Equal(t, order.ID.String(), e.OrderID)
		require.Equal(t, before, snapshot(t, s.Pool))
	})

	t.Run("the open cart is as it was", func(t *testing.T) {
		cart := c.getCart(open)
		require.Equal(t, "open", cart.Status)
		require.Len(t, cart.Lines, 1)
		require.Equal(t, int64(2), cart.Lines[0].Quantity)
		require.Nil(t, cart.Checkout)
	})
}

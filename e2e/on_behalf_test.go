package e2e_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

// onBehalfWorld is a company with an account sales rep, a buyer, and a SKU
// the company buys below list price.
type onBehalfWorld struct {
	s       *testenv.Stack
	company testenv.Company
	buyer   testenv.Buyer
	rep     testenv.Staff
	sku     string
	b, r    buyerClient // the buyer and the rep
}

const (
	onBehalfListPrice     = 10_00
	onBehalfContractPrice = 8_00
)

func newOnBehalfWorld(t *testing.T, s *testenv.Stack) onBehalfWorld {
	t.Helper()
	w := onBehalfWorld{s: s}
	w.company = testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	w.buyer = testenv.NewEmployee(t, s.Pool, w.company, "buyer")
	w.rep = testenv.NewStaff(t, s.Pool, "sales_rep")
	testenv.SetAccountRep(t, s.Pool, w.company, w.rep.ID)
	w.sku = testenv.NewProduct(t, s.Pool, "EUR", onBehalfListPrice, 1_000)
	testenv.NewPriceList(t, s.Pool, testenv.PriceList{Name: "contract", CompanyID: w.company.ID, Currency: "EUR",
		Tiers: []testenv.PriceTier{{SKU: w.sku, MinQuantity: 1, UnitPrice: onBehalfContractPrice}}})
	w.b = newBuyerClient(t, s, w.buyer)
	w.r = staffClient(t, s, w.rep)
	return w
}

func staffClient(t *testing.T, s *testenv.Stack, staff testenv.Staff) buyerClient {
	return buyerClient{t: t, base: s.API.URL, token: staff.Token}
}

func salesCartPath(id uuid.UUID, rest ...string) string {
	return strings.Join(append([]string{"/v1/sales/carts/" + id.String()}, rest...), "/")
}

// buildCart has the rep open a cart for the buyer and add quantity of the SKU.
func (w onBehalfWorld) buildCart(t *testing.T, quantity int) api.Cart {
	t.Helper()
	res := w.r.do("POST", "/v1/sales/carts", map[string]any{"company_id": w.company.ID, "customer_id": w.buyer.ID},
		"Idempotency-Key", uuid.NewString())
	require.Equal(t, http.StatusCreated, res.Status, "create: %s", res.Body)
	var cart api.Cart
	res.decode(t, &cart)
	require.Equal(t, "/v1/sales/carts/"+cart.ID.String(), res.Header.Get("Location"))
	res = w.r.do("POST", salesCartPath(cart.ID, "lines"), map[string]any{"sku": w.sku, "quantity": quantity})
	require.Equal(t, http.StatusOK, res.Status, "add line: %s", res.Body)
	res.decode(t, &cart)
	return cart
}

func timelineEvent(t *testing.T, events []api.TimelineEvent, kind string) api.TimelineEvent {
	t.Helper()
	for _, e := range events {
		if e.Kind == kind {
			return e
		}
	}
	t.Fatalf("no %s event in %v", kind, timelineKinds(events))
	return api.TimelineEvent{}
}

// TestOrdersOnBehalf drives orders on behalf through the API, the worker and
// Temporal: a rep builds a cart for a buyer of their company and sends it,
// or checks it out in the buyer's name where the company allows it (the
// company's approval rules still apply); a rep of another company finds
// nothing.
func TestOrdersOnBehalf(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: time.Second})

	t.Run("rep builds and sends, the buyer checks out", func(t *testing.T) {
		t.Parallel()
		w := newOnBehalfWorld(t, s)
		cart := w.buildCart(t, 3)
		require.Len(t, cart.Lines, 1)
		require.Equal(t, eur(onBehalfContractPrice), *cart.Lines[0].UnitPrice, "priced at the buyer's company's prices")
		require.NotNil(t, cart.OnBehalf)
		require.Equal(t, "sales", cart.OnBehalf.HeldBy)
		require.Equal(t, w.rep.ID, cart.OnBehalf.BuiltBy.ID)
		require.Equal(t, w.buyer.ID, cart.OnBehalf.Buyer.ID)
		require.Equal(t, "built by Staff Sales Rep (sales rep) on behalf of Test Buyer", cart.OnBehalf.Summary)
		require.Equal(t, []string{"cart_built_on_behalf"}, timelineKinds(cart.OnBehalf.Timeline))

		// The buyer reads the cart the rep prepares, but may not take it yet.
		seen := w.b.getCart(cart.ID)
		require.Equal(t, "sales", seen.OnBehalf.HeldBy)
		w.b.do("POST", cartPath(cart.ID, "lines"), map[string]any{"sku": w.sku, "quantity": 1}).
			requireError(t, http.StatusConflict, "cart_with_sales", "")
		w.b.checkout(cart.ID).requireError(t, http.StatusConflict, "cart_with_sales", "")
		w.b.do("POST", "/v1/quotes", map[string]any{"cart_id": cart.ID}).requireError(t, http.StatusConflict, "cart_not_open", "")
		// The company has not allowed checkouts on behalf.
		w.r.do("POST", salesCartPath(cart.ID, "checkout"), nil).requireError(t, http.StatusForbidden, "on_behalf_checkout_not_allowed", "")

		res := w.r.do("POST", salesCartPath(cart.ID, "send"), map[string]any{"message": "as discussed on the phone"})
		require.Equal(t, http.StatusOK, res.Status, "send: %s", res.Body)
		res.decode(t, &cart)
		require.Equal(t, "buyer", cart.OnBehalf.HeldBy)
		require.NotNil(t, cart.OnBehalf.SentAt)
		sent := timelineEvent(t, cart.OnBehalf.Timeline, "cart_sent_to_buyer")
		require.Equal(t, "staff:"+w.rep.ID.String(), sent.Actor)
		require.Equal(t, "cart sent to Test Buyer by Staff Sales Rep (sales rep): as discussed on the phone", sent.Detail)
		require.Equal(t, []notification{{Kind: "cart_sent_to_buyer", Customer: w.buyer.ID}},
			notificationsAbout(t, s.Pool, w.company, cart.ID))

		// The cart is the buyer's now: the rep reads it, no more.
		w.r.do("POST", salesCartPath(cart.ID, "lines"), map[string]any{"sku": w.sku, "quantity": 1}).
			requireError(t, http.StatusConflict, "cart_not_open", "")
		w.r.do("POST", salesCartPath(cart.ID, "send"), nil).requireError(t, http.StatusConflict, "cart_not_open", "")
		res = w.b.do("PUT", cartPath(cart.ID, "lines", w.sku), map[string]any{"quantity": 4})
		require.Equal(t, http.StatusOK, res.Status, "the buyer changes the cart: %s", res.Body)

		order := w.b.placeOrderEventually(cart.ID)
		require.Equal(t, w.buyer.ID, order.CustomerID)
		require.Nil(t, order.OnBehalf, "the buyer placed it")
		require.Equal(t, int64(4), order.Lines[0].Quantity)
		require.Equal(t, "customer:"+w.buyer.ID.String(), timelineEvent(t, order.Timeline, "checkout_started").Actor)
		require.Equal(t, []string{"cart_built_on_behalf", "cart_sent_to_buyer", "checkout_started"}, timelineKinds(order.Timeline)[:3])

		var list api.SalesCartPage
		res = w.r.do("GET", "/v1/sales/carts?company_id="+w.company.ID.String(), nil)
		require.Equal(t, http.StatusOK, res.Status, "list: %s", res.Body)
		res.decode(t, &list)
		require.Len(t, list.Carts, 1)
		require.Equal(t, cart.ID, list.Carts[0].ID)
		require.Equal(t, "buyer", list.Carts[0].HeldBy)
		require.Equal(t, "completed", list.Carts[0].Status)
		require.Equal(t, order.ID, *list.Carts[0].OrderID)
	})

	t.Run("a cart built for a buyer starts from the company's default addresses", func(t *testing.T) {
		t.Parallel()
		w := newOnBehalfWorld(t, s)
		dock := testenv.NewCompanyAddress(t, s.Pool, w.company, testenv.Address{Name: "Site Receiving", Line1: "Gate 2",
			City: "Hamburg", PostalCode: "20095", DefaultShipTo: true, DefaultBillTo: true})
		cart := w.buildCart(t, 3)
		require.NotNil(t, cart.ShipTo, "as the buyer's own cart does")
		require.Equal(t, api.ShipTo{Name: "Site Receiving", Line1: "Gate 2", City: "Hamburg", PostalCode: "20095", Country: "DE"}, *cart.ShipTo)
		require.Equal(t, &dock, cart.ShipToAddressID)
		require.NotNil(t, cart.BillTo)
		require.Equal(t, &dock, cart.BillToAddressID)
	})

	t.Run("rep checks out on behalf; the company's approver still decides", func(t *testing.T) {
		t.Parallel()
		w := newOnBehalfWorld(t, s)
		testenv.SetOnBehalfCheckout(t, s.Pool, w.company, true)
		testenv.NewApprovalRule(t, s.Pool, w.company, testenv.ApprovalRule{Kind: "total_above", Threshold: 50_00})
		approver := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, w.company, "approver"))
		cart := w.buildCart(t, 10) // 80.00, over the threshold

		res := w.r.do("POST", salesCartPath(cart.ID, "checkout"), nil, "Idempotency-Key", uuid.NewString())
		require.Equal(t, http.StatusAccepted, res.Status, "checkout on behalf: %s", res.Body)
		require.Equal(t, salesCartPath(cart.ID, "checkout"), res.Header.Get("Location"), "the rep polls their own route")
		require.Eventually(t, func() bool {
			var co api.Checkout
			res := w.r.do("GET", salesCartPath(cart.ID, "checkout"), nil)
			res.decode(t, &co)
			return res.Status == http.StatusOK && co.Status == "awaiting_approval"
		}, 15*time.Second, 50*time.Millisecond, "the checkout on behalf never waited for the approver")
		request := approvalRequest(t, s.Pool, cart.ID)
		require.Equal(t, w.buyer.ID, request.CustomerID, "the buyer's order waits, not the rep's")

		// The rep cannot approve it, nor can the buyer take it over meanwhile.
		w.r.do("POST", "/v1/approvals/"+cart.ID.String()+"/approve", map[string]any{"comment": "fine by me"}).
			requireError(t, http.StatusForbidden, "forbidden", "")
		w.r.do("POST", salesCartPath(cart.ID, "send"), nil).requireError(t, http.StatusConflict, "cart_not_open", "")

		require.Equal(t, http.StatusOK, approver.decide(cart.ID, "approve", "ok").Status)
		var placed api.Checkout
		require.Eventually(t, func() bool {
			res := w.r.do("GET", salesCartPath(cart.ID, "checkout"), nil)
			res.decode(t, &placed)
			return placed.Status == "placed"
		}, 15*time.Second, 50*time.Millisecond, "the approved checkout on behalf was never placed")

		order := w.b.getOrder(*placed.OrderID)
		require.Equal(t, w.buyer.ID, order.CustomerID, "the order is the buyer's")
		require.NotNil(t, order.OnBehalf)
		require.Equal(t, w.rep.ID, order.OnBehalf.PlacedBy.ID)
		require.Equal(t, "placed by Staff Sales Rep (sales rep) on behalf of Test Buyer", order.OnBehalf.Summary)
		started := timelineEvent(t, order.Timeline, "checkout_started")
		require.Equal(t, "staff:"+w.rep.ID.String(), started.Actor)
		require.Contains(t, started.Detail, "(by Staff Sales Rep (sales rep) on behalf of Test Buyer)")
		require.Contains(t, timelineEvent(t, order.Timeline, "order_placed").Detail,
			"order placed by Staff Sales Rep (sales rep) on behalf of Test Buyer")

		seen := w.b.getCart(cart.ID)
		require.Equal(t, "completed", seen.Status)
		require.NotNil(t, seen.OnBehalf.CheckoutBy)
		require.Equal(t, w.rep.ID, seen.OnBehalf.CheckoutBy.ID)
	})

	t.Run("refused while the company does not allow it; its admin allows it", func(t *testing.T) {
		t.Parallel()
		w := newOnBehalfWorld(t, s)
		admin := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, w.company, "company_admin"))
		cart := w.buildCart(t, 2)

		refusal := w.r.do("POST", salesCartPath(cart.ID, "checkout"), nil).
			requireError(t, http.StatusForbidden, "on_behalf_checkout_not_allowed", "")
		require.Contains(t, refusal.Message, "send the cart to the buyer")
		require.Equal(t, "open", w.r.getSalesCart(cart.ID).Status)
		var attempts int
		require.NoError(t, s.Pool.QueryRow(t.Context(), `SELECT checkout_attempt FROM carts WHERE id = $1`, cart.ID).Scan(&attempts))
		require.Zero(t, attempts, "no checkout started")

		var setting struct {
			CompanyID uuid.UUID `json:"company_id"`
			Allowed   bool      `json:"allowed"`
		}
		res := admin.do("GET", "/v1/company/on-behalf-checkout", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.decode(t, &setting)
		require.False(t, setting.Allowed, "off by default")
		admin.do("PUT", "/v1/company/on-behalf-checkout", map[string]any{}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "allowed")
		res = admin.do("PUT", "/v1/company/on-behalf-checkout", map[string]any{"allowed": true}, "Idempotency-Key", uuid.NewString())
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.decode(t, &setting)
		require.Equal(t, w.company.ID, setting.CompanyID)
		require.True(t, setting.Allowed)

		res = w.r.do("POST", salesCartPath(cart.ID, "checkout"), nil)
		var order api.Order
		if res.Status == http.StatusAccepted { // a busy machine: poll
			var placed api.Checkout
			require.Eventually(t, func() bool {
				w.r.do("GET", salesCartPath(cart.ID, "checkout"), nil).decode(t, &placed)
				return placed.Status == "placed"
			}, 15*time.Second, 50*time.Millisecond)
			order = w.b.getOrder(*placed.OrderID)
		} else {
			require.Equal(t, http.StatusCreated, res.Status, "checkout on behalf: %s", res.Body)
			res.decode(t, &order)
		}
		require.NotNil(t, order.OnBehalf)
		require.Equal(t, "placed by Staff Sales Rep (sales rep) on behalf of Test Buyer", order.OnBehalf.Summary)
		require.Equal(t, w.buyer.ID, order.CustomerID)
	})

	t.Run("a rep of another company finds nothing; a manager finds it", func(t *testing.T) {
		t.Parallel()
		w := newOnBehalfWorld(t, s)
		testenv.SetOnBehalfCheckout(t, s.Pool, w.company, true)
		cart := w.buildCart(t, 2)
		other := staffClient(t, s, testenv.NewStaff(t, s.Pool, "sales_rep"))

		other.do("POST", "/v1/sales/carts", map[string]any{"company_id": w.company.ID, "customer_id": w.buyer.ID}).
			requireError(t, http.StatusNotFound, "not_found", "")
		other.do("GET", salesCartPath(cart.ID), nil).requireError(t, http.StatusNotFound, "not_found", "")
		other.do("POST", salesCartPath(cart.ID, "lines"), map[string]any{"sku": w.sku, "quantity": 1}).
			requireError(t, http.StatusNotFound, "not_found", "")
		other.do("DELETE", salesCartPath(cart.ID, "lines", w.sku), nil).requireError(t, http.StatusNotFound, "not_found", "")
		other.do("POST", salesCartPath(cart.ID, "send"), nil).requireError(t, http.StatusNotFound, "not_found", "")
		other.do("POST", salesCartPath(cart.ID, "checkout"), nil).requireError(t, http.StatusNotFound, "not_found", "")
		other.do("GET", salesCartPath(cart.ID, "checkout"), nil).requireError(t, http.StatusNotFound, "not_found", "")
		var list api.SalesCartPage
		other.do("GET", "/v1/sales/carts", nil).decode(t, &list)
		for _, c := range list.Carts {
			require.NotEqual(t, cart.ID, c.ID, "another company's rep lists the cart")
		}

		// Nor does the rep reach the buyer's own carts through the sales routes.
		own := w.b.createCart(w.sku, 1)
		w.r.do("GET", salesCartPath(own), nil).requireError(t, http.StatusNotFound, "not_found", "")
		w.r.do("POST", salesCartPath(own, "lines"), map[string]any{"sku": w.sku, "quantity": 1}).
			requireError(t, http.StatusNotFound, "not_found", "")
		// A buyer of the company who is someone else cannot be named by a
		// rep of another company, nor an employee of another company by the rep.
		stranger := testenv.NewBuyer(t, s.Pool, testenv.NewCompany(t, s.Pool, "EUR", 1_000_00))
		w.r.do("POST", "/v1/sales/carts", map[string]any{"company_id": w.company.ID, "customer_id": stranger.ID}).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "customer_id")

		// The sales desk lists the rep's carts for buyers, not to another rep.
		desk := newDeskClient(t, s)
		desk.signIn(w.rep.Token, "/desk/carts")
		status, _, body := desk.get("/desk/carts")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `id="cart-`+cart.ID.String()+`"`)
		require.Contains(t, body, "Test Buyer")
		otherDesk := newDeskClient(t, s)
		otherDesk.signIn(other.token, "/desk/carts")
		_, _, body = otherDesk.get("/desk/carts")
		require.NotContains(t, body, cart.ID.String())

		manager := staffClient(t, s, testenv.NewStaff(t, s.Pool, "sales_manager"))
		require.Equal(t, cart.ID, manager.getSalesCart(cart.ID).ID)
		require.Equal(t, int64(2), w.b.getCart(cart.ID).Lines[0].Quantity, "nothing changed")
	})
}

// getSalesCart reads a cart built on behalf of a buyer through the sales routes.
func (c buyerClient) getSalesCart(id uuid.UUID) api.Cart {
	c.t.Helper()
	res := c.do("GET", salesCartPath(id), nil)
	require.Equal(c.t, http.StatusOK, res.Status, "get sales cart: %s", res.Body)
	var cart api.Cart
	res.decode(c.t, &cart)
	return cart
}

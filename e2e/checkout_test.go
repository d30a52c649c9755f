package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
)

func TestCheckoutHappyPath(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 1250, 10)
	c := newBuyerClient(t, s, buyer)

	res := c.do("POST", "/v1/carts", nil)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var cart api.Cart
	res.decode(t, &cart)

	res = c.do("POST", cartPath(cart.ID, "lines"), map[string]any{"sku": sku, "quantity": 3, "unit_price": 1})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))

	res = c.checkout(cart.ID, "Idempotency-Key", "k1")
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var placed api.Order
	res.decode(t, &placed)
	require.Equal(t, "placed", placed.Status)
	require.Equal(t, int64(3750), placed.Totals.Total.Amount, "repriced from the catalogue, client price ignored")
	require.Equal(t, "/v1/orders/"+placed.ID.String(), res.Header.Get("Location"))

	order := c.getOrder(placed.ID)
	require.Equal(t, cart.ID, order.CartID)
	require.Equal(t, buyer.ID, order.CustomerID)
	require.Equal(t, "EUR", order.Currency)
	require.Equal(t, eur(3750), order.Totals.Subtotal)
	require.Equal(t, eur(3750), order.Totals.Total)
	require.Len(t, order.Lines, 1)
	line := order.Lines[0]
	require.Equal(t, 1, line.LineNo)
	require.Equal(t, sku, line.SKU)
	require.Equal(t, "Product "+sku, line.Name)
	require.Equal(t, int64(3), line.Quantity)
	require.Equal(t, eur(1250), line.UnitPrice)
	require.Equal(t, eur(3750), line.LineTotal)
	require.Equal(t, []string{"checkout_started", "stock_reserved", "payment_authorized", "order_placed"},
		timelineKinds(order.Timeline))

	got := c.getCart(cart.ID)
	require.Equal(t, "completed", got.Status)
	require.NotNil(t, got.OrderID)
	require.Equal(t, order.ID, *got.OrderID)

	res = c.do("GET", cartPath(cart.ID, "checkout"), nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var status api.Checkout
	res.decode(t, &status)
	require.Equal(t, "placed", status.Status)
	require.NotNil(t, status.OrderID)
	require.Equal(t, order.ID, *status.OrderID)
	require.Equal(t, "/v1/orders/"+order.ID.String(), status.OrderURL)

	require.Equal(t, int64(3), stockReserved(t, s.Pool, sku))
	requirePlacedOnce(t, s.Pool, cart.ID, 3, 3750)

	// Ops find the checkout by its search attributes, and read it in the UI's
	// list (its summary) and on its page (its current details).
	require.Equal(t, int64(3750), placedCheckoutTotal(t, s, cart.ID))
	desc, err := s.Temporal.DescribeWorkflow(context.Background(), checkout.WorkflowID(cart.ID), "")
	require.NoError(t, err)
	summary, err := desc.GetStaticSummary()
	require.NoError(t, err)
	require.Equal(t, "Checkout · Test Buyer · 1 line · EUR", summary)
	require.Equal(t, "placed order "+order.ID.String()+", total EUR 37.50", currentDetails(t, s, checkout.WorkflowID(cart.ID)))
}

// currentDetails is what a workflow says it is doing, as the Temporal UI shows
// it (workflow.SetCurrentDetails, read through the built-in metadata query).
func currentDetails(t testing.TB, s *testenv.Stack, workflowID string) string {
	t.Helper()
	val, err := s.Temporal.QueryWorkflow(context.Background(), workflowID, "", "__temporal_workflow_metadata")
	require.NoError(t, err)
	var meta sdkpb.WorkflowMetadata
	require.NoError(t, val.Get(&meta))
	return meta.GetCurrentDetails()
}

func TestCheckoutInsufficientStock(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 500, 5)
	c := newBuyerClient(t, s, buyer)
	cartID := c.createCart(sku, 8)

	res := c.checkout(cartID)
	refusal := res.requireError(t, http.StatusConflict, "insufficient_stock", "")
	require.Equal(t, sku, refusal.SKU)

	cart := c.getCart(cartID)
	require.Equal(t, "open", cart.Status)
	require.Nil(t, cart.OrderID)
	require.NotNil(t, cart.Checkout)
	require.Equal(t, "failed", cart.Checkout.Status)
	require.NotNil(t, cart.Checkout.Failure)
	require.Equal(t, "insufficient_stock", cart.Checkout.Failure.Code)
	require.NotEmpty(t, cart.Checkout.Failure.Message)
	require.Zero(t, stockReserved(t, s.Pool, sku))
	requireNothingHeld(t, s.Pool, cartID)

	// The buyer fixes the cart and checks the same cart out again.
	res = c.do("PUT", cartPath(cartID, "lines", sku), map[string]any{"quantity": 5})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	require.Nil(t, c.getCart(cartID).Checkout, "changing the cart clears the last failure")

	order := c.placeOrder(cartID)
	require.Equal(t, int64(2500), order.Totals.Total.Amount)
	require.Equal(t, int64(5), stockReserved(t, s.Pool, sku))
	requirePlacedOnce(t, s.Pool, cartID, 5, 2500)
	require.Equal(t, "completed", c.getCart(cartID).Status)
}

func TestCheckoutCreditLimitExceeded(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})

	t.Run("order above the limit", func(t *testing.T) {
		t.Parallel()
		company := testenv.NewCompany(t, s.Pool, "EUR", 100_00)
		buyer := testenv.NewBuyer(t, s.Pool, company)
		sku := testenv.NewProduct(t, s.Pool, "EUR", 60_00, 10)
		c := newBuyerClient(t, s, buyer)
		bigCart := c.createCart(sku, 2)

		c.checkout(bigCart).requireError(t, http.StatusPaymentRequired, "credit_limit_exceeded", "")

		require.Zero(t, stockReserved(t, s.Pool, sku), "the reservation is released")
		require.Subset(t, cartTimeline(t, s.Pool, bigCart), []string{"stock_reserved", "stock_released", "checkout_failed"})
		requireNothingHeld(t, s.Pool, bigCart)
		cart := c.getCart(bigCart)
		require.Equal(t, "open", cart.Status)
		require.NotNil(t, cart.Checkout)
		require.NotNil(t, cart.Checkout.Failure)
		require.Equal(t, "credit_limit_exceeded", cart.Checkout.Failure.Code)
		require.NotEmpty(t, cart.Checkout.Failure.Message)

		smallCart := c.createCart(sku, 1)
		c.placeOrder(smallCart)
		require.Equal(t, int64(1), stockReserved(t, s.Pool, sku))
		requirePlacedOnce(t, s.Pool, smallCart, 1, 60_00)
	})

	t.Run("open orders use credit", func(t *testing.T) {
		t.Parallel()
		company := testenv.NewCompany(t, s.Pool, "EUR", 100_00)
		buyer := testenv.NewBuyer(t, s.Pool, company)
		sku := testenv.NewProduct(t, s.Pool, "EUR", 60_00, 10)
		c := newBuyerClient(t, s, buyer)
		first, second := c.createCart(sku, 1), c.createCart(sku, 1)

		c.placeOrder(first)
		c.checkout(second).requireError(t, http.StatusPaymentRequired, "credit_limit_exceeded", "")

		requirePlacedOnce(t, s.Pool, first, 1, 60_00)
		requireNothingHeld(t, s.Pool, second)
		require.Equal(t, int64(1), stockReserved(t, s.Pool, sku), "only the first order's unit")
		require.Equal(t, "open", c.getCart(second).Status)
	})
}

// placedCheckoutTotal finds the cart's checkout with a visibility query, as ops
// would in the Temporal UI, and returns its CheckoutTotal. Visibility is eventually
// consistent, so it polls.
func placedCheckoutTotal(t testing.TB, s *testenv.Stack, cartID uuid.UUID) int64 {
	t.Helper()
	query := fmt.Sprintf(`CheckoutStatus="placed" AND CartId=%q`, cartID.String())
	var total int64
	require.Eventually(t, func() bool {
		res, err := s.Temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: s.Namespace, Query: query,
		})
		if err != nil || len(res.Executions) != 1 {
			return false
		}
		exec := res.Executions[0]
		if exec.Execution.WorkflowId != checkout.WorkflowID(cartID) {
			return false
		}
		p := exec.SearchAttributes.GetIndexedFields()[checkout.TotalKey.GetName()]
		return p != nil && converter.GetDefaultDataConverter().FromPayload(p, &total) == nil
	}, 10*time.Second, 100*time.Millisecond, "no checkout found by %s", query)
	return total
}

func eur(amount int64) api.Money { return api.Money{Amount: amount, Currency: "EUR"} }

func timelineKinds(events []api.TimelineEvent) []string {
	kinds := make([]string, len(events))
	for i, e := range events {
		kinds[i] = e.Kind
	}
	return kinds
}

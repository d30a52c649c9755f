package e2e_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/testenv"
)

// TestStatementsPerOrder counts the SQL statements (round trips to Postgres,
// BEGIN and COMMIT included) of a whole order on the policies path, as the
// bench places it: create a cart, add three lines, set the ship-to, check out
// with an Idempotency-Key. It prints them by sender and statement and bounds
// them, so that a change that adds round trips to a cart change or a checkout
// fails here instead of quietly slowing `make bench`
// (docs/performance.md, "What changed per order").
func TestStatementsPerOrder(t *testing.T) {
	t.Parallel()
	counter := testenv.NewStatementCounter()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{Statements: counter})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	skus := make([]string, 3)
	tiers := make([]testenv.PriceTier, 0, 6)
	for i := range skus {
		skus[i] = testenv.NewProductWith(t, s.Pool, testenv.Product{Prices: map[string]int64{"EUR": 10_00}, OnHand: 1000, WeightGrams: 500})
		tiers = append(tiers, testenv.PriceTier{SKU: skus[i], MinQuantity: 1, UnitPrice: 9_00},
			testenv.PriceTier{SKU: skus[i], MinQuantity: 10, UnitPrice: 8_00})
	}
	testenv.NewPriceList(t, s.Pool, testenv.PriceList{Name: uniqueName("Contract "), CompanyID: company.ID, Currency: "EUR", Tiers: tiers})
	method := uniqueName("std-")
	testenv.SetShippingMethod(t, s.Pool, testenv.ShippingMethod{Code: method, Currency: "EUR", BaseAmount: 5_90, PerKgAmount: 1_20})
	testenv.SetTaxRate(t, s.Pool, "DE", 1900)
	testenv.SetSpendingLimit(t, s.Pool, company, buyer.ID, "month", 1_000_000_00)
	testenv.SetSpendingLimit(t, s.Pool, company, buyer.ID, "quarter", 1_000_000_00)
	c := newBuyerClient(t, s, buyer)

	type step struct {
		name  string
		stmts testenv.Statements
	}
	order := func() []step {
		var steps []step
		take := func(name string) { steps = append(steps, step{name, counter.Take()}) }
		counter.Take()
		res := c.do("POST", "/v1/carts", nil)
		require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
		var cart api.Cart
		res.decode(t, &cart)
		take("create cart")
		for i, sku := range skus {
			res = c.do("POST", cartPath(cart.ID, "lines"), map[string]any{"sku": sku, "quantity": 2 + i})
			require.Equal(t, http.StatusOK, res.Status, string(res.Body))
			take(fmt.Sprintf("add line %d", i+1))
		}
		res = c.setCartDetails(cart.ID, map[string]any{"ship_to": api.ShipTo{Name: "Receiving", Line1: "Dock 1",
			City: "Berlin", PostalCode: "10115", Country: "DE"}, "shipping_method": method})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		take("set ship-to")
		res = c.checkout(cart.ID, "Idempotency-Key", "order-"+cart.ID.String())
		require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
		take("checkout")
		// The order's own workflow goes on after the 201 (its ERP push); wait
		// until the pool is quiet.
		after := testenv.Statements{}
		for quiet := 0; quiet < 5; {
			time.Sleep(200 * time.Millisecond)
			got := counter.Take()
			if got.Total() == 0 {
				quiet++
				continue
			}
			quiet = 0
			for k, n := range got {
				after[k] += n
			}
		}
		steps = append(steps, step{"after the 201", after})
		return steps
	}

	order() // the first warms the API's token cache and the pool's connections
	steps := order()
	total := testenv.Statements{}
	for _, st := range steps {
		t.Logf("%s: %d statements\n%s", st.name, st.stmts.Total(), st.stmts)
		for k, n := range st.stmts {
			total[k] += n
		}
	}
	t.Logf("whole order: %d statements (checkout workflow %d, order workflow %d, API %d)",
		total.Total(), total.By("Checkout/"), total.By("Order/"), total.By("api"))

	// Upper bounds: what the code does today. Lower them when a change cuts
	// statements; raise them only with a reason in docs/performance.md. The
	// API's own statements are bounded per request; the checkout workflow's
	// and the order workflow's over the whole order, since they may run on
	// after the request that started them answered.
	// Raised with stock per location (docs/performance.md, "What changed per
	// order"): checkout's answer names each line's locations (+1), and the
	// checkout reads where to draw from and locks the SKUs' rows at every
	// location before it allocates (+2).
	apiBounds := map[string]int{"create cart": 3, "add line 1": 9, "add line 2": 9, "add line 3": 9,
		"set ship-to": 10, "checkout": 7}
	for _, st := range steps {
		if b, ok := apiBounds[st.name]; ok {
			require.LessOrEqual(t, st.stmts.By("api"), b, "%s: statements\n%s", st.name, st.stmts)
		}
	}
	for sender, b := range map[string]int{"Checkout/": 41, "Order/": 8, "ErpOrder/": 12} {
		require.LessOrEqual(t, total.By(sender), b, "%s: statements\n%s", sender, total)
	}
}

// TestCartLineLimit: a cart holds at most commerce.MaxCartLines lines. The
// count comes from the statement that adds the line (CartLineAddCounted), so
// this checks that its count includes the new line and not a line added to.
func TestCartLineLimit(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	lines := map[string]int32{}
	var first string
	for i := 0; i < commerce.MaxCartLines-1; i++ {
		sku := testenv.NewProduct(t, s.Pool, "EUR", 100, 100)
		if first == "" {
			first = sku
		}
		lines[sku] = 1
	}
	cartID := testenv.NewCart(t, s.Pool, buyer, "EUR", lines)
	last, over := testenv.NewProduct(t, s.Pool, "EUR", 100, 100), testenv.NewProduct(t, s.Pool, "EUR", 100, 100)
	c := newBuyerClient(t, s, buyer)

	res := c.do("POST", cartPath(cartID, "lines"), map[string]any{"sku": last, "quantity": 1})
	require.Equal(t, http.StatusOK, res.Status, "line %d: %s", commerce.MaxCartLines, res.Body)
	res = c.do("POST", cartPath(cartID, "lines"), map[string]any{"sku": over, "quantity": 1})
	res.requireError(t, http.StatusUnprocessableEntity, "invalid_field", "sku")
	res = c.do("POST", cartPath(cartID, "lines"), map[string]any{"sku": first, "quantity": 2})
	require.Equal(t, http.StatusOK, res.Status, "adding to a line of a full cart: %s", res.Body)
	var cart api.Cart
	res.decode(t, &cart)
	require.Len(t, cart.Lines, commerce.MaxCartLines)
}

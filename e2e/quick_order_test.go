package e2e_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

// TestQuickOrder adds many lines in one request, as JSON or CSV: every valid
// line is added, every other one is reported with its reason.
func TestQuickOrder(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})

	// setup gives each subtest a company of its own with two products.
	setup := func(t *testing.T) (buyerClient, string, string) {
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
		return newBuyerClient(t, s, buyer),
			testenv.NewProduct(t, s.Pool, "EUR", 2_50, 100),
			testenv.NewProduct(t, s.Pool, "EUR", 4_00, 100)
	}

	t.Run("JSON", func(t *testing.T) {
		t.Parallel()
		c, skuA, skuB := setup(t)
		cartID := c.createCart(skuA, 1)
		unknown := uniqueName("NOPE-")

		res := c.do("POST", cartPath(cartID, "lines", "bulk"), map[string]any{"lines": []map[string]any{
			{"sku": skuA, "quantity": 2},
			{"sku": unknown, "quantity": 1},
			{"sku": skuB, "quantity": 0},
			{"sku": skuB, "quantity": 4},
			{"sku": skuA, "quantity": 10_000}, // 1 + 2 + 10 000 is above the line maximum
			{"sku": "not a sku!", "quantity": 1},
			{"sku": skuB, "quantity": 1}, // adds to the line accepted above
		}})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var result api.QuickOrderResult
		res.decode(t, &result)
		require.Equal(t, 3, result.Added)
		require.Equal(t, 4, result.Rejected)
		requireLineResults(t, result.Results, []lineResult{
			{skuA, 2, "", ""},
			{unknown, 1, "unknown_sku", "sku"},
			{skuB, 0, "invalid_field", "quantity"},
			{skuB, 4, "", ""},
			{skuA, 10_000, "invalid_field", "quantity"},
			{"not a sku!", 1, "invalid_field", "sku"},
			{skuB, 1, "", ""},
		})
		require.Equal(t, unknown, result.Results[1].Error.SKU)

		// 3 × 2.50 + 5 × 4.00 = 27.50
		require.Equal(t, map[string]int64{skuA: 3, skuB: 5}, lineQuantities(result.Cart))
		require.Equal(t, eur(27_50), result.Cart.Totals.Total)
		cart := c.getCart(cartID)
		require.Equal(t, map[string]int64{skuA: 3, skuB: 5}, lineQuantities(cart))
		require.Equal(t, eur(27_50), cart.Totals.Total)
	})

	t.Run("CSV", func(t *testing.T) {
		t.Parallel()
		c, skuA, skuB := setup(t)
		cartID := c.createCart()
		unknown := uniqueName("NOPE-")
		csv := "sku,quantity\n" +
			skuA + ",2\n" +
			skuB + ",lots\n" +
			unknown + ",1\n" +
			" " + skuB + " , 3\n"

		res := c.do("POST", cartPath(cartID, "lines", "bulk"), csv, "Content-Type", "text/csv")
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var result api.QuickOrderResult
		res.decode(t, &result)
		require.Equal(t, 2, result.Added)
		require.Equal(t, 2, result.Rejected)
		requireLineResults(t, result.Results, []lineResult{
			{skuA, 2, "", ""},
			{skuB, 0, "invalid_field", "quantity"}, // "lots" is no quantity
			{unknown, 1, "unknown_sku", "sku"},
			{skuB, 3, "", ""},
		})
		// 2 × 2.50 + 3 × 4.00 = 17.00
		require.Equal(t, map[string]int64{skuA: 2, skuB: 3}, lineQuantities(result.Cart))
		cart := c.getCart(cartID)
		require.Equal(t, map[string]int64{skuA: 2, skuB: 3}, lineQuantities(cart))
		require.Equal(t, eur(17_00), cart.Totals.Total)

		// Without a header row every row is a line.
		res = c.do("POST", cartPath(cartID, "lines", "bulk"), skuA+",1\r\n", "Content-Type", "text/csv; charset=utf-8")
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		res.decode(t, &result)
		require.Equal(t, 1, result.Added)
		require.Equal(t, map[string]int64{skuA: 3, skuB: 3}, lineQuantities(result.Cart))
	})

	t.Run("no lines, or a malformed row, adds nothing", func(t *testing.T) {
		t.Parallel()
		c, skuA, _ := setup(t)
		cartID := c.createCart(skuA, 1)
		before := c.getCart(cartID)
		bulk := cartPath(cartID, "lines", "bulk")

		c.do("POST", bulk, map[string]any{"lines": []any{}}).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "lines")
		c.do("POST", bulk, map[string]any{}).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "lines")
		c.do("POST", bulk, "sku,quantity\n", "Content-Type", "text/csv").
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "lines")
		c.do("POST", bulk, "", "Content-Type", "text/csv").
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "lines")
		// Lines are numbered as the per-line results number them: data rows from 1.
		c.do("POST", bulk, "sku,quantity\n"+skuA+",1,extra\n", "Content-Type", "text/csv").
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "lines[1]")

		require.Equal(t, before, c.getCart(cartID), "a refused quick order writes nothing")
		require.Equal(t, map[string]int64{skuA: 1}, lineQuantities(before))
	})
}

// lineResult is what a quick order should report for one line: code "" means
// added.
type lineResult struct {
	SKU      string
	Quantity int64
	Code     string
	Field    string
}

func requireLineResults(t testing.TB, got []api.LineResult, want []lineResult) {
	t.Helper()
	require.Len(t, got, len(want))
	for i, w := range want {
		g := got[i]
		require.Equal(t, i+1, g.Line, "line %d", i+1)
		require.Equal(t, w.SKU, g.SKU, "line %d", i+1)
		require.Equal(t, w.Quantity, g.Quantity, "line %d", i+1)
		if w.Code == "" {
			require.Equal(t, "added", g.Status, "line %d", i+1)
			require.Nil(t, g.Error, "line %d", i+1)
			continue
		}
		require.Equal(t, "rejected", g.Status, "line %d", i+1)
		require.NotNil(t, g.Error, "line %d", i+1)
		require.Equal(t, w.Code, g.Error.Code, "line %d", i+1)
		require.Equal(t, w.Field, g.Error.Field, "line %d", i+1)
		require.NotEmpty(t, g.Error.Message, "line %d", i+1)
	}
}

func lineQuantities(cart api.Cart) map[string]int64 {
	out := map[string]int64{}
	for _, l := range cart.Lines {
		out[l.SKU] = l.Quantity
	}
	return out
}

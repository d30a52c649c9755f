package e2e_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

func TestCheckoutHappyPath(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 1250, 10)
	c := buyerClient{t: t, base: s.API.URL, token: buyer.Token}

	res := c.do("POST", "/v1/carts", nil)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var cart api.Cart
	res.decode(t, &cart)

	res = c.do("POST", "/v1/carts/"+cart.ID.String()+"/lines", map[string]any{"sku": sku, "quantity": 3, "unit_price": 1})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))

	res = c.do("POST", "/v1/carts/"+cart.ID.String()+"/checkout", nil, "Idempotency-Key", "k1")
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var order api.Order
	res.decode(t, &order)
	require.Equal(t, "placed", order.Status)
	require.Equal(t, int64(3750), order.Totals.Total.Amount, "repriced from the catalogue, client price ignored")
}

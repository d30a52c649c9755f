package e2e_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/demo"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/webhooks"
)

// TestDemoReorder runs the README's Reorder sequence on the demo data: Acme's
// new carts start with its default addresses (and German tax), the workshop
// list becomes an order, and after a base price change the reorder shows it.
func TestDemoReorder(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	secrets, err := webhooks.NewSecretBox(config.DevWebhookKey())
	require.NoError(t, err)
	require.NoError(t, demo.Seed(context.Background(), s.Pool, secrets))
	alice := buyerClient{t: t, base: s.API.URL, token: "oft_demo_alice_acme"}
	ops := buyerClient{t: t, base: s.API.URL, token: "oft_demo_olivia_ops"}

	res := alice.do("GET", "/v1/company/addresses", nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var book api.CompanyAddressPage
	res.decode(t, &book)
	require.Len(t, book.Addresses, 3)

	res = alice.do("POST", "/v1/requisition-lists/"+demo.AcmeWorkshopList.String()+"/add-to-cart", nil)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var added api.RebuyResult
	res.decode(t, &added)
	require.Zero(t, added.Dropped, string(res.Body))
	require.Equal(t, "Stuttgart", added.Cart.ShipTo.City)
	require.Equal(t, &demo.AcmeAccounts, added.Cart.BillToAddressID)
	require.Equal(t, int64(1900), added.Cart.Totals.TaxRateBasisPoints)

	order := alice.placeOrderEventually(added.Cart.ID)
	res = ops.do("PUT", "/v1/admin/products/WASHER-M8", map[string]any{"name": "Washer M8, box of 500", "weight_grams": 900,
		"prices": map[string]any{"EUR": 690, "USD": 740}})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res = alice.do("POST", "/v1/orders/"+order.ID.String()+"/reorder", nil, "Idempotency-Key", "again-"+order.ID.String())
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var re api.ReorderResult
	res.decode(t, &re)
	require.Equal(t, 1, re.PriceChanged, string(res.Body))
	for _, l := range re.Lines {
		if l.SKU == "WASHER-M8" {
			require.Equal(t, eur(6_40), *l.OldUnitPrice)
			require.Equal(t, eur(6_90), *l.NewUnitPrice)
			require.Equal(t, eur(50), *l.PriceChange)
		}
	}
}

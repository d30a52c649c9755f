package api_test

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/commerce"
)

// TestOpenAPIOrderStatusesAreTheRules proves the statuses the document
// promises are exactly those the rules derive.
func TestOpenAPIOrderStatusesAreTheRules(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	require.NoError(t, err)
	enum := func(schema string) []string {
		var out []string
		for _, v := range doc.Components.Schemas[schema].Value.Enum {
			out = append(out, v.(string))
		}
		return out
	}
	names := func(n int, name func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = name(i)
		}
		return out
	}
	orders, fulfilment, payment := commerce.OrderStatuses(), commerce.FulfilmentStatuses(), commerce.PaymentStatuses()
	require.ElementsMatch(t, names(len(orders), func(i int) string { return string(orders[i]) }), enum("OrderStatus"))
	require.ElementsMatch(t, names(len(fulfilment), func(i int) string { return string(fulfilment[i]) }), enum("FulfilmentStatus"))
	require.ElementsMatch(t, names(len(payment), func(i int) string { return string(payment[i]) }), enum("PaymentStatus"))
}

package commerce_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

func TestCartHoldingAdd(t *testing.T) {
	rules := map[string]commerce.QuantityRule{"BOX": {MinQuantity: 10, Increment: 10}}
	full := commerce.CartHolding{}
	for i := range commerce.MaxCartLines {
		full[fmt.Sprintf("SKU-%d", i)] = 1
	}
	cases := []struct {
		name     string
		held     commerce.CartHolding
		sku      string
		quantity int64
		field    string
		code     commerce.RejectionCode
		after    int64
	}{
		{name: "a new line", held: commerce.CartHolding{}, sku: "A", quantity: 5, after: 5},
		{name: "merged with the line held", held: commerce.CartHolding{"A": 5}, sku: "A", quantity: 7, after: 12},
		{name: "up to the most a line holds", held: commerce.CartHolding{"A": commerce.MaxLineQuantity - 1}, sku: "A", quantity: 1,
			after: commerce.MaxLineQuantity},
		{name: "past the most a line holds", held: commerce.CartHolding{"A": commerce.MaxLineQuantity}, sku: "A", quantity: 1,
			field: "quantity", code: commerce.CodeInvalidCart, after: commerce.MaxLineQuantity},
		{name: "no room for another line", held: full, sku: "NEW", quantity: 1, field: "sku", code: commerce.CodeInvalidCart},
		{name: "a full cart still takes more of a line it has", held: full, sku: "SKU-0", quantity: 1, after: 2},
		{name: "the rule judges the merged line", held: commerce.CartHolding{"BOX": 10}, sku: "BOX", quantity: 5,
			field: "quantity", code: commerce.CodeQuantityRule, after: 10},
		{name: "the rule kept by the merged line", held: commerce.CartHolding{"BOX": 5}, sku: "BOX", quantity: 5, after: 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			field, err := c.held.Add(c.sku, c.quantity, rules)
			require.Equal(t, c.field, field)
			if c.code == "" {
				require.NoError(t, err)
			} else {
				r, ok := commerce.AsRejection(err)
				require.True(t, ok, "%v", err)
				require.Equal(t, c.code, r.Code)
				require.Equal(t, c.sku, r.SKU)
			}
			require.Equal(t, c.after, c.held[c.sku], "what the cart holds of %s afterwards", c.sku)
		})
	}
}

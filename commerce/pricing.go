package commerce

import (
	"fmt"
	"sort"
)

// CartLine is what a buyer asked for: a SKU and a quantity. Prices are never taken
// from the buyer; they come from the catalogue at checkout.
type CartLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// CatalogEntry is what the catalogue says of one SKU in the cart's currency.
type CatalogEntry struct {
	SKU       string
	Name      string
	UnitPrice int64 // minor units; meaningful only when Priced
	Priced    bool  // false when the product has no price in the currency
	Available int64 // units on hand and not reserved
}

// PricedLine is a cart line with the price the catalogue gives it.
type PricedLine struct {
	LineNo    int    `json:"line_no"`
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Quantity  int64  `json:"quantity"`
	UnitPrice Money  `json:"unit_price"`
	LineTotal Money  `json:"line_total"`
}

// Totals are an order's money figures. Every figure is in the same currency.
type Totals struct {
	Subtotal Money `json:"subtotal"`
	Total    Money `json:"total"`
}

// PricedCart is a cart priced from the catalogue: its lines in a stable order and
// its totals.
type PricedCart struct {
	Currency string       `json:"currency"`
	Lines    []PricedLine `json:"lines"`
	Totals   Totals       `json:"totals"`
}

// PriceCart prices lines from the catalogue in currency. It is the only place an
// order's amounts are computed: the cart view, the checkout and its tests all call
// it. Lines are ordered by SKU so the same cart always prices the same way.
func PriceCart(currency string, lines []CartLine, catalog map[string]CatalogEntry) (PricedCart, error) {
	if len(lines) == 0 {
		return PricedCart{}, Reject(CodeEmptyCart, "the cart has no lines")
	}
	sorted := append([]CartLine(nil), lines...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].SKU < sorted[j].SKU })

	out := PricedCart{Currency: currency, Lines: make([]PricedLine, 0, len(sorted))}
	subtotal := Zero(currency)
	for i, l := range sorted {
		if i > 0 && sorted[i-1].SKU == l.SKU {
			return PricedCart{}, RejectSKU(CodeInvalidCart, l.SKU, fmt.Sprintf("product %s is on two lines", l.SKU))
		}
		if err := ValidateQuantity("quantity", l.Quantity); err != nil {
			return PricedCart{}, Reject(CodeInvalidCart, fmt.Sprintf("line %s: %v", l.SKU, err))
		}
		entry, ok := catalog[l.SKU]
		if !ok {
			return PricedCart{}, RejectSKU(CodeUnknownSKU, l.SKU, fmt.Sprintf("product %s does not exist", l.SKU))
		}
		if !entry.Priced || entry.UnitPrice < 0 {
			return PricedCart{}, RejectSKU(CodeNotPriced, l.SKU, fmt.Sprintf("product %s has no price in %s", l.SKU, currency))
		}
		unit := Money{Amount: entry.UnitPrice, Currency: currency}
		lineTotal, err := unit.Times(l.Quantity)
		if err != nil {
			return PricedCart{}, Reject(CodeAmountTooLarge, fmt.Sprintf("line %s: %v", l.SKU, err))
		}
		if subtotal, err = subtotal.Add(lineTotal); err != nil {
			return PricedCart{}, Reject(CodeAmountTooLarge, fmt.Sprintf("subtotal: %v", err))
		}
		out.Lines = append(out.Lines, PricedLine{
			LineNo: i + 1, SKU: l.SKU, Name: entry.Name, Quantity: l.Quantity,
			UnitPrice: unit, LineTotal: lineTotal,
		})
	}
	out.Totals = Totals{Subtotal: subtotal, Total: subtotal}
	return out, nil
}

// CheckStock reports the first line (in SKU order) that asks for more than is
// available. The reservation is the authoritative check; this one gives the buyer
// a clear answer before anything is held.
func CheckStock(cart PricedCart, catalog map[string]CatalogEntry) error {
	for _, l := range cart.Lines {
		if avail := catalog[l.SKU].Available; l.Quantity > avail {
			return RejectSKU(CodeInsufficientStock, l.SKU,
				fmt.Sprintf("only %d of %s available, %d requested", max(avail, 0), l.SKU, l.Quantity))
		}
	}
	return nil
}

// CheckCredit decides a payment-on-account authorization: the order must fit in
// the company's credit limit minus what its open orders and checkouts already hold.
func CheckCredit(limit, used int64, order Money) error {
	available := limit - used
	if order.Amount > 0 && order.Amount > available {
		return Reject(CodeCreditLimitExceeded, fmt.Sprintf(
			"order total %s exceeds available credit %s",
			order, Money{Amount: max(available, 0), Currency: order.Currency}))
	}
	return nil
}

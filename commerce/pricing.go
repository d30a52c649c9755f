package commerce

import (
	"fmt"
	"sort"
	"time"
)

// CartLine is what a buyer asked for: a SKU and a quantity. Prices are never taken
// from the buyer; they come from the catalogue at checkout.
type CartLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// CatalogEntry is what the catalogue says of one SKU in the cart's currency.
type CatalogEntry struct {
	SKU         string
	Name        string
	UnitPrice   int64 // base catalogue price, minor units; meaningful only when Priced
	Priced      bool  // false when the product has no base price in the currency
	Available   int64 // units on hand and not reserved
	WeightGrams int64 // of one unit
	// QuantityRule is the rule the SKU's quantity keeps to for the company
	// (nil: none).
	QuantityRule *QuantityRule
}

// PricedLine is a cart line with the price that applies to it and where that
// price comes from.
type PricedLine struct {
	LineNo        int         `json:"line_no"`
	SKU           string      `json:"sku"`
	Name          string      `json:"name"`
	Quantity      int64       `json:"quantity"`
	BaseUnitPrice Money       `json:"base_unit_price"` // the catalogue price
	UnitPrice     Money       `json:"unit_price"`      // the price the buyer pays
	LineTotal     Money       `json:"line_total"`      // UnitPrice × Quantity
	Source        PriceSource `json:"source"`          // which list and tier priced it
	WeightGrams   int64       `json:"weight_grams"`    // of one unit
}

// Totals are an order's money figures (see ComputeTotals for how each is made).
type Totals = OrderTotals

// PricedCart is a cart priced from the catalogue: its lines in a stable order and
// its totals.
type PricedCart struct {
	Currency string       `json:"currency"`
	Lines    []PricedLine `json:"lines"`
	Totals   Totals       `json:"totals"`
}

// PricingContext is everything besides the lines that decides a cart's amounts:
// when it is priced, the price lists that apply to the buyer's company, the
// shipping method chosen, and the tax that applies to the ship-to address.
type PricingContext struct {
	At       time.Time
	Lists    []PriceList
	Shipping *ShippingMethod
	Tax      TaxPolicy
	// Quote, when set, prices every line at an accepted quote revision's
	// prices instead of the price lists.
	Quote *QuotePricing
}

// QuotePricing sells a cart at the prices of one accepted quote revision.
type QuotePricing struct {
	QuoteID  string
	Revision int
	// Prices are the revision's prices by SKU.
	Prices map[string]QuotedPrice
}

// QuotedPrice is the unit price a quote revision agreed for a SKU, and the list
// price it was agreed against (the order shows the difference as discount).
type QuotedPrice struct {
	UnitPrice     int64
	ListUnitPrice int64
}

// PriceCart prices lines in currency: each line's unit price by ResolveUnitPrice
// (price lists, then the catalogue), then the totals by ComputeTotals. It is the
// only place an order's amounts are computed: the cart view, the checkout and
// their tests all call it. Lines are ordered by SKU so the same cart always
// prices the same way.
func PriceCart(currency string, lines []CartLine, catalog map[string]CatalogEntry, pc PricingContext) (PricedCart, error) {
	if len(lines) == 0 {
		return PricedCart{}, Reject(CodeEmptyCart, "the cart has no lines")
	}
	sorted := append([]CartLine(nil), lines...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].SKU < sorted[j].SKU })

	out := PricedCart{Currency: currency, Lines: make([]PricedLine, 0, len(sorted))}
	totalsLines := make([]TotalsLine, 0, len(sorted))
	for i, l := range sorted {
		if i > 0 && sorted[i-1].SKU == l.SKU {
			return PricedCart{}, RejectSKU(CodeInvalidCart, l.SKU, fmt.Sprintf("product %s is on two lines", l.SKU))
		}
		if err := ValidateQuantity("quantity", l.Quantity); err != nil {
			return PricedCart{}, RejectSKU(CodeInvalidCart, l.SKU, fmt.Sprintf("line %s: %v", l.SKU, err))
		}
		entry, ok := catalog[l.SKU]
		if !ok {
			return PricedCart{}, RejectSKU(CodeUnknownSKU, l.SKU, fmt.Sprintf("product %s does not exist", l.SKU))
		}
		unit, base, src, err := lineUnitPrice(l, currency, entry, pc)
		if err != nil {
			return PricedCart{}, err
		}
		lineTotal, err := Money{Amount: unit, Currency: currency}.Times(l.Quantity)
		if err != nil {
			return PricedCart{}, Reject(CodeAmountTooLarge, fmt.Sprintf("line %s: %v", l.SKU, err))
		}
		out.Lines = append(out.Lines, PricedLine{
			LineNo: i + 1, SKU: l.SKU, Name: entry.Name, Quantity: l.Quantity,
			BaseUnitPrice: Money{Amount: base, Currency: currency},
			UnitPrice:     Money{Amount: unit, Currency: currency},
			LineTotal:     lineTotal, Source: src, WeightGrams: entry.WeightGrams,
		})
		totalsLines = append(totalsLines, TotalsLine{
			Quantity: l.Quantity, BaseUnitPrice: base, UnitPrice: unit, WeightGrams: entry.WeightGrams,
		})
	}
	totals, err := ComputeTotals(currency, totalsLines, pc.Shipping, pc.Tax)
	if err != nil {
		return PricedCart{}, err
	}
	out.Totals = totals
	return out, nil
}

// lineUnitPrice is what one line costs a unit, and the base (list) price it is
// compared against: the quote's prices when the cart is sold at a quote,
// otherwise the price lists' and the catalogue's.
func lineUnitPrice(l CartLine, currency string, entry CatalogEntry, pc PricingContext) (unit, base int64, src PriceSource, err error) {
	if q := pc.Quote; q != nil {
		p, ok := q.Prices[l.SKU]
		if !ok {
			return 0, 0, PriceSource{}, RejectSKU(CodeInvalidCart, l.SKU,
				fmt.Sprintf("product %s is not in revision %d of the quote", l.SKU, q.Revision))
		}
		return p.UnitPrice, p.ListUnitPrice, PriceSource{QuoteID: q.QuoteID, QuoteRevision: q.Revision}, nil
	}
	unit, src, err = ResolveUnitPrice(l.SKU, l.Quantity, currency, pc.At, pc.Lists, entry.UnitPrice, entry.Priced && entry.UnitPrice >= 0)
	if err != nil {
		return 0, 0, PriceSource{}, err
	}
	base = unit
	if entry.Priced && entry.UnitPrice >= 0 {
		base = entry.UnitPrice
	}
	return unit, base, src, nil
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
// The refusal's message names no figure of the company's account (buyers read
// it); its Details do.
func CheckCredit(limit, used int64, order Money) error {
	available := max(limit-used, 0)
	if order.Amount > 0 && order.Amount > available {
		r := Reject(CodeCreditLimitExceeded, fmt.Sprintf(
			"the order total %s exceeds the credit available on the company's account; an approver or the company's admin can see the figures", order))
		r.Details = &RejectionDetails{
			Message: fmt.Sprintf("order total %s exceeds available credit %s (credit limit %s, used %s)",
				order, Money{Amount: available, Currency: order.Currency},
				Money{Amount: limit, Currency: order.Currency}, Money{Amount: used, Currency: order.Currency}),
			Currency: order.Currency, OrderTotal: order.Amount,
			CreditLimit: &limit, CreditUsed: &used, CreditAvailable: &available,
		}
		return r
	}
	return nil
}

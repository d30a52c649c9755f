// Package pricing prices a stored cart: it reads what the rules in package
// commerce need (catalogue entries, price lists, shipping method, tax rate) and
// runs them. The cart view and checkout both price through PriceCart, so a
// buyer sees exactly what checkout will charge.
package pricing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Catalog reads what the catalogue says of skus in one currency to a company:
// the input the pricing rules in package commerce work on. SKUs that do not
// exist, and SKUs outside the company's assortment, are absent: to the company
// they do not exist, wherever it names them (cart, quick order, quote,
// checkout).
func Catalog(ctx context.Context, q *db.Queries, companyID uuid.UUID, currency string, skus []string) (map[string]commerce.CatalogEntry, error) {
	rows, err := q.ProductListPricedBySKUs(ctx, db.ProductListPricedBySKUsParams{Currency: currency, Skus: skus, CompanyID: companyID})
	if err != nil {
		return nil, err
	}
	catalog := make(map[string]commerce.CatalogEntry, len(rows))
	for _, r := range rows {
		catalog[r.Sku] = commerce.CatalogEntry{
			SKU: r.Sku, Name: r.Name, UnitPrice: r.UnitPrice, Priced: r.Priced, Available: r.Available,
			WeightGrams: int64(r.WeightGrams),
			QuantityRule: commerce.EffectiveQuantityRule(quantityRuleOf(r.SkuMinQuantity, r.SkuIncrement, r.SkuMaxQuantity),
				quantityRuleOf(r.CompanyMinQuantity, r.CompanyIncrement, r.CompanyMaxQuantity)),
		}
	}
	return catalog, nil
}

// BasePrice is a SKU's catalogue price in one currency; Priced false when it
// has none there.
type BasePrice struct {
	UnitPrice int64
	Priced    bool
}

// BuyerUnitPrices is what one unit of each SKU costs the company at at: its
// price lists and its customer group's, else the base price, by the rule carts
// and checkout use (commerce.ResolveUnitPrice, at quantity 1). SKUs without
// any price in currency are absent.
func BuyerUnitPrices(ctx context.Context, q *db.Queries, company db.Company, currency string, at time.Time, base map[string]BasePrice) (map[string]int64, error) {
	out := make(map[string]int64, len(base))
	if len(base) == 0 {
		return out, nil
	}
	skus := make([]string, 0, len(base))
	for sku := range base {
		skus = append(skus, sku)
	}
	lists, err := companyPriceLists(ctx, q, company, currency, skus)
	if err != nil {
		return nil, err
	}
	for sku, b := range base {
		unit, _, err := commerce.ResolveUnitPrice(sku, 1, currency, at, lists, b.UnitPrice, b.Priced)
		if r, ok := commerce.AsRejection(err); ok && r.Code == commerce.CodeNotPriced {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[sku] = unit
	}
	return out, nil
}

// CommerceLines converts stored cart lines to the rules' cart lines, and lists
// their SKUs.
func CommerceLines(lines []db.CartLine) ([]commerce.CartLine, []string) {
	out := make([]commerce.CartLine, len(lines))
	skus := make([]string, len(lines))
	for i, l := range lines {
		out[i] = commerce.CartLine{SKU: l.Sku, Quantity: int64(l.Quantity)}
		skus[i] = l.Sku
	}
	return out, skus
}

// PricingFor gathers what prices a cart besides its lines: the price lists of the
// cart's company and its customer group, the chosen shipping method and the tax
// of the ship-to country (none without a ship-to country, or for a tax-exempt
// company). A ship-to country without a tax rate is refused: Orderflow does not
// guess tax.
func PricingFor(ctx context.Context, q *db.Queries, cart db.Cart, skus []string, at time.Time) (commerce.PricingContext, error) {
	return pricingFor(ctx, q, cart, skus, at, Known{})
}

func pricingFor(ctx context.Context, q *db.Queries, cart db.Cart, skus []string, at time.Time, known Known) (commerce.PricingContext, error) {
	pc := commerce.PricingContext{At: at}
	company, err := q.CompanyGet(ctx, cart.CompanyID)
	if err != nil {
		return pc, err
	}
	// Only the cart an accepted quote is sold from names a revision; a cart a
	// quote was requested from (revision 0) keeps the catalogue's prices.
	if cart.QuoteID.Valid && cart.QuoteRevision > 0 {
		if err := quotePricing(ctx, q, cart, &pc); err != nil {
			return pc, err
		}
	} else {
		if pc.Lists, err = companyPriceLists(ctx, q, company, cart.Currency, skus); err != nil {
			return pc, err
		}
		if cart.ShippingMethod != "" {
			m, err := knownOr(known.ShippingMethod, func(m db.ShippingMethod) bool { return m.Code == cart.ShippingMethod },
				func() (db.ShippingMethod, error) { return q.ShippingMethodGet(ctx, cart.ShippingMethod) })
			if db.IsNotFound(err) {
				return pc, commerce.Reject(commerce.CodeInvalidCart, fmt.Sprintf("shipping method %q no longer exists", cart.ShippingMethod))
			}
			if err != nil {
				return pc, err
			}
			pc.Shipping = ShippingMethodOf(m)
		}
	}
	if cart.ShipCountry != "" {
		pc.Tax = commerce.TaxPolicy{Country: cart.ShipCountry, Exempt: company.TaxExempt}
		rate, err := knownOr(known.TaxRate, func(r db.TaxRate) bool { return r.Country == cart.ShipCountry },
			func() (db.TaxRate, error) { return q.TaxRateGet(ctx, cart.ShipCountry) })
		if db.IsNotFound(err) {
			return pc, commerce.Reject(commerce.CodeInvalidCart, fmt.Sprintf("no tax rate is set up for %s; orders cannot ship there", cart.ShipCountry))
		}
		if err != nil {
			return pc, err
		}
		pc.Tax.RateBasisPoints = int64(rate.RateBp)
	}
	return pc, nil
}

// knownOr is *known when it is there and matches, else what read reads.
func knownOr[T any](known *T, matches func(T) bool, read func() (T, error)) (T, error) {
	if known != nil && matches(*known) {
		return *known, nil
	}
	return read()
}

// companyPriceLists are the price lists of the company and its customer group
// that have tiers for skus in currency.
func companyPriceLists(ctx context.Context, q *db.Queries, company db.Company, currency string, skus []string) ([]commerce.PriceList, error) {
	rows, err := q.PriceListTierListForCompany(ctx, db.PriceListTierListForCompanyParams{
		Currency: currency, CompanyID: uuid.NullUUID{UUID: company.ID, Valid: true},
		CustomerGroup: company.CustomerGroup, Skus: skus,
	})
	if err != nil {
		return nil, err
	}
	return priceLists(rows), nil
}

// quotePricing sells a cart made from an accepted quote at its revision's
// prices, with the revision's shipping price: what the buyer accepted.
func quotePricing(ctx context.Context, q *db.Queries, cart db.Cart, pc *commerce.PricingContext) error {
	rev, err := q.QuoteRevisionGet(ctx, db.QuoteRevisionGetParams{QuoteID: cart.QuoteID.UUID, Revision: cart.QuoteRevision})
	if err != nil {
		return fmt.Errorf("revision %d of quote %s: %w", cart.QuoteRevision, cart.QuoteID.UUID, err)
	}
	lines, err := q.QuoteRevisionLineListByRevision(ctx, db.QuoteRevisionLineListByRevisionParams{
		QuoteID: cart.QuoteID.UUID, Revision: cart.QuoteRevision})
	if err != nil {
		return err
	}
	pc.Quote = &commerce.QuotePricing{QuoteID: cart.QuoteID.UUID.String(), Revision: int(cart.QuoteRevision),
		Prices: make(map[string]commerce.QuotedPrice, len(lines))}
	for _, l := range lines {
		pc.Quote.Prices[l.Sku] = commerce.QuotedPrice{UnitPrice: l.UnitPrice, ListUnitPrice: l.ListUnitPrice}
	}
	pc.Shipping = &commerce.ShippingMethod{Code: "quote", Name: "As quoted", Currency: rev.Currency, BaseAmount: rev.Shipping}
	return nil
}

// ShippingMethodOf converts a stored shipping method to the rules' type.
func ShippingMethodOf(m db.ShippingMethod) *commerce.ShippingMethod {
	out := &commerce.ShippingMethod{Code: m.Code, Name: m.Name, Currency: m.Currency,
		BaseAmount: m.BaseAmount, PerKgAmount: m.PerKgAmount}
	if m.FreeAbove.Valid {
		v := m.FreeAbove.Int64
		out.FreeAbove = &v
	}
	return out
}

// priceLists groups tier rows (ordered by list) into price lists.
func priceLists(rows []db.PriceListTierListForCompanyRow) []commerce.PriceList {
	var lists []commerce.PriceList
	for _, r := range rows {
		if len(lists) == 0 || lists[len(lists)-1].ID != r.ID.String() {
			scope := commerce.ScopeGroup
			if r.CompanyID.Valid {
				scope = commerce.ScopeCompany
			}
			lists = append(lists, commerce.PriceList{
				ID: r.ID.String(), Name: r.Name, Scope: scope, Currency: r.Currency, Priority: int(r.Priority),
				ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil, Tiers: map[string][]commerce.Tier{},
			})
		}
		l := &lists[len(lists)-1]
		l.Tiers[r.Sku] = append(l.Tiers[r.Sku], commerce.Tier{MinQuantity: int64(r.MinQuantity), UnitPrice: r.UnitPrice})
	}
	return lists
}

package pricing

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// ListedProducts is what the catalogue says of each line's SKU for one company
// in one currency at a moment, as a quote revision is judged against it: the
// name, the list unit price at the line's quantity (the company's price lists,
// else the base price; the same rule as the cart) and our cost price. SKUs that
// do not exist are absent; a SKU without any price is a *commerce.Rejection
// CodeNotPriced.
func ListedProducts(ctx context.Context, q *db.Queries, companyID uuid.UUID, currency string, lines []commerce.CartLine, at time.Time) (map[string]commerce.ListedProduct, error) {
	skus := make([]string, len(lines))
	for i, l := range lines {
		skus[i] = l.SKU
	}
	company, err := q.CompanyGet(ctx, companyID)
	if err != nil {
		return nil, err
	}
	lists, err := companyPriceLists(ctx, q, company, currency, skus)
	if err != nil {
		return nil, err
	}
	rows, err := q.ProductListForQuote(ctx, db.ProductListForQuoteParams{Currency: currency, Skus: skus})
	if err != nil {
		return nil, err
	}
	products := make(map[string]db.ProductListForQuoteRow, len(rows))
	for _, r := range rows {
		products[r.Sku] = r
	}
	out := make(map[string]commerce.ListedProduct, len(lines))
	for _, l := range lines {
		p, ok := products[l.SKU]
		if _, seen := out[l.SKU]; !ok || seen || l.Quantity < 1 {
			continue // unknown, doubled or invalid lines are the revision rules' to refuse
		}
		unit, _, err := commerce.ResolveUnitPrice(l.SKU, l.Quantity, currency, at, lists, p.UnitPrice, p.Priced)
		if err != nil {
			return nil, err
		}
		listed := commerce.ListedProduct{Name: p.Name, ListUnitPrice: unit}
		if p.CostPrice.Valid {
			cost := p.CostPrice.Int64
			listed.CostPrice = &cost
		}
		out[l.SKU] = listed
	}
	return out, nil
}

package db

import (
	"context"

	"github.com/orderflow/orderflow/commerce"
)

// Catalog reads what the catalogue says of skus in one currency: the input the
// pricing rules in package commerce work on. SKUs that do not exist are absent.
func Catalog(ctx context.Context, q *Queries, currency string, skus []string) (map[string]commerce.CatalogEntry, error) {
	rows, err := q.ProductsPriced(ctx, ProductsPricedParams{Currency: currency, Skus: skus})
	if err != nil {
		return nil, err
	}
	catalog := make(map[string]commerce.CatalogEntry, len(rows))
	for _, r := range rows {
		catalog[r.Sku] = commerce.CatalogEntry{
			SKU: r.Sku, Name: r.Name, UnitPrice: r.UnitPrice, Priced: r.Priced, Available: r.Available,
		}
	}
	return catalog, nil
}

// CommerceLines converts stored cart lines to the rules' cart lines, and lists
// their SKUs.
func CommerceLines(lines []CartLine) ([]commerce.CartLine, []string) {
	out := make([]commerce.CartLine, len(lines))
	skus := make([]string, len(lines))
	for i, l := range lines {
		out[i] = commerce.CartLine{SKU: l.Sku, Quantity: int64(l.Quantity)}
		skus[i] = l.Sku
	}
	return out, skus
}

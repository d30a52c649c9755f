package pricing

import (
	"context"
	"time"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// PricedCart is a stored cart as the rules price it at one moment.
type PricedCart struct {
	// Lines are the cart's lines as stored, in line order.
	Lines []commerce.CartLine
	// Catalog is what the catalogue says of the lines' SKUs; SKUs that no
	// longer exist are absent.
	Catalog map[string]commerce.CatalogEntry
	// Cart is the priced cart. It is set only when PriceCart returned no error.
	Cart commerce.PricedCart
}

// PriceCart reads the cart's lines and everything that prices them, and prices
// them with the rules in commerce (price lists and tiers, shipping, tax). Client
// prices are never read. held are units this checkout already holds: they count
// as available to it (a resumed checkout attempt). A business refusal (empty
// cart, unknown SKU, no price in the currency, no tax rate for the ship-to
// country) comes back as a *commerce.Rejection error, with Lines and Catalog
// filled in so a caller can still show the lines.
func PriceCart(ctx context.Context, q *db.Queries, cart db.Cart, at time.Time, held []db.StockReservation) (PricedCart, error) {
	return PriceCartKnowing(ctx, q, cart, at, held, Known{})
}

// Known are rows the caller has read in the same transaction, which pricing
// the cart would otherwise read again (the cart view after a change of the
// ship-to or the shipping method, which checked them). A row that does not
// match the cart (another code or country) is ignored and read.
type Known struct {
	ShippingMethod *db.ShippingMethod
	TaxRate        *db.TaxRate
}

// PriceCartKnowing is PriceCart using the rows in known instead of reading
// them again.
func PriceCartKnowing(ctx context.Context, q *db.Queries, cart db.Cart, at time.Time, held []db.StockReservation, known Known) (PricedCart, error) {
	rows, err := q.CartLineListByCart(ctx, cart.ID)
	if err != nil {
		return PricedCart{}, err
	}
	var out PricedCart
	var skus []string
	out.Lines, skus = CommerceLines(rows)
	if out.Catalog, err = Catalog(ctx, q, cart.CompanyID, cart.Currency, skus); err != nil {
		return out, err
	}
	for _, r := range held {
		if e, ok := out.Catalog[r.Sku]; ok {
			e.Available += r.Quantity
			out.Catalog[r.Sku] = e
		}
	}
	if len(out.Lines) == 0 {
		// Nothing to price: the rules refuse an empty cart whatever the rest.
		_, err = commerce.PriceCart(cart.Currency, out.Lines, out.Catalog, commerce.PricingContext{At: at})
		return out, err
	}
	pc, err := pricingFor(ctx, q, cart, skus, at, known)
	if err != nil {
		return out, err
	}
	out.Cart, err = commerce.PriceCart(cart.Currency, out.Lines, out.Catalog, pc)
	return out, err
}

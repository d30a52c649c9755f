package erp

import (
	"context"
	"slices"

	"go.temporal.io/sdk/activity"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/erpapi"
)

// PullPricePage fetches the price changes after the stored cursor and applies
// them with the page's next cursor in one transaction, so a retried or
// repeated page is applied once. A change names a price list by its code: it
// sets the SKU's base tier (from 1 unit) in that list, or, under
// commerce.BasePricesCode, the catalogue's base price in its currency. A
// change Orderflow cannot apply (an unknown SKU or list code, a currency not
// the list's, a negative price) is skipped and counted, never an error: one
// stale code in the ERP must not stop every other price.
func (a *Activities) PullPricePage(ctx context.Context, in PullPageInput) (PullPageResult, error) {
	return pullPage(ctx, a, PriceFeed, in, a.priceChanges, applyPriceChanges)
}

func (a *Activities) priceChanges(ctx context.Context, cursor string, limit int) (feedPage[erpapi.PriceChange], error) {
	page, err := a.Connector.PriceChanges(ctx, cursor, limit)
	return feedPage[erpapi.PriceChange]{changes: page.Items, nextCursor: page.NextCursor}, err
}

// applyPriceChanges writes the changes in their order (of two for one price,
// the later wins), skipping (and logging) those Orderflow cannot apply.
func applyPriceChanges(ctx context.Context, q *db.Queries, changes []erpapi.PriceChange) (PullPageResult, error) {
	var res PullPageResult
	if len(changes) == 0 {
		return res, nil
	}
	skus := make([]string, 0, len(changes))
	for _, ch := range changes {
		skus = append(skus, ch.SKU)
	}
	known, err := q.ProductListExistingSKUs(ctx, skus)
	if err != nil {
		return res, err
	}
	// The lists the page names, by code; nil for a code no list has.
	lists := map[string]*db.PriceList{}
	for _, ch := range changes {
		why := ""
		switch {
		case !slices.Contains(known, ch.SKU):
			why = "unknown sku"
		case !commerce.ValidCurrency(ch.Currency):
			why = "malformed currency"
		case ch.UnitPriceMinor < 0:
			why = "negative price"
		case ch.PriceList == commerce.BasePricesCode:
			err = q.ProductPricePutMany(ctx, db.ProductPricePutManyParams{
				Sku: ch.SKU, Currencies: []string{ch.Currency}, UnitPrices: []int64{ch.UnitPriceMinor}})
		default:
			list, ok := lists[ch.PriceList]
			if !ok {
				if list, err = priceListByCode(ctx, q, ch.PriceList); err != nil {
					return res, err
				}
				lists[ch.PriceList] = list
			}
			switch {
			case list == nil:
				why = "unknown price list"
			case list.Currency != ch.Currency:
				why = "currency is not the price list's"
			default:
				err = q.PriceListTierPut(ctx, db.PriceListTierPutParams{
					PriceListID: list.ID, Sku: ch.SKU, MinQuantity: 1, UnitPrice: ch.UnitPriceMinor})
			}
		}
		if err != nil {
			return res, err
		}
		if why != "" {
			activity.GetLogger(ctx).Info("erp price change skipped", "reason", why, "price_list", ch.PriceList, "sku", ch.SKU, "currency", ch.Currency)
			res.Skipped++
			continue
		}
		res.Applied++
	}
	return res, nil
}

// priceListByCode is the list with the code, or nil when none has it.
func priceListByCode(ctx context.Context, q *db.Queries, code string) (*db.PriceList, error) {
	l, err := q.PriceListGetByCode(ctx, code)
	if db.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &l, nil
}

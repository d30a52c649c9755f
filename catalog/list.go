package catalog

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Filter is one page of the storefront catalog as a company asks for it.
// Zero values filter nothing.
type Filter struct {
	AfterHandle string
	Category    string
	Search      commerce.Search
	// Attributes is a JSON object every match contains ("{}" or nil: any).
	Attributes []byte
	// RangeName, when set, keeps the products whose number attribute of that
	// name lies from RangeMin to RangeMax.
	RangeName          string
	RangeMin, RangeMax pgtype.Numeric
	// AssortmentID limits the page to an assortment's products.
	AssortmentID uuid.NullUUID
	Limit        int32
}

// List reads a page of catalog products by handle, with the query that
// serves the filter: a number range joins its range rows
// (CatalogProductListVisibleInRange), a search with words walks the search
// index (CatalogProductSearchVisible), anything else walks the handles or
// the category (CatalogProductListVisible). All of them filter alike; they
// differ in what they read first.
func List(ctx context.Context, q *db.Queries, f Filter) ([]db.CatalogProduct, error) {
	attributes := f.Attributes
	if len(attributes) == 0 {
		attributes = []byte("{}")
	}
	switch words := f.Search.Words; {
	case f.RangeName != "":
		return q.CatalogProductListVisibleInRange(ctx, db.CatalogProductListVisibleInRangeParams{RangeName: f.RangeName,
			RangeMin: f.RangeMin, RangeMax: f.RangeMax, AfterHandle: f.AfterHandle, Category: f.Category,
			Search: f.Search.Pattern, Attributes: attributes, AssortmentID: f.AssortmentID, RowLimit: f.Limit})
	case len(words) > 0:
		// One or two words fill the other places with the first: joining a
		// word's entries with themselves keeps every one.
		w := [commerce.MaxSearchWords]string{words[0], words[0], words[0]}
		copy(w[:], words)
		return q.CatalogProductSearchVisible(ctx, db.CatalogProductSearchVisibleParams{Word1: w[0], Word2: w[1], Word3: w[2],
			AfterHandle: f.AfterHandle, Search: f.Search.Pattern, Category: f.Category, Attributes: attributes,
			AssortmentID: f.AssortmentID, RowLimit: f.Limit})
	default:
		return q.CatalogProductListVisible(ctx, db.CatalogProductListVisibleParams{AfterHandle: f.AfterHandle,
			Category: f.Category, Search: f.Search.Pattern, Attributes: attributes, AssortmentID: f.AssortmentID,
			RowLimit: f.Limit})
	}
}

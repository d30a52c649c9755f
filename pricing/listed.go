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
// do not exist, or are outside the company's assortment, are absent; a SKU
// without any price is a *commerce.Rejection
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
	rows, err := q.ProductListForQuote(ctx, db.ProductListForQuoteParams{Currency: currency, Skus: skus, CompanyID: companyID})
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

// DraftRevision prices a quote revision as its author drafts it, against the
// company's list prices and our costs now, and judges it against the author
// role's authority: the one reading of a draft that saving it (the quote's
// DraftRevision activity) and previewing it (the API, as a rep types) share.
// It writes nothing. Errors are BuildRevision's, the company's quantity rules'
// (a *commerce.Rejection CodeQuantityRule) and EvaluateAuthority's (a draft
// beyond a sales manager's authority is a *commerce.Rejection
// CodeBeyondAuthority), or ListedProducts'.
func DraftRevision(ctx context.Context, q *db.Queries, companyID uuid.UUID, currency string, author commerce.Role,
	in []commerce.RevisionLineInput, shipping int64, validDays int, note string, at time.Time,
) (commerce.Revision, commerce.AuthorityDecision, error) {
	lines := make([]commerce.CartLine, len(in))
	for i, l := range in {
		lines[i] = commerce.CartLine{SKU: l.SKU, Quantity: l.Quantity}
	}
	listed, err := ListedProducts(ctx, q, companyID, currency, lines, at)
	if err != nil {
		return commerce.Revision{}, commerce.AuthorityDecision{}, err
	}
	rev, err := commerce.BuildRevision(currency, in, listed, shipping, validDays, note)
	if err != nil {
		return commerce.Revision{}, commerce.AuthorityDecision{}, err
	}
	// The rep's quantities keep to the company's quantity rules: an accepted
	// quote is checked out at them without a second look (docs/api.md).
	if err := CheckQuantityRules(ctx, q, companyID, lines); err != nil {
		return commerce.Revision{}, commerce.AuthorityDecision{}, err
	}
	authorities, err := QuoteAuthorities(ctx, q)
	if err != nil {
		return commerce.Revision{}, commerce.AuthorityDecision{}, err
	}
	decision, err := commerce.EvaluateAuthority(rev, author, authorities)
	if err != nil {
		return commerce.Revision{}, commerce.AuthorityDecision{}, err
	}
	return rev, decision, nil
}

// QuoteAuthorities is every sales role's authority: as ops configured it,
// else the default.
func QuoteAuthorities(ctx context.Context, q *db.Queries) (map[commerce.Role]commerce.QuoteAuthority, error) {
	rows, err := q.QuoteAuthorityList(ctx)
	if err != nil {
		return nil, err
	}
	out := commerce.DefaultQuoteAuthorities()
	for _, r := range rows {
		out[commerce.Role(r.Role)] = commerce.QuoteAuthority{MaxDiscountBP: int64(r.MaxDiscountBp), MinMarginBP: int64(r.MinMarginBp)}
	}
	return out, nil
}

package commerce

import (
	"fmt"
	"sort"
	"time"
)

// PriceListScope says whom a price list is negotiated for. The scope decides
// which list wins when several apply: the more specific agreement beats the more
// general one.
type PriceListScope string

// Price list scopes, from the most to the least specific.
const (
	// ScopeCompany: a list negotiated with one company.
	ScopeCompany PriceListScope = "company"
	// ScopeGroup: a list for every company in a customer group (e.g. "wholesale").
	ScopeGroup PriceListScope = "customer_group"
)

// specificity ranks scopes: higher wins. Unknown scopes rank 0 and never apply,
// so a list with a scope this code does not understand cannot set a price.
func (s PriceListScope) specificity() int {
	switch s {
	case ScopeCompany:
		return 2
	case ScopeGroup:
		return 1
	}
	return 0
}

// Tier is one volume price of a SKU in a price list: UnitPrice applies to lines
// of at least MinQuantity units.
type Tier struct {
	MinQuantity int64 `json:"min_quantity"`
	UnitPrice   int64 `json:"unit_price"` // minor units of the list's currency
}

// PriceList is a set of negotiated unit prices, by SKU and volume tier, in one
// currency, for a company or a customer group, possibly for a limited time.
type PriceList struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Code is how the ERP's price feed names the list ("" for a list the ERP
	// does not feed); see ValidatePriceListCode.
	Code     string         `json:"code,omitempty"`
	Scope    PriceListScope `json:"scope"`
	Currency string         `json:"currency"`
	Priority int            `json:"priority"`
	// ValidFrom and ValidUntil bound the list to [ValidFrom, ValidUntil) in UTC;
	// nil leaves that side open.
	ValidFrom  *time.Time `json:"valid_from,omitempty"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	// Tiers holds the volume tiers of each SKU, by SKU, in any order.
	Tiers map[string][]Tier `json:"tiers"`
}

// validAt tells whether at falls in [ValidFrom, ValidUntil).
func (l PriceList) validAt(at time.Time) bool {
	if l.ValidFrom != nil && at.Before(*l.ValidFrom) {
		return false
	}
	if l.ValidUntil != nil && !at.Before(*l.ValidUntil) {
		return false
	}
	return true
}

// bestTier returns the tier of sku with the largest MinQuantity not above
// quantity. Tiers with a negative price are corrupt data and are skipped, so
// they can never make an order cheaper than free; of two tiers with the same
// MinQuantity the cheaper wins, so the result does not depend on their order.
func (l PriceList) bestTier(sku string, quantity int64) (Tier, bool) {
	var best Tier
	found := false
	for _, t := range l.Tiers[sku] {
		if t.MinQuantity > quantity || t.UnitPrice < 0 {
			continue
		}
		if !found || t.MinQuantity > best.MinQuantity ||
			(t.MinQuantity == best.MinQuantity && t.UnitPrice < best.UnitPrice) {
			best, found = t, true
		}
	}
	return best, found
}

// PriceSource records where a line's unit price came from, so an order line can
// show (and an audit can replay) which agreement priced it. The zero value means
// the base catalogue price.
type PriceSource struct {
	PriceListID   string `json:"price_list_id,omitempty"`
	PriceListName string `json:"price_list_name,omitempty"`
	MinQuantity   int64  `json:"min_quantity,omitempty"` // of the tier that applied
	// QuoteID and QuoteRevision name the accepted quote revision whose price
	// the line is sold at, when it is.
	QuoteID       string `json:"quote_id,omitempty"`
	QuoteRevision int    `json:"quote_revision,omitempty"`
}

// ResolveUnitPrice finds the unit price of quantity units of sku in currency at
// the instant at, from the buyer's price lists and the base catalogue price.
//
// The rule:
//
//  1. A list is a candidate when it is in currency (there is no conversion: a
//     list in another currency never applies), it is valid at at (ValidFrom <=
//     at < ValidUntil, nil bounds open), its scope is known, and it has a tier
//     for sku with MinQuantity <= quantity.
//  2. Of the candidates, the most specific scope wins: company beats
//     customer_group, whatever the priorities, because an agreement made with
//     the company itself is meant to override its group's.
//  3. Within that scope the highest Priority wins.
//  4. On equal priority the lowest resulting unit price wins (the buyer is
//     never charged more because two lists overlap), then the lowest list ID,
//     so the same inputs always give the same answer.
//  5. Within the chosen list the tier with the largest MinQuantity <= quantity
//     applies.
//  6. When no list is a candidate, the base catalogue price applies (with a
//     zero PriceSource) if basePriced and basePrice >= 0; otherwise the result
//     is a *Rejection CodeNotPriced naming the SKU.
//
// A quantity below 1 is a *Rejection CodeInvalidCart: tiers cannot be chosen
// for it. There is no upper bound here, since quotes may price volumes above
// MaxLineQuantity.
func ResolveUnitPrice(sku string, quantity int64, currency string, at time.Time, lists []PriceList, basePrice int64, basePriced bool) (unit int64, src PriceSource, err error) {
	if quantity < 1 {
		return 0, PriceSource{}, RejectSKU(CodeInvalidCart, sku,
			fmt.Sprintf("line %s: quantity must be at least 1, got %d", sku, quantity))
	}

	type candidate struct {
		list PriceList
		tier Tier
	}
	var best *candidate
	// better tells whether c beats best under rules 2-4.
	better := func(c candidate) bool {
		if best == nil {
			return true
		}
		if a, b := c.list.Scope.specificity(), best.list.Scope.specificity(); a != b {
			return a > b
		}
		if c.list.Priority != best.list.Priority {
			return c.list.Priority > best.list.Priority
		}
		if c.tier.UnitPrice != best.tier.UnitPrice {
			return c.tier.UnitPrice < best.tier.UnitPrice
		}
		return c.list.ID < best.list.ID
	}
	for _, l := range lists {
		if l.Currency != currency || l.Scope.specificity() == 0 || !l.validAt(at) {
			continue
		}
		tier, ok := l.bestTier(sku, quantity)
		if !ok {
			continue
		}
		if c := (candidate{list: l, tier: tier}); better(c) {
			best = &c
		}
	}
	if best != nil {
		return best.tier.UnitPrice, PriceSource{
			PriceListID:   best.list.ID,
			PriceListName: best.list.Name,
			MinQuantity:   best.tier.MinQuantity,
		}, nil
	}
	if basePriced && basePrice >= 0 {
		return basePrice, PriceSource{}, nil
	}
	return 0, PriceSource{}, RejectSKU(CodeNotPriced, sku, fmt.Sprintf("product %s has no price in %s", sku, currency))
}

// BasePricesCode is the price list code the ERP's price feed uses for the
// catalogue's base prices (the prices that apply when no list does). No price
// list may have it.
const BasePricesCode = "BASE"

// ValidatePriceListCode checks a price list's code: 1-64 letters, digits,
// '.', '_' or '-' (as the ERP names the list, case included), and not
// BasePricesCode.
func ValidatePriceListCode(field, code string) error {
	switch {
	case !skuPattern.MatchString(code):
		return &FieldError{Field: field, Message: "must be 1-64 letters, digits, '.', '_' or '-'"}
	case code == BasePricesCode:
		return &FieldError{Field: field, Message: fmt.Sprintf("%q is reserved for the catalogue's base prices", BasePricesCode)}
	}
	return nil
}

// ValidatePriceList checks a price list before it is stored (from the API or the
// ERP sync), naming the offending field, so that ResolveUnitPrice never has to
// guess what a malformed list meant.
func ValidatePriceList(l PriceList) error {
	switch {
	case l.ID == "":
		return &FieldError{Field: "id", Message: "is required"}
	case l.Name == "":
		return &FieldError{Field: "name", Message: "is required"}
	case l.Scope.specificity() == 0:
		return &FieldError{Field: "scope", Message: fmt.Sprintf("must be %q or %q", ScopeCompany, ScopeGroup)}
	case !ValidCurrency(l.Currency):
		return &FieldError{Field: "currency", Message: "must be a three-letter ISO 4217 code such as EUR"}
	case l.ValidFrom != nil && l.ValidUntil != nil && !l.ValidFrom.Before(*l.ValidUntil):
		return &FieldError{Field: "valid_until", Message: "must be after valid_from"}
	}
	if l.Code != "" {
		if err := ValidatePriceListCode("code", l.Code); err != nil {
			return err
		}
	}
	skus := make([]string, 0, len(l.Tiers))
	for sku := range l.Tiers {
		skus = append(skus, sku)
	}
	sort.Strings(skus) // the first error reported does not depend on map order
	for _, sku := range skus {
		field := fmt.Sprintf("tiers[%s]", sku)
		if err := ValidateSKU(field, sku); err != nil {
			return err
		}
		seen := make(map[int64]bool, len(l.Tiers[sku]))
		for i, t := range l.Tiers[sku] {
			switch {
			case t.MinQuantity < 1:
				return &FieldError{Field: fmt.Sprintf("%s[%d].min_quantity", field, i), Message: "must be at least 1"}
			case seen[t.MinQuantity]:
				return &FieldError{Field: fmt.Sprintf("%s[%d].min_quantity", field, i), Message: fmt.Sprintf("%d appears twice", t.MinQuantity)}
			case t.UnitPrice < 0:
				return &FieldError{Field: fmt.Sprintf("%s[%d].unit_price", field, i), Message: "must not be negative"}
			}
			seen[t.MinQuantity] = true
		}
	}
	return nil
}

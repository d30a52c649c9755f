package pricing

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// QuantityRules is the quantity rule that applies to each of skus for one
// company (its own rule for a SKU, else the SKU's): SKUs without a rule are
// absent. One statement, by primary keys.
func QuantityRules(ctx context.Context, q *db.Queries, companyID uuid.UUID, skus []string) (map[string]commerce.QuantityRule, error) {
	out := map[string]commerce.QuantityRule{}
	if len(skus) == 0 {
		return out, nil
	}
	rows, err := q.QuantityRuleListForCompany(ctx, db.QuantityRuleListForCompanyParams{CompanyID: companyID, Skus: skus})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		skuRule := quantityRuleOf(r.SkuMinQuantity, r.SkuIncrement, r.SkuMaxQuantity)
		companyRule := quantityRuleOf(r.CompanyMinQuantity, r.CompanyIncrement, r.CompanyMaxQuantity)
		if eff := commerce.EffectiveQuantityRule(skuRule, companyRule); eff != nil {
			out[r.Sku] = *eff
		}
	}
	return out, nil
}

// RulesOf are the quantity rules of a catalogue read (Catalog), by SKU: SKUs
// without a rule are absent.
func RulesOf(catalog map[string]commerce.CatalogEntry) map[string]commerce.QuantityRule {
	out := map[string]commerce.QuantityRule{}
	for sku, e := range catalog {
		if e.QuantityRule != nil {
			out[sku] = *e.QuantityRule
		}
	}
	return out
}

// quantityRuleOf reads one side of QuantityRuleListForCompany's row: nil when
// that side has no rule.
func quantityRuleOf(minQuantity, increment, maxQuantity pgtype.Int4) *commerce.QuantityRule {
	if !minQuantity.Valid {
		return nil
	}
	r := &commerce.QuantityRule{MinQuantity: int64(minQuantity.Int32), Increment: int64(increment.Int32)}
	if maxQuantity.Valid {
		most := int64(maxQuantity.Int32)
		r.MaxQuantity = &most
	}
	return r
}

// CheckQuantityRules refuses the first of lines that breaks the quantity rule
// that applies to companyID (a *commerce.Rejection CodeQuantityRule).
func CheckQuantityRules(ctx context.Context, q *db.Queries, companyID uuid.UUID, lines []commerce.CartLine) error {
	skus := make([]string, len(lines))
	for i, l := range lines {
		skus[i] = l.SKU
	}
	rules, err := QuantityRules(ctx, q, companyID, skus)
	if err != nil {
		return err
	}
	return commerce.CheckQuantityRules(lines, rules)
}

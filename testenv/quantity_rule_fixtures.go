package testenv

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/db"
)

// QuantityRule is a quantity rule to set with SetQuantityRule: a SKU's
// (Company uuid.Nil) or one company's own. MaxQuantity 0 is no maximum.
type QuantityRule struct {
	Company     uuid.UUID
	SKU         string
	MinQuantity int32
	Increment   int32
	MaxQuantity int32
}

// SetQuantityRule creates or replaces a quantity rule, as the admin API does
// (without its checks: tests may set what ops could not).
func SetQuantityRule(t testing.TB, pool *pgxpool.Pool, r QuantityRule) {
	t.Helper()
	q, ctx := db.New(pool), context.Background()
	most := pgtype.Int4{Int32: r.MaxQuantity, Valid: r.MaxQuantity > 0}
	var err error
	if r.Company == uuid.Nil {
		_, err = q.QuantityRulePut(ctx, db.QuantityRulePutParams{Sku: r.SKU, MinQuantity: r.MinQuantity, Increment: r.Increment, MaxQuantity: most})
	} else {
		_, err = q.QuantityRulePutForCompany(ctx, db.QuantityRulePutForCompanyParams{
			CompanyID: r.Company, Sku: r.SKU, MinQuantity: r.MinQuantity, Increment: r.Increment, MaxQuantity: most})
	}
	if err != nil {
		t.Fatalf("set quantity rule: %v", err)
	}
}

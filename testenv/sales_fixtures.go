package testenv

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/db"
)

// SetCostPrice sets what a unit of the product costs us in a currency it has a
// price in (quotes judge margins against it).
func SetCostPrice(t testing.TB, pool *pgxpool.Pool, sku, currency string, cost int64) {
	t.Helper()
	n, err := db.New(pool).ProductPriceUpdateCost(context.Background(), db.ProductPriceUpdateCostParams{
		Sku: sku, Currency: currency, CostPrice: pgtype.Int8{Int64: cost, Valid: true}})
	if err != nil || n == 0 {
		t.Fatalf("set cost price of %s in %s: %v (%d rows)", sku, currency, err, n)
	}
}

// SetAccountRep makes a sales rep the company's account rep: its new quotes go
// to them.
func SetAccountRep(t testing.TB, pool *pgxpool.Pool, company Company, staffID uuid.UUID) {
	t.Helper()
	if err := db.New(pool).CompanyUpdateSalesRep(context.Background(), db.CompanyUpdateSalesRepParams{
		ID: company.ID, SalesRepID: uuid.NullUUID{UUID: staffID, Valid: true}}); err != nil {
		t.Fatalf("set account rep: %v", err)
	}
}

// SetTerms sets the company's payment terms and return window, in days.
func SetTerms(t testing.TB, pool *pgxpool.Pool, company Company, paymentDays, returnDays int) {
	t.Helper()
	if err := db.New(pool).CompanyUpdateTerms(context.Background(), db.CompanyUpdateTermsParams{
		ID: company.ID, PaymentTermsDays: int32(paymentDays), ReturnWindowDays: int32(returnDays)}); err != nil {
		t.Fatalf("set terms: %v", err)
	}
}

// SetOnBehalfCheckout lets the company's sales staff check out carts in a
// buyer's name, or stops them.
func SetOnBehalfCheckout(t testing.TB, pool *pgxpool.Pool, company Company, allowed bool) {
	t.Helper()
	if _, err := db.New(pool).CompanyUpdateOnBehalfCheckout(context.Background(), db.CompanyUpdateOnBehalfCheckoutParams{
		ID: company.ID, OnBehalfCheckout: allowed}); err != nil {
		t.Fatalf("set on-behalf checkout: %v", err)
	}
}

package testenv

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/db"
)

// SetSpendingLimit sets a spending limit (period order, month or quarter; amount
// in minor units of the company's currency) for one employee, or for the whole
// company when employee is uuid.Nil, and returns the limit's ID. Setting it
// again replaces the amount and keeps the ID.
func SetSpendingLimit(t testing.TB, pool *pgxpool.Pool, company Company, employee uuid.UUID, period string, amount int64) uuid.UUID {
	t.Helper()
	l, err := db.New(pool).SpendingLimitPut(context.Background(), db.SpendingLimitPutParams{
		ID: uuid.New(), CompanyID: company.ID, CustomerID: uuid.NullUUID{UUID: employee, Valid: employee != uuid.Nil},
		Period: period, Amount: amount, Currency: company.Currency,
	})
	if err != nil {
		t.Fatalf("set spending limit: %v", err)
	}
	return l.ID
}

// ApprovalRule is a company's reason to hold orders for approval.
type ApprovalRule struct {
	Kind        string   // total_above, over_spending_limit or restricted_sku
	Threshold   int64    // total_above: minor units
	SKUs        []string // restricted_sku
	ApproverMax *int64   // above it only a company admin may decide
}

// NewApprovalRule adds an approval rule to the company and returns its ID. A
// checkout reads a company's rules in the order they were created.
func NewApprovalRule(t testing.TB, pool *pgxpool.Pool, company Company, r ApprovalRule) uuid.UUID {
	t.Helper()
	p := db.ApprovalRuleCreateParams{ID: uuid.New(), CompanyID: company.ID, Kind: r.Kind, Threshold: r.Threshold, Skus: r.SKUs}
	if p.Skus == nil {
		p.Skus = []string{}
	}
	if r.ApproverMax != nil {
		p.ApproverMax = pgtype.Int8{Int64: *r.ApproverMax, Valid: true}
	}
	if _, err := db.New(pool).ApprovalRuleCreate(context.Background(), p); err != nil {
		t.Fatalf("create approval rule: %v", err)
	}
	return p.ID
}

package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The B2B fixtures write plain rows, as an ERP sync or a migration would, so a
// test's setup does not depend on the admin API it might be testing.

// NewEmployee creates an employee of the company with the given role (buyer,
// approver or company_admin) and a fresh token. The role is set before the token
// is ever used, so the API's principal cache never sees another role.
func NewEmployee(t testing.TB, pool *pgxpool.Pool, company Company, role string) Buyer {
	t.Helper()
	e := NewBuyer(t, pool, company)
	execFixture(t, pool, "set employee role", `UPDATE customers SET role = $2 WHERE id = $1`, e.ID, role)
	return e
}

// SetSpendingLimit sets a spending limit (period order, month or quarter; amount
// in minor units of the company's currency) for one employee, or for the whole
// company when employee is uuid.Nil.
func SetSpendingLimit(t testing.TB, pool *pgxpool.Pool, company Company, employee uuid.UUID, period string, amount int64) {
	t.Helper()
	execFixture(t, pool, "set spending limit", `
		INSERT INTO spending_limits (id, company_id, customer_id, period, amount, currency)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (company_id, customer_id, period) DO UPDATE SET amount = EXCLUDED.amount, currency = EXCLUDED.currency`,
		uuid.New(), company.ID, uuid.NullUUID{UUID: employee, Valid: employee != uuid.Nil}, period, amount, company.Currency)
}

// ApprovalRule is a company's reason to hold orders for approval.
type ApprovalRule struct {
	Kind        string   // total_above, over_spending_limit or restricted_sku
	Threshold   int64    // total_above: minor units
	SKUs        []string // restricted_sku
	ApproverMax *int64   // above it only a company admin may decide
}

// NewApprovalRule adds an approval rule to the company and returns its ID.
func NewApprovalRule(t testing.TB, pool *pgxpool.Pool, company Company, r ApprovalRule) uuid.UUID {
	t.Helper()
	id := uuid.New()
	skus := r.SKUs
	if skus == nil {
		skus = []string{}
	}
	execFixture(t, pool, "create approval rule", `
		INSERT INTO approval_rules (id, company_id, kind, threshold, skus, approver_max)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		id, company.ID, r.Kind, r.Threshold, skus, r.ApproverMax)
	return id
}

// PriceList is a price list for one company (CompanyID set) or for a customer
// group (CustomerGroup set).
type PriceList struct {
	Name          string
	CompanyID     uuid.UUID
	CustomerGroup string
	Currency      string
	Priority      int
	ValidFrom     *time.Time
	ValidUntil    *time.Time
	Tiers         []PriceTier
}

// PriceTier is one volume price of a SKU in a price list.
type PriceTier struct {
	SKU         string
	MinQuantity int
	UnitPrice   int64
}

// NewPriceList creates a price list with its tiers and returns its ID.
func NewPriceList(t testing.TB, pool *pgxpool.Pool, l PriceList) uuid.UUID {
	t.Helper()
	id := uuid.New()
	var group *string
	if l.CustomerGroup != "" {
		group = &l.CustomerGroup
	}
	execFixture(t, pool, "create price list", `
		INSERT INTO price_lists (id, name, company_id, customer_group, currency, priority, valid_from, valid_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		id, l.Name, uuid.NullUUID{UUID: l.CompanyID, Valid: l.CompanyID != uuid.Nil}, group, l.Currency, l.Priority,
		l.ValidFrom, l.ValidUntil)
	for _, tier := range l.Tiers {
		execFixture(t, pool, "create price tier", `
			INSERT INTO price_list_tiers (price_list_id, sku, min_quantity, unit_price) VALUES ($1, $2, $3, $4)`,
			id, tier.SKU, tier.MinQuantity, tier.UnitPrice)
	}
	return id
}

// ShippingMethod is a way to ship and its price, in minor units of Currency.
type ShippingMethod struct {
	Code        string
	Name        string
	Currency    string
	BaseAmount  int64
	PerKgAmount int64
	FreeAbove   *int64 // nil: never free
}

// SetShippingMethod creates or replaces a shipping method. Shipping methods are
// global: give each test its own codes.
func SetShippingMethod(t testing.TB, pool *pgxpool.Pool, m ShippingMethod) {
	t.Helper()
	if m.Name == "" {
		m.Name = "Shipping " + m.Code
	}
	execFixture(t, pool, "set shipping method", `
		INSERT INTO shipping_methods (code, name, currency, base_amount, per_kg_amount, free_above)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, currency = EXCLUDED.currency,
			base_amount = EXCLUDED.base_amount, per_kg_amount = EXCLUDED.per_kg_amount, free_above = EXCLUDED.free_above`,
		m.Code, m.Name, m.Currency, m.BaseAmount, m.PerKgAmount, m.FreeAbove)
}

// SetTaxRate sets the tax rate of a ship-to country in basis points (1900 = 19 %).
// Tax rates are global: tests sharing a database must agree on a country's rate.
func SetTaxRate(t testing.TB, pool *pgxpool.Pool, country string, basisPoints int) {
	t.Helper()
	execFixture(t, pool, "set tax rate", `
		INSERT INTO tax_rates (country, rate_bp) VALUES ($1, $2)
		ON CONFLICT (country) DO UPDATE SET rate_bp = EXCLUDED.rate_bp`, country, basisPoints)
}

// SetCustomerGroup puts the company in a customer group ("" for none).
func SetCustomerGroup(t testing.TB, pool *pgxpool.Pool, company Company, group string) {
	t.Helper()
	execFixture(t, pool, "set customer group", `UPDATE companies SET customer_group = $2 WHERE id = $1`, company.ID, group)
}

// SetTaxExempt makes the company tax-exempt, or not.
func SetTaxExempt(t testing.TB, pool *pgxpool.Pool, company Company, exempt bool) {
	t.Helper()
	execFixture(t, pool, "set tax exempt", `UPDATE companies SET tax_exempt = $2 WHERE id = $1`, company.ID, exempt)
}

// SetApprovalTimeout sets how long the company's checkouts wait for an approver
// (whole seconds, at least one).
func SetApprovalTimeout(t testing.TB, pool *pgxpool.Pool, company Company, timeout time.Duration) {
	t.Helper()
	execFixture(t, pool, "set approval timeout", `UPDATE companies SET approval_timeout_seconds = $2 WHERE id = $1`,
		company.ID, int32(timeout/time.Second))
}

// SetProductWeight sets the weight of one unit of the product, in grams.
func SetProductWeight(t testing.TB, pool *pgxpool.Pool, sku string, grams int) {
	t.Helper()
	execFixture(t, pool, "set product weight", `UPDATE products SET weight_grams = $2 WHERE sku = $1`, sku, grams)
}

// execFixture runs one fixture statement, which must change at least one row.
func execFixture(t testing.TB, pool *pgxpool.Pool, what, sql string, args ...any) {
	t.Helper()
	tag, err := pool.Exec(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if tag.RowsAffected() == 0 {
		t.Fatalf("%s: no row changed", what)
	}
}

package testenv

// The fixtures write through the queries production uses (the ones behind the
// ops admin API and the storefront), never with SQL of their own, so a fixture
// can only make rows the system itself could make. They skip the API's input
// checks, which lets a test set up states the API refuses (a shipping method
// that no longer exists, for one). Each fixture fails the test on error.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/apitoken"
	"github.com/orderflow/orderflow/db"
)

// defaultApprovalTimeout is the column default of companies.approval_timeout_seconds,
// which a created company must state.
const defaultApprovalTimeout = 3 * 24 * time.Hour

// Company is a buying company made for a test.
type Company struct {
	ID          uuid.UUID
	Currency    string
	CreditLimit int64
}

// Buyer is an employee of a Company (whatever their role), with a bearer token.
type Buyer struct {
	ID        uuid.UUID
	CompanyID uuid.UUID
	Token     string
}

// Staff is a member of the seller's staff, with a bearer token.
type Staff struct {
	ID    uuid.UUID
	Token string
}

// NewCompany creates a company with the given currency and credit limit (minor
// units), in no customer group, not tax-exempt, with the default approval timeout.
func NewCompany(t testing.TB, pool *pgxpool.Pool, currency string, creditLimit int64) Company {
	t.Helper()
	c, err := db.New(pool).CompanyCreate(context.Background(), db.CompanyCreateParams{
		ID: uuid.New(), Name: "Test Co " + uuid.NewString()[:8], Currency: currency, CreditLimit: creditLimit,
		ApprovalTimeoutSeconds: int32(defaultApprovalTimeout / time.Second),
	})
	if err != nil {
		t.Fatalf("create company: %v", err)
	}
	return Company{ID: c.ID, Currency: c.Currency, CreditLimit: c.CreditLimit}
}

// SetCustomerGroup puts the company in a customer group ("" for none).
func SetCustomerGroup(t testing.TB, pool *pgxpool.Pool, company Company, group string) {
	t.Helper()
	updateCompany(t, pool, company, "set customer group", func(p *db.CompanyUpdateParams) { p.CustomerGroup = group })
}

// SetTaxExempt makes the company tax-exempt, or not.
func SetTaxExempt(t testing.TB, pool *pgxpool.Pool, company Company, exempt bool) {
	t.Helper()
	updateCompany(t, pool, company, "set tax exempt", func(p *db.CompanyUpdateParams) { p.TaxExempt = exempt })
}

// SetApprovalTimeout sets how long the company's checkouts wait for an approver
// (whole seconds, at least one).
func SetApprovalTimeout(t testing.TB, pool *pgxpool.Pool, company Company, timeout time.Duration) {
	t.Helper()
	updateCompany(t, pool, company, "set approval timeout", func(p *db.CompanyUpdateParams) {
		p.ApprovalTimeoutSeconds = int32(timeout / time.Second)
	})
}

// updateCompany changes some of a company's settings and keeps the others, as
// the admin API's PATCH does.
func updateCompany(t testing.TB, pool *pgxpool.Pool, company Company, what string, change func(*db.CompanyUpdateParams)) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, pool, func(q *db.Queries) error {
		c, err := q.CompanyLock(ctx, company.ID)
		if err != nil {
			return err
		}
		p := db.CompanyUpdateParams{
			ID: c.ID, Name: c.Name, Currency: c.Currency, CreditLimit: c.CreditLimit, CustomerGroup: c.CustomerGroup,
			TaxExempt: c.TaxExempt, ApprovalTimeoutSeconds: c.ApprovalTimeoutSeconds,
		}
		change(&p)
		_, err = q.CompanyUpdate(ctx, p)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// NewEmployee creates an employee of the company with the given role (buyer,
// approver or company_admin) and a fresh token.
func NewEmployee(t testing.TB, pool *pgxpool.Pool, company Company, role string) Buyer {
	t.Helper()
	ctx := context.Background()
	q := db.New(pool)
	id := uuid.New()
	if _, err := q.CustomerCreate(ctx, db.CustomerCreateParams{
		ID: id, CompanyID: company.ID, Email: fmt.Sprintf("%s-%s@example.test", role, id), Name: "Test " + roleTitle(role), Role: role,
	}); err != nil {
		t.Fatalf("create employee: %v", err)
	}
	return Buyer{ID: id, CompanyID: company.ID, Token: newToken(t, q, db.APITokenCreateParams{CustomerID: uuid.NullUUID{UUID: id, Valid: true}})}
}

// NewBuyer creates an employee of the company with the buyer role and a fresh token.
func NewBuyer(t testing.TB, pool *pgxpool.Pool, company Company) Buyer {
	t.Helper()
	return NewEmployee(t, pool, company, "buyer")
}

// NewStaff creates a member of the seller's staff with the given role
// (sales_rep, sales_manager or ops) and a fresh token.
func NewStaff(t testing.TB, pool *pgxpool.Pool, role string) Staff {
	t.Helper()
	q := db.New(pool)
	id := uuid.New()
	if _, err := q.StaffCreate(context.Background(), db.StaffCreateParams{
		ID: id, Email: fmt.Sprintf("%s-%s@seller.example", role, id), Name: "Staff " + roleTitle(role), Role: role,
	}); err != nil {
		t.Fatalf("create staff member: %v", err)
	}
	return Staff{ID: id, Token: newToken(t, q, db.APITokenCreateParams{StaffID: uuid.NullUUID{UUID: id, Valid: true}})}
}

// roleTitle names a role for a person's name: company_admin → Company Admin.
func roleTitle(role string) string {
	words := strings.Split(role, "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// newToken issues a fresh token to the principal p names and returns it.
func newToken(t testing.TB, q *db.Queries, p db.APITokenCreateParams) string {
	t.Helper()
	token := apitoken.New()
	p.TokenHash, p.Label = apitoken.Hash(token), "test"
	if _, err := q.APITokenCreate(context.Background(), p); err != nil {
		t.Fatalf("create token: %v", err)
	}
	return token
}

// NewCart creates an open cart for the buyer with the given lines (SKU → quantity).
func NewCart(t testing.TB, pool *pgxpool.Pool, buyer Buyer, currency string, lines map[string]int32) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	q := db.New(pool)
	cart, err := q.CartCreate(ctx, db.CartCreateParams{ID: uuid.New(), CompanyID: buyer.CompanyID, CustomerID: buyer.ID, Currency: currency})
	if err != nil {
		t.Fatalf("create cart: %v", err)
	}
	for sku, qty := range lines {
		if _, err := q.CartLineAdd(ctx, db.CartLineAddParams{CartID: cart.ID, Sku: sku, Quantity: qty}); err != nil {
			t.Fatalf("add line: %v", err)
		}
	}
	return cart.ID
}

// SetCartDetails sets a cart's ship-to address, shipping method and references
// (details.ID is the cart). Unlike the API it checks none of them, so a test can
// name a shipping method that does not exist.
func SetCartDetails(t testing.TB, pool *pgxpool.Pool, details db.CartUpdateDetailsParams) {
	t.Helper()
	if _, err := db.New(pool).CartUpdateDetails(context.Background(), details); err != nil {
		t.Fatalf("set cart details: %v", err)
	}
}

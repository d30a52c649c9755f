package testenv

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/db"
)

// Company is a buying company made for a test.
type Company struct {
	ID          uuid.UUID
	Currency    string
	CreditLimit int64
}

// Buyer is a customer of a Company, with a bearer token.
type Buyer struct {
	ID        uuid.UUID
	CompanyID uuid.UUID
	Token     string
}

// NewCompany creates a company with the given currency and credit limit (minor units).
func NewCompany(t testing.TB, pool *pgxpool.Pool, currency string, creditLimit int64) Company {
	t.Helper()
	c, err := db.New(pool).CompanyInsert(context.Background(), db.CompanyInsertParams{
		ID: uuid.New(), Name: "Test Co " + uuid.NewString()[:8], Currency: currency, CreditLimit: creditLimit,
	})
	if err != nil {
		t.Fatalf("create company: %v", err)
	}
	return Company{ID: c.ID, Currency: c.Currency, CreditLimit: c.CreditLimit}
}

// NewBuyer creates a customer of the company with a fresh token.
func NewBuyer(t testing.TB, pool *pgxpool.Pool, company Company) Buyer {
	t.Helper()
	ctx := context.Background()
	q := db.New(pool)
	id := uuid.New()
	if _, err := q.CustomerInsert(ctx, db.CustomerInsertParams{
		ID: id, CompanyID: company.ID, Email: fmt.Sprintf("buyer-%s@example.test", id), Name: "Test Buyer",
	}); err != nil {
		t.Fatalf("create customer: %v", err)
	}
	token := api.NewToken()
	if err := q.APITokenInsert(ctx, db.APITokenInsertParams{TokenHash: api.HashToken(token), CustomerID: uuid.NullUUID{UUID: id, Valid: true}, Label: "test"}); err != nil {
		t.Fatalf("create token: %v", err)
	}
	return Buyer{ID: id, CompanyID: company.ID, Token: token}
}

// NewProduct creates a product priced in currency (minor units) with onHand units
// in stock, under a SKU unique to this call, and returns the SKU.
func NewProduct(t testing.TB, pool *pgxpool.Pool, currency string, unitPrice, onHand int64) string {
	t.Helper()
	ctx := context.Background()
	q := db.New(pool)
	sku := "SKU-" + uuid.NewString()[:8]
	if err := q.ProductUpsert(ctx, db.ProductUpsertParams{Sku: sku, Name: "Product " + sku}); err != nil {
		t.Fatalf("create product: %v", err)
	}
	if err := q.ProductPriceUpsert(ctx, db.ProductPriceUpsertParams{Sku: sku, Currency: currency, UnitPrice: unitPrice}); err != nil {
		t.Fatalf("price product: %v", err)
	}
	if err := q.StockSet(ctx, db.StockSetParams{Sku: sku, OnHand: onHand}); err != nil {
		t.Fatalf("stock product: %v", err)
	}
	return sku
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

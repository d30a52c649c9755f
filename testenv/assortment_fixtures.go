package testenv

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/catalog"
	"github.com/orderflow/orderflow/db"
)

// NewCatalogProduct creates a catalog product with its variants through the
// writes the admin API uses, after checking it with the same rules, and
// returns its ID.
func NewCatalogProduct(t testing.TB, pool *pgxpool.Pool, p catalog.Product) uuid.UUID {
	t.Helper()
	if err := p.Check(); err != nil {
		t.Fatalf("catalog product %s: %v", p.Handle, err)
	}
	id := uuid.New()
	ctx := context.Background()
	if err := db.InTx(ctx, pool, func(q *db.Queries) error { return catalog.Save(ctx, q, id, p, true) }); err != nil {
		t.Fatalf("catalog product %s: %v", p.Handle, err)
	}
	return id
}

// ProductIDOfSKU is the catalog product a SKU is a variant of.
func ProductIDOfSKU(t testing.TB, pool *pgxpool.Pool, sku string) uuid.UUID {
	t.Helper()
	id, err := db.New(pool).CatalogProductIDBySKU(context.Background(), sku)
	if err != nil {
		t.Fatalf("product of %s: %v", sku, err)
	}
	return id
}

// NewAssortment creates an assortment of the given catalog products and
// returns its ID.
func NewAssortment(t testing.TB, pool *pgxpool.Pool, name string, products ...uuid.UUID) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	q := db.New(pool)
	a, err := q.AssortmentCreate(ctx, db.AssortmentCreateParams{ID: uuid.New(), Name: name + " " + uuid.NewString()[:8]})
	if err != nil {
		t.Fatalf("assortment: %v", err)
	}
	if products == nil {
		products = []uuid.UUID{}
	}
	if err := q.AssortmentProductCreateMany(ctx, db.AssortmentProductCreateManyParams{AssortmentID: a.ID, ProductIds: products}); err != nil {
		t.Fatalf("assortment products: %v", err)
	}
	return a.ID
}

// LimitCompany limits a company to an assortment (uuid.Nil: lifts the limit).
func LimitCompany(t testing.TB, pool *pgxpool.Pool, companyID, assortmentID uuid.UUID) {
	t.Helper()
	if _, err := db.New(pool).CompanyUpdateAssortment(context.Background(), db.CompanyUpdateAssortmentParams{
		ID: companyID, AssortmentID: uuid.NullUUID{UUID: assortmentID, Valid: assortmentID != uuid.Nil}}); err != nil {
		t.Fatalf("limit company: %v", err)
	}
}

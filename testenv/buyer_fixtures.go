package testenv

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/db"
)

// Address is an entry of a company's address book for a test; Label defaults
// to a unique one, Country to DE.
type Address struct {
	Label, Name, Line1, City, PostalCode, Country string
	DefaultShipTo, DefaultBillTo                  bool
}

// NewCompanyAddress adds an address to the company's address book. It does
// not take a default off another address: give a company one default of each.
func NewCompanyAddress(t testing.TB, pool *pgxpool.Pool, company Company, a Address) uuid.UUID {
	t.Helper()
	if a.Label == "" {
		a.Label = "address " + uuid.NewString()[:8]
	}
	if a.Name == "" {
		a.Name, a.Line1, a.City, a.PostalCode = "Receiving", "Dock 1", "Berlin", "10115"
	}
	if a.Country == "" {
		a.Country = "DE"
	}
	row, err := db.New(pool).CompanyAddressCreate(context.Background(), db.CompanyAddressCreateParams{
		ID: uuid.New(), CompanyID: company.ID, Label: a.Label, Name: a.Name, Line1: a.Line1, City: a.City,
		PostalCode: a.PostalCode, Country: a.Country, DefaultShipTo: a.DefaultShipTo, DefaultBillTo: a.DefaultBillTo,
	})
	if err != nil {
		t.Fatalf("create company address: %v", err)
	}
	return row.ID
}

// NewRequisitionList makes a requisition list of the employee's company, made
// by them, with the given lines (SKU → quantity).
func NewRequisitionList(t testing.TB, pool *pgxpool.Pool, maker Buyer, name string, lines map[string]int32) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	q := db.New(pool)
	list, err := q.RequisitionListCreate(ctx, db.RequisitionListCreateParams{ID: uuid.New(), CompanyID: maker.CompanyID, CreatedBy: maker.ID, Name: name})
	if err != nil {
		t.Fatalf("create requisition list: %v", err)
	}
	for sku, qty := range lines {
		if err := q.RequisitionListLinePut(ctx, db.RequisitionListLinePutParams{ListID: list.ID, Sku: sku, Quantity: qty}); err != nil {
			t.Fatalf("add requisition list line: %v", err)
		}
	}
	return list.ID
}

package testenv

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/db"
)

// Product is a catalogue entry to create with NewProductWith.
type Product struct {
	SKU         string           // "": one unique to the call
	Name        string           // "": "Product <SKU>"
	Prices      map[string]int64 // currency → unit price in minor units
	OnHand      int64            // units in stock
	WeightGrams int32            // of one unit
}

// NewProduct creates a product priced in one currency (minor units) with onHand
// units in stock, under a SKU unique to this call, and returns the SKU.
func NewProduct(t testing.TB, pool *pgxpool.Pool, currency string, unitPrice, onHand int64) string {
	t.Helper()
	return NewProductWith(t, pool, Product{Prices: map[string]int64{currency: unitPrice}, OnHand: onHand})
}

// NewProductWith creates a product, its prices and its stock, as the admin
// API's PUT of a product does, and returns the SKU.
func NewProductWith(t testing.TB, pool *pgxpool.Pool, p Product) string {
	t.Helper()
	if p.SKU == "" {
		p.SKU = "SKU-" + uuid.NewString()[:8]
	}
	if p.Name == "" {
		p.Name = "Product " + p.SKU
	}
	ctx := context.Background()
	q := db.New(pool)
	if _, err := q.ProductPut(ctx, db.ProductPutParams{Sku: p.SKU, Name: p.Name, WeightGrams: p.WeightGrams}); err != nil {
		t.Fatalf("create product: %v", err)
	}
	prices := db.ProductPricePutManyParams{Sku: p.SKU, Currencies: slices.Sorted(maps.Keys(p.Prices))}
	for _, currency := range prices.Currencies {
		prices.UnitPrices = append(prices.UnitPrices, p.Prices[currency])
	}
	if err := q.ProductPricePutMany(ctx, prices); err != nil {
		t.Fatalf("price product: %v", err)
	}
	SetStock(t, pool, p.SKU, p.OnHand)
	return p.SKU
}

// SetPrice sets the catalogue price of a product in one currency (minor units).
func SetPrice(t testing.TB, pool *pgxpool.Pool, sku, currency string, unitPrice int64) {
	t.Helper()
	if err := db.New(pool).ProductPricePutMany(context.Background(), db.ProductPricePutManyParams{
		Sku: sku, Currencies: []string{currency}, UnitPrices: []int64{unitPrice},
	}); err != nil {
		t.Fatalf("price product: %v", err)
	}
}

// SetStock sets how many units of a product are on hand; what is reserved stays.
func SetStock(t testing.TB, pool *pgxpool.Pool, sku string, onHand int64) {
	t.Helper()
	if _, err := db.New(pool).StockPut(context.Background(), db.StockPutParams{Sku: sku, OnHand: onHand}); err != nil {
		t.Fatalf("stock product: %v", err)
	}
}

// PriceList is a price list for one company (CompanyID set) or for a customer
// group (CustomerGroup set); Code, when set, names it in the ERP's price feed.
type PriceList struct {
	Name          string
	Code          string
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
	ctx := context.Background()
	id := uuid.New()
	err := db.InTx(ctx, pool, func(q *db.Queries) error {
		if _, err := q.PriceListCreate(ctx, db.PriceListCreateParams{
			ID: id, Name: l.Name, Code: pgtype.Text{String: l.Code, Valid: l.Code != ""},
			CompanyID:     uuid.NullUUID{UUID: l.CompanyID, Valid: l.CompanyID != uuid.Nil},
			CustomerGroup: pgtype.Text{String: l.CustomerGroup, Valid: l.CustomerGroup != ""},
			Currency:      l.Currency, Priority: int32(l.Priority), ValidFrom: l.ValidFrom, ValidUntil: l.ValidUntil,
		}); err != nil {
			return err
		}
		tiers := db.PriceListTierCreateManyParams{PriceListID: id}
		for _, tier := range l.Tiers {
			tiers.Skus = append(tiers.Skus, tier.SKU)
			tiers.MinQuantities = append(tiers.MinQuantities, int32(tier.MinQuantity))
			tiers.UnitPrices = append(tiers.UnitPrices, tier.UnitPrice)
		}
		return q.PriceListTierCreateMany(ctx, tiers)
	})
	if err != nil {
		t.Fatalf("create price list: %v", err)
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
	p := db.ShippingMethodPutParams{
		Code: m.Code, Name: m.Name, Currency: m.Currency, BaseAmount: m.BaseAmount, PerKgAmount: m.PerKgAmount,
	}
	if m.FreeAbove != nil {
		p.FreeAbove = pgtype.Int8{Int64: *m.FreeAbove, Valid: true}
	}
	if _, err := db.New(pool).ShippingMethodPut(context.Background(), p); err != nil {
		t.Fatalf("set shipping method: %v", err)
	}
}

// SetTaxRate sets the tax rate of a ship-to country in basis points (1900 = 19 %).
// Tax rates are global: tests sharing a database must agree on a country's rate.
func SetTaxRate(t testing.TB, pool *pgxpool.Pool, country string, basisPoints int) {
	t.Helper()
	if _, err := db.New(pool).TaxRatePut(context.Background(), db.TaxRatePutParams{
		Country: country, RateBp: int32(basisPoints),
	}); err != nil {
		t.Fatalf("set tax rate: %v", err)
	}
}

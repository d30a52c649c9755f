// Package demo loads the demo data `make run` starts with: two companies, a few
// buyers with fixed API tokens, and a catalogue of twenty products with prices
// and stock. Loading is idempotent: it upserts fixed IDs, so running it again
// restores the demo without duplicating anything.
package demo

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/db"
)

// Buyer is a demo customer and its token.
type Buyer struct {
	Name, Email, Company, Token string
	ID                          uuid.UUID
}

// Fixed demo IDs and tokens. The tokens are public: never load demo data into a
// production database.
var (
	AcmeID   = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000ac01")
	GlobexID = uuid.MustParse("0c0a1e00-0000-4000-8000-0000000091b0")
	BenchID  = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000be0c")

	Buyers = []Buyer{
		{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-0000000a11ce"), Name: "Alice Archer", Email: "alice@acme.example", Company: "Acme Industrial", Token: "oft_demo_alice_acme"},
		{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-000000000b0b"), Name: "Bob Baker", Email: "bob@acme.example", Company: "Acme Industrial", Token: "oft_demo_bob_acme"},
		{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-00000000ca01"), Name: "Carol Chen", Email: "carol@globex.example", Company: "Globex Retail", Token: "oft_demo_carol_globex"},
	}

	// BenchBuyer buys for the benchmark company: effectively unlimited credit,
	// and bench SKUs with effectively unlimited stock.
	BenchBuyer = Buyer{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-00000000be01"), Name: "Bench Buyer", Email: "bench@bench.example", Company: "Bench Co", Token: "oft_demo_bench"}
)

type company struct {
	id          uuid.UUID
	name        string
	currency    string
	creditLimit int64
}

var companies = []company{
	{AcmeID, "Acme Industrial", "EUR", 50_000_00},
	{GlobexID, "Globex Retail", "USD", 2_000_00},
	{BenchID, "Bench Co", "EUR", 1 << 60},
}

type product struct {
	sku      string
	name     string
	eur, usd int64
	stock    int64
}

// Products is the demo catalogue; prices in minor units.
var products = []product{
	{"BOLT-M8-50", "Hex bolt M8×50, zinc, box of 100", 1290, 1390, 500},
	{"NUT-M8", "Hex nut M8, zinc, box of 200", 790, 850, 800},
	{"WASHER-M8", "Washer M8, box of 500", 640, 690, 600},
	{"SCREW-4X40", "Wood screw 4×40, box of 200", 990, 1090, 700},
	{"ANCHOR-10", "Wall anchor 10 mm, box of 50", 1150, 1250, 300},
	{"DRILL-HSS-8", "HSS drill bit 8 mm", 690, 750, 250},
	{"DRILL-SET-19", "HSS drill bit set, 19 pieces", 3490, 3790, 80},
	{"GLOVE-NIT-L", "Nitrile gloves L, box of 100", 1290, 1390, 1000},
	{"GOGGLES-CLR", "Safety goggles, clear", 890, 950, 200},
	{"HELMET-WHT", "Safety helmet, white", 1990, 2190, 120},
	{"TAPE-PVC-19", "PVC insulating tape 19 mm, pack of 10", 1490, 1590, 400},
	{"CABLE-3G15-50", "Cable 3G1.5, 50 m reel", 5490, 5990, 60},
	{"LUB-WD-400", "Multi-purpose lubricant 400 ml", 790, 850, 350},
	{"PALLET-EUR", "Euro pallet 1200×800", 1890, 2090, 40},
	{"STRAP-PP-12", "PP strapping 12 mm, 1000 m", 3290, 3590, 90},
	{"LABEL-A4-24", "Labels A4, 24 per sheet, 100 sheets", 1690, 1790, 150},
	{"BOX-600", "Shipping box 600×400×400, bundle of 10", 2290, 2490, 200},
	{"FILM-STR-500", "Stretch film 500 mm, roll", 1590, 1690, 180},
	{"KNIFE-SNAP", "Snap-off knife 18 mm", 490, 550, 300},
	{"LADDER-AL-6", "Aluminium step ladder, 6 steps", 8990, 9790, 3},
}

// BenchSKUs are the products the benchmark orders.
var BenchSKUs = []string{"BENCH-A", "BENCH-B", "BENCH-C"}

// Seed loads the demo data.
func Seed(ctx context.Context, pool *pgxpool.Pool) error {
	return db.InTx(ctx, pool, func(q *db.Queries) error {
		for _, c := range companies {
			if err := q.CompanyUpsert(ctx, db.CompanyUpsertParams{
				ID: c.id, Name: c.name, Currency: c.currency, CreditLimit: c.creditLimit}); err != nil {
				return fmt.Errorf("company %s: %w", c.name, err)
			}
		}
		all := append(append([]Buyer(nil), Buyers...), BenchBuyer)
		for _, b := range all {
			companyID := map[string]uuid.UUID{"Acme Industrial": AcmeID, "Globex Retail": GlobexID, "Bench Co": BenchID}[b.Company]
			if err := q.CustomerUpsert(ctx, db.CustomerUpsertParams{
				ID: b.ID, CompanyID: companyID, Email: b.Email, Name: b.Name}); err != nil {
				return fmt.Errorf("customer %s: %w", b.Email, err)
			}
			if err := q.APITokenInsert(ctx, db.APITokenInsertParams{TokenHash: api.HashToken(b.Token), CustomerID: uuid.NullUUID{UUID: b.ID, Valid: true}, Label: "demo"}); err != nil {
				return err
			}
		}
		catalog := append([]product(nil), products...)
		for _, sku := range BenchSKUs {
			catalog = append(catalog, product{sku, "Benchmark item " + sku, 100, 110, 1 << 50})
		}
		for _, p := range catalog {
			if err := q.ProductUpsert(ctx, db.ProductUpsertParams{Sku: p.sku, Name: p.name}); err != nil {
				return err
			}
			for cur, price := range map[string]int64{"EUR": p.eur, "USD": p.usd} {
				if err := q.ProductPriceUpsert(ctx, db.ProductPriceUpsertParams{Sku: p.sku, Currency: cur, UnitPrice: price}); err != nil {
					return err
				}
			}
			// Stock is set only for new products: restarting the demo keeps what
			// earlier orders reserved consistent with on_hand.
			if err := q.StockInsertIfMissing(ctx, db.StockInsertIfMissingParams{Sku: p.sku, OnHand: p.stock}); err != nil {
				return err
			}
		}
		return nil
	})
}

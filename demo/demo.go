// Package demo loads the demo data `make run` starts with: two buying companies
// with employees in every company role, seller staff, a catalogue of twenty
// products with prices, weights and stock, price lists with volume tiers,
// shipping methods, tax rates, and at Acme an approval rule and spending limits.
// Loading is idempotent: it upserts fixed IDs, so running it again restores the
// demo without duplicating anything.
package demo

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/db"
)

// Principal is a demo customer or staff member and its token.
type Principal struct {
	Name, Email, Company, Role, Token string
	ID                                uuid.UUID
}

// Fixed demo IDs and tokens. The tokens are public: never load demo data into a
// production database.
var (
	AcmeID   = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000ac01")
	GlobexID = uuid.MustParse("0c0a1e00-0000-4000-8000-0000000091b0")
	BenchID  = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000be0c")

	// Buyers are the company-side principals (buyers, approvers, admins).
	Buyers = []Principal{
		{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-0000000a11ce"), Name: "Alice Archer", Email: "alice@acme.example", Company: "Acme Industrial", Role: "buyer", Token: "oft_demo_alice_acme"},
		{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-000000000b0b"), Name: "Bob Baker", Email: "bob@acme.example", Company: "Acme Industrial", Role: "buyer", Token: "oft_demo_bob_acme"},
		{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-000000000da0"), Name: "Dana Diaz", Email: "dana@acme.example", Company: "Acme Industrial", Role: "approver", Token: "oft_demo_dana_acme_approver"},
		{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-000000000e01"), Name: "Erin Evans", Email: "erin@acme.example", Company: "Acme Industrial", Role: "company_admin", Token: "oft_demo_erin_acme_admin"},
		{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-00000000ca01"), Name: "Carol Chen", Email: "carol@globex.example", Company: "Globex Retail", Role: "buyer", Token: "oft_demo_carol_globex"},
		{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-00000000f001"), Name: "Frank Fox", Email: "frank@globex.example", Company: "Globex Retail", Role: "company_admin", Token: "oft_demo_frank_globex_admin"},
	}

	// Staff are the seller-side principals.
	Staff = []Principal{
		{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-0000000005a1"), Name: "Sam Sales", Email: "sam@orderflow.example", Company: "(seller)", Role: "sales_rep", Token: "oft_demo_sam_sales"},
		{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-0000000000f5"), Name: "Olivia Ops", Email: "olivia@orderflow.example", Company: "(seller)", Role: "ops", Token: "oft_demo_olivia_ops"},
	}

	// BenchBuyer buys for the benchmark company: effectively unlimited credit,
	// no rules, and bench SKUs with effectively unlimited stock.
	BenchBuyer = Principal{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-00000000be01"), Name: "Bench Buyer", Email: "bench@bench.example", Company: "Bench Co", Role: "buyer", Token: "oft_demo_bench"}

	// BenchPlainBuyer buys for a company with no price lists, limits or rules:
	// the checkout path as it was before B2B policies, for comparison.
	BenchPlainBuyer = Principal{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-00000000be02"), Name: "Plain Bench Buyer", Email: "plain@bench.example", Company: "Bench Plain Co", Role: "buyer", Token: "oft_demo_bench_plain"}
	BenchPlainID    = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000be0d")
)

type company struct {
	id          uuid.UUID
	name        string
	currency    string
	creditLimit int64
	group       string
}

var companies = []company{
	{AcmeID, "Acme Industrial", "EUR", 50_000_00, "trade"},
	{GlobexID, "Globex Retail", "USD", 2_000_00, ""},
	{BenchID, "Bench Co", "EUR", 1 << 60, ""},
	{BenchPlainID, "Bench Plain Co", "EUR", 1 << 60, ""},
}

var companyByName = map[string]uuid.UUID{"Acme Industrial": AcmeID, "Globex Retail": GlobexID, "Bench Co": BenchID, "Bench Plain Co": BenchPlainID}

type product struct {
	sku      string
	name     string
	eur, usd int64
	stock    int64
	grams    int32
}

// products is the demo catalogue; prices in minor units.
var products = []product{
	{"BOLT-M8-50", "Hex bolt M8×50, zinc, box of 100", 1290, 1390, 500, 1900},
	{"NUT-M8", "Hex nut M8, zinc, box of 200", 790, 850, 800, 1000},
	{"WASHER-M8", "Washer M8, box of 500", 640, 690, 600, 900},
	{"SCREW-4X40", "Wood screw 4×40, box of 200", 990, 1090, 700, 800},
	{"ANCHOR-10", "Wall anchor 10 mm, box of 50", 1150, 1250, 300, 300},
	{"DRILL-HSS-8", "HSS drill bit 8 mm", 690, 750, 250, 50},
	{"DRILL-SET-19", "HSS drill bit set, 19 pieces", 3490, 3790, 80, 900},
	{"GLOVE-NIT-L", "Nitrile gloves L, box of 100", 1290, 1390, 1000, 600},
	{"GOGGLES-CLR", "Safety goggles, clear", 890, 950, 200, 80},
	{"HELMET-WHT", "Safety helmet, white", 1990, 2190, 120, 400},
	{"TAPE-PVC-19", "PVC insulating tape 19 mm, pack of 10", 1490, 1590, 400, 500},
	{"CABLE-3G15-50", "Cable 3G1.5, 50 m reel", 5490, 5990, 60, 5500},
	{"LUB-WD-400", "Multi-purpose lubricant 400 ml", 790, 850, 350, 450},
	{"PALLET-EUR", "Euro pallet 1200×800", 1890, 2090, 40, 25000},
	{"STRAP-PP-12", "PP strapping 12 mm, 1000 m", 3290, 3590, 90, 9000},
	{"LABEL-A4-24", "Labels A4, 24 per sheet, 100 sheets", 1690, 1790, 150, 700},
	{"BOX-600", "Shipping box 600×400×400, bundle of 10", 2290, 2490, 200, 6000},
	{"FILM-STR-500", "Stretch film 500 mm, roll", 1590, 1690, 180, 2500},
	{"KNIFE-SNAP", "Snap-off knife 18 mm", 490, 550, 300, 60},
	{"LADDER-AL-6", "Aluminium step ladder, 6 steps", 8990, 9790, 3, 7000},
}

// BenchSKUs are the products the benchmark orders.
var BenchSKUs = []string{"BENCH-A", "BENCH-B", "BENCH-C"}

// Demo price lists, rules and limits, by fixed ID.
var (
	acmeContractID = uuid.MustParse("0c0a1e00-0000-4000-8000-0000000091c1")
	tradeListID    = uuid.MustParse("0c0a1e00-0000-4000-8000-0000000091c2")
	acmeRuleTotal  = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000a701")
	acmeRuleSKU    = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000a702")
	acmeRuleLimit  = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000a703")
	bobMonthly     = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000b701")
	acmeMonthly    = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000b702")
	benchListID    = uuid.MustParse("0c0a1e00-0000-4000-8000-0000000091c3")
	benchRule      = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000a704")
	benchMonthly   = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000b703")
)

// Seed loads the demo data in one transaction.
func Seed(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		q := db.New(tx)
		for _, c := range companies {
			if err := q.CompanyUpsert(ctx, db.CompanyUpsertParams{
				ID: c.id, Name: c.name, Currency: c.currency, CreditLimit: c.creditLimit}); err != nil {
				return fmt.Errorf("company %s: %w", c.name, err)
			}
			if _, err := tx.Exec(ctx, `UPDATE companies SET customer_group = $2 WHERE id = $1`, c.id, c.group); err != nil {
				return err
			}
		}
		for _, b := range append(append([]Principal(nil), Buyers...), BenchBuyer, BenchPlainBuyer) {
			if err := q.CustomerUpsert(ctx, db.CustomerUpsertParams{
				ID: b.ID, CompanyID: companyByName[b.Company], Email: b.Email, Name: b.Name}); err != nil {
				return fmt.Errorf("customer %s: %w", b.Email, err)
			}
			if _, err := tx.Exec(ctx, `UPDATE customers SET role = $2 WHERE id = $1`, b.ID, b.Role); err != nil {
				return err
			}
			if err := q.APITokenInsert(ctx, db.APITokenInsertParams{TokenHash: api.HashToken(b.Token),
				CustomerID: uuid.NullUUID{UUID: b.ID, Valid: true}, Label: "demo"}); err != nil {
				return err
			}
		}
		for _, s := range Staff {
			if _, err := tx.Exec(ctx, `INSERT INTO staff (id, email, name, role) VALUES ($1, $2, $3, $4)
				ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name, role = excluded.role`,
				s.ID, s.Email, s.Name, s.Role); err != nil {
				return fmt.Errorf("staff %s: %w", s.Email, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO api_tokens (token_hash, staff_id, label) VALUES ($1, $2, 'demo')
				ON CONFLICT (token_hash) DO NOTHING`, api.HashToken(s.Token), s.ID); err != nil {
				return err
			}
		}
		if err := seedCatalogue(ctx, tx, q); err != nil {
			return err
		}
		return seedPolicies(ctx, tx)
	})
}

func seedCatalogue(ctx context.Context, tx pgx.Tx, q *db.Queries) error {
	catalog := append([]product(nil), products...)
	for _, sku := range BenchSKUs {
		catalog = append(catalog, product{sku, "Benchmark item " + sku, 100, 110, 1 << 50, 100})
	}
	for _, p := range catalog {
		if err := q.ProductUpsert(ctx, db.ProductUpsertParams{Sku: p.sku, Name: p.name}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE products SET weight_grams = $2 WHERE sku = $1`, p.sku, p.grams); err != nil {
			return err
		}
		for cur, price := range map[string]int64{"EUR": p.eur, "USD": p.usd} {
			if err := q.ProductPriceUpsert(ctx, db.ProductPriceUpsertParams{Sku: p.sku, Currency: cur, UnitPrice: price}); err != nil {
				return err
			}
		}
		// Stock is set only for new products: restarting the demo keeps what
		// earlier orders reserved consistent with on_hand.
		if err := q.StockCreate(ctx, db.StockCreateParams{Sku: p.sku, OnHand: p.stock}); err != nil {
			return err
		}
	}
	for _, stmt := range []string{
		`INSERT INTO tax_rates (country, rate_bp) VALUES ('DE', 1900), ('FR', 2000), ('NL', 2100), ('AT', 2000), ('GB', 2000), ('US', 0)
		 ON CONFLICT (country) DO UPDATE SET rate_bp = excluded.rate_bp`,
		`INSERT INTO shipping_methods (code, name, currency, base_amount, per_kg_amount, free_above) VALUES
		   ('standard', 'Standard, 2-4 days', 'EUR', 690, 50, 25000),
		   ('express', 'Express, next day', 'EUR', 1990, 150, NULL),
		   ('standard-usd', 'Standard, 3-5 days', 'USD', 790, 60, 30000)
		 ON CONFLICT (code) DO UPDATE SET name = excluded.name, currency = excluded.currency, base_amount = excluded.base_amount,
		   per_kg_amount = excluded.per_kg_amount, free_above = excluded.free_above`,
	} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// seedPolicies: Acme's contract prices, the trade group's prices, Acme's approval
// rules (orders above EUR 1,000 need an approver, above EUR 5,000 the company
// admin; ladders always need approval; going over a spending limit needs
// approval) and spending limits (Bob EUR 2,000 a month, Acme EUR 20,000 a month).
func seedPolicies(ctx context.Context, tx pgx.Tx) error {
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO price_lists (id, name, company_id, currency, priority) VALUES ($1, 'Acme contract 2026', $2, 'EUR', 10)
		  ON CONFLICT (id) DO NOTHING`, []any{acmeContractID, AcmeID}},
		{`INSERT INTO price_list_tiers (price_list_id, sku, min_quantity, unit_price) VALUES
		    ($1, 'BOLT-M8-50', 1, 1190), ($1, 'BOLT-M8-50', 50, 1090), ($1, 'NUT-M8', 1, 720)
		  ON CONFLICT DO NOTHING`, []any{acmeContractID}},
		{`INSERT INTO price_lists (id, name, customer_group, currency, priority) VALUES ($1, 'Trade customers', 'trade', 'EUR', 0)
		  ON CONFLICT (id) DO NOTHING`, []any{tradeListID}},
		{`INSERT INTO price_list_tiers (price_list_id, sku, min_quantity, unit_price) VALUES
		    ($1, 'GLOVE-NIT-L', 1, 1190), ($1, 'GLOVE-NIT-L', 20, 1090), ($1, 'BOLT-M8-50', 1, 1250)
		  ON CONFLICT DO NOTHING`, []any{tradeListID}},
		{`INSERT INTO approval_rules (id, company_id, kind, threshold, approver_max) VALUES ($1, $2, 'total_above', 100000, 500000)
		  ON CONFLICT (id) DO NOTHING`, []any{acmeRuleTotal, AcmeID}},
		{`INSERT INTO approval_rules (id, company_id, kind, skus) VALUES ($1, $2, 'restricted_sku', '{LADDER-AL-6}')
		  ON CONFLICT (id) DO NOTHING`, []any{acmeRuleSKU, AcmeID}},
		{`INSERT INTO approval_rules (id, company_id, kind) VALUES ($1, $2, 'over_spending_limit')
		  ON CONFLICT (id) DO NOTHING`, []any{acmeRuleLimit, AcmeID}},
		{`INSERT INTO spending_limits (id, company_id, customer_id, period, amount, currency) VALUES ($1, $2, $3, 'month', 200000, 'EUR')
		  ON CONFLICT (id) DO NOTHING`, []any{bobMonthly, AcmeID, Buyers[1].ID}},
		{`INSERT INTO spending_limits (id, company_id, period, amount, currency) VALUES ($1, $2, 'month', 2000000, 'EUR')
		  ON CONFLICT (id) DO NOTHING`, []any{acmeMonthly, AcmeID}},
		// The benchmark company has every policy in its checkout path, none of
		// which stops an order: a price list with tiers, a spending limit and an
		// approval rule that are far out of reach.
		{`INSERT INTO price_lists (id, name, company_id, currency, priority) VALUES ($1, 'Bench contract', $2, 'EUR', 0)
		  ON CONFLICT (id) DO NOTHING`, []any{benchListID, BenchID}},
		{`INSERT INTO price_list_tiers (price_list_id, sku, min_quantity, unit_price) VALUES
		    ($1, 'BENCH-A', 1, 95), ($1, 'BENCH-A', 10, 90), ($1, 'BENCH-B', 1, 99)
		  ON CONFLICT DO NOTHING`, []any{benchListID}},
		{`INSERT INTO approval_rules (id, company_id, kind, threshold) VALUES ($1, $2, 'total_above', 1000000000000)
		  ON CONFLICT (id) DO NOTHING`, []any{benchRule, BenchID}},
		{`INSERT INTO spending_limits (id, company_id, period, amount, currency) VALUES ($1, $2, 'month', 1000000000000000, 'EUR')
		  ON CONFLICT (id) DO NOTHING`, []any{benchMonthly, BenchID}},
	} {
		if _, err := tx.Exec(ctx, stmt.sql, stmt.args...); err != nil {
			return fmt.Errorf("demo policies: %w", err)
		}
	}
	return nil
}

// Package demo loads the demo data `make run` starts with: two buying companies
// with employees in every company role, seller staff, a catalogue of twenty
// products with prices, weights and stock (at two stock locations, the default
// and Lyon; Globex prefers Lyon), price lists with volume tiers
// (and the codes the ERP's price feed names them by, with the price changes
// the sandbox ERP announces), shipping methods, tax rates, at Acme an approval rule and spending limits
// (and checkouts on behalf of its buyers by its account rep, Sam),
// and a warehouse integration that posts signed webhooks; structured products
// with variants, attributes and categories (demo/catalog.go), and Initech, a
// company limited to an assortment of them.
// Loading is idempotent: rows have fixed IDs and keys, so running it again
// restores the demo without duplicating anything.
package demo

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/apitoken"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/erpapi"
	"github.com/orderflow/orderflow/webhooks"
)

// Principal is a demo customer or staff member and its token.
type Principal struct {
	Name, Email, Company, Role, Token string
	ID                                uuid.UUID
}

// CompanyID is the ID of the principal's company; uuid.Nil for seller staff.
func (p Principal) CompanyID() uuid.UUID { return companyByName[p.Company] }

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
		{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-0000000005a2"), Name: "Mia Manager", Email: "mia@orderflow.example", Company: "(seller)", Role: "sales_manager", Token: "oft_demo_mia_sales_manager"},
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
	{InitechID, "Initech Site Services", "EUR", 20_000_00, ""},
}

var companyByName = map[string]uuid.UUID{"Acme Industrial": AcmeID, "Globex Retail": GlobexID, "Bench Co": BenchID, "Bench Plain Co": BenchPlainID,
	"Initech Site Services": InitechID}

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

// Codes of the demo price lists, as the ERP's price feed names them.
const (
	AcmeContractCode = "ACME-2026"
	TradeListCode    = "TRADE"
)

// ERPPriceChanges are the price changes the sandbox ERP of `make run`
// announces at every start, for the price pull to apply: a list price of
// each coded list and a base price in both currencies. Seed puts the demo's
// prices back first, so every start ends at the same prices.
var ERPPriceChanges = []erpapi.PriceChange{
	{PriceList: TradeListCode, SKU: "GLOVE-NIT-L", Currency: "EUR", UnitPriceMinor: 1150},
	{PriceList: AcmeContractCode, SKU: "NUT-M8", Currency: "EUR", UnitPriceMinor: 700},
	{PriceList: commerce.BasePricesCode, SKU: "DRILL-HSS-8", Currency: "EUR", UnitPriceMinor: 650},
	{PriceList: commerce.BasePricesCode, SKU: "DRILL-HSS-8", Currency: "USD", UnitPriceMinor: 720},
}

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

// Seed loads the demo data in one transaction, through the queries the admin
// API writes with. Every demo row is put back as defined here: created when
// missing, updated when present (undoing what a demo session changed in it);
// rows the demo did not make are left alone. Stock is the exception: it is set
// only for new products, so that what earlier orders reserved stays consistent
// with what is on hand. The demo integration's secret is sealed with secrets,
// which must be the API server's (WEBHOOK_SECRET_KEY) for it to open there.
func Seed(ctx context.Context, pool *pgxpool.Pool, secrets *webhooks.SecretBox) error {
	return db.InTx(ctx, pool, func(q *db.Queries) error {
		for _, c := range companies {
			if err := seedCompany(ctx, q, c); err != nil {
				return fmt.Errorf("company %s: %w", c.name, err)
			}
		}
		for _, b := range append(append([]Principal(nil), Buyers...), BenchBuyer, BenchPlainBuyer, LimitedBuyer) {
			if err := seedEmployee(ctx, q, b); err != nil {
				return fmt.Errorf("customer %s: %w", b.Email, err)
			}
		}
		for _, s := range Staff {
			if err := seedStaff(ctx, q, s); err != nil {
				return fmt.Errorf("staff %s: %w", s.Email, err)
			}
		}
		// Sam is Acme's account sales rep; Globex's quotes wait in the queue.
		if err := q.CompanyUpdateSalesRep(ctx, db.CompanyUpdateSalesRepParams{ID: AcmeID,
			SalesRepID: uuid.NullUUID{UUID: Staff[0].ID, Valid: true}}); err != nil {
			return fmt.Errorf("account rep: %w", err)
		}
		// Acme lets Sam check out carts he builds in its buyers' names
		// (orders on behalf); Globex does not: its carts are sent to the buyer.
		if _, err := q.CompanyUpdateOnBehalfCheckout(ctx, db.CompanyUpdateOnBehalfCheckoutParams{
			ID: AcmeID, OnBehalfCheckout: true}); err != nil {
			return fmt.Errorf("on-behalf checkout: %w", err)
		}
		if err := seedCatalogue(ctx, q); err != nil {
			return err
		}
		// Globex's checkouts draw from Lyon first.
		if _, err := q.CompanySetPreferredLocation(ctx, db.CompanySetPreferredLocationParams{ID: GlobexID,
			PreferredLocationID: uuid.NullUUID{UUID: LyonLocationID, Valid: true}}); err != nil {
			return fmt.Errorf("preferred location: %w", err)
		}
		if err := seedStructuredCatalog(ctx, q); err != nil {
			return err
		}
		if err := seedPolicies(ctx, q); err != nil {
			return fmt.Errorf("demo policies: %w", err)
		}
		if err := seedBuyerConveniences(ctx, q); err != nil {
			return fmt.Errorf("demo address book and requisition list: %w", err)
		}
		if err := seedIntegrations(ctx, q, secrets); err != nil {
			return fmt.Errorf("demo integrations: %w", err)
		}
		return nil
	})
}

// defaultApprovalTimeout is how long the demo companies' checkouts wait for an
// approver: the schema's default, 72 h.
const defaultApprovalTimeout = 3 * 24 * 60 * 60

func seedCompany(ctx context.Context, q *db.Queries, c company) error {
	_, err := q.CompanyLock(ctx, c.id)
	if db.IsNotFound(err) {
		_, err = q.CompanyCreate(ctx, db.CompanyCreateParams{
			ID: c.id, Name: c.name, Currency: c.currency, CreditLimit: c.creditLimit, CustomerGroup: c.group,
			ApprovalTimeoutSeconds: defaultApprovalTimeout})
		return err
	}
	if err != nil {
		return err
	}
	_, err = q.CompanyUpdate(ctx, db.CompanyUpdateParams{
		ID: c.id, Name: c.name, Currency: c.currency, CreditLimit: c.creditLimit, CustomerGroup: c.group,
		ApprovalTimeoutSeconds: defaultApprovalTimeout})
	return err
}

func seedEmployee(ctx context.Context, q *db.Queries, b Principal) error {
	_, err := q.CustomerLock(ctx, db.CustomerLockParams{ID: b.ID})
	switch {
	case db.IsNotFound(err):
		_, err = q.CustomerCreate(ctx, db.CustomerCreateParams{
			ID: b.ID, CompanyID: companyByName[b.Company], Email: b.Email, Name: b.Name, Role: b.Role})
	case err == nil:
		_, err = q.CustomerUpdate(ctx, db.CustomerUpdateParams{ID: b.ID, Name: b.Name, Role: b.Role})
	}
	if err != nil {
		return err
	}
	return seedToken(ctx, q, b.Token, db.APITokenCreateParams{CustomerID: uuid.NullUUID{UUID: b.ID, Valid: true}})
}

// seedStaff creates a staff member with their token. Staff members cannot be
// changed (nor tokens revoked), so one whose token resolves is as defined: the
// two are only ever created together, in this transaction.
func seedStaff(ctx context.Context, q *db.Queries, s Principal) error {
	if _, err := q.PrincipalGetByTokenHash(ctx, apitoken.Hash(s.Token)); !db.IsNotFound(err) {
		return err
	}
	if _, err := q.StaffCreate(ctx, db.StaffCreateParams{ID: s.ID, Email: s.Email, Name: s.Name, Role: s.Role}); err != nil {
		return err
	}
	return seedToken(ctx, q, s.Token, db.APITokenCreateParams{StaffID: uuid.NullUUID{UUID: s.ID, Valid: true}})
}

// seedToken issues a demo token to the principal p names unless it was issued.
func seedToken(ctx context.Context, q *db.Queries, token string, p db.APITokenCreateParams) error {
	p.TokenHash, p.Label = apitoken.Hash(token), "demo"
	if _, err := q.PrincipalGetByTokenHash(ctx, p.TokenHash); !db.IsNotFound(err) {
		return err
	}
	_, err := q.APITokenCreate(ctx, p)
	return err
}

// taxRates are the demo's tax rates by ship-to country, in basis points.
var taxRates = map[string]int32{"DE": 1900, "FR": 2000, "NL": 2100, "AT": 2000, "GB": 2000, "US": 0}

// shippingMethods are the demo's ways to ship; amounts in minor units.
var shippingMethods = []db.ShippingMethodPutParams{
	{Code: "standard", Name: "Standard, 2-4 days", Currency: "EUR", BaseAmount: 690, PerKgAmount: 50, FreeAbove: pgtype.Int8{Int64: 25000, Valid: true}},
	{Code: "express", Name: "Express, next day", Currency: "EUR", BaseAmount: 1990, PerKgAmount: 150},
	{Code: "standard-usd", Name: "Standard, 3-5 days", Currency: "USD", BaseAmount: 790, PerKgAmount: 60, FreeAbove: pgtype.Int8{Int64: 30000, Valid: true}},
}

// quantityRule is a demo quantity rule: for every company (company
// uuid.Nil) or for one. Each fits the quantities the README's and the demo
// quotes' sequences order (GLOVE-NIT-L 50, CABLE-3G15-50 25 and 40, Acme's
// BOLT-M8-50 3, Globex's BOLT-M8-50 200).
type quantityRule struct {
	company          uuid.UUID
	sku              string
	minQuantity, inc int32
	maxQuantity      int32 // 0: none
}

var quantityRules = []quantityRule{
	{sku: "GLOVE-NIT-L", minQuantity: 10, inc: 10},
	{sku: "CABLE-3G15-50", minQuantity: 1, inc: 1, maxQuantity: 50},
	{sku: "PALLET-EUR", minQuantity: 2, inc: 1},
	// Globex buys bolts by the ten boxes ("BOLT-M8-50 is sold in multiples
	// of 10"); Acme, without a rule, buys any number.
	{company: GlobexID, sku: "BOLT-M8-50", minQuantity: 10, inc: 10},
}

// seedQuantityRule puts a demo quantity rule back as defined here.
func seedQuantityRule(ctx context.Context, q *db.Queries, r quantityRule) error {
	most := pgtype.Int4{Int32: r.maxQuantity, Valid: r.maxQuantity > 0}
	if r.company == uuid.Nil {
		_, err := q.QuantityRulePut(ctx, db.QuantityRulePutParams{Sku: r.sku, MinQuantity: r.minQuantity, Increment: r.inc, MaxQuantity: most})
		return err
	}
	_, err := q.QuantityRulePutForCompany(ctx, db.QuantityRulePutForCompanyParams{
		CompanyID: r.company, Sku: r.sku, MinQuantity: r.minQuantity, Increment: r.inc, MaxQuantity: most})
	return err
}

// LyonLocationID is the demo's second stock location, "lyon" (France, postal
// codes 69…); the default location (code "default") holds the rest.
var LyonLocationID = uuid.MustParse("0c0a1e00-0000-4000-8000-0000000001e0")

// LyonStock is how many of a product's units (of products' stock) are at
// Lyon; the rest is at the default location. LADDER-AL-6's 3 units are 2 + 1:
// a cart of 3 is split across both.
var LyonStock = map[string]int64{"BOLT-M8-50": 150, "GLOVE-NIT-L": 400, "CABLE-3G15-50": 20, "LADDER-AL-6": 1}

func seedCatalogue(ctx context.Context, q *db.Queries) error {
	if err := q.StockLocationCreateUnlessExists(ctx, db.StockLocationCreateUnlessExistsParams{ID: LyonLocationID,
		Code: "lyon", Name: "Lyon warehouse", Country: "FR", Region: "Auvergne-Rhône-Alpes", PostalPrefix: "69", Priority: 100}); err != nil {
		return fmt.Errorf("stock location lyon: %w", err)
	}
	catalog := append([]product(nil), products...)
	for _, sku := range BenchSKUs {
		catalog = append(catalog, product{sku, "Benchmark item " + sku, 100, 110, 1 << 50, 100})
	}
	for _, p := range catalog {
		if _, err := q.ProductPut(ctx, db.ProductPutParams{Sku: p.sku, Name: p.name, WeightGrams: p.grams}); err != nil {
			return fmt.Errorf("product %s: %w", p.sku, err)
		}
		if err := q.ProductPricePutMany(ctx, db.ProductPricePutManyParams{
			Sku: p.sku, Currencies: []string{"EUR", "USD"}, UnitPrices: []int64{p.eur, p.usd}}); err != nil {
			return fmt.Errorf("product %s: %w", p.sku, err)
		}
		lyon := LyonStock[p.sku]
		if err := q.StockCreate(ctx, db.StockCreateParams{Sku: p.sku, OnHand: p.stock - lyon}); err != nil {
			return fmt.Errorf("product %s: %w", p.sku, err)
		}
		if lyon > 0 {
			if err := q.StockCreateAt(ctx, db.StockCreateAtParams{Sku: p.sku, LocationID: LyonLocationID, OnHand: lyon}); err != nil {
				return fmt.Errorf("product %s at lyon: %w", p.sku, err)
			}
		}
		// What a unit costs us: 60 % of the price, so quotes show margins.
		for currency, price := range map[string]int64{"EUR": p.eur, "USD": p.usd} {
			if _, err := q.ProductPriceUpdateCost(ctx, db.ProductPriceUpdateCostParams{Sku: p.sku, Currency: currency,
				CostPrice: pgtype.Int8{Int64: price * 60 / 100, Valid: true}}); err != nil {
				return fmt.Errorf("product %s: %w", p.sku, err)
			}
		}
	}
	for _, r := range quantityRules {
		if err := seedQuantityRule(ctx, q, r); err != nil {
			return fmt.Errorf("quantity rule %s: %w", r.sku, err)
		}
	}
	for country, rate := range taxRates {
		if _, err := q.TaxRatePut(ctx, db.TaxRatePutParams{Country: country, RateBp: rate}); err != nil {
			return fmt.Errorf("tax rate %s: %w", country, err)
		}
	}
	for _, m := range shippingMethods {
		if _, err := q.ShippingMethodPut(ctx, m); err != nil {
			return fmt.Errorf("shipping method %s: %w", m.Code, err)
		}
	}
	return nil
}

// priceList is a demo price list: a company's (company set) or a customer
// group's (group set), in EUR.
type priceList struct {
	id       uuid.UUID
	name     string
	code     string // how the ERP's price feed names it
	company  uuid.UUID
	group    string
	priority int32
	tiers    []tier
}

type tier struct {
	sku       string
	minQty    int32
	unitPrice int64
}

// approvalRule is a demo approval rule; amounts in minor units of the company's
// currency (0 / nil: none).
type approvalRule struct {
	id          uuid.UUID
	company     uuid.UUID
	kind        string
	threshold   int64
	skus        []string
	approverMax int64
}

// spendingLimit is a demo spending limit in EUR, of one employee or (employee
// uuid.Nil) of the whole company.
type spendingLimit struct {
	id       uuid.UUID
	company  uuid.UUID
	employee uuid.UUID
	amount   int64
}

// The demo's policies: Acme's contract prices, the trade group's prices, Acme's
// approval rules (orders above EUR 1,000 need an approver, above EUR 5,000 the
// company admin; ladders always need approval; going over a spending limit needs
// approval) and monthly spending limits (Bob EUR 2,000, Acme EUR 20,000). The
// benchmark company has every policy in its checkout path, none of which stops
// an order: a price list with tiers, a spending limit and an approval rule that
// are far out of reach.
var (
	priceLists = []priceList{
		{id: acmeContractID, name: "Acme contract 2026", code: AcmeContractCode, company: AcmeID, priority: 10,
			tiers: []tier{{"BOLT-M8-50", 1, 1190}, {"BOLT-M8-50", 50, 1090}, {"NUT-M8", 1, 720}}},
		{id: tradeListID, name: "Trade customers", code: TradeListCode, group: "trade",
			tiers: []tier{{"GLOVE-NIT-L", 1, 1190}, {"GLOVE-NIT-L", 20, 1090}, {"BOLT-M8-50", 1, 1250}}},
		{id: benchListID, name: "Bench contract", company: BenchID,
			tiers: []tier{{"BENCH-A", 1, 95}, {"BENCH-A", 10, 90}, {"BENCH-B", 1, 99}}},
	}
	approvalRules = []approvalRule{
		{id: acmeRuleTotal, company: AcmeID, kind: "total_above", threshold: 100000, approverMax: 500000},
		{id: acmeRuleSKU, company: AcmeID, kind: "restricted_sku", skus: []string{"LADDER-AL-6"}},
		{id: acmeRuleLimit, company: AcmeID, kind: "over_spending_limit"},
		{id: benchRule, company: BenchID, kind: "total_above", threshold: 1000000000000},
	}
	spendingLimits = []spendingLimit{
		{id: bobMonthly, company: AcmeID, employee: Buyers[1].ID, amount: 200000},
		{id: acmeMonthly, company: AcmeID, amount: 2000000},
		{id: benchMonthly, company: BenchID, amount: 1000000000000000},
	}
)

func seedPolicies(ctx context.Context, q *db.Queries) error {
	for _, l := range priceLists {
		if err := seedPriceList(ctx, q, l); err != nil {
			return fmt.Errorf("price list %s: %w", l.name, err)
		}
	}
	for _, r := range approvalRules {
		if err := seedApprovalRule(ctx, q, r); err != nil {
			return fmt.Errorf("approval rule %s: %w", r.id, err)
		}
	}
	for _, l := range spendingLimits {
		// Put keeps one limit per company, employee and period: the demo's
		// limit comes back even where a demo session replaced it by another.
		if _, err := q.SpendingLimitPut(ctx, db.SpendingLimitPutParams{
			ID: l.id, CompanyID: l.company, CustomerID: uuid.NullUUID{UUID: l.employee, Valid: l.employee != uuid.Nil},
			Period: "month", Amount: l.amount, Currency: "EUR"}); err != nil {
			return fmt.Errorf("spending limit %s: %w", l.id, err)
		}
	}
	return nil
}

// seedPriceList puts the list back as defined, with exactly its tiers.
func seedPriceList(ctx context.Context, q *db.Queries, l priceList) error {
	company := uuid.NullUUID{UUID: l.company, Valid: l.company != uuid.Nil}
	group := pgtype.Text{String: l.group, Valid: l.group != ""}
	code := pgtype.Text{String: l.code, Valid: l.code != ""}
	_, err := q.PriceListLock(ctx, l.id)
	switch {
	case db.IsNotFound(err):
		_, err = q.PriceListCreate(ctx, db.PriceListCreateParams{
			ID: l.id, Name: l.name, Code: code, CompanyID: company, CustomerGroup: group, Currency: "EUR", Priority: l.priority})
	case err == nil:
		_, err = q.PriceListUpdate(ctx, db.PriceListUpdateParams{
			ID: l.id, Name: l.name, Code: code, CompanyID: company, CustomerGroup: group, Currency: "EUR", Priority: l.priority})
	}
	if err != nil {
		return err
	}
	if err := q.PriceListTierDeleteByPriceList(ctx, l.id); err != nil {
		return err
	}
	tiers := db.PriceListTierCreateManyParams{PriceListID: l.id}
	for _, t := range l.tiers {
		tiers.Skus = append(tiers.Skus, t.sku)
		tiers.MinQuantities = append(tiers.MinQuantities, t.minQty)
		tiers.UnitPrices = append(tiers.UnitPrices, t.unitPrice)
	}
	return q.PriceListTierCreateMany(ctx, tiers)
}

// seedApprovalRule creates the rule unless the company has it. Rules cannot be
// changed, only deleted, so one that exists is as defined.
func seedApprovalRule(ctx context.Context, q *db.Queries, r approvalRule) error {
	existing, err := q.ApprovalRuleListAllByCompany(ctx, r.company)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(existing, func(e db.ApprovalRule) bool { return e.ID == r.id }) {
		return nil
	}
	p := db.ApprovalRuleCreateParams{ID: r.id, CompanyID: r.company, Kind: r.kind, Threshold: r.threshold, Skus: r.skus}
	if p.Skus == nil {
		p.Skus = []string{}
	}
	if r.approverMax != 0 {
		p.ApproverMax = pgtype.Int8{Int64: r.approverMax, Valid: true}
	}
	_, err = q.ApprovalRuleCreate(ctx, p)
	return err
}

// Acme's address book and requisition list, by fixed ID.
var (
	// AcmeGoodsIn is Acme's default ship-to: every new Acme cart ships there
	// (and is taxed for Germany) until the buyer picks another address.
	AcmeGoodsIn = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000ad01")
	// AcmeAccounts is Acme's default bill-to.
	AcmeAccounts = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000ad02")
	// AcmeWorkshopList is Acme's requisition list "Workshop restock", made by
	// Alice, shared with all of Acme.
	AcmeWorkshopList = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000a151")
)

var acmeAddresses = []db.CompanyAddressPutParams{
	{ID: AcmeGoodsIn, CompanyID: AcmeID, Label: "Stuttgart goods-in", Name: "Acme Industrial GmbH, Goods-in",
		Line1: "Industriestraße 12", Line2: "Gate 3", City: "Stuttgart", PostalCode: "70565", Country: "DE", DefaultShipTo: true},
	{ID: AcmeAccounts, CompanyID: AcmeID, Label: "Accounts payable", Name: "Acme Industrial GmbH, Accounts payable",
		Line1: "Postfach 10 20 30", City: "Stuttgart", PostalCode: "70049", Country: "DE", DefaultBillTo: true},
	{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-00000000ad03"), CompanyID: AcmeID, Label: "Lyon site",
		Name: "Acme Industrial SARL", Line1: "8 rue de l'Industrie", City: "Lyon", PostalCode: "69007", Country: "FR"},
}

// acmeWorkshopLines are the list's lines: none of them needs an approval.
var acmeWorkshopLines = []struct {
	sku string
	qty int32
}{{"BOLT-M8-50", 2}, {"WASHER-M8", 4}, {"GLOVE-NIT-L", 10}, {"TAPE-PVC-19", 1}}

// seedBuyerConveniences puts Acme's address book (its defaults too) and its
// requisition list back as defined.
func seedBuyerConveniences(ctx context.Context, q *db.Queries) error {
	for _, a := range acmeAddresses {
		if err := q.CompanyAddressUpdateClearDefaults(ctx, db.CompanyAddressUpdateClearDefaultsParams{
			CompanyID: a.CompanyID, KeepID: a.ID, ClearShipTo: a.DefaultShipTo, ClearBillTo: a.DefaultBillTo}); err != nil {
			return err
		}
		if _, err := q.CompanyAddressPut(ctx, a); err != nil {
			return fmt.Errorf("address %s: %w", a.Label, err)
		}
	}
	if _, err := q.RequisitionListPut(ctx, db.RequisitionListPutParams{ID: AcmeWorkshopList, CompanyID: AcmeID,
		CreatedBy: Buyers[0].ID, Name: "Workshop restock", Description: "What the Stuttgart workshop runs out of every month"}); err != nil {
		return err
	}
	if err := q.RequisitionListLineDeleteByList(ctx, AcmeWorkshopList); err != nil {
		return err
	}
	lines := db.RequisitionListLineCreateManyParams{ListID: AcmeWorkshopList}
	for _, l := range acmeWorkshopLines {
		lines.Skus = append(lines.Skus, l.sku)
		lines.Quantities = append(lines.Quantities, l.qty)
	}
	return q.RequisitionListLineCreateMany(ctx, lines)
}

// Package scaledata fills a migrated database with a catalogue, companies and
// an order history of production size, fast: every table is written by a few
// set-based statements (INSERT … SELECT over generate_series), never row by
// row through the API. It is what `make bench-scale` loads (100,000 SKUs,
// 1,000 companies, 1,000,000 orders) and what TestHotQueriesUseIndexes loads
// at a smaller size before it EXPLAINs the hot queries.
//
// Rows are written past the queries in queries/, so the running totals they
// feed (spend_totals, companies.credit_used, stock.reserved) are brought up
// to date by the load itself, and Load checks them against the history as
// testenv.TotalsDrift does.
package scaledata

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/db"
)

// Sizes says how much Load writes.
type Sizes struct {
	// Products is the number of sellable SKUs (the variants), each priced in
	// EUR and USD, with stock.
	Products int
	// VariantsPerProduct groups consecutive SKUs under one parent product
	// (scale_products.parent_n), for a catalogue with parents and variants.
	VariantsPerProduct int
	// Companies is the number of companies generated, each with
	// CustomersPerCompany employees (one company admin, one approver, the rest
	// buyers) and a token each (Token).
	Companies           int
	CustomersPerCompany int
	// Orders is the order history, spread unevenly over the companies (the
	// k-th company gets about (k/n)^(1/3) − ((k−1)/n)^(1/3) of them: the
	// first a tenth, the last a few hundred per million) and over History
	// back from now.
	Orders  int
	History time.Duration
	// BigCompany, when set, is an existing company (the demo's benchmark
	// company) that stands first, in the place of the biggest generated one:
	// its existing employees place its share of the orders.
	BigCompany uuid.UUID
	// Seed makes a load repeatable (setseed, -1..1).
	Seed float64
}

// Full is the size of issue 13's scale target.
var Full = Sizes{Products: 100_000, VariantsPerProduct: 4, Companies: 1_000, CustomersPerCompany: 5,
	Orders: 1_000_000, History: 730 * 24 * time.Hour, Seed: 0.13}

// Token is the bearer token of the k-th employee (from 1) of the n-th
// generated company (from 1); employee 1 is the company admin, 2 the
// approver, the rest buyers.
func Token(company, employee int) string { return fmt.Sprintf("oft_scale_%d_%d", company, employee) }

// Step is one part of a load and how long it took.
type Step struct {
	Name string
	Rows int64
	Took time.Duration
}

// Report is what a load wrote and how long it took.
type Report struct {
	Steps []Step
	Took  time.Duration
	// ForeignKeysSkipped tells whether the load ran without its per-row
	// foreign-key checks (as a superuser).
	ForeignKeysSkipped bool
}

func (r Report) String() string {
	var b strings.Builder
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "  %-44s %10d rows %9.1f s\n", s.Name, s.Rows, s.Took.Seconds())
	}
	fmt.Fprintf(&b, "  %-44s %15s %9.1f s\n", "total", "", r.Took.Seconds())
	if !r.ForeignKeysSkipped {
		b.WriteString("  (not a superuser: foreign keys were checked row by row)\n")
	}
	return b.String()
}

// skipForeignKeyChecks turns off the transaction's foreign-key triggers when
// the role may: session_replication_role is a superuser's setting.
func skipForeignKeyChecks(ctx context.Context, tx pgx.Tx) (bool, error) {
	var super bool
	if err := tx.QueryRow(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&super); err != nil {
		return false, err
	}
	if !super {
		return false, nil
	}
	if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
		return false, err
	}
	return true, nil
}

// step is one statement of the load. Rows in the temporary scale_* tables
// (dropped at commit) are what the statements after them read.
type step struct{ name, sql string }

// productSteps generate the catalogue: every SKU's row, prices and stock come
// from scale_products, the one place a product's figures are decided; its
// catalog products (the parents the storefront lists) from scale_parents,
// one per parent_n, VariantsPerProduct SKUs each (the variants, one per pack
// size, sold per box). The load runs in replica mode, where the triggers of
// migration 0018 that keep catalog_products.search_text do not fire: the
// parents' statement writes the search text as catalog_search_text computes
// it, and the search index (catalog_search_prefixes) as migration 0024's
// triggers write it; the number attributes' range rows
// (catalog_product_numbers) and the attribute kinds (catalog_attributes) are
// written as catalog.Save writes them.
var productSteps = []step{
	{"products: generate", `
CREATE TEMP TABLE scale_products ON COMMIT DROP AS
SELECT n, sku, parent_n, pos, kind, size, finish, pack,
       (ARRAY['Hex bolt', 'Hex nut', 'Washer', 'Wood screw', 'Wall anchor', 'Drill bit', 'Nitrile gloves',
              'Safety goggles', 'Cable', 'Insulating tape', 'Lubricant', 'Strapping', 'Labels', 'Shipping box',
              'Stretch film', 'Snap-off knife'])[kind]
         || ' ' || (ARRAY['M4', 'M5', 'M6', 'M8', 'M10', 'M12', 'S', 'M', 'L', 'XL'])[size]
         || ', ' || (ARRAY['zinc', 'stainless', 'brass', 'black', 'white'])[finish]
         || ', pack ' || pack AS name,
       (50 + (n * 31) % 5000)::integer AS weight_grams,
       (200 + (n::bigint * 7919) % 49800)::bigint AS price_eur,
       ((200 + (n::bigint * 7919) % 49800) * 108 / 100)::bigint AS price_usd,
       (1000 + (n::bigint * 13) % 9000)::bigint AS on_hand
FROM (SELECT n, 'SKU-' || lpad(n::text, 7, '0') AS sku, parent_n, pos,
             1 + parent_n % 16 AS kind, 1 + (parent_n / 16) % 10 AS size, 1 + (parent_n / 160) % 5 AS finish,
             CASE WHEN pos < 4 THEN (ARRAY[10, 50, 100, 200])[pos + 1] ELSE 250 * pos END AS pack
      FROM (SELECT n, (n - 1) / @variants_per_product::int + 1 AS parent_n, (n - 1) % @variants_per_product::int AS pos
            FROM generate_series(1, @products::int) AS n) g) p`},
	{"products: index", `CREATE UNIQUE INDEX ON scale_products (n)`},
	{"products: analyze", `ANALYZE scale_products`},
	{"catalog products: generate", `
CREATE TEMP TABLE scale_parents ON COMMIT DROP AS
SELECT p.*,
       lower(concat_ws(' ', p.handle, p.name, p.description, v.variants)) AS search_text
FROM (SELECT parent_n, gen_random_uuid() AS id,
             replace(lower(kind_name), ' ', '-') || '-' || lower(size_name) || '-' || finish_name
               || '-' || lpad(parent_n::text, 6, '0') AS handle,
             kind_name || ' ' || size_name || ', ' || finish_name AS name,
             kind_name || ' ' || size_name || ' in ' || finish_name || ' for trade use, sold per box in '
               || packs || ' packs.' AS description,
             category, finish, size,
             jsonb_build_array(jsonb_build_object('name', 'Pack', 'values', values)) AS options
      FROM (SELECT parent_n,
                   (ARRAY['Hex bolt', 'Hex nut', 'Washer', 'Wood screw', 'Wall anchor', 'Drill bit', 'Nitrile gloves',
                          'Safety goggles', 'Cable', 'Insulating tape', 'Lubricant', 'Strapping', 'Labels', 'Shipping box',
                          'Stretch film', 'Snap-off knife'])[min(kind)] AS kind_name,
                   (ARRAY['fasteners', 'fasteners', 'fasteners', 'fasteners', 'fasteners', 'tools', 'safety',
                          'safety', 'electrical', 'electrical', 'maintenance', 'packaging', 'packaging', 'packaging',
                          'packaging', 'tools'])[min(kind)] AS category,
                   (ARRAY['M4', 'M5', 'M6', 'M8', 'M10', 'M12', 'S', 'M', 'L', 'XL'])[min(size)] AS size_name,
                   (ARRAY['zinc', 'stainless', 'brass', 'black', 'white'])[min(finish)] AS finish_name,
                   min(size) AS size, min(finish) AS finish,
                   jsonb_agg(pack::text ORDER BY pos) AS values, string_agg(pack::text, ', ' ORDER BY pos) AS packs
            FROM scale_products GROUP BY parent_n) k) p
JOIN (SELECT parent_n, string_agg(sku || ' ' || name, ' ' ORDER BY pos, sku) AS variants
      FROM scale_products GROUP BY parent_n) v USING (parent_n)`},
	{"catalog products: index", `CREATE UNIQUE INDEX ON scale_parents (parent_n)`},
	{"catalog_products", `
INSERT INTO catalog_products (id, handle, name, description, category, options, attributes, search_text, created_at, updated_at)
SELECT id, handle, name, description, category, options,
       jsonb_build_object(
         'material', (ARRAY['steel', 'stainless steel', 'brass', 'steel', 'polyamide'])[finish],
         'thread', (ARRAY['M4', 'M5', 'M6', 'M8', 'M10', 'M12', 'S', 'M', 'L', 'XL'])[size],
         'diameter_mm', (ARRAY[4, 5, 6, 8, 10, 12, 3, 4, 5, 6])[size],
         'length_mm', 10 + (parent_n * 7) % 191,
         'zinc_plated', finish = 1),
       search_text, @history_start::timestamptz, @history_start::timestamptz
FROM scale_parents`},
	{"catalog_search_prefixes", `
INSERT INTO catalog_search_prefixes (prefix, handle)
SELECT x, sp.handle FROM scale_parents sp, catalog_search_prefixes_of(sp.search_text) AS x`},
	{"catalog_product_numbers", `
INSERT INTO catalog_product_numbers (name, value, product_id, handle)
SELECT e.key, (e.value #>> '{}')::numeric, cp.id, cp.handle
FROM scale_parents sp JOIN catalog_products cp ON cp.id = sp.id, jsonb_each(cp.attributes) e
WHERE jsonb_typeof(e.value) = 'number'`},
	{"catalog_attributes", `
INSERT INTO catalog_attributes (name, kind)
VALUES ('material', 'text'), ('thread', 'text'), ('diameter_mm', 'number'), ('length_mm', 'number'), ('zinc_plated', 'boolean')
ON CONFLICT (name) DO NOTHING`},
	{"products", `
INSERT INTO products (sku, name, weight_grams, created_at, product_id, option_values, unit, pack_size, position)
SELECT p.sku, p.name, p.weight_grams, @history_start::timestamptz, sp.id, jsonb_build_object('Pack', p.pack::text),
       'box', p.pack, p.pos
FROM scale_products p JOIN scale_parents sp USING (parent_n)`},
	{"product_prices", `
INSERT INTO product_prices (sku, currency, unit_price, cost_price)
SELECT sku, 'EUR', price_eur, price_eur * 60 / 100 FROM scale_products
UNION ALL
SELECT sku, 'USD', price_usd, price_usd * 60 / 100 FROM scale_products`},
	// Stock in the default location (stock.location_id's default, which
	// replica mode keeps: a default is no trigger).
	{"stock", `INSERT INTO stock (sku, on_hand) SELECT sku, on_hand FROM scale_products`},
}

// companySteps generate the companies (rank 1 the biggest buyer; the big
// company, when given, takes rank 1), their employees and their tokens.
var companySteps = []step{
	{"companies: generate", `
CREATE TEMP TABLE scale_companies ON COMMIT DROP AS
SELECT n AS rank,
       CASE WHEN n = 1 AND @big_company::uuid <> '00000000-0000-0000-0000-000000000000' THEN @big_company::uuid
            ELSE gen_random_uuid() END AS id,
       (n = 1 AND @big_company::uuid <> '00000000-0000-0000-0000-000000000000') AS existing,
       CASE WHEN n % 5 = 0 THEN 'USD' ELSE 'EUR' END AS currency
FROM generate_series(1, @companies::int) AS n`},
	{"companies", `
INSERT INTO companies (id, name, currency, credit_limit, created_at, updated_at)
SELECT id, 'Scale company ' || rank, currency, 1000000000000000, @history_start::timestamptz, @history_start::timestamptz
FROM scale_companies WHERE NOT existing`},
	{"companies: the big one's currency", `
UPDATE scale_companies s SET currency = c.currency FROM companies c WHERE s.existing AND c.id = s.id`},
	{"customers: generate", `
CREATE TEMP TABLE scale_customers ON COMMIT DROP AS
SELECT c.rank, k, gen_random_uuid() AS id, false AS existing
FROM scale_companies c, generate_series(1, @customers_per_company::int) AS k
WHERE NOT c.existing
UNION ALL
SELECT c.rank, row_number() OVER (PARTITION BY c.rank ORDER BY cu.created_at, cu.id), cu.id, true
FROM scale_companies c JOIN customers cu ON cu.company_id = c.id
WHERE c.existing AND cu.role = 'buyer' AND cu.deactivated_at IS NULL`},
	{"customers", `
INSERT INTO customers (id, company_id, email, name, role, created_at)
SELECT cu.id, c.id, 'employee' || cu.k || '@scale' || c.rank || '.example', 'Employee ' || cu.k || ' of company ' || c.rank,
       CASE cu.k WHEN 1 THEN 'company_admin' WHEN 2 THEN 'approver' ELSE 'buyer' END, @history_start::timestamptz
FROM scale_customers cu JOIN scale_companies c USING (rank)
WHERE NOT cu.existing`},
	{"api_tokens", `
INSERT INTO api_tokens (token_hash, customer_id, label, created_at)
SELECT sha256(convert_to('oft_scale_' || cu.rank || '_' || cu.k, 'UTF8')), cu.id, 'scale', @history_start::timestamptz
FROM scale_customers cu WHERE NOT cu.existing`},
	{"customers: count per company", `
CREATE TEMP TABLE scale_company_customers ON COMMIT DROP AS
SELECT c.rank, c.id, c.currency, count(cu.*)::int AS customers
FROM scale_companies c JOIN scale_customers cu USING (rank) GROUP BY c.rank, c.id, c.currency`},
}

// orderSteps generate the history: orders with their lines, each with the
// cart it was checked out from (lines, a completed timeline event), its
// committed spend and its credit hold (released once invoiced; still
// authorized, with its stock reserved, while the order is placed). Statuses
// follow age: older than 45 days completed (5 % cancelled, 2 % returned),
// 14–45 days delivered, 3–14 days shipped or delivered, the last 3 days
// mostly still placed.
var orderSteps = []step{
	{"orders: generate", `
CREATE TEMP TABLE scale_orders ON COMMIT DROP AS
SELECT o.i, gen_random_uuid() AS id, gen_random_uuid() AS cart_id, c.id AS company_id, c.currency,
       cu.id AS customer_id, o.placed_at, o.u,
       CASE WHEN o.age > interval '45 days' THEN
                 CASE WHEN o.u < 0.05 THEN 'cancelled' WHEN o.u < 0.07 THEN 'returned' ELSE 'completed' END
            WHEN o.age > interval '14 days' THEN CASE WHEN o.u < 0.05 THEN 'cancelled' ELSE 'delivered' END
            WHEN o.age > interval '3 days' THEN
                 CASE WHEN o.u < 0.05 THEN 'cancelled' WHEN o.u < 0.5 THEN 'shipped' ELSE 'delivered' END
            ELSE CASE WHEN o.u < 0.85 THEN 'placed' ELSE 'shipped' END END AS status,
       1 + o.i % 5 AS lines, floor(o.v * @products::int)::int AS first_product
FROM (SELECT i, rank, @now::timestamptz - age AS placed_at, age, u, v
      FROM (SELECT i, least(@companies::int, 1 + floor(@companies::int * random() ^ 3))::int AS rank,
                   make_interval(secs => floor(random() * @history_seconds::float8)) AS age,
                   random() AS u, random() AS v
            FROM generate_series(1, @orders::int) AS i) r
     ) o
JOIN scale_company_customers c ON c.rank = o.rank
JOIN scale_customers cu ON cu.rank = o.rank AND cu.k = 1 + o.i % c.customers`},
	{"orders: analyze", `ANALYZE scale_orders`},
	{"order lines: generate", `
CREATE TEMP TABLE scale_lines ON COMMIT DROP AS
SELECT o.i, l AS line_no, p.sku, p.name,
       (1 + floor(random() * random() * 20))::int AS quantity,
       CASE o.currency WHEN 'USD' THEN p.price_usd ELSE p.price_eur END AS unit_price
FROM scale_orders o
CROSS JOIN LATERAL generate_series(1, o.lines) AS l
JOIN scale_products p ON p.n = 1 + (o.first_product + l * (@products::int / 7 + 1)) % @products::int`},
	{"orders: totals", `
CREATE TEMP TABLE scale_totals ON COMMIT DROP AS
SELECT i, SUM(quantity * unit_price)::bigint AS subtotal FROM scale_lines GROUP BY i`},
	{"orders: analyze lines and totals", `ANALYZE scale_lines, scale_totals`},
	{"carts", `
INSERT INTO carts (id, company_id, customer_id, currency, status, order_id, checkout_attempt, created_at, updated_at)
SELECT cart_id, company_id, customer_id, currency, 'completed', id, 1, placed_at - interval '10 minutes', placed_at
FROM scale_orders`},
	{"cart_lines", `
INSERT INTO cart_lines (cart_id, sku, quantity, added_at)
SELECT o.cart_id, l.sku, l.quantity, o.placed_at - interval '10 minutes' + l.line_no * interval '1 second'
FROM scale_lines l JOIN scale_orders o USING (i)`},
	{"orders", `
INSERT INTO orders (id, cart_id, company_id, customer_id, status, currency, subtotal, total, placed_at, updated_at,
                    fulfilment_status, payment_status, ship_by, deliver_by, delivered_at,
                    cancelled_amount, invoiced_amount, paid_amount, credited_amount)
SELECT o.id, o.cart_id, o.company_id, o.customer_id, o.status, o.currency, t.subtotal, t.subtotal, o.placed_at, o.placed_at,
       CASE o.status WHEN 'completed' THEN 'delivered' WHEN 'placed' THEN 'unfulfilled' ELSE o.status END,
       CASE o.status WHEN 'completed' THEN 'paid' WHEN 'returned' THEN 'credited' WHEN 'cancelled' THEN 'voided'
                     WHEN 'placed' THEN 'authorized' ELSE 'invoiced' END,
       o.placed_at + interval '48 hours', o.placed_at + interval '120 hours',
       CASE WHEN o.status IN ('completed', 'delivered', 'returned') THEN o.placed_at + interval '3 days' END,
       CASE o.status WHEN 'cancelled' THEN t.subtotal ELSE 0 END,
       CASE WHEN o.status IN ('cancelled', 'placed') THEN 0 ELSE t.subtotal END,
       CASE WHEN o.status IN ('completed', 'returned') THEN t.subtotal ELSE 0 END,
       CASE o.status WHEN 'returned' THEN t.subtotal ELSE 0 END
FROM scale_orders o JOIN scale_totals t USING (i)`},
	{"order_lines", `
INSERT INTO order_lines (order_id, line_no, sku, name, quantity, base_unit_price, unit_price, line_total,
                         cancelled, shipped, delivered, returned)
SELECT o.id, l.line_no, l.sku, l.name, l.quantity, l.unit_price, l.unit_price, l.quantity * l.unit_price,
       CASE o.status WHEN 'cancelled' THEN l.quantity ELSE 0 END,
       CASE WHEN o.status IN ('cancelled', 'placed') THEN 0 ELSE l.quantity END,
       CASE WHEN o.status IN ('completed', 'delivered', 'returned') THEN l.quantity ELSE 0 END,
       CASE o.status WHEN 'returned' THEN l.quantity ELSE 0 END
FROM scale_lines l JOIN scale_orders o USING (i)`},
	{"timeline_events", `
INSERT INTO timeline_events (cart_id, order_id, kind, actor, detail, dedup_key, occurred_at)
SELECT cart_id, id, 'order_placed', 'customer:' || customer_id, '', 'scale/' || id || '/order_placed', placed_at
FROM scale_orders`},
	{"spend_reservations", `
INSERT INTO spend_reservations (spend_key, cart_id, company_id, customer_id, amount, currency, status, reserved_at, updated_at)
SELECT 'checkout/' || o.cart_id || '/1', o.cart_id, o.company_id, o.customer_id, t.subtotal, o.currency,
       'committed', o.placed_at, o.placed_at
FROM scale_orders o JOIN scale_totals t USING (i)`},
	{"credit_holds", `
INSERT INTO credit_holds (payment_key, cart_id, company_id, amount, currency, status, created_at, released_at)
SELECT 'checkout/' || o.cart_id || '/1', o.cart_id, o.company_id,
       CASE o.status WHEN 'placed' THEN t.subtotal ELSE 0 END, o.currency,
       CASE o.status WHEN 'placed' THEN 'authorized' ELSE 'released' END, o.placed_at,
       CASE o.status WHEN 'placed' THEN NULL ELSE o.placed_at + interval '2 days' END
FROM scale_orders o JOIN scale_totals t USING (i)`},
	{"stock_reservations", `
INSERT INTO stock_reservations (cart_id, attempt, sku, quantity, created_at)
SELECT o.cart_id, 1, l.sku, l.quantity, o.placed_at
FROM scale_lines l JOIN scale_orders o USING (i) WHERE o.status = 'placed'`},
}

// totalSteps bring the running totals up to date with the history written
// past the queries that keep them.
var totalSteps = []step{
	{"stock.reserved", `
UPDATE stock s SET reserved = s.reserved + r.quantity, on_hand = GREATEST(s.on_hand, s.reserved + r.quantity)
FROM (SELECT l.sku, SUM(l.quantity)::bigint AS quantity
      FROM scale_lines l JOIN scale_orders o USING (i) WHERE o.status = 'placed' GROUP BY l.sku) r
WHERE s.sku = r.sku`},
	{"spend_totals", `
INSERT INTO spend_totals (company_id, customer_id, month, amount)
SELECT o.company_id, who.customer_id, date_trunc('month', o.placed_at, 'UTC'), SUM(t.subtotal)::bigint
FROM scale_orders o JOIN scale_totals t USING (i)
CROSS JOIN LATERAL (VALUES (NULL::uuid), (o.customer_id)) AS who (customer_id)
GROUP BY o.company_id, who.customer_id, date_trunc('month', o.placed_at, 'UTC')
ON CONFLICT ON CONSTRAINT spend_totals_key DO UPDATE SET amount = spend_totals.amount + excluded.amount`},
	{"companies.credit_used", `
UPDATE companies c SET credit_used = c.credit_used + h.amount
FROM (SELECT o.company_id, SUM(t.subtotal)::bigint AS amount
      FROM scale_orders o JOIN scale_totals t USING (i) WHERE o.status = 'placed' GROUP BY o.company_id) h
WHERE c.id = h.company_id`},
}

// Load writes sizes' catalogue, companies and orders into the migrated
// database behind pool in one transaction, then vacuums and analyzes the
// tables it wrote (so that neither the planner's statistics nor autovacuum
// lag behind when measuring starts) and checks the running totals.
func Load(ctx context.Context, pool *pgxpool.Pool, sizes Sizes) (Report, error) {
	if sizes.Products < 10 || sizes.Companies < 1 || sizes.CustomersPerCompany < 3 || sizes.Orders < 0 ||
		sizes.VariantsPerProduct < 1 || sizes.History <= 0 {
		return Report{}, fmt.Errorf("scale sizes out of range: %+v", sizes)
	}
	started := time.Now()
	var report Report
	args := pgx.NamedArgs{
		"products": sizes.Products, "variants_per_product": sizes.VariantsPerProduct,
		"companies": sizes.Companies, "customers_per_company": sizes.CustomersPerCompany,
		"orders": sizes.Orders, "history_seconds": sizes.History.Seconds(), "big_company": sizes.BigCompany,
		"now": started.UTC(), "history_start": started.Add(-sizes.History).UTC(),
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return report, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit, a no-op
	if _, err := tx.Exec(ctx, "SELECT setseed($1)", sizes.Seed); err != nil {
		return report, err
	}
	// The history's temporary tables are big: sorting and hashing them in
	// memory rather than on disk halves the load.
	if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '256MB'"); err != nil {
		return report, err
	}
	// Foreign keys are checked by a trigger per row, which is most of the
	// load's time: a superuser (the local postgres of make bench-scale and
	// the tests) skips them for this transaction, as a replica applying rows
	// does. The rows refer to rows the same statements made; the checks, the
	// CHECK constraints and unique indexes still hold them. Anyone else loads
	// with the checks, slower. Replica mode skips every ordinary trigger, not
	// only the foreign keys': none fires on the inserts here, but a column a
	// trigger fills (a search text, a default taken from another table) must
	// be written by the load's statement itself.
	skipped, err := skipForeignKeyChecks(ctx, tx)
	if err != nil {
		return report, err
	}
	report.ForeignKeysSkipped = skipped
	for _, steps := range [][]step{productSteps, companySteps, orderSteps, totalSteps} {
		for _, s := range steps {
			begun := time.Now()
			tag, err := tx.Exec(ctx, s.sql, args)
			if err != nil {
				return report, fmt.Errorf("scale load, %s: %w", s.name, err)
			}
			report.Steps = append(report.Steps, Step{Name: s.name, Rows: tag.RowsAffected(), Took: time.Since(begun)})
		}
	}
	begun := time.Now()
	if err := tx.Commit(ctx); err != nil {
		return report, fmt.Errorf("scale load, commit: %w", err)
	}
	report.Steps = append(report.Steps, Step{Name: "commit", Took: time.Since(begun)})

	begun = time.Now()
	if _, err := pool.Exec(ctx, "VACUUM (ANALYZE) "+strings.Join(loadedTables, ", ")); err != nil {
		return report, fmt.Errorf("scale load, vacuum: %w", err)
	}
	report.Steps = append(report.Steps, Step{Name: "vacuum and analyze", Took: time.Since(begun)})

	begun = time.Now()
	if err := checkTotals(ctx, pool); err != nil {
		return report, err
	}
	report.Steps = append(report.Steps, Step{Name: "running totals and search texts checked", Took: time.Since(begun)})
	report.Took = time.Since(started)
	return report, nil
}

// loadedTables are the tables Load writes.
var loadedTables = []string{"catalog_products", "catalog_search_prefixes", "catalog_product_numbers", "catalog_attributes", "products",
	"product_prices", "stock", "companies", "customers", "api_tokens",
	"carts", "cart_lines", "orders", "order_lines", "timeline_events", "spend_reservations", "spend_totals",
	"credit_holds", "stock_reservations"}

// checkTotals fails when a running total disagrees with the history it
// stands for (the queries testenv.TotalsDrift runs, and stock.reserved
// against the stock reservations), or a search text the load wrote differs
// from what the triggers would have written.
func checkTotals(ctx context.Context, pool *pgxpool.Pool) error {
	q := db.New(pool)
	credit, err := q.CompanyListCreditDrift(ctx)
	if err != nil {
		return err
	}
	spend, err := q.SpendTotalListDrift(ctx)
	if err != nil {
		return err
	}
	var stock int64
	if err := pool.QueryRow(ctx, `
SELECT count(*) FROM stock s
LEFT JOIN (SELECT sku, SUM(quantity) AS quantity FROM stock_reservations GROUP BY sku) r USING (sku)
WHERE s.reserved <> COALESCE(r.quantity, 0)`).Scan(&stock); err != nil {
		return err
	}
	// The search text the load wrote in place of the triggers, against
	// what they write (migration 0018's catalog_search_text).
	var search int64
	if err := pool.QueryRow(ctx, `
SELECT count(*) FROM catalog_products WHERE search_text <> catalog_search_text(id, handle, name, description)`).Scan(&search); err != nil {
		return err
	}
	if search > 0 {
		return fmt.Errorf("scale load: %d catalog products' search text differs from what the triggers write", search)
	}
	// The search index the load wrote, against what the triggers write, for
	// a sample of products spread over the catalog (all of it would take as
	// long as writing it).
	var prefixes int64
	if err := pool.QueryRow(ctx, `
WITH sample AS (SELECT handle, search_text FROM catalog_products TABLESAMPLE SYSTEM (2) REPEATABLE (13)),
want AS (SELECT x AS prefix, s.handle FROM sample s, catalog_search_prefixes_of(s.search_text) AS x),
got AS (SELECT c.prefix, c.handle FROM catalog_search_prefixes c JOIN sample s USING (handle))
SELECT (SELECT count(*) FROM (TABLE want EXCEPT TABLE got) d) + (SELECT count(*) FROM (TABLE got EXCEPT TABLE want) e)`).Scan(&prefixes); err != nil {
		return err
	}
	if prefixes > 0 {
		return fmt.Errorf("scale load: %d search index entries differ from what the triggers write", prefixes)
	}
	if len(credit) > 0 || len(spend) > 0 || stock > 0 {
		return fmt.Errorf("scale load: running totals disagree with the history: %d companies' credit, %d spend totals, %d SKUs' reserved stock",
			len(credit), len(spend), stock)
	}
	return nil
}

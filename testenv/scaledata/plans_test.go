package scaledata_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/apitoken"
	"github.com/orderflow/orderflow/catalog"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/testenv/scaledata"
)

// planSizes are large enough for the planner's choices to be the ones it
// makes at full size (a sequential scan of a table of a few hundred rows is
// cheaper than an index and would be chosen; at 5,000 SKUs a page's 80
// variants were still read by hashing every price), small enough to load in
// seconds.
var planSizes = scaledata.Sizes{Products: 20_000, VariantsPerProduct: 4, Companies: 1_000, CustomersPerCompany: 5,
	Orders: 20_000, History: 730 * 24 * time.Hour, Seed: 0.13}

// bigTable is the fewest rows (pg_class.reltuples after ANALYZE) that make a
// sequential scan of a table a failure: below it, scanning is what an index
// would cost anyway.
const bigTable = 1_000

// TestHotQueriesUseIndexes loads a history (scaledata.Load at planSizes:
// 20,000 SKUs under 5,000 catalog products, 1,000 companies, 20,000 orders, a
// tenth of them one company's) and EXPLAINs each hot query of the API and the
// checkout as it runs (the SQL sqlc generated, with realistic arguments: the
// big company's buyer, its orders, a cursor deep in its history; the
// storefront catalog's lists with each filter), and fails on a sequential
// scan of any table of bigTable rows or more.
func TestHotQueriesUseIndexes(t *testing.T) {
	pool, _ := testenv.NewDatabase(t)
	ctx := context.Background()
	company := testenv.NewCompany(t, pool, "EUR", 1<<50)
	buyer := testenv.NewBuyer(t, pool, company)
	newcomer := testenv.NewCompany(t, pool, "EUR", 1<<50)
	sizes := planSizes
	sizes.BigCompany = company.ID
	report, err := scaledata.Load(ctx, pool, sizes)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded in %v:\n%s", report.Took.Round(time.Millisecond), report)

	// Arguments from the loaded history: the buyer's orders number a tenth of
	// all, placed over two years.
	var (
		orderID, cartID  uuid.UUID
		deepAt           time.Time
		deepID           uuid.UUID
		skus             []string
		placedBefore     int
		placedFirstAt    time.Time
		placedFirstID    uuid.UUID
		cursorOpsAt      time.Time
		cursorOpsID      uuid.UUID
		buyerOrders      int
		companyCustomers int
	)
	must(t, pool.QueryRow(ctx, `SELECT count(*) FROM orders WHERE customer_id = $1`, buyer.ID).Scan(&buyerOrders))
	if buyerOrders < planSizes.Orders/20 {
		t.Fatalf("the big company's buyer has %d orders of %d: the load did not favour it", buyerOrders, planSizes.Orders)
	}
	must(t, pool.QueryRow(ctx, `SELECT id, cart_id FROM orders WHERE customer_id = $1 ORDER BY placed_at LIMIT 1`, buyer.ID).Scan(&orderID, &cartID))
	must(t, pool.QueryRow(ctx, `SELECT placed_at, id FROM orders WHERE customer_id = $1 ORDER BY placed_at DESC, id DESC OFFSET $2 LIMIT 1`,
		buyer.ID, buyerOrders/2).Scan(&deepAt, &deepID))
	must(t, pool.QueryRow(ctx, `SELECT placed_at, id FROM orders WHERE company_id = $1 ORDER BY placed_at, id OFFSET $2 LIMIT 1`,
		company.ID, buyerOrders/2).Scan(&cursorOpsAt, &cursorOpsID))
	must(t, pool.QueryRow(ctx, `SELECT count(*) FROM orders WHERE status = 'placed'`).Scan(&placedBefore))
	must(t, pool.QueryRow(ctx, `SELECT placed_at, id FROM orders WHERE status = 'placed' ORDER BY placed_at, id LIMIT 1`).Scan(&placedFirstAt, &placedFirstID))
	must(t, pool.QueryRow(ctx, `SELECT count(*) FROM customers WHERE company_id = $1`, company.ID).Scan(&companyCustomers))
	rows, err := pool.Query(ctx, `SELECT sku FROM order_lines WHERE order_id = $1 ORDER BY line_no`, orderID)
	must(t, err)
	skus, err = pgx.CollectRows(rows, pgx.RowTo[string])
	must(t, err)
	skus = append(skus, "SKU-0002500")
	t.Logf("buyer's orders %d, orders still placed %d, order %s with %d SKUs", buyerOrders, placedBefore, orderID, len(skus))

	// The storefront catalog: a page of parents from the first and from
	// the middle of the catalog (by handle), and the ones of the first page.
	var (
		catalogCount int
		deepHandle   string
		detailHandle string
		pageIDs      []uuid.UUID
	)
	must(t, pool.QueryRow(ctx, `SELECT count(*) FROM catalog_products`).Scan(&catalogCount))
	if catalogCount < planSizes.Products/planSizes.VariantsPerProduct {
		t.Fatalf("%d catalog products for %d SKUs in groups of %d", catalogCount, planSizes.Products, planSizes.VariantsPerProduct)
	}
	must(t, pool.QueryRow(ctx, `SELECT handle FROM catalog_products ORDER BY handle OFFSET $1 LIMIT 1`, catalogCount/2).Scan(&deepHandle))
	must(t, pool.QueryRow(ctx, `SELECT cp.handle FROM catalog_products cp JOIN products p ON p.product_id = cp.id
WHERE p.sku = 'SKU-0002500'`).Scan(&detailHandle))
	rows, err = pool.Query(ctx, `SELECT id FROM catalog_products ORDER BY handle LIMIT 20`)
	must(t, err)
	pageIDs, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	must(t, err)
	var rangeMin, rangeMax pgtype.Numeric
	must(t, rangeMin.Scan("8"))
	must(t, rangeMax.Scan("12"))
	t.Logf("catalog products %d, deep cursor %s, detail %s", catalogCount, deepHandle, detailHandle)
	// A filtered page may read the rows a walk in handle order passes to
	// fill it (its matches among them), or read every match and sort: its
	// bound is the walk's rows, counted on the data, never less than the page.
	catalogList := func(name string, f catalog.Filter) hotQuery {
		f.Limit = 21
		list := func(q *db.Queries) ([]db.CatalogProduct, error) { return catalog.List(ctx, q, f) }
		page, err := list(db.New(pool))
		must(t, err)
		if len(page) == 0 {
			t.Fatalf("catalog list %s: no products: the arguments match nothing loaded", name)
		}
		var walk int
		must(t, pool.QueryRow(ctx, `SELECT count(*) FROM catalog_products WHERE handle > $1 AND handle <= $2`,
			f.AfterHandle, page[len(page)-1].Handle).Scan(&walk))
		return hotQuery{"CatalogProductList " + name, func(q *db.Queries) error { _, err := list(q); return err },
			max(int(f.Limit), walk)}
	}
	// A search reads the search index's entries of its words in handle
	// order (migration 0024): about a page's worth, however the matches
	// cluster, where a walk of the handles read thousands of texts.
	catalogSearch := func(name, query string, f catalog.Filter) hotQuery {
		s, err := commerce.ParseSearch(query)
		must(t, err)
		f.Search = s
		h := catalogList(name, f)
		h.page = 21 // the page and one more, as catalogList asks
		return h
	}

	top := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	company0 := uuid.NullUUID{UUID: company.ID, Valid: true}
	key := "checkout/" + cartID.String() + "/1"
	// page, for the lists, is the rows the page asks for: run, the list
	// may read no more than readsPerRow times that (an index walked from the
	// start to the cursor is no sequential scan, and as slow).
	hot := []hotQuery{
		// Every request: who the token is.
		{"PrincipalGetByTokenHash", func(q *db.Queries) error {
			_, err := q.PrincipalGetByTokenHash(ctx, apitoken.Hash(buyer.Token))
			return err
		}, 0},
		{"IdempotencyKeyGet", func(q *db.Queries) error {
			_, err := q.IdempotencyKeyGet(ctx, db.IdempotencyKeyGetParams{PrincipalID: buyer.ID, Key: "k"})
			return err
		}, 0},
		// GET /v1/products, first page and a page deep in the catalogue.
		{"ProductListPriced first page", func(q *db.Queries) error {
			_, err := q.ProductListPriced(ctx, db.ProductListPricedParams{Currency: "EUR", AfterSku: "", RowLimit: 51})
			return err
		}, 51},
		{"ProductListPriced cursor page", func(q *db.Queries) error {
			_, err := q.ProductListPriced(ctx, db.ProductListPricedParams{Currency: "EUR", AfterSku: "SKU-0010000", RowLimit: 51})
			return err
		}, 51},
		// GET /v1/catalog/products (as the API calls it: a page of 20 and
		// one more): first page, deep page, by text (a word many products
		// have, and a SKU one product has), category, attribute, number
		// range; then the page's variants with price and availability.
		catalogList("first page", catalog.Filter{}),
		catalogList("cursor page", catalog.Filter{AfterHandle: deepHandle}),
		catalogSearch("search common word", "bolt", catalog.Filter{}),
		catalogSearch("search SKU", "SKU-0002500", catalog.Filter{}),
		catalogList("category", catalog.Filter{Category: "fasteners"}),
		catalogList("category cursor page", catalog.Filter{Category: "fasteners", AfterHandle: deepHandle}),
		catalogList("attribute", catalog.Filter{Attributes: []byte(`{"material": "steel"}`)}),
		catalogList("attribute range", catalog.Filter{RangeName: "diameter_mm", RangeMin: rangeMin, RangeMax: rangeMax}),
		catalogSearch("search and category", "bolt", catalog.Filter{Category: "fasteners"}),
		{"CatalogAttributeListByNames", func(q *db.Queries) error {
			_, err := q.CatalogAttributeListByNames(ctx, []string{"material"})
			return err
		}, 0},
		{"CompanyGet", func(q *db.Queries) error { _, err := q.CompanyGet(ctx, company.ID); return err }, 0},
		// A page's variants (4 each), their prices and availability.
		{"CatalogVariantListByProducts", func(q *db.Queries) error {
			_, err := q.CatalogVariantListByProducts(ctx, db.CatalogVariantListByProductsParams{Currency: "EUR", ProductIds: pageIDs})
			return err
		}, len(pageIDs) * planSizes.VariantsPerProduct},
		// GET /v1/catalog/products/{product}.
		{"CatalogProductGetByHandle", func(q *db.Queries) error { _, err := q.CatalogProductGetByHandle(ctx, detailHandle); return err }, 0},
		{"CatalogProductVisible", func(q *db.Queries) error {
			_, err := q.CatalogProductVisible(ctx, db.CatalogProductVisibleParams{CompanyID: company.ID, ProductID: pageIDs[0]})
			return err
		}, 0},
		{"CatalogVariantListByProducts one product", func(q *db.Queries) error {
			_, err := q.CatalogVariantListByProducts(ctx, db.CatalogVariantListByProductsParams{Currency: "EUR", ProductIds: pageIDs[:1]})
			return err
		}, planSizes.VariantsPerProduct},
		// Cart view and checkout: price resolution and availability.
		{"ProductListPricedBySKUs", func(q *db.Queries) error {
			_, err := q.ProductListPricedBySKUs(ctx, db.ProductListPricedBySKUsParams{Currency: "EUR", Skus: skus})
			return err
		}, 0},
		{"PriceListTierListForCompany", func(q *db.Queries) error {
			_, err := q.PriceListTierListForCompany(ctx, db.PriceListTierListForCompanyParams{Currency: "EUR",
				CompanyID: company0, CustomerGroup: "trade", Skus: skus})
			return err
		}, 0},
		// GET /v1/orders, first page and a cursor half-way through the
		// buyer's history.
		{"OrderListByCustomer first page", func(q *db.Queries) error {
			_, err := q.OrderListByCustomer(ctx, db.OrderListByCustomerParams{CustomerID: buyer.ID, BeforePlacedAt: top,
				BeforeID: uuid.Max, RowLimit: 51})
			return err
		}, 51},
		{"OrderListByCustomer cursor page", func(q *db.Queries) error {
			_, err := q.OrderListByCustomer(ctx, db.OrderListByCustomerParams{CustomerID: buyer.ID, BeforePlacedAt: deepAt,
				BeforeID: deepID, RowLimit: 51})
			return err
		}, 51},
		// GET /v1/admin/orders: one company's, first and a deep page; the
		// orders still placed; the late ones.
		{"OrderListForOps company first page", func(q *db.Queries) error {
			_, err := q.OrderListForOps(ctx, db.OrderListForOpsParams{CompanyID: company0, RowLimit: 51})
			return err
		}, 51},
		{"OrderListForOps company cursor page", func(q *db.Queries) error {
			_, err := q.OrderListForOps(ctx, db.OrderListForOpsParams{CompanyID: company0, AfterPlacedAt: cursorOpsAt,
				AfterID: cursorOpsID, RowLimit: 51})
			return err
		}, 51},
		{"OrderListForOps status placed", func(q *db.Queries) error {
			_, err := q.OrderListForOps(ctx, db.OrderListForOpsParams{Status: "placed", RowLimit: 51})
			return err
		}, 51},
		{"OrderListForOps status placed cursor page", func(q *db.Queries) error {
			_, err := q.OrderListForOps(ctx, db.OrderListForOpsParams{Status: "placed", AfterPlacedAt: placedFirstAt,
				AfterID: placedFirstID, RowLimit: 51})
			return err
		}, 51},
		{"OrderListForOps fulfilment unfulfilled", func(q *db.Queries) error {
			_, err := q.OrderListForOps(ctx, db.OrderListForOpsParams{FulfilmentStatus: "unfulfilled", RowLimit: 51})
			return err
		}, 51},
		{"OrderListForOps late only", func(q *db.Queries) error {
			_, err := q.OrderListForOps(ctx, db.OrderListForOpsParams{LateOnly: true, RowLimit: 51})
			return err
		}, 51},
		// GET /v1/orders/{id}: the order, its lines, its timeline, its
		// documents.
		{"OrderDetailGetInCompany", func(q *db.Queries) error {
			_, err := q.OrderDetailGetInCompany(ctx, db.OrderDetailGetInCompanyParams{ID: orderID, CompanyID: company.ID})
			return err
		}, 0},
		{"OrderLineListByOrder", func(q *db.Queries) error { _, err := q.OrderLineListByOrder(ctx, orderID); return err }, 0},
		{"TimelineEventListByCart", func(q *db.Queries) error { _, err := q.TimelineEventListByCart(ctx, cartID); return err }, 0},
		{"InvoiceListByOrder", func(q *db.Queries) error { _, err := q.InvoiceListByOrder(ctx, orderID); return err }, 0},
		{"CreditNoteListByOrder", func(q *db.Queries) error { _, err := q.CreditNoteListByOrder(ctx, orderID); return err }, 0},
		{"OrderGetByCart", func(q *db.Queries) error { _, err := q.OrderGetByCart(ctx, cartID); return err }, 0},
		// GET /v1/carts/{id} and the checkout's reads of the cart.
		{"CartGetInCompany", func(q *db.Queries) error {
			_, err := q.CartGetInCompany(ctx, db.CartGetInCompanyParams{ID: cartID, CompanyID: company.ID})
			return err
		}, 0},
		{"CartGetWithLineCountInCompany", func(q *db.Queries) error {
			_, err := q.CartGetWithLineCountInCompany(ctx, db.CartGetWithLineCountInCompanyParams{ID: cartID, CompanyID: company.ID})
			return err
		}, 0},
		{"CartLineListByCart", func(q *db.Queries) error { _, err := q.CartLineListByCart(ctx, cartID); return err }, 0},
		// Asked of a company whose currency ops change: one without carts,
		// the case that reads the most (the big company's first cart is found
		// by any scan at once).
		{"CartExistsByCompany", func(q *db.Queries) error { _, err := q.CartExistsByCompany(ctx, newcomer.ID); return err }, 0},
		// The checkout's policies: company, limits, spend totals, rules.
		{"CompanyLock", func(q *db.Queries) error { _, err := q.CompanyLock(ctx, company.ID); return err }, 0},
		{"SpendingLimitListForCustomer", func(q *db.Queries) error {
			_, err := q.SpendingLimitListForCustomer(ctx, db.SpendingLimitListForCustomerParams{CompanyID: company.ID,
				CustomerID: uuid.NullUUID{UUID: buyer.ID, Valid: true}})
			return err
		}, 0},
		{"SpendTotalSumWindows", func(q *db.Queries) error {
			_, err := q.SpendTotalSumWindows(ctx, db.SpendTotalSumWindowsParams{ByCustomer: []bool{false, true},
				CompanyID: company.ID, CustomerID: uuid.NullUUID{UUID: buyer.ID, Valid: true},
				WindowStarts: []time.Time{month, month.AddDate(0, -2, 0)}, WindowEnds: []time.Time{month.AddDate(0, 1, 0), month.AddDate(0, 1, 0)}})
			return err
		}, 0},
		{"SpendReservationGet", func(q *db.Queries) error { _, err := q.SpendReservationGet(ctx, key); return err }, 0},
		{"CreditHoldGet", func(q *db.Queries) error { _, err := q.CreditHoldGet(ctx, key); return err }, 0},
		{"ApprovalRuleListAllByCompany", func(q *db.Queries) error { _, err := q.ApprovalRuleListAllByCompany(ctx, company.ID); return err }, 0},
		// The checkout's stock: availability and the reservation.
		{"StockGet", func(q *db.Queries) error { _, err := q.StockGet(ctx, skus[0]); return err }, 0},
		{"StockReserveFor", func(q *db.Queries) error {
			_, err := q.StockReserveFor(ctx, db.StockReserveForParams{CartID: cartID, Attempt: 2, Quantity: 1, Sku: skus[0]})
			return err
		}, 0},
		// Quotes and approvals a company's people list.
		{"QuoteListByCompany", func(q *db.Queries) error {
			_, err := q.QuoteListByCompany(ctx, db.QuoteListByCompanyParams{CompanyID: company.ID, RowLimit: 51})
			return err
		}, 0},
		{"ApprovalRequestListPending", func(q *db.Queries) error {
			_, err := q.ApprovalRequestListPending(ctx, db.ApprovalRequestListPendingParams{CompanyID: company.ID,
				Roles: []string{"approver"}, DeciderID: buyer.ID, RowLimit: 51})
			return err
		}, 0},
	}

	sizes0 := tableSizes(t, pool)
	for _, h := range hot {
		var rec recorder
		if err := h.call(db.New(&rec)); !errors.Is(err, errRecorded) || rec.sql == "" {
			t.Fatalf("%s: the query did not reach the recorder: %v", h.name, err)
		}
		var plan []byte
		if err := pool.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+rec.sql, rec.args...).Scan(&plan); err != nil {
			t.Fatalf("%s: explain: %v", h.name, err)
		}
		var doc []struct{ Plan planNode }
		if err := json.Unmarshal(plan, &doc); err != nil || len(doc) != 1 {
			t.Fatalf("%s: explain: %v (%s)", h.name, err, plan)
		}
		for _, scan := range doc[0].Plan.seqScans() {
			if rows := sizes0[scan]; rows >= bigTable {
				t.Errorf("%s: sequential scan of %s (%d rows):\n%s", h.name, scan, rows, doc[0].Plan.outline(""))
			}
		}
		if h.page == 0 {
			continue
		}
		// The lists are SELECTs: run them, in a transaction rolled back all
		// the same, and count the rows their scans read.
		tx, err := pool.Begin(ctx)
		must(t, err)
		err = tx.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+rec.sql, rec.args...).Scan(&plan)
		must(t, tx.Rollback(ctx))
		must(t, err)
		doc = nil
		must(t, json.Unmarshal(plan, &doc))
		if read := doc[0].Plan.rowsRead(); read > readsPerRow*h.page {
			t.Errorf("%s: read %d rows for a page of %d:\n%s", h.name, read, h.page, doc[0].Plan.outline(""))
		}
	}
}

// hotQuery is one query of TestHotQueriesUseIndexes: page, for the lists, is
// the rows the page needs read (0: not a list).
type hotQuery struct {
	name string
	call func(q *db.Queries) error
	page int
}

// readsPerRow bounds the rows a page's scans may read per row it asks for: a
// page of orders reads its orders, and their ERP syncs.
const readsPerRow = 5

// planNode is a node of EXPLAIN (FORMAT JSON) with what the test reads.
type planNode struct {
	NodeType  string     `json:"Node Type"`
	Relation  string     `json:"Relation Name"`
	IndexName string     `json:"Index Name"`
	Plans     []planNode `json:"Plans"`
	// With ANALYZE: rows out of the node per loop, loops, and rows read but
	// filtered out (in all loops).
	ActualRows     float64 `json:"Actual Rows"`
	ActualLoops    float64 `json:"Actual Loops"`
	RemovedFilter  float64 `json:"Rows Removed by Filter"`
	RemovedRecheck float64 `json:"Rows Removed by Index Recheck"`
}

// rowsRead are the rows the plan's scans of tables read, kept or filtered out.
func (n planNode) rowsRead() int {
	read := 0.0
	switch n.NodeType {
	case "Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan":
		read = n.ActualRows*n.ActualLoops + n.RemovedFilter + n.RemovedRecheck
	}
	total := int(read)
	for _, c := range n.Plans {
		total += c.rowsRead()
	}
	return total
}

// seqScans are the relations the plan scans sequentially.
func (n planNode) seqScans() []string {
	var out []string
	if n.NodeType == "Seq Scan" {
		out = append(out, n.Relation)
	}
	for _, c := range n.Plans {
		out = append(out, c.seqScans()...)
	}
	return out
}

// outline is the plan in short, one node a line, for the failure message.
func (n planNode) outline(indent string) string {
	line := indent + n.NodeType
	if n.Relation != "" {
		line += " on " + n.Relation
	}
	if n.IndexName != "" {
		line += " using " + n.IndexName
	}
	var b strings.Builder
	b.WriteString(line + "\n")
	for _, c := range n.Plans {
		b.WriteString(c.outline(indent + "  "))
	}
	return b.String()
}

// tableSizes are the planner's row counts of the public tables.
func tableSizes(t *testing.T, pool *pgxpool.Pool) map[string]int64 {
	rows, err := pool.Query(context.Background(), `
SELECT c.relname, c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'`)
	must(t, err)
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		must(t, rows.Scan(&name, &n))
		out[name] = n
	}
	must(t, rows.Err())
	return out
}

// errRecorded is what the recorder answers every query with: it only keeps
// the SQL and arguments sqlc's code sends.
var errRecorded = errors.New("recorded, not run")

// recorder is a db.DBTX that records the statement a query method sends
// instead of running it, so that the test EXPLAINs exactly the SQL the API
// runs, with the arguments it binds.
type recorder struct {
	sql  string
	args []any
}

func (r *recorder) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	r.sql, r.args = sql, args
	return pgconn.CommandTag{}, errRecorded
}

func (r *recorder) Query(_ context.Context, sql string, args ...any) (pgx.Rows, error) {
	r.sql, r.args = sql, args
	return nil, errRecorded
}

func (r *recorder) QueryRow(_ context.Context, sql string, args ...any) pgx.Row {
	r.sql, r.args = sql, args
	return errRow{}
}

type errRow struct{}

func (errRow) Scan(...any) error { return errRecorded }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(fmt.Errorf("%w", err))
	}
}

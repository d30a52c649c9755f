package catalog_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/catalog"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
)

// TestSearch runs storefront searches against Postgres through each of the
// queries List picks (the search index for a query with words, the handle
// walk for one without, the number range's join): a query matches where it
// starts a word of a product's text, words split alike in Go
// (commerce.SearchWords) and in SQL (migration 0024), and the index follows
// every change of a product's text or handle.
func TestSearch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := testenv.NewDatabase(t)
	q := db.New(pool)
	product := func(handle, name, description, sku string, diameter int) catalog.Product {
		return catalog.Product{Handle: handle, Name: name, Description: description, Category: "fasteners",
			Attributes: map[string]commerce.Attribute{"diameter_mm": {Kind: commerce.AttributeNumber, JSON: json.RawMessage(strconv.Itoa(diameter))}},
			Variants:   []catalog.Variant{{SKU: sku, Name: name, Unit: "box", PackSize: 100, Prices: map[string]int64{"EUR": 1_00}}}}
	}
	bolt := product("hex-bolt-m8", "Hex bolt M8×50", "DIN 933, 100% steel", "BOLT-M8-50", 8)
	testenv.NewCatalogProduct(t, pool, bolt)
	testenv.NewCatalogProduct(t, pool, product("xbolt-m8", "Xbolt M8", "Not a bolt by word start", "XBOLT-M8-50", 8))
	testenv.NewCatalogProduct(t, pool, product("schraube", "Sechskantschraube Größe M10", "verzinkt", "SCHR-M10", 10))
	testenv.NewCatalogProduct(t, pool, product("anchor", "Wall anchor", "nylon_plug for walls", "ANCHOR-8", 8))

	list := func(query string, f catalog.Filter) []string {
		t.Helper()
		s, err := commerce.ParseSearch(query)
		require.NoError(t, err, query)
		f.Search, f.Limit = s, 100
		rows, err := catalog.List(ctx, q, f)
		require.NoError(t, err, query)
		handles := []string{}
		for _, r := range rows {
			handles = append(handles, r.Handle)
		}
		return handles
	}
	var lo, hi pgtype.Numeric
	require.NoError(t, lo.Scan("8"))
	require.NoError(t, hi.Scan("8"))
	inRange := catalog.Filter{RangeName: "diameter_mm", RangeMin: lo, RangeMax: hi}
	for query, want := range map[string][]string{
		"bolt":              {"hex-bolt-m8", "xbolt-m8"}, // "xbolt-m8"'s description: "a bolt by"
		"BOLT-M8":           {"hex-bolt-m8"},
		"bolt-m8-50":        {"hex-bolt-m8"},
		"xbolt":             {"xbolt-m8"},
		"olt":               {},
		"m8":                {"hex-bolt-m8", "xbolt-m8"},
		"m8×5":              {"hex-bolt-m8"},
		"×50":               {},
		"din 933":           {"hex-bolt-m8"},
		"933 din":           {},
		"100%":              {"hex-bolt-m8"},
		"100% st":           {"hex-bolt-m8"},
		"%":                 {"hex-bolt-m8"}, // a query that starts with a separator is found anywhere
		"-m8":               {"hex-bolt-m8", "xbolt-m8"},
		"größe m1":          {"schraube"},
		"GRÖSSE":            {},
		"plug":              {"anchor"},
		"nylon_p":           {"anchor"},
		"hex bolt m8 steel": {},
		"hex bolt m8×50":    {"hex-bolt-m8"},
		"a":                 {"anchor", "xbolt-m8"},
	} {
		require.ElementsMatch(t, want, list(query, catalog.Filter{}), "q=%s", query)
		var wantInRange []string
		for _, h := range want {
			if h != "schraube" {
				wantInRange = append(wantInRange, h)
			}
		}
		require.ElementsMatch(t, wantInRange, list(query, inRange), "q=%s with diameter 8", query)
	}

	// Changing a product's text or handle moves its index entries.
	bolt.Name, bolt.Variants[0].Name = "Carriage bolt M8", "Carriage bolt M8"
	require.NoError(t, db.InTx(ctx, pool, func(q *db.Queries) error {
		return catalog.Save(ctx, q, testenv.ProductIDOfSKU(t, pool, "BOLT-M8-50"), bolt, false)
	}))
	require.Equal(t, []string{"hex-bolt-m8"}, list("carriage", catalog.Filter{}))
	require.Empty(t, list("hex bolt m8×50", catalog.Filter{}))
	bolt.Handle = "carriage-bolt-m8"
	require.NoError(t, db.InTx(ctx, pool, func(q *db.Queries) error {
		return catalog.Save(ctx, q, testenv.ProductIDOfSKU(t, pool, "BOLT-M8-50"), bolt, false)
	}))
	require.Equal(t, []string{"carriage-bolt-m8"}, list("carriage", catalog.Filter{}))
	require.Equal(t, []string{"carriage-bolt-m8"}, list("bolt-m8-50", catalog.Filter{}))
	var stale int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM catalog_search_prefixes WHERE handle = 'hex-bolt-m8'`).Scan(&stale))
	require.Zero(t, stale, "the old handle's entries")

	// Every product's entries are what its text gives, and nothing else.
	var drift int
	require.NoError(t, pool.QueryRow(ctx, `
WITH want AS (SELECT x AS prefix, p.handle FROM catalog_products p, catalog_search_prefixes_of(p.search_text) AS x)
SELECT (SELECT count(*) FROM (TABLE want EXCEPT SELECT prefix, handle FROM catalog_search_prefixes) a)
     + (SELECT count(*) FROM (SELECT prefix, handle FROM catalog_search_prefixes EXCEPT TABLE want) b)`).Scan(&drift))
	require.Zero(t, drift)
}

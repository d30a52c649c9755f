package erp_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/erpapi"
	"github.com/orderflow/orderflow/testenv"
)

func (w *feedWorld) pullPrices(t *testing.T, limit int) erp.PullPageResult {
	t.Helper()
	return w.pull(t, w.acts.PullPricePage, limit)
}

func (w *feedWorld) recordPrice(list, sku, currency string, unitPrice int64) {
	w.feeds.prices.record(erpapi.PriceChange{PriceList: list, SKU: sku, Currency: currency, UnitPriceMinor: unitPrice})
}

// tiers are a price list's tiers as sku → min quantity → unit price.
func (w *feedWorld) tiers(t *testing.T, listID uuid.UUID) map[string]map[int32]int64 {
	t.Helper()
	rows, err := w.Q.PriceListTierListByPriceList(context.Background(), listID)
	require.NoError(t, err)
	out := map[string]map[int32]int64{}
	for _, r := range rows {
		if out[r.Sku] == nil {
			out[r.Sku] = map[int32]int64{}
		}
		out[r.Sku][r.MinQuantity] = r.UnitPrice
	}
	return out
}

// basePrices are a product's base prices by currency.
func (w *feedWorld) basePrices(t *testing.T, sku string) map[string]int64 {
	t.Helper()
	rows, err := w.Q.ProductPriceListBySKU(context.Background(), sku)
	require.NoError(t, err)
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Currency] = r.UnitPrice
	}
	return out
}

// A change sets the SKU's base tier in the list its code names, creating it
// if missing and leaving volume tiers alone; BASE sets the catalogue's base
// price in the change's currency. Of two changes of one price the later wins.
func TestPullPricePageApplies(t *testing.T) {
	t.Parallel()
	w := newFeedWorld(t)
	bolt := testenv.NewProduct(t, w.Pool, "EUR", 10_00, 10)
	nut := testenv.NewProduct(t, w.Pool, "EUR", 1_00, 10)
	list := testenv.NewPriceList(t, w.Pool, testenv.PriceList{Name: "Trade", Code: "TRADE", CustomerGroup: "trade", Currency: "EUR",
		Tiers: []testenv.PriceTier{{SKU: bolt, MinQuantity: 1, UnitPrice: 9_00}, {SKU: bolt, MinQuantity: 50, UnitPrice: 8_00}}})
	w.recordPrice("TRADE", bolt, "EUR", 9_50)
	w.recordPrice("TRADE", nut, "EUR", 90)
	w.recordPrice(commerce.BasePricesCode, bolt, "EUR", 11_00)
	w.recordPrice(commerce.BasePricesCode, nut, "USD", 1_20)
	w.recordPrice("TRADE", nut, "EUR", 85)

	require.Equal(t, erp.PullPageResult{Applied: 5}, w.pullPrices(t, 10))
	require.Equal(t, map[string]map[int32]int64{bolt: {1: 9_50, 50: 8_00}, nut: {1: 85}}, w.tiers(t, list))
	require.Equal(t, map[string]int64{"EUR": 11_00}, w.basePrices(t, bolt))
	require.Equal(t, map[string]int64{"EUR": 1_00, "USD": 1_20}, w.basePrices(t, nut))
	require.Equal(t, "5", w.cursor(t, erp.PriceFeed))
}

// Changes Orderflow cannot apply are skipped and counted, never an error, and
// the cursor moves past them with the rest of the page.
func TestPullPricePageSkips(t *testing.T) {
	t.Parallel()
	w := newFeedWorld(t)
	bolt := testenv.NewProduct(t, w.Pool, "EUR", 10_00, 10)
	list := testenv.NewPriceList(t, w.Pool, testenv.PriceList{Name: "Trade", Code: "TRADE", CustomerGroup: "trade", Currency: "EUR",
		Tiers: []testenv.PriceTier{{SKU: bolt, MinQuantity: 1, UnitPrice: 9_00}}})
	w.recordPrice("NO-SUCH-LIST", bolt, "EUR", 1)
	w.recordPrice("TRADE", "NO-SUCH-SKU", "EUR", 1)
	w.recordPrice("TRADE", bolt, "USD", 1)
	w.recordPrice("TRADE", bolt, "EUR", -1)
	w.recordPrice(commerce.BasePricesCode, bolt, "euro", 1)
	w.recordPrice("trade", bolt, "EUR", 1) // codes are the ERP's, case included
	w.recordPrice("TRADE", bolt, "EUR", 8_75)

	require.Equal(t, erp.PullPageResult{Applied: 1, Skipped: 6}, w.pullPrices(t, 10))
	require.Equal(t, map[string]map[int32]int64{bolt: {1: 8_75}}, w.tiers(t, list))
	require.Equal(t, map[string]int64{"EUR": 10_00}, w.basePrices(t, bolt))
	require.Equal(t, "7", w.cursor(t, erp.PriceFeed))
}

// Pages are applied in order with the cursor moving along; a page another
// pull applied while this one was asking the ERP (a retried activity, a
// manual trigger racing the schedule) is not applied again.
func TestPullPricePageAppliesPagesOnce(t *testing.T) {
	t.Parallel()
	w := newFeedWorld(t)
	bolt := testenv.NewProduct(t, w.Pool, "EUR", 10_00, 10)
	w.recordPrice(commerce.BasePricesCode, bolt, "EUR", 11_00)
	w.recordPrice(commerce.BasePricesCode, bolt, "EUR", 12_00)
	w.recordPrice(commerce.BasePricesCode, bolt, "EUR", 13_00)

	require.Equal(t, erp.PullPageResult{Applied: 2, More: true}, w.pullPrices(t, 2))
	require.Equal(t, "2", w.cursor(t, erp.PriceFeed))
	require.Equal(t, map[string]int64{"EUR": 12_00}, w.basePrices(t, bolt))

	// The other pull applied the last change, and ops set the price since.
	w.feeds.prices.beforeAnswer = w.moveCursorFirst(t, erp.PriceFeed, func() { testenv.SetPrice(t, w.Pool, bolt, "EUR", 12_50) })
	require.Equal(t, erp.PullPageResult{}, w.pullPrices(t, 2))
	require.Equal(t, "3", w.cursor(t, erp.PriceFeed))
	require.Equal(t, map[string]int64{"EUR": 12_50}, w.basePrices(t, bolt))

	// Drained: the empty page hands the cursor back and changes nothing.
	require.Equal(t, erp.PullPageResult{}, w.pullPrices(t, 2))
	require.Equal(t, "3", w.cursor(t, erp.PriceFeed))
	require.Equal(t, map[string]int64{"EUR": 12_50}, w.basePrices(t, bolt))
}

// The feeds keep their own cursors: pulling prices moves no stock cursor.
func TestPullPricePageKeepsItsOwnCursor(t *testing.T) {
	t.Parallel()
	w := newFeedWorld(t)
	bolt := testenv.NewProduct(t, w.Pool, "EUR", 10_00, 10)
	w.recordStock(bolt, 40)
	w.recordPrice(commerce.BasePricesCode, bolt, "EUR", 11_00)
	w.recordPrice(commerce.BasePricesCode, bolt, "EUR", 12_00)

	require.Equal(t, erp.PullPageResult{Applied: 2}, w.pullPrices(t, 10))
	require.Equal(t, erp.PullPageResult{Applied: 1}, w.pullStock(t, 10))
	require.Equal(t, "2", w.cursor(t, erp.PriceFeed))
	require.Equal(t, "1", w.cursor(t, erp.StockFeed))
}

package admin

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// maxPriceListTiers bounds one price list so that writing it stays one small
// transaction.
const maxPriceListTiers = 10_000

// PriceListSummary is a price list without its tiers: for one company
// (company_id) or one customer group, in one currency, valid in
// [valid_from, valid_until) when those are set. Code, when set, is how the
// ERP's price feed names the list: the ERP's price pull keeps its prices.
type PriceListSummary struct {
	ID            uuid.UUID  `json:"id"`
	Name          string     `json:"name"`
	Code          *string    `json:"code"`
	CompanyID     *uuid.UUID `json:"company_id"`
	CustomerGroup *string    `json:"customer_group"`
	Currency      string     `json:"currency"`
	Priority      int64      `json:"priority"`
	ValidFrom     *time.Time `json:"valid_from"`
	ValidUntil    *time.Time `json:"valid_until"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// PriceList is a price list with its volume tiers.
type PriceList struct {
	PriceListSummary
	Tiers []PriceTier `json:"tiers"`
}

// PriceTier is the unit price (minor units of the list's currency) of a SKU for
// lines of at least min_quantity units.
type PriceTier struct {
	SKU         string `json:"sku"`
	MinQuantity int64  `json:"min_quantity"`
	UnitPrice   int64  `json:"unit_price"`
}

// PriceListPage is one page of price lists (without tiers), oldest first.
type PriceListPage struct {
	PriceLists []PriceListSummary `json:"price_lists"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

// CatalogProduct is a product as ops manage it: its prices by currency (minor
// units) and its stock.
type CatalogProduct struct {
	SKU         string           `json:"sku"`
	Name        string           `json:"name"`
	WeightGrams int64            `json:"weight_grams"`
	Prices      map[string]int64 `json:"prices"`
	// CostPrices are what a unit costs us, by currency (only those known):
	// quotes show margins and judge discounts against them.
	CostPrices map[string]int64 `json:"cost_prices"`
	// OnHand, Reserved and Available are summed over every stock location;
	// a PUT's on_hand sets the default location's count.
	OnHand    int64     `json:"on_hand"`
	Reserved  int64     `json:"reserved"`
	Available int64     `json:"available"`
	CreatedAt time.Time `json:"created_at"`
}

// ShippingMethodSettings is a shipping method as ops set it: base_amount plus
// per_kg_amount per started kilogram, free from free_above (all minor units of
// currency). An order shipped by it must ship within ShipWithinHours and be
// delivered within DeliverWithinHours of being placed, or it is flagged late.
type ShippingMethodSettings struct {
	Code               string `json:"code"`
	Name               string `json:"name"`
	Currency           string `json:"currency"`
	BaseAmount         int64  `json:"base_amount"`
	PerKgAmount        int64  `json:"per_kg_amount"`
	FreeAbove          *int64 `json:"free_above"`
	ShipWithinHours    int64  `json:"ship_within_hours"`
	DeliverWithinHours int64  `json:"deliver_within_hours"`
}

// maxDeadlineHours bounds a shipping method's deadlines to a year; a longer
// one is a typo.
const maxDeadlineHours = 365 * 24

// TaxRate is the tax of a ship-to country, in basis points (2000 = 20 %).
type TaxRate struct {
	Country string `json:"country"`
	RateBp  int64  `json:"rate_bp"`
}

func priceListSummaryOf(l db.PriceList) PriceListSummary {
	out := PriceListSummary{ID: l.ID, Name: l.Name, Currency: l.Currency, Priority: int64(l.Priority),
		CreatedAt: l.CreatedAt.UTC(), UpdatedAt: l.UpdatedAt.UTC()}
	if l.Code.Valid {
		out.Code = &l.Code.String
	}
	if l.CompanyID.Valid {
		out.CompanyID = &l.CompanyID.UUID
	}
	if l.CustomerGroup.Valid {
		out.CustomerGroup = &l.CustomerGroup.String
	}
	if l.ValidFrom != nil {
		t := l.ValidFrom.UTC()
		out.ValidFrom = &t
	}
	if l.ValidUntil != nil {
		t := l.ValidUntil.UTC()
		out.ValidUntil = &t
	}
	return out
}

func priceListOf(l db.PriceList, tiers []db.PriceListTier) PriceList {
	out := PriceList{PriceListSummary: priceListSummaryOf(l), Tiers: make([]PriceTier, 0, len(tiers))}
	for _, t := range tiers {
		out.Tiers = append(out.Tiers, PriceTier{SKU: t.Sku, MinQuantity: int64(t.MinQuantity), UnitPrice: t.UnitPrice})
	}
	return out
}

type priceListRequest struct {
	Name          string        `json:"name"`
	Code          *string       `json:"code"`
	CompanyID     *string       `json:"company_id"`
	CustomerGroup *string       `json:"customer_group"`
	Currency      string        `json:"currency"`
	Priority      *int64        `json:"priority"`
	ValidFrom     *string       `json:"valid_from"`
	ValidUntil    *string       `json:"valid_until"`
	Tiers         []tierRequest `json:"tiers"`
}

type tierRequest struct {
	SKU         string `json:"sku"`
	MinQuantity *int64 `json:"min_quantity"`
	UnitPrice   *int64 `json:"unit_price"`
}

// priceListInput is a checked price list request, ready to write.
type priceListInput struct {
	list  db.PriceListCreateParams
	tiers db.PriceListTierCreateManyParams
}

// check validates the request with the commerce rules, naming the field at
// fault; tiers are named by their index in the request (tiers[3].sku).
func (r priceListRequest) check(id uuid.UUID) (priceListInput, error) {
	in := priceListInput{list: db.PriceListCreateParams{ID: id, Currency: r.Currency}}
	var err error
	if in.list.Name, err = requiredText("name", r.Name, maxName); err != nil {
		return in, err
	}
	hasCompany := r.CompanyID != nil && *r.CompanyID != ""
	hasGroup := r.CustomerGroup != nil && *r.CustomerGroup != ""
	pl := commerce.PriceList{ID: id.String(), Name: in.list.Name, Currency: r.Currency}
	if r.Code != nil && *r.Code != "" {
		pl.Code = *r.Code
		in.list.Code = pgtype.Text{String: *r.Code, Valid: true}
	}
	switch {
	case hasCompany && hasGroup:
		return in, api.FieldError("customer_group", "give company_id or customer_group, not both")
	case hasCompany:
		cid, err := uuid.Parse(*r.CompanyID)
		if err != nil {
			return in, api.FieldError("company_id", "company_id must be a UUID")
		}
		in.list.CompanyID = uuid.NullUUID{UUID: cid, Valid: true}
		pl.Scope = commerce.ScopeCompany
	case hasGroup:
		if !customerGroupPattern.MatchString(*r.CustomerGroup) {
			return in, api.FieldError("customer_group", "customer_group must be 1-64 lower-case letters, digits, '.', '_' or '-'")
		}
		in.list.CustomerGroup = pgtype.Text{String: *r.CustomerGroup, Valid: true}
		pl.Scope = commerce.ScopeGroup
	default:
		return in, api.FieldError("company_id", "company_id or customer_group is required")
	}
	if r.Priority != nil {
		if *r.Priority < math.MinInt32 || *r.Priority > math.MaxInt32 {
			return in, api.FieldError("priority", "priority must fit in 32 bits")
		}
		in.list.Priority = int32(*r.Priority)
	}
	if in.list.ValidFrom, err = optionalTime("valid_from", r.ValidFrom); err != nil {
		return in, err
	}
	if in.list.ValidUntil, err = optionalTime("valid_until", r.ValidUntil); err != nil {
		return in, err
	}
	pl.ValidFrom, pl.ValidUntil = in.list.ValidFrom, in.list.ValidUntil
	if err := commerce.ValidatePriceList(pl); err != nil {
		return in, err
	}

	switch {
	case r.Tiers == nil:
		return in, api.FieldError("tiers", "tiers is required ([] for none)")
	case len(r.Tiers) > maxPriceListTiers:
		return in, api.FieldError("tiers", fmt.Sprintf("a price list holds at most %d tiers", maxPriceListTiers))
	}
	in.tiers = db.PriceListTierCreateManyParams{PriceListID: id, Skus: []string{}, MinQuantities: []int32{}, UnitPrices: []int64{}}
	type tierKey struct {
		sku string
		min int64
	}
	seen := make(map[tierKey]bool, len(r.Tiers))
	for i, t := range r.Tiers {
		field := fmt.Sprintf("tiers[%d]", i)
		if err := commerce.ValidateSKU(field+".sku", t.SKU); err != nil {
			return in, err
		}
		minQty, err := requiredInt64(field+".min_quantity", t.MinQuantity, math.MaxInt32)
		if err != nil {
			return in, err
		}
		if minQty < 1 {
			return in, api.FieldError(field+".min_quantity", field+".min_quantity must be at least 1")
		}
		price, err := requiredInt64(field+".unit_price", t.UnitPrice, 0)
		if err != nil {
			return in, err
		}
		k := tierKey{t.SKU, minQty}
		if seen[k] {
			return in, api.FieldError(field+".min_quantity", fmt.Sprintf("%s has two tiers from %d units", t.SKU, minQty))
		}
		seen[k] = true
		in.tiers.Skus = append(in.tiers.Skus, t.SKU)
		in.tiers.MinQuantities = append(in.tiers.MinQuantities, int32(minQty))
		in.tiers.UnitPrices = append(in.tiers.UnitPrices, price)
	}
	return in, nil
}

// optionalTime parses an RFC 3339 timestamp, if one was given, into UTC.
func optionalTime(field string, v *string) (*time.Time, error) {
	if v == nil || *v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, *v)
	if err != nil {
		return nil, api.FieldError(field, field+" must be an RFC 3339 timestamp such as 2026-01-31T00:00:00Z")
	}
	t = t.UTC()
	return &t, nil
}

// writePriceListChecks checks what only the database knows: the company exists
// and keeps its account in the list's currency (a list in another currency
// would never apply), and every SKU exists.
func writePriceListChecks(ctx context.Context, q *db.Queries, in priceListInput) error {
	if in.list.CompanyID.Valid {
		// Locked so that the company's currency cannot change under the list.
		company, err := q.CompanyLock(ctx, in.list.CompanyID.UUID)
		if db.IsNotFound(err) {
			return api.FieldError("company_id", "company_id names no company")
		}
		if err != nil {
			return err
		}
		if company.Currency != in.list.Currency {
			return api.FieldError("currency", fmt.Sprintf("currency must be %s, the company's currency", company.Currency))
		}
	}
	return requireSKUs(ctx, q, in.tiers.Skus, func(i int) string { return fmt.Sprintf("tiers[%d].sku", i) })
}

// createPriceList creates a price list with its tiers.
func (h *handlers) createPriceList(c *gin.Context) {
	var req priceListRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	in, err := req.check(uuid.New())
	if err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	var out PriceList
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		if err := writePriceListChecks(ctx, q, in); err != nil {
			return err
		}
		row, err := q.PriceListCreate(ctx, in.list)
		if err != nil {
			return violation(err, "code", "company_id")
		}
		out, err = writeTiers(ctx, q, row, in.tiers)
		return err
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.Header("Location", "/v1/admin/price-lists/"+out.ID.String())
	c.JSON(http.StatusCreated, out)
}

// writeTiers inserts the tiers of a list and reads them back as stored.
func writeTiers(ctx context.Context, q *db.Queries, row db.PriceList, tiers db.PriceListTierCreateManyParams) (PriceList, error) {
	if len(tiers.Skus) > 0 {
		if err := q.PriceListTierCreateMany(ctx, tiers); err != nil {
			return PriceList{}, violation(err, "tiers", "tiers")
		}
	}
	stored, err := q.PriceListTierListByPriceList(ctx, row.ID)
	if err != nil {
		return PriceList{}, err
	}
	return priceListOf(row, stored), nil
}

// listPriceLists pages through every price list, without tiers.
func (h *handlers) listPriceLists(c *gin.Context) {
	p, err := api.ReadKeysetPage(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	rows, err := h.q.PriceListList(c.Request.Context(), db.PriceListListParams{
		AfterCreatedAt: p.AfterAt, AfterID: p.AfterID, RowLimit: p.RowLimit()})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var page PriceListPage
	page.PriceLists, page.NextCursor = api.PageOf(p, rows, func(r db.PriceList) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID }, priceListSummaryOf)
	c.JSON(http.StatusOK, page)
}

// getPriceList shows a price list with its tiers.
func (h *handlers) getPriceList(c *gin.Context) {
	id, err := api.PathUUID(c, "price_list_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	row, err := h.q.PriceListGet(ctx, id)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	tiers, err := h.q.PriceListTierListByPriceList(ctx, id)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, priceListOf(row, tiers))
}

// replacePriceList replaces a price list, tiers included, in one
// transaction: checkouts see the old list or the new one, never a mix.
func (h *handlers) replacePriceList(c *gin.Context) {
	id, err := api.PathUUID(c, "price_list_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var req priceListRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	in, err := req.check(id)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	var out PriceList
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		if _, err := q.PriceListLock(ctx, id); err != nil {
			return err
		}
		if err := writePriceListChecks(ctx, q, in); err != nil {
			return err
		}
		row, err := q.PriceListUpdate(ctx, db.PriceListUpdateParams{
			ID: id, Name: in.list.Name, Code: in.list.Code, CompanyID: in.list.CompanyID, CustomerGroup: in.list.CustomerGroup,
			Currency: in.list.Currency, Priority: in.list.Priority, ValidFrom: in.list.ValidFrom, ValidUntil: in.list.ValidUntil,
		})
		if err != nil {
			return violation(err, "code", "company_id")
		}
		if err := q.PriceListTierDeleteByPriceList(ctx, id); err != nil {
			return err
		}
		out, err = writeTiers(ctx, q, row, in.tiers)
		return err
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// deletePriceList deletes a price list and its tiers. Orders it priced keep
// its ID and name on their lines.
func (h *handlers) deletePriceList(c *gin.Context) {
	h.deleteByID(c, "price_list_id", h.q.PriceListDelete)
}

type productRequest struct {
	Name        string            `json:"name"`
	WeightGrams *int64            `json:"weight_grams"`
	Prices      map[string]*int64 `json:"prices"`
	// CostPrices sets the cost of the currencies named (null forgets it);
	// costs of currencies not named are kept.
	CostPrices map[string]*int64 `json:"cost_prices"`
	OnHand     *int64            `json:"on_hand"`
}

// putProduct creates or replaces a product: its name, weight and prices
// (exactly the currencies given), and its stock on hand when given. Stock on
// hand cannot go below what checkouts and orders have reserved.
func (h *handlers) putProduct(c *gin.Context) {
	sku := c.Param("sku")
	if err := commerce.ValidateSKU("sku", sku); err != nil {
		api.RespondError(c, err)
		return
	}
	var req productRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	name, err := requiredText("name", req.Name, maxName)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	weight, err := requiredInt64("weight_grams", req.WeightGrams, math.MaxInt32)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	if req.Prices == nil {
		api.RespondError(c, api.FieldError("prices", `prices is required, e.g. {"EUR": 1290} ({} for none)`))
		return
	}
	prices := db.ProductPricePutManyParams{Sku: sku, Currencies: []string{}, UnitPrices: []int64{}}
	for currency := range req.Prices {
		prices.Currencies = append(prices.Currencies, currency)
	}
	sort.Strings(prices.Currencies) // the first error named does not depend on map order
	for _, currency := range prices.Currencies {
		field := "prices." + currency
		if !commerce.KnownCurrency(currency) {
			api.RespondError(c, api.FieldError(field, field+": the key must be an ISO 4217 currency code such as EUR"))
			return
		}
		amount, err := requiredInt64(field, req.Prices[currency], 0)
		if err != nil {
			api.RespondError(c, err)
			return
		}
		prices.UnitPrices = append(prices.UnitPrices, amount)
	}
	costCurrencies := make([]string, 0, len(req.CostPrices))
	for currency := range req.CostPrices {
		costCurrencies = append(costCurrencies, currency)
	}
	sort.Strings(costCurrencies)
	for _, currency := range costCurrencies {
		field := "cost_prices." + currency
		if _, priced := req.Prices[currency]; !priced {
			api.RespondError(c, api.FieldError(field, fmt.Sprintf("%s: the product has no price in %s", field, currency)))
			return
		}
		if cost := req.CostPrices[currency]; cost != nil {
			if _, err := checkInt64(field, *cost, 0); err != nil {
				api.RespondError(c, err)
				return
			}
		}
	}
	if req.OnHand != nil {
		if _, err := checkInt64("on_hand", *req.OnHand, 0); err != nil {
			api.RespondError(c, err)
			return
		}
	}

	ctx := c.Request.Context()
	var out CatalogProduct
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		product, err := q.ProductPut(ctx, db.ProductPutParams{Sku: sku, Name: name, WeightGrams: int32(weight)})
		if db.IsInputError(err) {
			// A new SKU gets a catalog product with the SKU as its handle;
			// another product has that handle.
			return conflict("already_exists", "sku", "a catalog product already has the handle "+sku+"; add the SKU as its variant instead")
		}
		if err != nil {
			return err
		}
		if err := q.ProductPriceDeleteOtherCurrencies(ctx, db.ProductPriceDeleteOtherCurrenciesParams{Sku: sku, KeepCurrencies: prices.Currencies}); err != nil {
			return err
		}
		if len(prices.Currencies) > 0 {
			if err := q.ProductPricePutMany(ctx, prices); err != nil {
				return err
			}
		}
		for _, currency := range costCurrencies {
			cost := pgtype.Int8{}
			if v := req.CostPrices[currency]; v != nil {
				cost = pgtype.Int8{Int64: *v, Valid: true}
			}
			if _, err := q.ProductPriceUpdateCost(ctx, db.ProductPriceUpdateCostParams{Sku: sku, Currency: currency, CostPrice: cost}); err != nil {
				return err
			}
		}
		stock, err := putStock(ctx, q, sku, req.OnHand)
		if err != nil {
			return err
		}
		stored, err := q.ProductPriceListBySKU(ctx, sku)
		if err != nil {
			return err
		}
		out = CatalogProduct{SKU: product.Sku, Name: product.Name, WeightGrams: int64(product.WeightGrams),
			Prices: make(map[string]int64, len(stored)), CostPrices: map[string]int64{}, OnHand: stock.OnHand, Reserved: stock.Reserved,
			Available: stock.OnHand - stock.Reserved, CreatedAt: product.CreatedAt.UTC()}
		for _, p := range stored {
			out.Prices[p.Currency] = p.UnitPrice
			if p.CostPrice.Valid {
				out.CostPrices[p.Currency] = p.CostPrice.Int64
			}
		}
		return nil
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// putStock sets on hand at the default location when given (never below
// reserved there), and otherwise makes sure the product has a stock row there
// (none on hand) so checkout can reserve. It answers the SKU's stock summed
// over every location (GET /v1/admin/stock/{sku} shows each).
func putStock(ctx context.Context, q *db.Queries, sku string, onHand *int64) (db.StockGetRow, error) {
	if onHand == nil {
		if err := q.StockCreate(ctx, db.StockCreateParams{Sku: sku, OnHand: 0}); err != nil {
			return db.StockGetRow{}, err
		}
		return q.StockGet(ctx, sku)
	}
	current, err := q.StockLock(ctx, sku)
	if err != nil && !db.IsNotFound(err) {
		return db.StockGetRow{}, err
	}
	if err == nil && *onHand < current.Reserved {
		return db.StockGetRow{}, conflict("stock_reserved", "on_hand",
			fmt.Sprintf("on_hand cannot go below the %d units reserved by checkouts and orders", current.Reserved))
	}
	if _, err := q.StockPut(ctx, db.StockPutParams{Sku: sku, OnHand: *onHand}); err != nil {
		return db.StockGetRow{}, err
	}
	return q.StockGet(ctx, sku)
}

type shippingMethodRequest struct {
	Name        string `json:"name"`
	Currency    string `json:"currency"`
	BaseAmount  *int64 `json:"base_amount"`
	PerKgAmount *int64 `json:"per_kg_amount"`
	FreeAbove   *int64 `json:"free_above"`
	// The deadlines: absent keeps what the method has (48 and 120 hours for
	// a new one).
	ShipWithinHours    *int64 `json:"ship_within_hours"`
	DeliverWithinHours *int64 `json:"deliver_within_hours"`
}

// deadlineHours reads an optional deadline of a shipping method: 1 to
// maxDeadlineHours hours.
func deadlineHours(field string, v *int64) (pgtype.Int4, error) {
	if v == nil {
		return pgtype.Int4{}, nil
	}
	if *v < 1 || *v > maxDeadlineHours {
		return pgtype.Int4{}, api.FieldError(field, fmt.Sprintf("%s must be from 1 to %d", field, maxDeadlineHours))
	}
	return pgtype.Int4{Int32: int32(*v), Valid: true}, nil
}

// putShippingMethod creates or replaces a shipping method. Its deadlines
// apply to orders placed afterwards.
func (h *handlers) putShippingMethod(c *gin.Context) {
	var req shippingMethodRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	name, err := requiredText("name", req.Name, maxName)
	if err == nil {
		err = requireFields(map[string]bool{"base_amount": req.BaseAmount != nil, "per_kg_amount": req.PerKgAmount != nil},
			"base_amount", "per_kg_amount")
	}
	if err != nil {
		api.RespondError(c, err)
		return
	}
	deadlines := db.ShippingMethodUpdateDeadlinesParams{Code: c.Param("code")}
	if deadlines.ShipWithinHours, err = deadlineHours("ship_within_hours", req.ShipWithinHours); err == nil {
		deadlines.DeliverWithinHours, err = deadlineHours("deliver_within_hours", req.DeliverWithinHours)
	}
	if err != nil {
		api.RespondError(c, err)
		return
	}
	m := commerce.ShippingMethod{Code: c.Param("code"), Name: name, Currency: req.Currency,
		BaseAmount: *req.BaseAmount, PerKgAmount: *req.PerKgAmount, FreeAbove: req.FreeAbove}
	if err := commerce.ValidateShippingMethod(m); err != nil {
		api.RespondError(c, err)
		return
	}
	p := db.ShippingMethodPutParams{Code: m.Code, Name: m.Name, Currency: m.Currency, BaseAmount: m.BaseAmount, PerKgAmount: m.PerKgAmount}
	if m.FreeAbove != nil {
		p.FreeAbove = pgtype.Int8{Int64: *m.FreeAbove, Valid: true}
	}
	ctx := c.Request.Context()
	var row db.ShippingMethod
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		if _, err := q.ShippingMethodPut(ctx, p); err != nil {
			return err
		}
		row, err = q.ShippingMethodUpdateDeadlines(ctx, deadlines)
		return err
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	out := ShippingMethodSettings{Code: row.Code, Name: row.Name, Currency: row.Currency, BaseAmount: row.BaseAmount,
		PerKgAmount: row.PerKgAmount, ShipWithinHours: int64(row.ShipWithinHours), DeliverWithinHours: int64(row.DeliverWithinHours)}
	if row.FreeAbove.Valid {
		out.FreeAbove = &row.FreeAbove.Int64
	}
	c.JSON(http.StatusOK, out)
}

type taxRateRequest struct {
	RateBp *int64 `json:"rate_bp"`
}

// putTaxRate sets the tax rate of a ship-to country.
func (h *handlers) putTaxRate(c *gin.Context) {
	country := c.Param("country")
	if !api.CountryPattern.MatchString(country) {
		api.RespondError(c, api.FieldError("country", "country must be an ISO 3166-1 alpha-2 code such as DE"))
		return
	}
	var req taxRateRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	if req.RateBp == nil {
		api.RespondError(c, api.FieldError("rate_bp", "rate_bp is required"))
		return
	}
	if err := commerce.ValidateTaxPolicy(commerce.TaxPolicy{Country: country, RateBasisPoints: *req.RateBp}); err != nil {
		api.RespondError(c, api.FieldError("rate_bp", fmt.Sprintf("rate_bp must be from 0 to %d basis points (10000 = 100 %%)", commerce.MaxTaxRateBasisPoints)))
		return
	}
	row, err := h.q.TaxRatePut(c.Request.Context(), db.TaxRatePutParams{Country: country, RateBp: int32(*req.RateBp)})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, TaxRate{Country: row.Country, RateBp: int64(row.RateBp)})
}

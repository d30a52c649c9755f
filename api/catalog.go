package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/catalog"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/pricing"
)

// CatalogProduct is a catalog product as a buyer sees it: its options and
// attributes, and each variant with the buyer's own price and availability.
//
// Options ([{"name": "Length", "values": ["30mm", "50mm"]}]), attributes
// ({"material": "steel"}) and a variant's options ({"Length": "30mm"}) are
// passed on as stored: checked when written (catalog.Save), they are not
// decoded and encoded again for every page.
type CatalogProduct struct {
	ID          uuid.UUID        `json:"id"`
	Handle      string           `json:"handle"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Category    string           `json:"category"`
	Options     json.RawMessage  `json:"options"`
	Attributes  json.RawMessage  `json:"attributes"`
	Variants    []CatalogVariant `json:"variants"`
}

// CatalogVariant is one SKU of a catalog product. It is sold per unit (a box
// of pack_size pieces); unit_price is the price of one unit to the caller's
// company (its price lists, else the base price; null when the variant is
// not sold in the company's currency), available counts units.
type CatalogVariant struct {
	SKU         string          `json:"sku"`
	Name        string          `json:"name"`
	Options     json.RawMessage `json:"options"`
	Unit        string          `json:"unit"`
	PackSize    int64           `json:"pack_size"`
	WeightGrams int64           `json:"weight_grams"`
	UnitPrice   *Money          `json:"unit_price"`
	Available   int64           `json:"available"`
}

// CatalogProductPage is one page of catalog products, by handle.
type CatalogProductPage struct {
	Products   []CatalogProduct `json:"products"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

// numberBound is beyond any number attribute (at most 15 digits before the
// point): an open end of a range.
const numberBound = "1000000000000000"

// listCatalogProducts pages through the catalog products the caller's company
// may see, by handle, filtered by ?q= (text at the start of a word of the
// name, handle, description or a variant's SKU or name: commerce.Search),
// ?category= and ?attr.<name>=<value> (any number
// of them; a number attribute takes a range min..max, one range per request).
func (s *Server) listCatalogProducts(c *gin.Context) {
	limit, err := pageLimit(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	p := principal(c)
	filter := catalog.Filter{Limit: int32(limit + 1)}
	if cur := c.Query("cursor"); cur != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cur)
		if err != nil {
			RespondError(c, FieldError("cursor", "cursor is not one this API gave out"))
			return
		}
		filter.AfterHandle = string(raw)
	}
	if v, ok := c.GetQuery("q"); ok {
		if filter.Search, err = commerce.ParseSearch(v); err != nil {
			RespondError(c, err)
			return
		}
	}
	if v, ok := c.GetQuery("category"); ok {
		if err := commerce.ValidateCategory("category", v); err != nil || v == "" {
			RespondError(c, FieldError("category", "category must be 1-64 lower-case letters, digits, '.', '_' or '-'"))
			return
		}
		filter.Category = v
	}
	empty, err := s.attributeFilters(ctx, c, &filter)
	if err != nil {
		RespondError(c, err)
		return
	}
	company, err := s.q.CompanyGet(ctx, p.CompanyID)
	if err != nil {
		RespondError(c, err)
		return
	}
	filter.AssortmentID = company.AssortmentID
	page := CatalogProductPage{Products: []CatalogProduct{}}
	if empty {
		c.JSON(http.StatusOK, page)
		return
	}
	rows, err := catalog.List(ctx, s.q, filter)
	if err != nil {
		RespondError(c, err)
		return
	}
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(rows[limit-1].Handle))
	}
	if page.Products, err = s.catalogProductsFor(ctx, company, p.Currency, rows); err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

// attributeFilters reads every ?attr.<name>= into params, by the kind the
// catalog knows for the name. empty is true when a filter names an attribute
// no product has: nothing can match.
func (s *Server) attributeFilters(ctx context.Context, c *gin.Context, params *catalog.Filter) (empty bool, err error) {
	values := map[string]string{}
	for key, v := range c.Request.URL.Query() {
		name, ok := strings.CutPrefix(key, "attr.")
		if !ok {
			continue
		}
		if len(v) != 1 {
			return false, FieldError(key, key+" may be given once")
		}
		values[name] = v[0]
	}
	if len(values) == 0 {
		return false, nil
	}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	kinds, err := s.q.CatalogAttributeListByNames(ctx, names)
	if err != nil {
		return false, err
	}
	if len(kinds) < len(names) {
		return true, nil
	}
	equals := map[string]json.RawMessage{}
	for _, k := range kinds {
		f, err := commerce.ParseAttributeFilter(k.Name, commerce.AttributeKind(k.Kind), values[k.Name])
		if err != nil {
			return false, err
		}
		if !f.Range {
			equals[f.Name] = f.Equals
			continue
		}
		if params.RangeName != "" {
			return false, FieldError("attr."+f.Name, "one range filter per request")
		}
		params.RangeName = f.Name
		lo, hi := "-"+numberBound, numberBound
		if f.Min != "" {
			lo = f.Min
		}
		if f.Max != "" {
			hi = f.Max
		}
		if err := params.RangeMin.Scan(lo); err != nil {
			return false, err
		}
		if err := params.RangeMax.Scan(hi); err != nil {
			return false, err
		}
	}
	if params.Attributes, err = json.Marshal(equals); err != nil {
		return false, err
	}
	return false, nil
}

// getCatalogProduct shows one catalog product, by handle or ID. A product
// outside the caller's company's assortment is 404, as one that does not
// exist.
func (s *Server) getCatalogProduct(c *gin.Context) {
	ctx := c.Request.Context()
	p := principal(c)
	ref := c.Param("product")
	var row db.CatalogProduct
	var err error
	if id, perr := uuid.Parse(ref); perr == nil {
		row, err = s.q.CatalogProductGet(ctx, id)
	} else {
		row, err = s.q.CatalogProductGetByHandle(ctx, ref)
	}
	if db.IsNotFound(err) {
		RespondError(c, ErrNotFound)
		return
	}
	if err != nil {
		RespondError(c, err)
		return
	}
	visible, err := s.q.CatalogProductVisible(ctx, db.CatalogProductVisibleParams{CompanyID: p.CompanyID, ProductID: row.ID})
	if err != nil {
		RespondError(c, err)
		return
	}
	if !visible {
		RespondError(c, ErrNotFound)
		return
	}
	company, err := s.q.CompanyGet(ctx, p.CompanyID)
	if err != nil {
		RespondError(c, err)
		return
	}
	out, err := s.catalogProductsFor(ctx, company, p.Currency, []db.CatalogProduct{row})
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, out[0])
}

// catalogProductsFor reads the variants of rows, with their prices to company
// in currency and their availability, in a fixed number of queries whatever
// the page size: one for the variants, one for the company's price lists.
func (s *Server) catalogProductsFor(ctx context.Context, company db.Company, currency string, rows []db.CatalogProduct) ([]CatalogProduct, error) {
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	variants, err := s.q.CatalogVariantListByProducts(ctx, db.CatalogVariantListByProductsParams{Currency: currency, ProductIds: ids})
	if err != nil {
		return nil, err
	}
	base := make(map[string]pricing.BasePrice, len(variants))
	for _, v := range variants {
		base[v.Sku] = pricing.BasePrice{UnitPrice: v.BasePrice, Priced: v.Priced}
	}
	prices, err := pricing.BuyerUnitPrices(ctx, s.q, company, currency, time.Now(), base)
	if err != nil {
		return nil, err
	}
	byProduct := make(map[uuid.UUID][]CatalogVariant, len(rows))
	for _, v := range variants {
		out := CatalogVariant{SKU: v.Sku, Name: v.Name, Options: v.OptionValues, Unit: v.Unit, PackSize: int64(v.PackSize),
			WeightGrams: int64(v.WeightGrams), Available: max(v.Available, 0)}
		if unit, ok := prices[v.Sku]; ok {
			out.UnitPrice = &Money{Amount: unit, Currency: currency}
		}
		byProduct[v.ProductID] = append(byProduct[v.ProductID], out)
	}
	out := make([]CatalogProduct, len(rows))
	for i, r := range rows {
		out[i] = CatalogProductOf(r)
		if out[i].Variants = byProduct[r.ID]; out[i].Variants == nil {
			out[i].Variants = []CatalogVariant{}
		}
	}
	return out, nil
}

// CatalogProductOf is a stored catalog product without its variants.
func CatalogProductOf(r db.CatalogProduct) CatalogProduct {
	return CatalogProduct{ID: r.ID, Handle: r.Handle, Name: r.Name, Description: r.Description, Category: r.Category,
		Options: r.Options, Attributes: r.Attributes}
}

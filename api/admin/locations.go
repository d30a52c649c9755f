package admin

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// StockLocation is a warehouse stock is counted at. Country and
// postal_prefix place it for the "nearest" rule (commerce.RankLocations);
// priority breaks ties between equally near ones (lower first).
type StockLocation struct {
	ID           uuid.UUID `json:"id"`
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	Country      string    `json:"country"`
	Region       string    `json:"region"`
	PostalPrefix string    `json:"postal_prefix"`
	Priority     int       `json:"priority"`
	// IsDefault marks the one location stock without a named location lives
	// at: the catalogue's on_hand, ERP counts without a location.
	IsDefault bool      `json:"is_default"`
	CreatedAt time.Time `json:"created_at"`
}

// StockLocationPage is a page of stock locations, oldest first.
type StockLocationPage struct {
	StockLocations []StockLocation `json:"stock_locations"`
	NextCursor     string          `json:"next_cursor,omitempty"`
}

// StockAtLocation is a SKU's stock at one location.
type StockAtLocation struct {
	Location  string `json:"location"`
	Name      string `json:"name"`
	OnHand    int64  `json:"on_hand"`
	Reserved  int64  `json:"reserved"`
	Available int64  `json:"available"`
}

// SKUStock is a SKU's stock: summed over every location, and at each location
// that has a row for it (in the locations' priority order, then code).
type SKUStock struct {
	SKU       string            `json:"sku"`
	OnHand    int64             `json:"on_hand"`
	Reserved  int64             `json:"reserved"`
	Available int64             `json:"available"`
	Locations []StockAtLocation `json:"locations"`
}

// PreferredLocation is the stock location a company's checkouts draw from
// first (null: none, the nearest rule alone decides).
type PreferredLocation struct {
	CompanyID uuid.UUID `json:"company_id"`
	Location  *string   `json:"location"`
}

func stockLocationOf(l db.StockLocation) StockLocation {
	return StockLocation{ID: l.ID, Code: l.Code, Name: l.Name, Country: l.Country, Region: l.Region,
		PostalPrefix: l.PostalPrefix, Priority: int(l.Priority), IsDefault: l.IsDefault, CreatedAt: l.CreatedAt.UTC()}
}

var (
	locationCodePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	countryPattern      = regexp.MustCompile(`^[A-Z]{2}$`)
	postalPrefixPattern = regexp.MustCompile(`^[A-Za-z0-9]{0,10}$`)
)

const maxLocationPriority = 10000

type stockLocationRequest struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Country      string `json:"country"`
	Region       string `json:"region"`
	PostalPrefix string `json:"postal_prefix"`
	Priority     *int64 `json:"priority"`
}

// createStockLocation creates a stock location (it starts with no stock).
func (h *handlers) createStockLocation(c *gin.Context) {
	var req stockLocationRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	p := db.StockLocationCreateParams{ID: uuid.New(), Code: strings.TrimSpace(req.Code), Country: strings.TrimSpace(req.Country),
		Region: strings.TrimSpace(req.Region), PostalPrefix: strings.TrimSpace(req.PostalPrefix), Priority: 100}
	var err error
	switch {
	case !locationCodePattern.MatchString(p.Code):
		err = api.FieldError("code", "code must be 1 to 32 lower-case letters, digits, '-' or '_', such as lyon-1")
	case p.Country != "" && !countryPattern.MatchString(p.Country):
		err = api.FieldError("country", "country must be an ISO 3166-1 alpha-2 code such as FR")
	case !postalPrefixPattern.MatchString(p.PostalPrefix):
		err = api.FieldError("postal_prefix", "postal_prefix must be up to 10 letters or digits")
	case len(p.Region) > maxLabel:
		err = api.FieldError("region", "region must be at most 100 characters")
	}
	if err == nil {
		p.Name, err = requiredText("name", req.Name, maxName)
	}
	if err == nil && req.Priority != nil {
		var prio int64
		prio, err = checkInt64("priority", *req.Priority, maxLocationPriority)
		p.Priority = int32(prio)
	}
	if err != nil {
		api.RespondError(c, err)
		return
	}
	row, err := h.q.StockLocationCreate(c.Request.Context(), p)
	if err != nil {
		api.RespondError(c, violation(err, "code", ""))
		return
	}
	c.JSON(http.StatusCreated, stockLocationOf(row))
}

// listStockLocations pages through the stock locations, oldest first.
func (h *handlers) listStockLocations(c *gin.Context) {
	p, err := api.ReadKeysetPage(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	rows, err := h.q.StockLocationList(c.Request.Context(), db.StockLocationListParams{
		AfterAt: p.AfterAt, AfterID: p.AfterID, RowLimit: p.RowLimit()})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var page StockLocationPage
	page.StockLocations, page.NextCursor = api.PageOf(p, rows,
		func(r db.StockLocation) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID }, stockLocationOf)
	c.JSON(http.StatusOK, page)
}

type locationStockRequest struct {
	OnHand *int64 `json:"on_hand"`
}

// putLocationStock sets a SKU's units on hand at one location, never below
// what is reserved there (409 stock_reserved).
func (h *handlers) putLocationStock(c *gin.Context) {
	sku := c.Param("sku")
	if err := commerce.ValidateSKU("sku", sku); err != nil {
		api.RespondError(c, err)
		return
	}
	var req locationStockRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	onHand, err := requiredInt64("on_hand", req.OnHand, 0)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	var out SKUStock
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		loc, err := q.StockLocationGetByCode(ctx, c.Param("code"))
		if err != nil {
			return err // 404: no such location
		}
		if err := requireProduct(ctx, q, sku); err != nil {
			return err
		}
		current, err := q.StockLockAt(ctx, db.StockLockAtParams{Sku: sku, LocationID: loc.ID})
		if err != nil && !db.IsNotFound(err) {
			return err
		}
		if err == nil && onHand < current.Reserved {
			return conflict("stock_reserved", "on_hand",
				"on_hand cannot go below the units reserved at this location by checkouts and orders")
		}
		if _, err := q.StockPutAt(ctx, db.StockPutAtParams{Sku: sku, LocationID: loc.ID, OnHand: onHand}); err != nil {
			return err
		}
		out, err = skuStock(ctx, q, sku)
		return err
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// getSKUStock shows a SKU's stock at every location.
func (h *handlers) getSKUStock(c *gin.Context) {
	sku := c.Param("sku")
	if err := commerce.ValidateSKU("sku", sku); err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	if err := requireProduct(ctx, h.q, sku); err != nil {
		api.RespondError(c, err)
		return
	}
	out, err := skuStock(ctx, h.q, sku)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// requireProduct is a 404 when the catalogue has no such SKU.
func requireProduct(ctx context.Context, q *db.Queries, sku string) error {
	found, err := q.ProductListExistingSKUs(ctx, []string{sku})
	if err == nil && len(found) == 0 {
		err = api.ErrNotFound
	}
	return err
}

func skuStock(ctx context.Context, q *db.Queries, sku string) (SKUStock, error) {
	rows, err := q.StockListBySKU(ctx, sku)
	out := SKUStock{SKU: sku, Locations: make([]StockAtLocation, 0, len(rows))}
	for _, r := range rows {
		out.OnHand += r.OnHand
		out.Reserved += r.Reserved
		out.Locations = append(out.Locations, StockAtLocation{Location: r.Code, Name: r.Name,
			OnHand: r.OnHand, Reserved: r.Reserved, Available: r.OnHand - r.Reserved})
	}
	out.Available = out.OnHand - out.Reserved
	return out, err
}

type preferredLocationRequest struct {
	Location *string `json:"location"`
}

// putPreferredLocation sets (or, with null, forgets) the stock location a
// company's checkouts draw from first.
func (h *handlers) putPreferredLocation(c *gin.Context) {
	companyID, err := api.PathUUID(c, "company_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var req preferredLocationRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	out := PreferredLocation{CompanyID: companyID}
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		var id uuid.NullUUID
		if req.Location != nil {
			loc, err := q.StockLocationGetByCode(ctx, *req.Location)
			if db.IsNotFound(err) {
				return api.FieldError("location", "location names no stock location")
			}
			if err != nil {
				return err
			}
			id = uuid.NullUUID{UUID: loc.ID, Valid: true}
			out.Location = &loc.Code
		}
		_, err := q.CompanySetPreferredLocation(ctx, db.CompanySetPreferredLocationParams{ID: companyID, PreferredLocationID: id})
		return err // 404: no such company
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

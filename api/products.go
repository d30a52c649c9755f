package api

import (
	"encoding/base64"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/pricing"
)

// listProducts pages through the SKUs the caller's company may see, by SKU,
// at their base price in the caller's
// account currency. ?limit=1..100 and ?cursor= from next_cursor.
func (s *Server) listProducts(c *gin.Context) {
	limit, err := pageLimit(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	after := ""
	if cur := c.Query("cursor"); cur != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cur)
		if err != nil {
			RespondError(c, FieldError("cursor", "cursor is not one this API gave out"))
			return
		}
		after = string(raw)
	}
	currency := principal(c).Currency
	rows, err := s.q.ProductListPriced(c.Request.Context(), db.ProductListPricedParams{
		Currency: currency, AfterSku: after, RowLimit: int32(limit + 1), CompanyID: principal(c).CompanyID,
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	skus := make([]string, 0, len(rows))
	for _, r := range rows {
		skus = append(skus, r.Sku)
	}
	rules, err := pricing.QuantityRules(c.Request.Context(), s.q, principal(c).CompanyID, skus)
	if err != nil {
		RespondError(c, err)
		return
	}
	page := ProductPage{Products: []Product{}}
	for i, r := range rows {
		if i == limit {
			page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(rows[limit-1].Sku))
			break
		}
		page.Products = append(page.Products, Product{
			SKU: r.Sku, Name: r.Name, UnitPrice: Money{Amount: r.UnitPrice, Currency: currency}, Available: r.Available,
			QuantityRule: quantityRuleOf(rules, r.Sku),
		})
	}
	c.JSON(http.StatusOK, page)
}

package admin

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// QuantityRuleSettings is a quantity rule as ops set it: for a SKU (every
// company), or for one company (company_id), whose rule replaces the SKU's
// whole for that company. A line of the SKU must hold at least min_quantity
// units, a multiple of increment, and at most max_quantity when it is set.
type QuantityRuleSettings struct {
	SKU         string     `json:"sku"`
	CompanyID   *uuid.UUID `json:"company_id"`
	MinQuantity int64      `json:"min_quantity"`
	Increment   int64      `json:"increment"`
	MaxQuantity *int64     `json:"max_quantity"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

type quantityRuleRequest struct {
	MinQuantity *int64 `json:"min_quantity"`
	Increment   *int64 `json:"increment"`
	MaxQuantity *int64 `json:"max_quantity"`
}

// check validates the request with the commerce rules, naming the field at
// fault. increment defaults to 1 and min_quantity to the increment, so
// {"increment": 10} is "in multiples of 10" and {"max_quantity": 50} is "at
// most 50".
func (r quantityRuleRequest) check() (commerce.QuantityRule, error) {
	rule := commerce.QuantityRule{Increment: 1, MaxQuantity: r.MaxQuantity}
	if r.Increment != nil {
		rule.Increment = *r.Increment
	}
	rule.MinQuantity = max(rule.Increment, 1) // a bad increment is named as such
	if r.MinQuantity != nil {
		rule.MinQuantity = *r.MinQuantity
	}
	if r.MinQuantity == nil && r.Increment == nil && r.MaxQuantity == nil {
		return rule, api.FieldError("min_quantity", "give at least one of min_quantity, increment and max_quantity")
	}
	if err := commerce.ValidateQuantityRule(rule); err != nil {
		return rule, err
	}
	return rule, nil
}

// maxQuantityParam is a rule's maximum as the queries take it (NULL: none).
func maxQuantityParam(r commerce.QuantityRule) pgtype.Int4 {
	if r.MaxQuantity == nil {
		return pgtype.Int4{}
	}
	return pgtype.Int4{Int32: int32(*r.MaxQuantity), Valid: true}
}

func quantityRuleSettingsOf(sku string, companyID *uuid.UUID, minQ, inc int32, maxQ pgtype.Int4, updated time.Time) QuantityRuleSettings {
	out := QuantityRuleSettings{SKU: sku, CompanyID: companyID, MinQuantity: int64(minQ), Increment: int64(inc), UpdatedAt: updated.UTC()}
	if maxQ.Valid {
		most := int64(maxQ.Int32)
		out.MaxQuantity = &most
	}
	return out
}

// skuInPath reads the path's SKU, refusing one that is no SKU's shape.
func skuInPath(c *gin.Context) (string, error) {
	sku := c.Param("sku")
	return sku, commerce.ValidateSKU("sku", sku)
}

// missingReference is a write naming a product or company that does not
// exist: both are in the path, so the answer is 404.
func missingReference(err error) error {
	if db.IsForeignKeyViolation(err) {
		return api.ErrNotFound
	}
	return err
}

// putQuantityRule sets a SKU's quantity rule, for every company without its
// own. Lines already in carts are not changed: checkout refuses one that
// breaks the new rule, and the cart shows it as its problem.
func (h *handlers) putQuantityRule(c *gin.Context) {
	sku, err := skuInPath(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var req quantityRuleRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	rule, err := req.check()
	if err != nil {
		api.RespondError(c, err)
		return
	}
	row, err := h.q.QuantityRulePut(c.Request.Context(), db.QuantityRulePutParams{
		Sku: sku, MinQuantity: int32(rule.MinQuantity), Increment: int32(rule.Increment), MaxQuantity: maxQuantityParam(rule),
	})
	if err != nil {
		api.RespondError(c, missingReference(err))
		return
	}
	c.JSON(http.StatusOK, quantityRuleSettingsOf(row.Sku, nil, row.MinQuantity, row.Increment, row.MaxQuantity, row.UpdatedAt))
}

// getQuantityRule shows a SKU's quantity rule (404 when it has none).
func (h *handlers) getQuantityRule(c *gin.Context) {
	sku, err := skuInPath(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	row, err := h.q.QuantityRuleGet(c.Request.Context(), sku)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, quantityRuleSettingsOf(row.Sku, nil, row.MinQuantity, row.Increment, row.MaxQuantity, row.UpdatedAt))
}

// deleteQuantityRule removes a SKU's quantity rule: it is sold in any
// quantity again, except to companies with their own rule.
func (h *handlers) deleteQuantityRule(c *gin.Context) {
	sku, err := skuInPath(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	n, err := h.q.QuantityRuleDelete(c.Request.Context(), sku)
	if err == nil && n == 0 {
		err = api.ErrNotFound
	}
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// companyAndSKU reads the company and the SKU a company's rule route names.
func companyAndSKU(c *gin.Context) (uuid.UUID, string, error) {
	companyID, err := api.PathUUID(c, "company_id")
	if err != nil {
		return companyID, "", err
	}
	sku, err := skuInPath(c)
	return companyID, sku, err
}

// putCompanyQuantityRule sets a company's own quantity rule for a SKU, which
// replaces the SKU's rule (all of it) for that company's buyers and for the
// sales reps drafting its quotes.
func (h *handlers) putCompanyQuantityRule(c *gin.Context) {
	companyID, sku, err := companyAndSKU(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var req quantityRuleRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	rule, err := req.check()
	if err != nil {
		api.RespondError(c, err)
		return
	}
	row, err := h.q.QuantityRulePutForCompany(c.Request.Context(), db.QuantityRulePutForCompanyParams{
		CompanyID: companyID, Sku: sku, MinQuantity: int32(rule.MinQuantity), Increment: int32(rule.Increment), MaxQuantity: maxQuantityParam(rule),
	})
	if err != nil {
		api.RespondError(c, missingReference(err))
		return
	}
	c.JSON(http.StatusOK, quantityRuleSettingsOf(row.Sku, &row.CompanyID, row.MinQuantity, row.Increment, row.MaxQuantity, row.UpdatedAt))
}

// getCompanyQuantityRule shows a company's own rule for a SKU (404 when it
// has none: the SKU's rule, if any, applies).
func (h *handlers) getCompanyQuantityRule(c *gin.Context) {
	companyID, sku, err := companyAndSKU(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	row, err := h.q.QuantityRuleGetForCompany(c.Request.Context(), db.QuantityRuleGetForCompanyParams{CompanyID: companyID, Sku: sku})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, quantityRuleSettingsOf(row.Sku, &row.CompanyID, row.MinQuantity, row.Increment, row.MaxQuantity, row.UpdatedAt))
}

// deleteCompanyQuantityRule removes a company's own rule for a SKU: the SKU's
// rule, if any, applies to the company again.
func (h *handlers) deleteCompanyQuantityRule(c *gin.Context) {
	companyID, sku, err := companyAndSKU(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	n, err := h.q.QuantityRuleDeleteForCompany(c.Request.Context(), db.QuantityRuleDeleteForCompanyParams{CompanyID: companyID, Sku: sku})
	if err == nil && n == 0 {
		err = api.ErrNotFound
	}
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

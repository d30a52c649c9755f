package admin

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// SpendingLimit caps what a company, or one of its employees (customer_id set),
// may order per order, month or quarter without approval.
type SpendingLimit struct {
	ID         uuid.UUID  `json:"id"`
	CompanyID  uuid.UUID  `json:"company_id"`
	CustomerID *uuid.UUID `json:"customer_id"`
	Period     string     `json:"period"`
	Amount     int64      `json:"amount"`
	Currency   string     `json:"currency"`
	CreatedAt  time.Time  `json:"created_at"`
}

// SpendingLimitPage is one page of a company's spending limits, oldest first.
type SpendingLimitPage struct {
	SpendingLimits []SpendingLimit `json:"spending_limits"`
	NextCursor     string          `json:"next_cursor,omitempty"`
}

// ApprovalRule is one of a company's reasons to hold an order for an approver.
// threshold and approver_max are minor units of the company's currency.
type ApprovalRule struct {
	ID          uuid.UUID `json:"id"`
	CompanyID   uuid.UUID `json:"company_id"`
	Kind        string    `json:"kind"`
	Threshold   int64     `json:"threshold"`
	SKUs        []string  `json:"skus"`
	ApproverMax *int64    `json:"approver_max"`
	Currency    string    `json:"currency"`
	CreatedAt   time.Time `json:"created_at"`
}

// ApprovalRulePage is one page of a company's approval rules, oldest first.
type ApprovalRulePage struct {
	ApprovalRules []ApprovalRule `json:"approval_rules"`
	NextCursor    string         `json:"next_cursor,omitempty"`
}

func spendingLimitOf(l db.SpendingLimit) SpendingLimit {
	out := SpendingLimit{ID: l.ID, CompanyID: l.CompanyID, Period: l.Period, Amount: l.Amount, Currency: l.Currency, CreatedAt: l.CreatedAt.UTC()}
	if l.CustomerID.Valid {
		out.CustomerID = &l.CustomerID.UUID
	}
	return out
}

func approvalRuleOf(r db.ApprovalRule, currency string) ApprovalRule {
	out := ApprovalRule{ID: r.ID, CompanyID: r.CompanyID, Kind: r.Kind, Threshold: r.Threshold, SKUs: r.Skus,
		Currency: currency, CreatedAt: r.CreatedAt.UTC()}
	if out.SKUs == nil {
		out.SKUs = []string{}
	}
	if r.ApproverMax.Valid {
		out.ApproverMax = &r.ApproverMax.Int64
	}
	return out
}

type spendingLimitRequest struct {
	CustomerID *string `json:"customer_id"`
	Period     string  `json:"period"`
	Amount     *int64  `json:"amount"`
	Currency   string  `json:"currency"`
}

// putSpendingLimit sets the limit of a company (or of one of its
// employees) for a period, replacing the one it had.
func (h *handlers) putSpendingLimit(c *gin.Context) {
	companyID, err := api.PathUUID(c, "company_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var req spendingLimitRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	if req.Amount == nil {
		api.RespondError(c, api.FieldError("amount", "amount is required"))
		return
	}
	limit := commerce.SpendingLimit{Period: commerce.Period(req.Period), Amount: *req.Amount, Currency: req.Currency}
	if err := commerce.ValidateSpendingLimit(limit); err != nil {
		api.RespondError(c, err)
		return
	}
	var customer uuid.NullUUID
	if req.CustomerID != nil {
		id, err := uuid.Parse(*req.CustomerID)
		if err != nil {
			api.RespondError(c, api.FieldError("customer_id", "customer_id must be a UUID"))
			return
		}
		customer = uuid.NullUUID{UUID: id, Valid: true}
	}
	ctx := c.Request.Context()
	var row db.SpendingLimit
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		// Locked so that the company's currency cannot change under the limit.
		company, err := q.CompanyLock(ctx, companyID)
		if err != nil {
			return err
		}
		if limit.Currency != company.Currency {
			return api.FieldError("currency", fmt.Sprintf("currency must be %s, the company's currency", company.Currency))
		}
		if customer.Valid {
			ok, err := q.CustomerExistsInCompany(ctx, db.CustomerExistsInCompanyParams{ID: customer.UUID, CompanyID: companyID})
			if err != nil {
				return err
			}
			if !ok {
				return api.FieldError("customer_id", "customer_id is not an employee of this company")
			}
		}
		row, err = q.SpendingLimitPut(ctx, db.SpendingLimitPutParams{
			ID: uuid.New(), CompanyID: companyID, CustomerID: customer,
			Period: string(limit.Period), Amount: limit.Amount, Currency: limit.Currency,
		})
		return err
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, spendingLimitOf(row))
}

// listSpendingLimits pages through a company's spending limits.
func (h *handlers) listSpendingLimits(c *gin.Context) {
	var page SpendingLimitPage
	var ok bool
	page.SpendingLimits, page.NextCursor, ok = listForCompany(h, c,
		func(ctx context.Context, companyID uuid.UUID, p api.KeysetPage) ([]db.SpendingLimit, error) {
			return h.q.SpendingLimitListByCompany(ctx, db.SpendingLimitListByCompanyParams{
				CompanyID: companyID, AfterCreatedAt: p.AfterAt, AfterID: p.AfterID, RowLimit: p.RowLimit()})
		},
		func(r db.SpendingLimit) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID },
		func(_ db.Company, r db.SpendingLimit) SpendingLimit { return spendingLimitOf(r) })
	if ok {
		c.JSON(http.StatusOK, page)
	}
}

// deleteSpendingLimit removes a spending limit.
func (h *handlers) deleteSpendingLimit(c *gin.Context) {
	h.deleteByID(c, "limit_id", h.q.SpendingLimitDelete)
}

type approvalRuleRequest struct {
	Kind        string   `json:"kind"`
	Threshold   *int64   `json:"threshold"`
	SKUs        []string `json:"skus"`
	ApproverMax *int64   `json:"approver_max"`
}

// createApprovalRule adds an approval rule to a company. A restricted_sku
// rule may name only products the catalogue has.
func (h *handlers) createApprovalRule(c *gin.Context) {
	companyID, err := api.PathUUID(c, "company_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var req approvalRuleRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	rule := commerce.ApprovalRule{Kind: commerce.ApprovalRuleKind(req.Kind), SKUs: req.SKUs, ApproverMax: req.ApproverMax}
	if req.Threshold != nil {
		rule.Threshold = *req.Threshold
	}
	if err := commerce.ValidateApprovalRule(rule); err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	var out ApprovalRule
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		// Locked so that the company's currency cannot change under the rule.
		company, err := q.CompanyLock(ctx, companyID)
		if err != nil {
			return err
		}
		if err := requireSKUs(ctx, q, rule.SKUs, func(i int) string { return fmt.Sprintf("skus[%d]", i) }); err != nil {
			return err
		}
		p := db.ApprovalRuleCreateParams{ID: uuid.New(), CompanyID: companyID, Kind: string(rule.Kind),
			Threshold: rule.Threshold, Skus: rule.SKUs}
		if p.Skus == nil {
			p.Skus = []string{}
		}
		if rule.ApproverMax != nil {
			p.ApproverMax = pgtype.Int8{Int64: *rule.ApproverMax, Valid: true}
		}
		row, err := q.ApprovalRuleCreate(ctx, p)
		out = approvalRuleOf(row, company.Currency)
		return err
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, out)
}

// listApprovalRules pages through a company's approval rules, in the order
// they are evaluated.
func (h *handlers) listApprovalRules(c *gin.Context) {
	var page ApprovalRulePage
	var ok bool
	page.ApprovalRules, page.NextCursor, ok = listForCompany(h, c,
		func(ctx context.Context, companyID uuid.UUID, p api.KeysetPage) ([]db.ApprovalRule, error) {
			return h.q.ApprovalRuleListByCompany(ctx, db.ApprovalRuleListByCompanyParams{
				CompanyID: companyID, AfterCreatedAt: p.AfterAt, AfterID: p.AfterID, RowLimit: p.RowLimit()})
		},
		func(r db.ApprovalRule) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID },
		func(company db.Company, r db.ApprovalRule) ApprovalRule { return approvalRuleOf(r, company.Currency) })
	if ok {
		c.JSON(http.StatusOK, page)
	}
}

// deleteApprovalRule removes an approval rule. Checkouts already waiting
// for approval keep waiting; later ones no longer match it.
func (h *handlers) deleteApprovalRule(c *gin.Context) {
	h.deleteByID(c, "rule_id", h.q.ApprovalRuleDelete)
}

// deleteByID deletes the row the path parameter param names: 204, or 404 when
// there is none.
func (h *handlers) deleteByID(c *gin.Context, param string, del func(context.Context, uuid.UUID) (int64, error)) {
	id, err := api.PathUUID(c, param)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	n, err := del(c.Request.Context(), id)
	if err == nil && n == 0 {
		err = api.ErrNotFound
	}
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// requireSKUs refuses the first of skus the catalogue does not have, naming it
// by field(i).
func requireSKUs(ctx context.Context, q *db.Queries, skus []string, field func(i int) string) error {
	if len(skus) == 0 {
		return nil
	}
	existing, err := q.ProductListExistingSKUs(ctx, skus)
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(existing))
	for _, s := range existing {
		known[s] = true
	}
	for i, s := range skus {
		if !known[s] {
			f := field(i)
			return &api.HTTPError{Status: http.StatusUnprocessableEntity, Body: api.Error{
				Code: string(commerce.CodeUnknownSKU), Field: f, SKU: s, Message: fmt.Sprintf("%s: no product has SKU %s", f, s)}}
		}
	}
	return nil
}

package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// defaultApprovalTimeout is how long a checkout waits for an approver unless the
// company says otherwise: three days.
const defaultApprovalTimeout = 3 * 24 * 60 * 60

// maxApprovalTimeout bounds the approval wait to a year; a longer one is a typo.
const maxApprovalTimeout = 365 * 24 * 60 * 60

// Company is a buying company as ops manage it. Amounts are minor units of the
// company's account currency.
type Company struct {
	ID                     uuid.UUID `json:"id"`
	Name                   string    `json:"name"`
	Currency               string    `json:"currency"`
	CreditLimit            int64     `json:"credit_limit"`
	CustomerGroup          string    `json:"customer_group"`
	TaxExempt              bool      `json:"tax_exempt"`
	ApprovalTimeoutSeconds int64     `json:"approval_timeout_seconds"`
	// SalesRepID is the company's account sales rep, who gets its quotes;
	// null sends them to the queue any rep may claim from.
	SalesRepID *uuid.UUID `json:"sales_rep_id"`
	// PaymentTermsDays is when its invoices fall due (net N days);
	// ReturnWindowDays how long after delivery its buyers may ask to return
	// goods.
	PaymentTermsDays int       `json:"payment_terms_days"`
	ReturnWindowDays int       `json:"return_window_days"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// maxReturnWindowDays bounds the return window to a year, as the schema does.
const maxReturnWindowDays = 365

// CompanyPage is one page of companies, oldest first.
type CompanyPage struct {
	Companies  []Company `json:"companies"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

func companyOf(c db.Company) Company {
	out := Company{
		ID: c.ID, Name: c.Name, Currency: c.Currency, CreditLimit: c.CreditLimit, CustomerGroup: c.CustomerGroup,
		TaxExempt: c.TaxExempt, ApprovalTimeoutSeconds: int64(c.ApprovalTimeoutSeconds),
		PaymentTermsDays: int(c.PaymentTermsDays), ReturnWindowDays: int(c.ReturnWindowDays),
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
	if c.SalesRepID.Valid {
		out.SalesRepID = &c.SalesRepID.UUID
	}
	return out
}

// companyRequest is the body of POST (name, currency and credit_limit
// required) and PATCH (any subset) of a company.
type companyRequest struct {
	Name                   *string `json:"name"`
	Currency               *string `json:"currency"`
	CreditLimit            *int64  `json:"credit_limit"`
	CustomerGroup          *string `json:"customer_group"`
	TaxExempt              *bool   `json:"tax_exempt"`
	ApprovalTimeoutSeconds *int64  `json:"approval_timeout_seconds"`
	PaymentTermsDays       *int64  `json:"payment_terms_days"`
	ReturnWindowDays       *int64  `json:"return_window_days"`
	// SalesRepID is raw so that null (clear the rep) differs from absent
	// (keep it); PATCH only.
	SalesRepID json.RawMessage `json:"sales_rep_id"`
}

// companyFields are a company's settable fields, checked.
type companyFields struct {
	name, currency, customerGroup string
	creditLimit, approvalTimeout  int64
	taxExempt                     bool
	paymentTerms, returnWindow    int64
}

// termsChanged tells whether the request sets the company's payment terms or
// return window.
func (r companyRequest) termsChanged() bool {
	return r.PaymentTermsDays != nil || r.ReturnWindowDays != nil
}

// apply lays the request over f and checks the result, naming the field at fault.
func (r companyRequest) apply(f companyFields) (companyFields, error) {
	var err error
	if r.Name != nil {
		if f.name, err = requiredText("name", *r.Name, maxName); err != nil {
			return f, err
		}
	}
	if r.Currency != nil {
		if !commerce.KnownCurrency(*r.Currency) {
			return f, invalidCurrency("currency")
		}
		f.currency = *r.Currency
	}
	if r.CreditLimit != nil {
		if f.creditLimit, err = checkInt64("credit_limit", *r.CreditLimit, 0); err != nil {
			return f, err
		}
	}
	if r.CustomerGroup != nil {
		if *r.CustomerGroup != "" && !customerGroupPattern.MatchString(*r.CustomerGroup) {
			return f, api.FieldError("customer_group", "customer_group must be empty or 1-64 lower-case letters, digits, '.', '_' or '-'")
		}
		f.customerGroup = *r.CustomerGroup
	}
	if r.TaxExempt != nil {
		f.taxExempt = *r.TaxExempt
	}
	if t := r.ApprovalTimeoutSeconds; t != nil {
		if *t < 1 || *t > maxApprovalTimeout {
			return f, api.FieldError("approval_timeout_seconds", fmt.Sprintf("approval_timeout_seconds must be from 1 to %d", maxApprovalTimeout))
		}
		f.approvalTimeout = *t
	}
	if d := r.PaymentTermsDays; d != nil {
		if err := commerce.ValidatePaymentTerms(int(*d)); err != nil {
			return f, err
		}
		f.paymentTerms = *d
	}
	if d := r.ReturnWindowDays; d != nil {
		if *d < 0 || *d > maxReturnWindowDays {
			return f, api.FieldError("return_window_days", fmt.Sprintf("return_window_days must be between 0 and %d", maxReturnWindowDays))
		}
		f.returnWindow = *d
	}
	return f, nil
}

// createCompany creates a buying company.
func (h *handlers) createCompany(c *gin.Context) {
	var req companyRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	if err := requireFields(map[string]bool{"name": req.Name != nil, "currency": req.Currency != nil, "credit_limit": req.CreditLimit != nil},
		"name", "currency", "credit_limit"); err != nil {
		api.RespondError(c, err)
		return
	}
	f, err := req.apply(companyFields{approvalTimeout: defaultApprovalTimeout,
		paymentTerms: defaultPaymentTermsDays, returnWindow: defaultReturnWindowDays})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	var company db.Company
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		if company, err = q.CompanyCreate(ctx, db.CompanyCreateParams{
			ID: uuid.New(), Name: f.name, Currency: f.currency, CreditLimit: f.creditLimit,
			CustomerGroup: f.customerGroup, TaxExempt: f.taxExempt, ApprovalTimeoutSeconds: int32(f.approvalTimeout),
		}); err != nil || !req.termsChanged() {
			return err
		}
		return setTerms(ctx, q, &company, f)
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.Header("Location", "/v1/admin/companies/"+company.ID.String())
	c.JSON(http.StatusCreated, companyOf(company))
}

// listCompanies pages through every company, oldest first.
func (h *handlers) listCompanies(c *gin.Context) {
	p, err := api.ReadKeysetPage(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	rows, err := h.q.CompanyList(c.Request.Context(), db.CompanyListParams{
		AfterCreatedAt: p.AfterAt, AfterID: p.AfterID, RowLimit: p.RowLimit()})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var page CompanyPage
	page.Companies, page.NextCursor = api.PageOf(p, rows, func(r db.Company) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID }, companyOf)
	c.JSON(http.StatusOK, page)
}

// getCompany shows one company.
func (h *handlers) getCompany(c *gin.Context) {
	id, err := api.PathUUID(c, "company_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	company, err := h.q.CompanyGet(c.Request.Context(), id)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, companyOf(company))
}

// updateCompany changes any subset of a company's fields. The currency is
// fixed once the company has carts (its orders, credit and spend are kept in
// it), and cannot move away from the currency of its spending limits, price
// lists and approval rule amounts, which would silently stop meaning anything.
func (h *handlers) updateCompany(c *gin.Context) {
	id, err := api.PathUUID(c, "company_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var req companyRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	var company db.Company
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		old, err := q.CompanyLock(ctx, id)
		if err != nil {
			return err
		}
		f, err := req.apply(companyFields{
			name: old.Name, currency: old.Currency, customerGroup: old.CustomerGroup, creditLimit: old.CreditLimit,
			approvalTimeout: int64(old.ApprovalTimeoutSeconds), taxExempt: old.TaxExempt,
			paymentTerms: int64(old.PaymentTermsDays), returnWindow: int64(old.ReturnWindowDays),
		})
		if err != nil {
			return err
		}
		if f.currency != old.Currency {
			if err := checkCurrencyChange(ctx, q, old.ID, old.Currency, f.currency); err != nil {
				return err
			}
		}
		company, err = q.CompanyUpdate(ctx, db.CompanyUpdateParams{
			ID: id, Name: f.name, Currency: f.currency, CreditLimit: f.creditLimit, CustomerGroup: f.customerGroup,
			TaxExempt: f.taxExempt, ApprovalTimeoutSeconds: int32(f.approvalTimeout),
		})
		if err == nil && req.termsChanged() {
			err = setTerms(ctx, q, &company, f)
		}
		if err != nil || req.SalesRepID == nil {
			return err
		}
		rep, err := salesRepOf(ctx, q, req.SalesRepID)
		if err != nil {
			return err
		}
		company.SalesRepID = rep
		return q.CompanyUpdateSalesRep(ctx, db.CompanyUpdateSalesRepParams{ID: id, SalesRepID: rep})
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	h.server.ForgetPrincipals() // employees' principals carry the company's currency
	c.JSON(http.StatusOK, companyOf(company))
}

// The terms a company gets unless ops say otherwise, as the schema defaults
// them: invoices due net 30, returns within 30 days of delivery.
const (
	defaultPaymentTermsDays = 30
	defaultReturnWindowDays = 30
)

// setTerms stores the company's payment terms and return window. They take
// effect for orders placed afterwards: an order keeps the terms it was placed
// with.
func setTerms(ctx context.Context, q *db.Queries, company *db.Company, f companyFields) error {
	if err := q.CompanyUpdateTerms(ctx, db.CompanyUpdateTermsParams{ID: company.ID,
		PaymentTermsDays: int32(f.paymentTerms), ReturnWindowDays: int32(f.returnWindow)}); err != nil {
		return err
	}
	company.PaymentTermsDays, company.ReturnWindowDays = int32(f.paymentTerms), int32(f.returnWindow)
	return nil
}

// salesRepOf reads a company's sales_rep_id: null clears it, anything else
// must name a sales rep of the seller's staff.
func salesRepOf(ctx context.Context, q *db.Queries, raw json.RawMessage) (uuid.NullUUID, error) {
	if string(raw) == "null" {
		return uuid.NullUUID{}, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return uuid.NullUUID{}, api.FieldError("sales_rep_id", "sales_rep_id must be a UUID or null")
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.NullUUID{}, api.FieldError("sales_rep_id", "sales_rep_id must be a UUID or null")
	}
	staff, err := q.StaffGet(ctx, id)
	switch {
	case db.IsNotFound(err):
		return uuid.NullUUID{}, api.FieldError("sales_rep_id", "sales_rep_id names no staff member")
	case err != nil:
		return uuid.NullUUID{}, err
	case staff.Role != string(commerce.RoleSalesRep):
		return uuid.NullUUID{}, api.FieldError("sales_rep_id", "sales_rep_id must name a sales rep")
	}
	return uuid.NullUUID{UUID: id, Valid: true}, nil
}

// checkCurrencyChange refuses to move a company to another currency once money
// has been kept in the old one.
func checkCurrencyChange(ctx context.Context, q *db.Queries, id uuid.UUID, from, to string) error {
	hasCarts, err := q.CartExistsByCompany(ctx, id)
	if err != nil {
		return err
	}
	if hasCarts {
		return conflict("currency_locked", "currency",
			fmt.Sprintf("the company already has carts in %s, so its currency cannot change", from))
	}
	hasTerms, err := q.CompanyMoneyTermExistsInOtherCurrency(ctx, db.CompanyMoneyTermExistsInOtherCurrencyParams{CompanyID: id, Currency: to})
	if err != nil {
		return err
	}
	if hasTerms {
		return conflict("currency_locked", "currency", fmt.Sprintf(
			"the company has spending limits, price lists or approval rule amounts in %s; delete them before changing its currency", from))
	}
	return nil
}

// Package admin is the ops-only administration API: companies and their
// employees and tokens, spending limits and approval rules, seller staff and
// their tokens, price lists, the catalogue (with cost prices and quantity
// rules, per SKU and per company), shipping
// methods, tax rates, how far sales roles may discount quotes, and the
// integrations that post signed webhooks (with the events they posted). It
// also serves company admins their own company's employees and tokens
// (CompanyRoutes, under /v1/company), through the same handlers scoped to
// their company. Both are areas of the api package's server (api.Area): the
// wiring hands them to api.Server.Handler, and the routes share api's
// authentication, idempotency and error answers.
package admin

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Routes lists the administration API under /v1/admin. Every route is for ops
// alone; any other role gets 403. It is an api.Area.
func Routes(v1 gin.IRouter, s *api.Server) {
	h := newHandlers(s)
	admin := v1.Group("/admin", api.Allow(commerce.RoleOps))

	admin.POST("/companies", s.Idempotent, h.createCompany)
	admin.GET("/companies", h.listCompanies)
	admin.GET("/companies/:company_id", h.getCompany)
	admin.PATCH("/companies/:company_id", s.Idempotent, h.updateCompany)

	admin.POST("/companies/:company_id/employees", s.Idempotent, h.createEmployee)
	admin.GET("/companies/:company_id/employees", h.listEmployees)
	admin.PATCH("/employees/:employee_id", s.Idempotent, h.updateEmployee)
	admin.POST("/employees/:employee_id/deactivate", s.Idempotent, h.deactivateEmployee)
	admin.POST("/employees/:employee_id/tokens", s.IdempotentSecret, h.issueEmployeeToken)
	admin.GET("/companies/:company_id/tokens", h.listTokens)
	admin.DELETE("/tokens/:token_id", s.Idempotent, h.revokeToken)

	admin.POST("/staff", s.Idempotent, h.createStaff)
	admin.POST("/staff/:staff_id/tokens", s.IdempotentSecret, h.issueStaffToken)

	admin.PUT("/companies/:company_id/spending-limits", s.Idempotent, h.putSpendingLimit)
	admin.GET("/companies/:company_id/spending-limits", h.listSpendingLimits)
	admin.DELETE("/spending-limits/:limit_id", s.Idempotent, h.deleteSpendingLimit)

	admin.GET("/companies/:company_id/on-behalf-checkout", h.getOnBehalfCheckout)
	admin.PUT("/companies/:company_id/on-behalf-checkout", s.Idempotent, h.putOnBehalfCheckout)

	admin.POST("/companies/:company_id/approval-rules", s.Idempotent, h.createApprovalRule)
	admin.GET("/companies/:company_id/approval-rules", h.listApprovalRules)
	admin.DELETE("/approval-rules/:rule_id", s.Idempotent, h.deleteApprovalRule)

	admin.POST("/price-lists", s.Idempotent, h.createPriceList)
	admin.GET("/price-lists", h.listPriceLists)
	admin.GET("/price-lists/:price_list_id", h.getPriceList)
	admin.PUT("/price-lists/:price_list_id", s.Idempotent, h.replacePriceList)
	admin.DELETE("/price-lists/:price_list_id", s.Idempotent, h.deletePriceList)

	admin.PUT("/products/:sku", s.Idempotent, h.putProduct)
	admin.PUT("/products/:sku/quantity-rule", s.Idempotent, h.putQuantityRule)
	admin.GET("/products/:sku/quantity-rule", h.getQuantityRule)
	admin.DELETE("/products/:sku/quantity-rule", s.Idempotent, h.deleteQuantityRule)
	admin.PUT("/companies/:company_id/quantity-rules/:sku", s.Idempotent, h.putCompanyQuantityRule)
	admin.GET("/companies/:company_id/quantity-rules/:sku", h.getCompanyQuantityRule)
	admin.DELETE("/companies/:company_id/quantity-rules/:sku", s.Idempotent, h.deleteCompanyQuantityRule)
	admin.POST("/catalog/products", s.Idempotent, h.createCatalogProduct)
	admin.GET("/catalog/products/:product_id", h.getCatalogProduct)
	admin.PUT("/catalog/products/:product_id", s.Idempotent, h.replaceCatalogProduct)
	admin.POST("/assortments", s.Idempotent, h.createAssortment)
	admin.GET("/assortments", h.listAssortments)
	admin.GET("/assortments/:assortment_id", h.getAssortment)
	admin.PUT("/assortments/:assortment_id", s.Idempotent, h.replaceAssortment)
	admin.DELETE("/assortments/:assortment_id", s.Idempotent, h.deleteAssortment)
	admin.PUT("/companies/:company_id/assortment", s.Idempotent, h.putCompanyAssortment)
	admin.PUT("/shipping-methods/:code", s.Idempotent, h.putShippingMethod)

	admin.POST("/stock-locations", s.Idempotent, h.createStockLocation)
	admin.GET("/stock-locations", h.listStockLocations)
	admin.PUT("/stock-locations/:code/stock/:sku", s.Idempotent, h.putLocationStock)
	admin.GET("/stock/:sku", h.getSKUStock)
	admin.PUT("/companies/:company_id/preferred-location", s.Idempotent, h.putPreferredLocation)
	admin.PUT("/tax-rates/:country", s.Idempotent, h.putTaxRate)

	admin.GET("/quote-authorities", h.listQuoteAuthorities)
	admin.PUT("/quote-authorities/:role", s.Idempotent, h.putQuoteAuthority)

	admin.POST("/integrations", s.IdempotentSecret, h.createIntegration)
	admin.GET("/integrations", h.listIntegrations)
	admin.POST("/integrations/:integration_id/rotate-secret", s.IdempotentSecret, h.rotateIntegrationSecret)
	admin.GET("/webhook-events", h.listWebhookEvents)
}

// CompanyRoutes lists a company admin's self-service under /v1/company: their
// own company's employees (add, list, rename, change role, deactivate), their
// API tokens (issue, list, revoke), and whether their sales rep may check out
// in a buyer's name, without ops. The handlers are the
// ones ops use under /v1/admin, scoped to the caller's company
// (companyScope): another company's employees and tokens are 404, roles are
// only the company roles, and the last active admin stays. It is an api.Area.
func CompanyRoutes(v1 gin.IRouter, s *api.Server) {
	h := newHandlers(s)
	company := v1.Group("/company", api.Allow(commerce.RoleCompanyAdmin))

	company.POST("/employees", s.Idempotent, h.createEmployee)
	company.GET("/employees", h.listEmployees)
	company.PATCH("/employees/:employee_id", s.Idempotent, h.updateEmployee)
	company.POST("/employees/:employee_id/deactivate", s.Idempotent, h.deactivateEmployee)
	company.POST("/employees/:employee_id/tokens", s.IdempotentSecret, h.issueEmployeeToken)
	company.GET("/tokens", h.listTokens)
	company.DELETE("/tokens/:token_id", s.Idempotent, h.revokeToken)
	company.GET("/on-behalf-checkout", h.getOnBehalfCheckout)
	company.PUT("/on-behalf-checkout", s.Idempotent, h.putOnBehalfCheckout)
}

// handlers serve the administration routes.
type handlers struct {
	pool *pgxpool.Pool
	q    *db.Queries
	// server is the API server the routes belong to: changes to who someone
	// is make it forget its cached principals.
	server *api.Server
}

func newHandlers(s *api.Server) *handlers {
	return &handlers{pool: s.Pool(), q: db.New(s.Pool()), server: s}
}

// Limits on free text, generous for any ERP or CRM.
const (
	maxName  = 200
	maxLabel = 100
	maxEmail = 254
)

var customerGroupPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// requiredText trims a required free-text field and checks its length.
func requiredText(field, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", api.FieldError(field, field+" is required")
	case utf8.RuneCountInString(v) > max:
		return "", api.FieldError(field, fmt.Sprintf("%s must be at most %d characters", field, max))
	}
	return v, nil
}

// requiredInt64 checks that a number was given and is >= 0 (and at most max
// when max > 0), as every count and amount of the admin API must be.
func requiredInt64(field string, v *int64, max int64) (int64, error) {
	if v == nil {
		return 0, api.FieldError(field, field+" is required")
	}
	return checkInt64(field, *v, max)
}

func checkInt64(field string, v, max int64) (int64, error) {
	switch {
	case v < 0:
		return 0, api.FieldError(field, field+" must not be negative")
	case max > 0 && v > max:
		return 0, api.FieldError(field, fmt.Sprintf("%s must be at most %d", field, max))
	}
	return v, nil
}

// requireFields names the first of fields (in that order) that was not given.
func requireFields(given map[string]bool, fields ...string) error {
	for _, f := range fields {
		if !given[f] {
			return api.FieldError(f, f+" is required")
		}
	}
	return nil
}

func invalidCurrency(field string) error {
	return api.FieldError(field, field+" must be an ISO 4217 currency code such as EUR")
}

// violation maps a write's constraint violations to the request field at
// fault: a duplicate is 409, a reference to nothing is 422. Anything else is
// passed on.
func violation(err error, uniqueField, fkField string) error {
	switch {
	case uniqueField != "" && db.IsUniqueViolation(err):
		return &api.HTTPError{Status: http.StatusConflict, Body: api.Error{
			Code: "already_exists", Field: uniqueField, Message: uniqueField + " is already taken"}}
	case fkField != "" && db.IsForeignKeyViolation(err):
		return api.FieldError(fkField, fkField+" names nothing that exists")
	}
	return err
}

// conflict is a 409: the request is well-formed but the state of the data
// forbids it.
func conflict(code, field, msg string) error {
	return &api.HTTPError{Status: http.StatusConflict, Body: api.Error{Code: code, Field: field, Message: msg}}
}

// companyPageQuery lists one page of a company's rows.
type companyPageQuery[R any] func(ctx context.Context, companyID uuid.UUID, p api.KeysetPage) ([]R, error)

// listForCompany answers one page of rows of the company in scope
// (scopedCompany: the one in the path, 404 when there is no such company, or
// the company admin's own), each shown by view.
func listForCompany[R, V any](h *handlers, c *gin.Context, list companyPageQuery[R],
	key func(R) (time.Time, uuid.UUID), view func(db.Company, R) V) (items []V, next string, ok bool) {
	companyID, err := scopedCompany(c)
	if err != nil {
		api.RespondError(c, err)
		return nil, "", false
	}
	p, err := api.ReadKeysetPage(c)
	if err != nil {
		api.RespondError(c, err)
		return nil, "", false
	}
	ctx := c.Request.Context()
	company, err := h.q.CompanyGet(ctx, companyID)
	if err != nil {
		api.RespondError(c, err)
		return nil, "", false
	}
	rows, err := list(ctx, companyID, p)
	if err != nil {
		api.RespondError(c, err)
		return nil, "", false
	}
	items, next = api.PageOf(p, rows, key, func(r R) V { return view(company, r) })
	return items, next, true
}

// companyScope is the company whose people and tokens a request may touch:
// a company admin's own, always (anything of another company is then not
// found, 404, so that its IDs do not leak); for ops, the company in the path
// when the route names one, else none (NULL: any company).
func companyScope(c *gin.Context) (uuid.NullUUID, error) {
	if p := api.Caller(c); p.Role == commerce.RoleCompanyAdmin {
		return uuid.NullUUID{UUID: p.CompanyID, Valid: true}, nil
	}
	if c.Param("company_id") == "" {
		return uuid.NullUUID{}, nil
	}
	id, err := api.PathUUID(c, "company_id")
	return uuid.NullUUID{UUID: id, Valid: true}, err
}

// scopedCompany is the one company a route acts on (companyScope), for routes
// that always have one.
func scopedCompany(c *gin.Context) (uuid.UUID, error) {
	scope, err := companyScope(c)
	if err == nil && !scope.Valid {
		err = api.ErrNotFound // a route without a company asked for one: not reachable
	}
	return scope.UUID, err
}

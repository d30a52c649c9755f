package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/db"
)

// adminRoutes lists the ops-only administration API: companies and their
// employees, spending limits and approval rules, seller staff, tokens, price
// lists, the catalogue, shipping methods and tax rates. Every route is for ops
// alone; any other role gets 403.
func (s *Server) adminRoutes(v1 gin.IRouter) {
	admin := v1.Group("/admin", Allow(opsRoles...))

	admin.POST("/companies", s.Idempotent, s.adminCreateCompany)
	admin.GET("/companies", s.adminListCompanies)
	admin.GET("/companies/:company_id", s.adminGetCompany)
	admin.PATCH("/companies/:company_id", s.Idempotent, s.adminUpdateCompany)

	admin.POST("/companies/:company_id/employees", s.Idempotent, s.adminCreateEmployee)
	admin.GET("/companies/:company_id/employees", s.adminListEmployees)
	admin.PATCH("/employees/:employee_id", s.Idempotent, s.adminUpdateEmployee)
	admin.POST("/employees/:employee_id/tokens", s.IdempotentSecret, s.adminIssueEmployeeToken)

	admin.POST("/staff", s.Idempotent, s.adminCreateStaff)
	admin.POST("/staff/:staff_id/tokens", s.IdempotentSecret, s.adminIssueStaffToken)

	admin.PUT("/companies/:company_id/spending-limits", s.Idempotent, s.adminPutSpendingLimit)
	admin.GET("/companies/:company_id/spending-limits", s.adminListSpendingLimits)
	admin.DELETE("/spending-limits/:limit_id", s.Idempotent, s.adminDeleteSpendingLimit)

	admin.POST("/companies/:company_id/approval-rules", s.Idempotent, s.adminCreateApprovalRule)
	admin.GET("/companies/:company_id/approval-rules", s.adminListApprovalRules)
	admin.DELETE("/approval-rules/:rule_id", s.Idempotent, s.adminDeleteApprovalRule)

	admin.POST("/price-lists", s.Idempotent, s.adminCreatePriceList)
	admin.GET("/price-lists", s.adminListPriceLists)
	admin.GET("/price-lists/:price_list_id", s.adminGetPriceList)
	admin.PUT("/price-lists/:price_list_id", s.Idempotent, s.adminReplacePriceList)
	admin.DELETE("/price-lists/:price_list_id", s.Idempotent, s.adminDeletePriceList)

	admin.PUT("/products/:sku", s.Idempotent, s.adminPutProduct)
	admin.PUT("/shipping-methods/:code", s.Idempotent, s.adminPutShippingMethod)
	admin.PUT("/tax-rates/:country", s.Idempotent, s.adminPutTaxRate)
}

// Limits on free text, generous for any ERP or CRM.
const (
	maxAdminName  = 200
	maxAdminLabel = 100
	maxEmail      = 254
)

var customerGroupPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// keysetPage is where a list page starts: after the (created_at, id) of the last
// row of the previous page.
type keysetPage struct {
	limit   int
	afterAt time.Time
	afterID uuid.UUID
}

// readKeysetPage reads ?limit=1..100 and ?cursor= (a next_cursor this API gave out).
func readKeysetPage(c *gin.Context) (keysetPage, error) {
	limit, err := pageLimit(c)
	if err != nil {
		return keysetPage{}, err
	}
	p := keysetPage{limit: limit}
	if cur := c.Query("cursor"); cur != "" {
		if p.afterAt, p.afterID, err = decodeOrderCursor(cur); err != nil {
			return keysetPage{}, FieldError("cursor", "cursor is not one this API gave out")
		}
	}
	return p, nil
}

// rowLimit asks for one row more than the page holds, to tell whether there is a
// next page.
func (p keysetPage) rowLimit() int32 { return int32(p.limit + 1) }

// pageOf maps the rows of a page to their views, and gives the cursor of the
// next page when there is one.
func pageOf[R, V any](p keysetPage, rows []R, key func(R) (time.Time, uuid.UUID), view func(R) V) ([]V, string) {
	out := make([]V, 0, min(len(rows), p.limit))
	for i, r := range rows {
		if i == p.limit {
			at, id := key(rows[p.limit-1])
			return out, encodeOrderCursor(at, id)
		}
		out = append(out, view(r))
	}
	return out, ""
}

// requiredText trims a required free-text field and checks its length.
func requiredText(field, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", FieldError(field, field+" is required")
	case utf8.RuneCountInString(v) > max:
		return "", FieldError(field, fmt.Sprintf("%s must be at most %d characters", field, max))
	}
	return v, nil
}

// requiredInt64 checks that a number was given and is >= 0 (and at most max
// when max > 0), as every count and amount of the admin API must be.
func requiredInt64(field string, v *int64, max int64) (int64, error) {
	if v == nil {
		return 0, FieldError(field, field+" is required")
	}
	return checkInt64(field, *v, max)
}

func checkInt64(field string, v, max int64) (int64, error) {
	switch {
	case v < 0:
		return 0, FieldError(field, field+" must not be negative")
	case max > 0 && v > max:
		return 0, FieldError(field, fmt.Sprintf("%s must be at most %d", field, max))
	}
	return v, nil
}

// requireFields names the first of fields (in that order) that was not given.
func requireFields(given map[string]bool, fields ...string) error {
	for _, f := range fields {
		if !given[f] {
			return FieldError(f, f+" is required")
		}
	}
	return nil
}

func invalidCurrency(field string) error {
	return FieldError(field, field+" must be a three-letter ISO 4217 code such as EUR")
}

// violation maps a write's constraint violations to the request field at
// fault: a duplicate is 409, a reference to nothing is 422. Anything else is
// passed on.
func violation(err error, uniqueField, fkField string) error {
	switch {
	case uniqueField != "" && db.IsUniqueViolation(err):
		return &HTTPError{Status: http.StatusConflict, Body: Error{
			Code: "already_exists", Field: uniqueField, Message: uniqueField + " is already taken"}}
	case fkField != "" && db.IsForeignKeyViolation(err):
		return FieldError(fkField, fkField+" names nothing that exists")
	}
	return err
}

// conflict is a 409: the request is well-formed but the state of the data
// forbids it.
func conflict(code, field, msg string) error {
	return &HTTPError{Status: http.StatusConflict, Body: Error{Code: code, Field: field, Message: msg}}
}

// clear forgets every cached token lookup. Admin changes to who someone is (an
// employee's role, a company's currency) call it, so this server stops serving
// the old principal at once; other servers do within principalTTL.
func (c *principalCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}

// idempotentSecret is s.Idempotent for routes whose answer is a secret (a new
// token). The secret must be shown once and never stored, so a retry with the
// same Idempotency-Key does not get it again, nor a second secret: it gets 409
// token_already_issued, and the caller issues another with a new key. Every
// other answer (a 4xx) is stored and replayed as s.Idempotent does.
func (s *Server) IdempotentSecret(c *gin.Context) {
	key := c.GetHeader(idempotencyHeader)
	if key == "" {
		c.Next()
		return
	}
	if len(key) > maxIdempotencyKey {
		RespondError(c, &HTTPError{Status: http.StatusBadRequest, Body: Error{
			Code: "invalid_header", Field: idempotencyHeader, Message: "Idempotency-Key must be at most 255 characters"}})
		return
	}
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxRequestBody+1))
	if err != nil {
		RespondError(c, newError(http.StatusBadRequest, "unreadable_body", "could not read the request body"))
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	h := sha256.New()
	h.Write([]byte(c.Request.Method + " " + c.Request.URL.Path + "\n"))
	h.Write(body)

	who := principal(c).ID
	handled, err := s.claimOrReplay(c, who, key, h.Sum(nil))
	if err != nil {
		RespondError(c, err)
		return
	}
	if handled {
		return
	}
	w := &capturingWriter{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()

	ctx := context.WithoutCancel(c.Request.Context())
	status, stored := w.Status(), w.body.Bytes()
	if status < 300 {
		status = http.StatusConflict
		stored, _ = json.Marshal(errorBody{Error: Error{Code: "token_already_issued", Field: idempotencyHeader,
			Message: "a token was issued for this Idempotency-Key and is shown only once; issue another with a new key"}})
	}
	if status >= 500 {
		err = s.q.IdempotencyKeyRelease(ctx, db.IdempotencyKeyReleaseParams{PrincipalID: who, Key: key})
	} else {
		err = s.q.IdempotencyKeyComplete(ctx, db.IdempotencyKeyCompleteParams{
			PrincipalID: who, Key: key, StatusCode: pgInt4(int32(status)), ResponseBody: stored})
	}
	if err != nil {
		s.log.ErrorContext(ctx, "store idempotent answer", "request_id", requestID(c), "err", err)
	}
}

// companyPageQuery lists one page of a company's rows.
type companyPageQuery[R any] func(ctx context.Context, companyID uuid.UUID, p keysetPage) ([]R, error)

// listForCompany answers one page of rows of the company named in the path (404
// when there is no such company), each shown by view.
func listForCompany[R, V any](s *Server, c *gin.Context, list companyPageQuery[R],
	key func(R) (time.Time, uuid.UUID), view func(db.Company, R) V) (items []V, next string, ok bool) {
	companyID, err := PathUUID(c, "company_id")
	if err != nil {
		RespondError(c, err)
		return nil, "", false
	}
	p, err := readKeysetPage(c)
	if err != nil {
		RespondError(c, err)
		return nil, "", false
	}
	ctx := c.Request.Context()
	company, err := s.q.CompanyGet(ctx, companyID)
	if err != nil {
		RespondError(c, err)
		return nil, "", false
	}
	rows, err := list(ctx, companyID, p)
	if err != nil {
		RespondError(c, err)
		return nil, "", false
	}
	items, next = pageOf(p, rows, key, func(r R) V { return view(company, r) })
	return items, next, true
}

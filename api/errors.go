package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Error is the body of every error response: a stable code to switch on, a
// message for people, and the input field at fault when there is one.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	SKU     string `json:"sku,omitempty"`
	OrderID string `json:"order_id,omitempty"`
	// Details are the company's figures behind a refusal (credit, spend
	// against limits), for the company's approvers and admins and for ops
	// only: a buyer's answer never has them.
	Details *commerce.RejectionDetails `json:"details,omitempty"`
	// QuantityRule is the rule a quantity_rule refusal is about (sku, rule:
	// minimum, increment or maximum, the quantity asked for, and the rule's
	// figures). Everyone who may order the SKU sees it.
	QuantityRule *commerce.QuantityRuleBreach `json:"quantity_rule,omitempty"`
}

type errorBody struct {
	Error Error `json:"error"`
}

// HTTPError is an error that knows its status and body. Handlers return one
// for a refusal that is neither a business rejection (commerce) nor a field
// error; RespondError writes it as it is.
type HTTPError struct {
	Status int
	Body   Error
}

// Error gives the code and message, for logs.
func (e *HTTPError) Error() string { return e.Body.Code + ": " + e.Body.Message }

func newError(status int, code, msg string) *HTTPError {
	return &HTTPError{Status: status, Body: Error{Code: code, Message: msg}}
}

// FieldError is a 422 naming the request field at fault (invalid_field).
func FieldError(field, msg string) *HTTPError {
	return &HTTPError{Status: http.StatusUnprocessableEntity, Body: Error{Code: "invalid_field", Message: msg, Field: field}}
}

// ErrNotFound is the 404 of a resource that does not exist or that the caller
// may not see (so other companies' IDs do not leak).
var ErrNotFound = newError(http.StatusNotFound, "not_found", "no such resource")

var errUnauthorized = newError(http.StatusUnauthorized, "unauthorized", "a valid bearer token is required (Authorization: Bearer <token>)")

// rejectionStatus maps business refusals to HTTP statuses: the request was
// understood but the state of the world says no.
var rejectionStatus = map[commerce.RejectionCode]int{
	commerce.CodeCartNotOpen: http.StatusConflict,
	commerce.CodeEmptyCart:   http.StatusUnprocessableEntity,
	commerce.CodeInvalidCart: http.StatusUnprocessableEntity,
	// An unknown SKU, and one outside the caller's company's assortment
	// (which must look the same), is a missing resource.
	commerce.CodeUnknownSKU:            http.StatusNotFound,
	commerce.CodeNotPriced:             http.StatusUnprocessableEntity,
	commerce.CodeInsufficientStock:     http.StatusConflict,
	commerce.CodeCreditLimitExceeded:   http.StatusPaymentRequired,
	commerce.CodeAmountTooLarge:        http.StatusUnprocessableEntity,
	commerce.CodeCheckoutAborted:       http.StatusConflict,
	commerce.CodeCurrencyMismatch:      http.StatusUnprocessableEntity,
	commerce.CodeSpendingLimitExceeded: http.StatusUnprocessableEntity,
	commerce.CodeApprovalRejected:      http.StatusConflict,
	commerce.CodeApprovalWithdrawn:     http.StatusConflict,
	commerce.CodeApprovalExpired:       http.StatusConflict,
	commerce.CodeApprovalClosed:        http.StatusConflict,
	commerce.CodeNotAllowed:            http.StatusForbidden,
	commerce.CodeQuoteState:            http.StatusConflict,
	commerce.CodeStaleRevision:         http.StatusConflict,
	commerce.CodeNoDraft:               http.StatusConflict,
	commerce.CodeBeyondAuthority:       http.StatusUnprocessableEntity,
	commerce.CodeInvalidInput:          http.StatusUnprocessableEntity,
	commerce.CodeQuantityRule:          http.StatusUnprocessableEntity,

	// Orders on behalf: the company has not allowed its sales rep to check
	// out for its buyers; a buyer's cart a sales rep still prepares.
	commerce.CodeOnBehalfCheckoutNotAllowed: http.StatusForbidden,
	commerce.CodeCartWithSales:              http.StatusConflict,
}

// rejectionField names the request field a refusal is about, where there is one.
var rejectionField = map[commerce.RejectionCode]string{
	commerce.CodeEmptyCart:   "lines",
	commerce.CodeUnknownSKU:  "sku",
	commerce.CodeNotPriced:   "sku",
	commerce.CodeInvalidCart: "lines",
	// The line's quantity; the SKU (Error.SKU) says which line.
	commerce.CodeQuantityRule: "quantity",
}

// RespondError is the one place errors become HTTP responses. Anything not known
// to be the client's fault is logged with the request ID and shown only as
// "internal error".
func RespondError(c *gin.Context, err error) {
	var he *HTTPError
	var fe *commerce.FieldError
	switch {
	case errors.As(err, &he):
	case errors.As(err, &fe):
		he = FieldError(fe.Field, fe.Field+" "+fe.Message)
	case db.IsNotFound(err):
		he = ErrNotFound
	default:
		if r, ok := commerce.AsRejection(err); ok {
			status, known := rejectionStatus[r.Code]
			if !known {
				status = http.StatusConflict
			}
			he = &HTTPError{Status: status, Body: Error{Code: string(r.Code), Message: r.Message, SKU: r.SKU, Field: rejectionField[r.Code],
				Details: r.ForRole(callerRole(c)).Details, QuantityRule: r.QuantityRule}}
			break
		}
		if unavailable(err) {
			slog.Default().WarnContext(c.Request.Context(), "dependency unavailable",
				"request_id", requestID(c), "method", c.Request.Method, "path", c.FullPath(), "err", err)
			c.Header("Retry-After", strconv.Itoa(retryAfterSeconds))
			he = errUnavailable
			break
		}
		slog.Default().ErrorContext(c.Request.Context(), "request failed",
			"request_id", requestID(c), "method", c.Request.Method, "path", c.FullPath(), "err", err)
		he = newError(http.StatusInternalServerError, "internal", "internal error (request "+requestID(c)+")")
	}
	c.AbortWithStatusJSON(he.Status, errorBody{Error: he.Body})
}

// callerRole is the authenticated caller's role, or "" before authentication
// (and on routes without it, such as webhooks).
func callerRole(c *gin.Context) commerce.Role {
	if p, ok := c.Get(ctxPrincipal); ok {
		return p.(Principal).Role
	}
	return ""
}

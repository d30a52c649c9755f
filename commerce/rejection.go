package commerce

import "errors"

// RejectionCode names why a checkout (or another business step) said no. Codes are
// stable API: clients switch on them, the workflow uses them as error types.
type RejectionCode string

// The reasons a checkout can be refused.
const (
	// CodeEmptyCart: the cart has no lines.
	CodeEmptyCart RejectionCode = "empty_cart"
	// CodeInvalidCart: a line breaks a cart rule (quantity out of range).
	CodeInvalidCart RejectionCode = "invalid_cart"
	// CodeCartNotOpen: the cart is being checked out or has become an order.
	CodeCartNotOpen RejectionCode = "cart_not_open"
	// CodeUnknownSKU: a line names a product the catalogue does not have.
	CodeUnknownSKU RejectionCode = "unknown_sku"
	// CodeNotPriced: a product has no price in the cart's currency.
	CodeNotPriced RejectionCode = "not_priced"
	// CodeInsufficientStock: a line asks for more units than are available.
	CodeInsufficientStock RejectionCode = "insufficient_stock"
	// CodeCreditLimitExceeded: payment on account would exceed the company's credit.
	CodeCreditLimitExceeded RejectionCode = "credit_limit_exceeded"
	// CodeAmountTooLarge: an amount does not fit in int64 minor units.
	CodeAmountTooLarge RejectionCode = "amount_too_large"
)

// Rejection is a business "no": final, not worth retrying, and shown to the buyer.
// Message is what the buyer reads, so it never holds the company's credit or
// spend figures; a refusal that rests on them carries them in Details, which
// only the company's approvers and admins (and ops) are shown.
type Rejection struct {
	Code    RejectionCode     `json:"code"`
	Message string            `json:"message"`
	SKU     string            `json:"sku,omitempty"`
	Details *RejectionDetails `json:"details,omitempty"`
	// QuantityRule is the rule a quantity_rule refusal is about, with its
	// figures. Unlike Details it is the buyer's to see: the rule is shown on
	// the catalogue too.
	QuantityRule *QuantityRuleBreach `json:"quantity_rule,omitempty"`
}

// RejectionDetails are the company's own figures behind a refusal: its credit
// or its spend against its limits. They are the company's business, not each
// buyer's: the API shows them to the company's approvers and admins and to
// ops, never to a buyer. Amounts are minor units of Currency.
type RejectionDetails struct {
	// Message is the refusal told with its figures.
	Message    string `json:"message"`
	Currency   string `json:"currency"`
	OrderTotal int64  `json:"order_total"`
	// CreditLimit, CreditUsed (open holds and unpaid invoices) and
	// CreditAvailable are the company's account, for credit_limit_exceeded.
	CreditLimit     *int64 `json:"credit_limit,omitempty"`
	CreditUsed      *int64 `json:"credit_used,omitempty"`
	CreditAvailable *int64 `json:"credit_available,omitempty"`
	// SpendingLimits are the limits the order would exceed, with what was
	// spent against each, for spending_limit_exceeded.
	SpendingLimits []LimitBreach `json:"spending_limits,omitempty"`
}

// SeesCompanyFigures tells whether a principal with role may be shown a
// refusal's RejectionDetails: the company's approvers and admins, and ops.
func SeesCompanyFigures(role Role) bool {
	return role == RoleApprover || role == RoleCompanyAdmin || role == RoleOps
}

// ForRole is the rejection as a principal with role may see it: without its
// Details unless SeesCompanyFigures(role).
func (r Rejection) ForRole(role Role) Rejection {
	if !SeesCompanyFigures(role) {
		r.Details = nil
	}
	return r
}

func (r *Rejection) Error() string { return string(r.Code) + ": " + r.Message }

// Reject builds a Rejection.
func Reject(code RejectionCode, msg string) *Rejection {
	return &Rejection{Code: code, Message: msg}
}

// RejectSKU builds a Rejection about one SKU.
func RejectSKU(code RejectionCode, sku, msg string) *Rejection {
	return &Rejection{Code: code, Message: msg, SKU: sku}
}

// AsRejection unwraps err to a Rejection, if it is one.
func AsRejection(err error) (*Rejection, bool) {
	var r *Rejection
	ok := errors.As(err, &r)
	return r, ok
}

// CodeCheckoutAborted: the checkout was cancelled or failed for a reason that is
// not the buyer's (ops cancelled it, a step ran out of time).
const CodeCheckoutAborted RejectionCode = "checkout_aborted"

// CodeCurrencyMismatch: an amount is not in the currency of the account it is for.
const CodeCurrencyMismatch RejectionCode = "currency_mismatch"

// CodeInvalidInput: the database refused a step's input as data it can never
// store (text with a NUL byte or invalid UTF-8, a value too long or out of
// range). The validators in front of every process refuse such input first;
// this ends, cleanly and at once, a step that got past them, instead of
// retrying it for ever.
const CodeInvalidInput RejectionCode = "invalid_input"

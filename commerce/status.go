package commerce

import "fmt"

// CartStatus is where a cart is in its life.
type CartStatus string

// Cart statuses.
const (
	// CartOpen: lines can change and checkout can start.
	CartOpen CartStatus = "open"
	// CartCheckingOut: a checkout holds the cart; its lines are frozen.
	CartCheckingOut CartStatus = "checking_out"
	// CartCompleted: the cart became an order; it never changes again.
	CartCompleted CartStatus = "completed"
	// CartQuoted: a quote was requested from the cart; it is frozen while the
	// quote runs, and open again when the quote ends without an order.
	CartQuoted CartStatus = "quoted"
)

var cartTransitions = map[CartStatus][]CartStatus{
	CartOpen:        {CartCheckingOut, CartQuoted},
	CartCheckingOut: {CartCompleted, CartOpen},
	CartCompleted:   nil,
	CartQuoted:      {CartOpen},
}

// CanTransitionCart tells whether a cart may move from one status to another.
func CanTransitionCart(from, to CartStatus) bool {
	for _, s := range cartTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// CheckCartEditable says no, with the reason, when a cart's lines may not change.
func CheckCartEditable(s CartStatus) error {
	switch s {
	case CartOpen:
		return nil
	case CartCheckingOut:
		return Reject(CodeCartNotOpen, "the cart is being checked out; its lines cannot change")
	case CartCompleted:
		return Reject(CodeCartNotOpen, "the cart has already become an order")
	case CartQuoted:
		return Reject(CodeCartNotOpen, "a quote was requested from the cart; its lines cannot change while the quote runs")
	}
	return Reject(CodeCartNotOpen, fmt.Sprintf("the cart is %s", s))
}

// CheckCanCheckout says no, with the reason, when a cart cannot start a checkout.
func CheckCanCheckout(s CartStatus, lines int) error {
	if !CanTransitionCart(s, CartCheckingOut) {
		if s == CartCompleted {
			return Reject(CodeCartNotOpen, "the cart has already been checked out")
		}
		return Reject(CodeCartNotOpen, fmt.Sprintf("the cart is %s, not open", s))
	}
	if lines == 0 {
		return Reject(CodeEmptyCart, "the cart has no lines")
	}
	return nil
}

// CheckoutStatus is where a cart's checkout is; it is also the CheckoutStatus
// search attribute on the checkout workflow, so ops can filter on it in the
// Temporal UI.
type CheckoutStatus string

// Checkout statuses.
const (
	// CheckoutPending: checkout is running (repricing, reserving, authorizing).
	CheckoutPending CheckoutStatus = "pending"
	// CheckoutAwaitingApproval: checkout waits for an approver of the buyer's
	// company (spend is reserved; stock and payment are not yet held).
	CheckoutAwaitingApproval CheckoutStatus = "awaiting_approval"
	// CheckoutPlaced: the checkout created the order; stock is reserved and
	// payment authorized.
	CheckoutPlaced CheckoutStatus = "placed"
	// CheckoutFailed: checkout was refused or failed; everything it held is
	// released and the cart is open again.
	CheckoutFailed CheckoutStatus = "failed"
)

// OrderStatus is where an order is in its life after checkout created it.
type OrderStatus string

// Order statuses.
const (
	// OrderPlaced: the order exists; its stock is reserved and its payment
	// authorized.
	OrderPlaced OrderStatus = "placed"
)

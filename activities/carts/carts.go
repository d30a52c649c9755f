// Package carts holds the checkout's activities on the cart itself: freeze and
// reprice it when checkout begins, reopen it with the reason when checkout
// fails.
package carts

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/timeline"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/pricing"
)

// Activities are the cart's activities.
type Activities struct {
	DB *pgxpool.Pool
}

// BeginCheckoutInput names the cart and the buyer checking it out.
type BeginCheckoutInput struct {
	CartID     uuid.UUID `json:"cart_id"`
	CompanyID  uuid.UUID `json:"company_id"`
	CustomerID uuid.UUID `json:"customer_id"`
}

// BeginCheckoutResult is the cart as checkout will sell it.
type BeginCheckoutResult struct {
	// Attempt numbers this checkout of the cart; keys of reservations and payment
	// authorizations include it, so a checkout after a failed one starts clean.
	Attempt int `json:"attempt"`
	// Cart is the cart repriced from the catalogue.
	Cart commerce.PricedCart `json:"cart"`
	// AlreadyPlaced is set when the cart already became an order (a duplicate
	// request that started a new run after the first one finished).
	AlreadyPlaced *PlacedOrder `json:"already_placed,omitempty"`
	// Resumed is set when the cart was already frozen by this attempt: a checkout
	// run restarted by ops takes over where the last one stopped, and may hold
	// stock and credit that compensation must give back.
	Resumed bool `json:"resumed,omitempty"`
	// Refusal says why the cart cannot be sold as it is (empty, unknown SKU, no
	// price, a quantity rule, not enough stock). Unless Resumed, the cart was left open with the
	// reason recorded, and nothing is held.
	Refusal *commerce.Rejection `json:"refusal,omitempty"`
}

// PlacedOrder identifies an order that exists.
type PlacedOrder struct {
	OrderID uuid.UUID       `json:"order_id"`
	Totals  commerce.Totals `json:"totals"`
}

// BeginCheckout freezes the cart and reprices it from the catalogue. It locks the
// cart row, so it is serialised with every line change. A cart already in
// checking_out is resumed with its current attempt (this activity retried, or a
// checkout run restarted by ops); a completed cart reports the order it became.
// A refusal (empty cart, unknown SKU, no price, a line against its quantity
// rule, not enough stock) comes back in the result; a cart that was open
// stays open, with the reason recorded.
func (a *Activities) BeginCheckout(ctx context.Context, in BeginCheckoutInput) (BeginCheckoutResult, error) {
	var out BeginCheckoutResult
	err := db.InTx(ctx, a.DB, func(q *db.Queries) error {
		out = BeginCheckoutResult{} // a retried transaction starts clean
		cart, err := q.CartLock(ctx, in.CartID)
		if db.IsNotFound(err) || (err == nil && cart.CompanyID != in.CompanyID) {
			return commerce.Reject(commerce.CodeCartNotOpen, "the cart does not exist")
		}
		if err != nil {
			return err
		}

		switch commerce.CartStatus(cart.Status) {
		case commerce.CartCompleted:
			order, err := q.OrderGetByCart(ctx, cart.ID)
			if err != nil {
				return fmt.Errorf("completed cart %s without order: %w", cart.ID, err)
			}
			out.AlreadyPlaced = &PlacedOrder{OrderID: order.ID, Totals: OrderTotals(order)}
			return nil
		case commerce.CartCheckingOut:
			out.Attempt, out.Resumed = int(cart.CheckoutAttempt), true
		case commerce.CartQuoted:
			return commerce.Reject(commerce.CodeCartNotOpen, "a quote was requested from the cart; it is frozen while the quote runs")
		}

		// A resumed attempt may already hold stock; it is available to itself.
		var held []db.StockReservation
		if out.Resumed {
			if held, err = q.StockReservationListByAttempt(ctx, db.StockReservationListByAttemptParams{
				CartID: cart.ID, Attempt: cart.CheckoutAttempt}); err != nil {
				return err
			}
		}
		priced, err := pricing.PriceCart(ctx, q, cart, time.Now(), held)
		if err == nil && !cart.QuoteID.Valid {
			// A rule may have changed since the lines were added. An accepted
			// quote's cart is not checked: its quantities are the ones the
			// sales rep offered, each checked against the company's rules when
			// the rep drafted it, and the buyer accepted them.
			err = commerce.CheckQuantityRules(priced.Lines, pricing.RulesOf(priced.Catalog))
		}
		if err == nil {
			err = commerce.CheckStock(priced.Cart, priced.Catalog)
		}
		if r, ok := commerce.AsRejection(err); ok {
			out.Refusal = r
			if out.Resumed {
				return nil // the workflow compensates and reopens the cart
			}
			if _, err := q.CartRefuseCheckout(ctx, db.CartRefuseCheckoutParams{
				ID: cart.ID, FailureCode: string(r.Code), FailureReason: r.Message,
			}); err != nil {
				return err
			}
			out.Attempt = int(cart.CheckoutAttempt) + 1
			actor, actedFor, err := checkoutActor(ctx, q, cart)
			if err != nil {
				return err
			}
			return timeline.Record(ctx, q, timeline.Event{CartID: cart.ID, Attempt: out.Attempt,
				Kind: timeline.CheckoutFailed, Actor: actor,
				Detail: fmt.Sprintf("%s: %s%s", r.Code, r.Message, actedFor)})
		}
		if err != nil {
			return err
		}
		out.Cart = priced.Cart
		if out.Resumed {
			return nil
		}

		// The cart is locked, so the new attempt is the next number; the
		// attempt's start and its event on the timeline are one statement.
		next := int(cart.CheckoutAttempt) + 1
		actor, actedFor, err := checkoutActor(ctx, q, cart)
		if err != nil {
			return err
		}
		started := timeline.Event{CartID: cart.ID, Attempt: next,
			Kind: timeline.CheckoutStarted, Actor: actor,
			Detail: fmt.Sprintf("checkout started: %d lines, total %s%s", len(priced.Cart.Lines), priced.Cart.Totals.Total, actedFor)}
		attempt, err := q.CartStartCheckoutRecorded(ctx, db.CartStartCheckoutRecordedParams{
			ID: cart.ID, Kind: started.Kind, Actor: started.Actor, Detail: started.Detail, DedupKey: started.Key(),
		})
		if err != nil {
			return err
		}
		if int(attempt) != next {
			return fmt.Errorf("cart %s started attempt %d, expected %d", cart.ID, attempt, next)
		}
		out.Attempt = next
		return nil
	})
	return out, activities.Classify(err)
}

// checkoutActor names who starts the cart's checkout, for its timeline: the
// buyer, or the member of the sales staff who checks out in the buyer's name
// (carts.checkout_by_staff_id, set by the API before it starts the checkout;
// the workflow's input names the buyer either way). actedFor is what the
// event's detail adds then, e.g. " (by Sam Sales (sales rep) on behalf of
// Alice)"; empty for the buyer's own checkout, which reads nothing more.
func checkoutActor(ctx context.Context, q *db.Queries, cart db.Cart) (actor, actedFor string, err error) {
	if !cart.CheckoutByStaffID.Valid {
		return timeline.CustomerActor(cart.CustomerID), "", nil
	}
	people, err := q.StaffGetActingFor(ctx, db.StaffGetActingForParams{StaffID: cart.CheckoutByStaffID.UUID, CustomerID: cart.CustomerID})
	if err != nil {
		return "", "", err
	}
	return timeline.StaffActor(cart.CheckoutByStaffID.UUID),
		" (by " + commerce.ActedFor(people.StaffName, commerce.Role(people.StaffRole), people.CustomerName) + ")", nil
}

// FailCheckoutInput reopens the cart and records why the checkout failed.
// Attempt 0 means whatever attempt holds the cart (BeginCheckout's answer was
// lost, so the workflow does not know it).
type FailCheckoutInput struct {
	CartID    uuid.UUID          `json:"cart_id"`
	Attempt   int                `json:"attempt"`
	Rejection commerce.Rejection `json:"rejection"`
}

// FailCheckout reopens the cart with the reason its checkout failed, so the buyer
// can fix the cart and try again. The reason is the buyer's sentence; the
// figures behind it (Rejection.Details: the company's credit or spend) are
// kept apart, in failure_details, for the company's approvers and admins.
func (a *Activities) FailCheckout(ctx context.Context, in FailCheckoutInput) error {
	var details []byte
	if in.Rejection.Details != nil {
		var err error
		if details, err = json.Marshal(in.Rejection.Details); err != nil {
			return err
		}
	}
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		n, err := q.CartReopen(ctx, db.CartReopenParams{
			ID: in.CartID, FailureCode: string(in.Rejection.Code), FailureReason: in.Rejection.Message,
			FailureDetails: details, CheckoutAttempt: int32(in.Attempt),
		})
		if err != nil || n == 0 {
			return err // already reopened (or completed): nothing to do
		}
		return timeline.Record(ctx, q, timeline.Event{CartID: in.CartID, Attempt: in.Attempt,
			Kind: timeline.CheckoutFailed, Actor: timeline.SystemActor,
			Detail: fmt.Sprintf("%s: %s", in.Rejection.Code, in.Rejection.Message)})
	})
}

// OrderTotals reads an order row's money figures.
func OrderTotals(o db.Order) commerce.Totals {
	m := func(amount int64) commerce.Money { return commerce.Money{Amount: amount, Currency: o.Currency} }
	return commerce.Totals{
		Subtotal: m(o.Subtotal), Discount: m(o.Discount), Shipping: m(o.Shipping), Tax: m(o.Tax),
		Total: m(o.Total), TaxRateBasisPoints: int64(o.TaxRateBp),
	}
}

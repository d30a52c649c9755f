package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/workflows"
)

// BeginCheckout freezes the cart and reprices it from the catalogue. It locks the
// cart row, so it is serialised with every line change. A cart already in
// checking_out is resumed with its current attempt (this activity retried, or a
// checkout run restarted by ops); a completed cart reports the order it became.
// A refusal (empty cart, unknown SKU, no price, not enough stock) comes back in
// the result; a cart that was open stays open, with the reason recorded.
func (a *Activities) BeginCheckout(ctx context.Context, in workflows.BeginCheckoutInput) (workflows.BeginCheckoutResult, error) {
	var out workflows.BeginCheckoutResult
	err := db.InTx(ctx, a.DB, func(q *db.Queries) error {
		out = workflows.BeginCheckoutResult{} // a retried transaction starts clean
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
			out.AlreadyPlaced = &workflows.PlacedOrder{OrderID: order.ID, Totals: orderTotals(order)}
			return nil
		case commerce.CartCheckingOut:
			out.Attempt, out.Resumed = int(cart.CheckoutAttempt), true
		}

		lines, err := q.CartLineListByCart(ctx, cart.ID)
		if err != nil {
			return err
		}
		// A resumed attempt may already hold stock; it is available to itself.
		var own []db.StockReservation
		if out.Resumed {
			if own, err = q.StockReservationListByAttempt(ctx, db.StockReservationListByAttemptParams{
				CartID: cart.ID, Attempt: cart.CheckoutAttempt}); err != nil {
				return err
			}
		}
		priced, err := priceLines(ctx, q, cart, lines, own, time.Now())
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
			return recordEvent(ctx, q, cart.ID, uuid.NullUUID{}, out.Attempt,
				eventCheckoutFailed, "customer:"+in.CustomerID.String(), fmt.Sprintf("%s: %s", r.Code, r.Message))
		}
		if err != nil {
			return err
		}
		out.Cart = priced
		if out.Resumed {
			return nil
		}

		attempt, err := q.CartStartCheckout(ctx, cart.ID)
		if err != nil {
			return err
		}
		out.Attempt = int(attempt)
		return recordEvent(ctx, q, cart.ID, uuid.NullUUID{}, out.Attempt, eventCheckoutStarted,
			"customer:"+in.CustomerID.String(),
			fmt.Sprintf("checkout started: %d lines, total %s", len(priced.Lines), priced.Totals.Total))
	})
	return out, asActivityError(err)
}

// priceLines prices cart lines with the same rules the cart view uses (price
// lists, shipping, tax) and checks stock. Units in own are held by this checkout
// already and count as available to it.
func priceLines(ctx context.Context, q *db.Queries, cart db.Cart, lines []db.CartLine, own []db.StockReservation, at time.Time) (commerce.PricedCart, error) {
	cartLines, skus := db.CommerceLines(lines)
	catalog, err := db.Catalog(ctx, q, cart.Currency, skus)
	if err != nil {
		return commerce.PricedCart{}, err
	}
	for _, r := range own {
		if e, ok := catalog[r.Sku]; ok {
			e.Available += r.Quantity
			catalog[r.Sku] = e
		}
	}
	pc, err := db.PricingFor(ctx, q, cart, skus, at)
	if err != nil {
		return commerce.PricedCart{}, err
	}
	priced, err := commerce.PriceCart(cart.Currency, cartLines, catalog, pc)
	if err != nil {
		return commerce.PricedCart{}, err
	}
	return priced, commerce.CheckStock(priced, catalog)
}

// ReserveInventory holds every line's units for one checkout attempt, all or
// nothing, in SKU order so concurrent checkouts cannot deadlock. Run twice for the
// same attempt, it finds its reservation and holds nothing more.
func (a *Activities) ReserveInventory(ctx context.Context, in workflows.ReserveInventoryInput) error {
	err := db.InTx(ctx, a.DB, func(q *db.Queries) error {
		done, err := q.StockReservationExistsByAttempt(ctx, db.StockReservationExistsByAttemptParams{CartID: in.CartID, Attempt: int32(in.Attempt)})
		if err != nil || done {
			return err
		}
		lines := append([]commerce.CartLine(nil), in.Lines...)
		sortLines(lines)
		for _, l := range lines {
			_, err := q.StockReserve(ctx, db.StockReserveParams{Sku: l.SKU, Quantity: l.Quantity})
			if db.IsNotFound(err) {
				available := int64(0)
				if s, err := q.StockGet(ctx, l.SKU); err == nil {
					available = max(s.OnHand-s.Reserved, 0)
				}
				return commerce.RejectSKU(commerce.CodeInsufficientStock, l.SKU,
					fmt.Sprintf("only %d of %s available, %d requested", available, l.SKU, l.Quantity))
			}
			if err != nil {
				return err
			}
			if err := q.StockReservationCreate(ctx, db.StockReservationCreateParams{
				CartID: in.CartID, Attempt: int32(in.Attempt), Sku: l.SKU, Quantity: l.Quantity,
			}); err != nil {
				return err
			}
		}
		return recordEvent(ctx, q, in.CartID, uuid.NullUUID{}, in.Attempt, eventStockReserved, systemActor,
			fmt.Sprintf("reserved %d lines", len(lines)))
	})
	return asActivityError(err)
}

// ReleaseInventory gives back what one checkout attempt reserved. Releasing what
// was never reserved, or twice, does nothing.
func (a *Activities) ReleaseInventory(ctx context.Context, in workflows.ReleaseInventoryInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		released, err := q.StockReservationDeleteByAttempt(ctx, db.StockReservationDeleteByAttemptParams{CartID: in.CartID, Attempt: int32(in.Attempt)})
		if err != nil || len(released) == 0 {
			return err
		}
		sortReleased(released)
		for _, r := range released {
			if err := q.StockRelease(ctx, db.StockReleaseParams{Sku: r.Sku, Quantity: r.Quantity}); err != nil {
				return err
			}
		}
		return recordEvent(ctx, q, in.CartID, uuid.NullUUID{}, in.Attempt, eventStockReleased, systemActor,
			fmt.Sprintf("released %d lines", len(released)))
	})
}

// AuthorizePayment asks the payment provider to authorize the order total under
// the checkout's payment key.
func (a *Activities) AuthorizePayment(ctx context.Context, in workflows.AuthorizePaymentInput) (workflows.AuthorizePaymentResult, error) {
	auth, err := a.Payments.Authorize(ctx, PaymentRequest{
		Key: in.PaymentKey, CartID: in.CartID, CompanyID: in.CompanyID, Amount: in.Amount,
	})
	if err != nil {
		return workflows.AuthorizePaymentResult{}, asActivityError(err)
	}
	err = recordEvent(ctx, db.New(a.DB), in.CartID, uuid.NullUUID{}, in.Attempt, eventPaymentAuthorized,
		systemActor, fmt.Sprintf("authorized %s (%s)", in.Amount, auth))
	return workflows.AuthorizePaymentResult{AuthorizationID: auth}, err
}

// VoidPayment voids the authorization made under the payment key, if any.
func (a *Activities) VoidPayment(ctx context.Context, in workflows.VoidPaymentInput) error {
	voided, err := a.Payments.Void(ctx, in.PaymentKey)
	if err != nil || !voided {
		return err
	}
	return recordEvent(ctx, db.New(a.DB), in.CartID, uuid.NullUUID{}, in.Attempt, eventPaymentVoided,
		systemActor, "authorization voided")
}

// PlaceOrder writes the order, its lines and the completed cart in one
// transaction. The order's ID is derived from the cart and orders.cart_id is
// unique, so a replay finds the order it wrote and writes nothing else.
func (a *Activities) PlaceOrder(ctx context.Context, in workflows.PlaceOrderInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		cart, err := q.CartLock(ctx, in.CartID)
		if err != nil {
			return err
		}
		if commerce.CartStatus(cart.Status) == commerce.CartCompleted {
			return nil
		}
		if cart.Status != string(commerce.CartCheckingOut) || int(cart.CheckoutAttempt) != in.Attempt {
			// Retrying cannot help: another attempt owns the cart now.
			return reject(commerce.Reject(commerce.CodeCheckoutAborted, fmt.Sprintf(
				"checkout attempt %d of cart %s is no longer current", in.Attempt, in.CartID)))
		}
		totals := in.Cart.Totals
		shipTo, err := json.Marshal(map[string]string{
			"name": cart.ShipName, "line1": cart.ShipLine1, "line2": cart.ShipLine2, "city": cart.ShipCity,
			"postal_code": cart.ShipPostalCode, "country": cart.ShipCountry,
		})
		if err != nil {
			return err
		}
		if _, err := q.OrderCreate(ctx, db.OrderCreateParams{
			ID: in.OrderID, CartID: in.CartID, CompanyID: in.CompanyID, CustomerID: in.CustomerID,
			Status: string(commerce.OrderPlaced), Currency: in.Cart.Currency,
			Subtotal: totals.Subtotal.Amount, Discount: totals.Discount.Amount, Shipping: totals.Shipping.Amount,
			Tax: totals.Tax.Amount, TaxRateBp: int32(totals.TaxRateBasisPoints), Total: totals.Total.Amount,
			PlacedAt: in.PlacedAt, ShippingMethod: cart.ShippingMethod, ShipTo: shipTo,
			PoNumber: cart.PoNumber, BuyerReference: cart.BuyerReference,
			ApprovedBy: uuid.NullUUID{UUID: in.ApprovedBy, Valid: in.ApprovedBy != uuid.Nil},
		}); err != nil {
			return err
		}
		lines := db.OrderLineCreateManyParams{OrderID: in.OrderID}
		for _, l := range in.Cart.Lines {
			lines.LineNos = append(lines.LineNos, int32(l.LineNo))
			lines.Skus = append(lines.Skus, l.SKU)
			lines.Names = append(lines.Names, l.Name)
			lines.Quantities = append(lines.Quantities, int32(l.Quantity))
			lines.BaseUnitPrices = append(lines.BaseUnitPrices, l.BaseUnitPrice.Amount)
			lines.UnitPrices = append(lines.UnitPrices, l.UnitPrice.Amount)
			lines.LineTotals = append(lines.LineTotals, l.LineTotal.Amount)
			lines.PriceListIds = append(lines.PriceListIds, l.Source.PriceListID)
			lines.PriceListNames = append(lines.PriceListNames, l.Source.PriceListName)
			lines.TierMinQuantities = append(lines.TierMinQuantities, int32(l.Source.MinQuantity))
		}
		if err := q.OrderLineCreateMany(ctx, lines); err != nil {
			return err
		}
		if err := q.SpendReservationCommit(ctx, workflows.SpendKey(in.CartID, in.Attempt)); err != nil {
			return err
		}
		if err := q.CartComplete(ctx, db.CartCompleteParams{ID: in.CartID, OrderID: uuid.NullUUID{UUID: in.OrderID, Valid: true}}); err != nil {
			return err
		}
		return recordEvent(ctx, q, in.CartID, uuid.NullUUID{UUID: in.OrderID, Valid: true}, in.Attempt,
			eventOrderPlaced, systemActor, fmt.Sprintf("order placed, total %s", totals.Total))
	})
}

// FailCheckout reopens the cart with the reason its checkout failed, so the buyer
// can fix the cart and try again.
func (a *Activities) FailCheckout(ctx context.Context, in workflows.FailCheckoutInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		n, err := q.CartReopen(ctx, db.CartReopenParams{
			ID: in.CartID, FailureCode: string(in.Rejection.Code), FailureReason: in.Rejection.Message,
			CheckoutAttempt: int32(in.Attempt),
		})
		if err != nil || n == 0 {
			return err // already reopened (or completed): nothing to do
		}
		return recordEvent(ctx, q, in.CartID, uuid.NullUUID{}, in.Attempt, eventCheckoutFailed, systemActor,
			fmt.Sprintf("%s: %s", in.Rejection.Code, in.Rejection.Message))
	})
}

func orderTotals(o db.Order) commerce.Totals {
	m := func(amount int64) commerce.Money { return commerce.Money{Amount: amount, Currency: o.Currency} }
	return commerce.Totals{
		Subtotal: m(o.Subtotal), Discount: m(o.Discount), Shipping: m(o.Shipping), Tax: m(o.Tax),
		Total: m(o.Total), TaxRateBasisPoints: int64(o.TaxRateBp),
	}
}

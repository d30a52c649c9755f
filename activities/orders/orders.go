// Package orders writes the order projection: the order, its lines, and the
// cart it came from marked completed, in one transaction.
package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/activity"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/spend"
	"github.com/orderflow/orderflow/activities/timeline"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Activities are the order activities.
type Activities struct {
	DB *pgxpool.Pool
}

// PlaceOrderInput creates the order from the priced cart.
type PlaceOrderInput struct {
	OrderID    uuid.UUID           `json:"order_id"`
	CartID     uuid.UUID           `json:"cart_id"`
	CompanyID  uuid.UUID           `json:"company_id"`
	CustomerID uuid.UUID           `json:"customer_id"`
	Attempt    int                 `json:"attempt"`
	Cart       commerce.PricedCart `json:"cart"`
	PlacedAt   time.Time           `json:"placed_at"`
	// ApprovedBy is the approver who let the order through, if one had to.
	ApprovedBy uuid.UUID `json:"approved_by,omitempty"`
}

// PlaceOrder writes the order, its lines, the committed spend and the completed
// cart in one transaction. The order's ID is derived from the cart and orders.cart_id is
// unique, so a replay finds the order it wrote and writes nothing else.
func (a *Activities) PlaceOrder(ctx context.Context, in PlaceOrderInput) error {
	placed := false
	err := db.InTx(ctx, a.DB, func(q *db.Queries) error {
		cart, err := q.CartLock(ctx, in.CartID)
		if err != nil {
			return err
		}
		if commerce.CartStatus(cart.Status) == commerce.CartCompleted {
			return nil
		}
		if cart.Status != string(commerce.CartCheckingOut) || int(cart.CheckoutAttempt) != in.Attempt {
			// Retrying cannot help: another attempt owns the cart now.
			return activities.Refuse(commerce.Reject(commerce.CodeCheckoutAborted, fmt.Sprintf(
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
			BillTo:     cart.BillTo,
			// A sales rep who checked out in the buyer's name (the API set it
			// on the cart before the checkout started).
			PlacedByStaffID: cart.CheckoutByStaffID,
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
			lines.QuoteIds = append(lines.QuoteIds, l.Source.QuoteID)
			lines.QuoteRevisions = append(lines.QuoteRevisions, int32(l.Source.QuoteRevision))
		}
		if err := q.OrderLineCreateMany(ctx, lines); err != nil {
			return err
		}
		if err := q.SpendReservationCommit(ctx, spend.Key(in.CartID, in.Attempt)); err != nil {
			return err
		}
		// The cart becomes the order, and the timeline says so, in one statement.
		event := timeline.Event{CartID: in.CartID, OrderID: in.OrderID, Attempt: in.Attempt,
			Kind: timeline.OrderPlaced, Actor: timeline.SystemActor, Detail: fmt.Sprintf("order placed, total %s", totals.Total)}
		if cart.CheckoutByStaffID.Valid {
			people, err := q.StaffGetActingFor(ctx, db.StaffGetActingForParams{StaffID: cart.CheckoutByStaffID.UUID, CustomerID: cart.CustomerID})
			if err != nil {
				return err
			}
			event.Detail = fmt.Sprintf("order placed by %s, total %s",
				commerce.ActedFor(people.StaffName, commerce.Role(people.StaffRole), people.CustomerName), totals.Total)
		}
		if err := q.CartCompleteRecorded(ctx, db.CartCompleteRecordedParams{
			ID: in.CartID, OrderID: uuid.NullUUID{UUID: in.OrderID, Valid: true},
			Kind: event.Kind, Actor: event.Actor, Detail: event.Detail, DedupKey: event.Key(),
		}); err != nil {
			return err
		}
		placed = true
		return nil
	})
	if err == nil && placed {
		activity.GetLogger(ctx).Info("order placed", "order_id", in.OrderID, "cart_id", in.CartID, "total", in.Cart.Totals.Total.String())
	}
	return err
}

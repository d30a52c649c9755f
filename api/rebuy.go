package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/pricing"
)

// Buying again: a requisition list's lines or a past order's go to a cart in
// one request, priced as the catalogue is today. Every line that can go is
// added; every other line is reported with its reason (a SKU the catalogue no
// longer has or no longer sells in the currency, a line the cart cannot hold)
// and the request still succeeds, in one transaction: the cart holds all the
// lines reported added, or, on an error, nothing changed.

// RebuyLine says what became of one line bought again.
type RebuyLine struct {
	SKU  string `json:"sku"`
	Name string `json:"name"`
	// Quantity is what went to the cart (or would have): the line's, merged
	// with its SKU's other lines and capped to what a cart line holds.
	Quantity int64 `json:"quantity"`
	// Status is added or dropped; Error says why a line was dropped.
	Status string `json:"status"`
	Error  *Error `json:"error,omitempty"`
	// OldUnitPrice is what one unit cost on the past order (reorders only);
	// NewUnitPrice what it costs today in the cart, price lists and tiers
	// included; PriceChange the difference, when both are known.
	OldUnitPrice *Money `json:"old_unit_price,omitempty"`
	NewUnitPrice *Money `json:"new_unit_price,omitempty"`
	PriceChange  *Money `json:"price_change,omitempty"`
	PriceChanged bool   `json:"price_changed"`
	// ShortOfStock warns that fewer units than the cart's line holds are
	// available today (Available); the quantity is kept, checkout decides.
	ShortOfStock bool  `json:"short_of_stock"`
	Available    int64 `json:"available"`
}

// RebuyResult is the outcome line by line, and the cart afterwards.
type RebuyResult struct {
	Added        int         `json:"added"`
	Dropped      int         `json:"dropped"`
	PriceChanged int         `json:"price_changed"`
	Lines        []RebuyLine `json:"lines"`
	Cart         Cart        `json:"cart"`
}

// rebuyTarget is the cart lines go to: an open cart of the caller's, or, with
// no ID, a new one (with the company's default addresses).
type rebuyTarget struct {
	cartID *uuid.UUID
}

// rebuy adds past to the target cart in one transaction, and answers what
// became of each line: 201 with the new cart's Location, or 200 for a cart
// the caller had.
func (s *Server) rebuy(c *gin.Context, target rebuyTarget, past func(ctx context.Context, q *db.Queries) ([]commerce.PastLine, error),
	respond func(RebuyResult) any) {
	ctx, p := c.Request.Context(), principal(c)
	var result RebuyResult
	err := db.InTx(ctx, s.pool, func(q *db.Queries) error {
		lines, err := past(ctx, q)
		if err != nil {
			return err
		}
		cart, err := s.rebuyCart(ctx, q, p, target)
		if err != nil {
			return err
		}
		existing, err := q.CartLineListByCart(ctx, cart.ID)
		if err != nil {
			return err
		}
		held := make(commerce.CartHolding, len(existing))
		for _, l := range existing {
			held[l.Sku] = int64(l.Quantity)
		}
		skus := make([]string, 0, len(lines))
		for _, l := range lines {
			skus = append(skus, l.SKU)
		}
		// The company's catalogue (a SKU outside its assortment is dropped as
		// unknown) and its quantity rules, which each line, as it would be in
		// the cart, keeps to or is dropped with the rule's message.
		catalog, err := pricing.Catalog(ctx, q, cart.CompanyID, cart.Currency, skus)
		if err != nil {
			return err
		}
		rules := pricing.RulesOf(catalog)
		plan := commerce.PlanRebuy(cart.Currency, lines, catalog)
		for i := range plan {
			l := &plan[i]
			if l.Dropped != "" {
				continue
			}
			if _, err := held.Add(l.SKU, l.Quantity, rules); err != nil {
				r, refused := commerce.AsRejection(err)
				if !refused {
					return err
				}
				l.Dropped, l.Message = r.Code, r.Message
				continue
			}
			l.ShortOfStock = l.Available < held[l.SKU]
			if _, err := q.CartLineAdd(ctx, db.CartLineAddParams{CartID: cart.ID, Sku: l.SKU, Quantity: int32(l.Quantity)}); err != nil {
				return err
			}
		}
		view, err := s.cartViewKnowing(ctx, q, cart, p.Role, pricing.Known{})
		if err != nil {
			return err
		}
		result = rebuyResultOf(plan, view)
		return nil
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	status := http.StatusOK
	if target.cartID == nil {
		status = http.StatusCreated
		c.Header("Location", "/v1/carts/"+result.Cart.ID.String())
	}
	c.JSON(status, respond(result))
}

// rebuyCart is the target cart, locked for the change, or a new one.
func (s *Server) rebuyCart(ctx context.Context, q *db.Queries, p Principal, target rebuyTarget) (db.Cart, error) {
	if target.cartID == nil {
		return q.CartCreate(ctx, db.CartCreateParams{ID: uuid.New(), CompanyID: p.CompanyID, CustomerID: p.ID, Currency: p.Currency})
	}
	cart, err := q.CartLockTouchInCompany(ctx, db.CartLockTouchInCompanyParams{ID: *target.cartID, CompanyID: p.CompanyID})
	if db.IsNotFound(err) {
		return cart, FieldError("cart_id", "cart_id names no cart of yours")
	}
	if err != nil {
		return cart, err
	}
	if err := requireCartOwner(cart, p); err != nil {
		return cart, err
	}
	if err := refuseQuoteCart(cart); err != nil {
		return cart, err
	}
	return cart, commerce.CheckCartEditable(commerce.CartStatus(cart.Status))
}

// rebuyResultOf reports the plan with today's prices from the cart's view.
func rebuyResultOf(plan []commerce.RepricedLine, view Cart) RebuyResult {
	prices := make(map[string]Money, len(view.Lines))
	for _, l := range view.Lines {
		if l.UnitPrice != nil {
			prices[l.SKU] = *l.UnitPrice
		}
	}
	out := RebuyResult{Lines: make([]RebuyLine, 0, len(plan)), Cart: view}
	for _, l := range plan {
		line := RebuyLine{SKU: l.SKU, Name: l.Name, Quantity: l.Quantity, Status: "added", Available: l.Available}
		if l.OldUnitPrice.Currency != "" {
			old := moneyOf(l.OldUnitPrice)
			line.OldUnitPrice = &old
		}
		if l.Dropped != "" {
			line.Status = "dropped"
			line.Error = &Error{Code: string(l.Dropped), SKU: l.SKU, Message: l.Message}
			out.Dropped++
			out.Lines = append(out.Lines, line)
			continue
		}
		out.Added++
		line.ShortOfStock = l.ShortOfStock
		if now, ok := prices[l.SKU]; ok {
			l.SetNewPrice(commerce.Money{Amount: now.Amount, Currency: now.Currency})
			line.NewUnitPrice = &now
			if l.OldUnitPrice.Currency == now.Currency {
				line.PriceChange = &Money{Amount: l.PriceChange, Currency: now.Currency}
			}
			line.PriceChanged = l.PriceChanged
			if l.PriceChanged {
				out.PriceChanged++
			}
		}
		out.Lines = append(out.Lines, line)
	}
	return out
}

type reorderRequest struct{}

// reorder makes a new cart of the caller's from a past order of their
// company (any order they may read), priced at today's prices, and answers
// what changed line by line. The cart starts as any new cart (the company's
// default ship-to and bill-to); the order is not changed.
func (s *Server) reorder(c *gin.Context) {
	id, err := PathUUID(c, "order_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	var req reorderRequest
	if err := BindJSON(c, &req, true); err != nil {
		RespondError(c, err)
		return
	}
	p := principal(c)
	s.rebuy(c, rebuyTarget{}, func(ctx context.Context, q *db.Queries) ([]commerce.PastLine, error) {
		o, err := q.OrderGetInCompany(ctx, db.OrderGetInCompanyParams{ID: id, CompanyID: p.CompanyID, AllCompanies: false})
		if err != nil {
			return nil, err
		}
		lines, err := q.OrderLineListByOrder(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		past := make([]commerce.PastLine, len(lines))
		for i, l := range lines {
			past[i] = commerce.PastLine{SKU: l.Sku, Quantity: int64(l.Quantity), UnitPrice: commerce.Money{Amount: l.UnitPrice, Currency: o.Currency}}
		}
		return past, nil
	}, func(r RebuyResult) any { return ReorderResult{OrderID: id, RebuyResult: r} })
}

// ReorderResult is a reorder's new cart and what changed since the order.
type ReorderResult struct {
	OrderID uuid.UUID `json:"order_id"`
	RebuyResult
}

package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/pricing"
)

type createCartRequest struct {
	Currency string `json:"currency"`
}

// createCart opens a cart for the caller, in the company's account currency.
func (s *Server) createCart(c *gin.Context) {
	var req createCartRequest
	if err := BindJSON(c, &req, true); err != nil {
		RespondError(c, err)
		return
	}
	p := principal(c)
	if req.Currency == "" {
		req.Currency = p.Currency
	}
	if err := commerce.ValidateCartCurrency("currency", req.Currency, p.Currency); err != nil {
		RespondError(c, err)
		return
	}
	cart, err := s.q.CartCreate(c.Request.Context(), db.CartCreateParams{
		ID: uuid.New(), CompanyID: p.CompanyID, CustomerID: p.ID, Currency: req.Currency,
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	view, err := s.cartView(c.Request.Context(), s.q, cart, principal(c).Role)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.Header("Location", "/v1/carts/"+cart.ID.String())
	c.JSON(http.StatusCreated, view)
}

// getCart shows a cart of the caller's company, priced as the catalogue is now.
func (s *Server) getCart(c *gin.Context) {
	id, err := PathUUID(c, "cart_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	cart, err := s.visibleCart(c.Request.Context(), principal(c), id)
	if err != nil {
		RespondError(c, err)
		return
	}
	view, err := s.cartView(c.Request.Context(), s.q, cart, principal(c).Role)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, view)
}

type addLineRequest struct {
	SKU      string `json:"sku"`
	Quantity *int64 `json:"quantity"`
}

type setLineRequest struct {
	Quantity *int64 `json:"quantity"`
}

// addLine adds a quantity of a SKU to the cart (to its line, if it has one).
func (s *Server) addLine(c *gin.Context) {
	var req addLineRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	if err := commerce.ValidateSKU("sku", req.SKU); err != nil {
		RespondError(c, err)
		return
	}
	qty, err := requiredQuantity(req.Quantity)
	if err != nil {
		RespondError(c, err)
		return
	}
	s.changeCart(c, func(ctx context.Context, q *db.Queries, ch *cartChange) error {
		cart := ch.cart
		entry, err := requirePricedProduct(ctx, q, cart.CompanyID, cart.Currency, req.SKU)
		if err != nil {
			return err
		}
		line, err := q.CartLineAddCounted(ctx, db.CartLineAddCountedParams{CartID: cart.ID, Sku: req.SKU, Quantity: int32(qty)})
		if err != nil {
			return err
		}
		if err := commerce.ValidateQuantity("quantity", int64(line.Quantity)); err != nil {
			return FieldError("quantity", fmt.Sprintf("quantity would make the line %d, at most %d is allowed", line.Quantity, commerce.MaxLineQuantity))
		}
		if line.Inserted && line.LineCount > commerce.MaxCartLines {
			return FieldError("sku", fmt.Sprintf("a cart holds at most %d lines", commerce.MaxCartLines))
		}
		// The line as it now is keeps to the SKU's quantity rule, or nothing
		// is written.
		return commerce.CheckQuantityRule(req.SKU, int64(line.Quantity), entry.QuantityRule)
	})
}

// setLine sets the quantity of a line the cart has.
func (s *Server) setLine(c *gin.Context) {
	var req setLineRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	qty, err := requiredQuantity(req.Quantity)
	if err != nil {
		RespondError(c, err)
		return
	}
	sku := c.Param("sku")
	s.changeCart(c, func(ctx context.Context, q *db.Queries, ch *cartChange) error {
		cart := ch.cart
		n, err := q.CartLineUpdate(ctx, db.CartLineUpdateParams{CartID: cart.ID, Sku: sku, Quantity: int32(qty)})
		if err == nil && n == 0 {
			return lineNotInCart(sku)
		}
		if err != nil {
			return err
		}
		entry, err := requireVisibleProduct(ctx, q, cart.CompanyID, cart.Currency, sku)
		if err != nil {
			return err
		}
		return commerce.CheckQuantityRule(sku, qty, entry.QuantityRule)
	})
}

// requireVisibleProduct refuses, as an unknown SKU, a SKU the company may not
// see (outside its assortment, which may have changed since the line was
// added). Removing such a line stays allowed.
func requireVisibleProduct(ctx context.Context, q *db.Queries, companyID uuid.UUID, currency, sku string) (commerce.CatalogEntry, error) {
	catalog, err := pricing.Catalog(ctx, q, companyID, currency, []string{sku})
	if err != nil {
		return commerce.CatalogEntry{}, err
	}
	entry, ok := catalog[sku]
	if !ok {
		return entry, commerce.RejectSKU(commerce.CodeUnknownSKU, sku, "no product has SKU "+sku)
	}
	return entry, nil
}

// removeLine removes a line from the cart, whatever the SKU's quantity rule
// or assortment: no line is always allowed.
func (s *Server) removeLine(c *gin.Context) {
	sku := c.Param("sku")
	s.changeCart(c, func(ctx context.Context, q *db.Queries, ch *cartChange) error {
		cart := ch.cart
		n, err := q.CartLineDelete(ctx, db.CartLineDeleteParams{CartID: cart.ID, Sku: sku})
		if err == nil && n == 0 {
			return lineNotInCart(sku)
		}
		return err
	})
}

// changeCart runs change on the locked cart in one transaction, answering with
// the cart as it is afterwards. The lock serialises line changes with the start
// of checkout, so no change slips in after checkout read the lines.
func (s *Server) changeCart(c *gin.Context, change func(context.Context, *db.Queries, *cartChange) error) {
	s.changeCartWith(c, change, func(view Cart) any { return view })
}

// cartChange is what a change works on: the locked cart, already marked
// changed (a change that rewrites the cart's row puts the new row here), and
// rows the change read that the cart view need not read again.
type cartChange struct {
	cart  db.Cart
	known pricing.Known
}

// changeCartWith is changeCart with a response built from the cart afterwards.
// The statement that locks the cart also marks it changed, and the view prices
// the cart the change leaves, so a line change is one statement for the lock,
// the change's own, and the view's reads.
func (s *Server) changeCartWith(c *gin.Context, change func(context.Context, *db.Queries, *cartChange) error, respond func(Cart) any) {
	id, err := PathUUID(c, "cart_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	var view Cart
	err = db.InTx(ctx, s.pool, func(q *db.Queries) error {
		cart, err := lockCartForChange(ctx, q, principal(c), id)
		if err != nil {
			return err
		}
		if err := refuseQuoteCart(cart); err != nil {
			return err
		}
		if err := commerce.CheckCartEditable(commerce.CartStatus(cart.Status)); err != nil {
			return err
		}
		ch := &cartChange{cart: cart}
		if err := change(ctx, q, ch); err != nil {
			return err
		}
		view, err = s.cartViewKnowing(ctx, q, ch.cart, principal(c).Role, ch.known)
		return err
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, respond(view))
}

func requiredQuantity(q *int64) (int64, error) {
	if q == nil {
		return 0, FieldError("quantity", "quantity is required")
	}
	return *q, commerce.ValidateQuantity("quantity", *q)
}

func lineNotInCart(sku string) error {
	return &HTTPError{Status: http.StatusNotFound, Body: Error{
		Code: "line_not_found", Field: "sku", SKU: sku, Message: "the cart has no line for " + sku}}
}

// requirePricedProduct refuses a SKU the catalogue does not have (or the
// company may not see: outside its assortment, the same answer), or does not
// sell in the cart's currency.
func requirePricedProduct(ctx context.Context, q *db.Queries, companyID uuid.UUID, currency, sku string) (commerce.CatalogEntry, error) {
	catalog, err := pricing.Catalog(ctx, q, companyID, currency, []string{sku})
	if err != nil {
		return commerce.CatalogEntry{}, err
	}
	entry, ok := catalog[sku]
	switch {
	case !ok:
		return entry, commerce.RejectSKU(commerce.CodeUnknownSKU, sku, "no product has SKU "+sku)
	case !entry.Priced:
		return entry, commerce.RejectSKU(commerce.CodeNotPriced, sku, fmt.Sprintf("%s is not sold in %s", sku, currency))
	}
	return entry, nil
}

// cartView prices the cart with the same rules checkout uses; its last
// checkout is shown as role may see it (checkoutOf).
func (s *Server) cartView(ctx context.Context, q *db.Queries, cart db.Cart, role commerce.Role) (Cart, error) {
	return s.cartViewKnowing(ctx, q, cart, role, pricing.Known{})
}

// cartViewKnowing is cartView with rows read in the same transaction (known).
func (s *Server) cartViewKnowing(ctx context.Context, q *db.Queries, cart db.Cart, role commerce.Role, known pricing.Known) (Cart, error) {
	view := Cart{
		ID: cart.ID, Status: cart.Status, Currency: cart.Currency, Lines: []CartLine{},
		CartDetails: cartDetailsOf(cart), CreatedAt: cart.CreatedAt.UTC(), UpdatedAt: cart.UpdatedAt.UTC(),
	}
	if cart.OrderID.Valid {
		view.OrderID = &cart.OrderID.UUID
	}
	if cart.QuoteID.Valid {
		view.QuoteID = &cart.QuoteID.UUID
	}
	if cart.Status != string(commerce.CartOpen) || cart.FailureCode != "" {
		co := checkoutOf(cart, role)
		view.Checkout = &co
	}
	if cart.BuiltByStaffID.Valid {
		onBehalf, err := onBehalfOf(ctx, q, cart)
		if err != nil {
			return view, err
		}
		view.OnBehalf = onBehalf
	}
	priced, err := pricing.PriceCartKnowing(ctx, q, cart, time.Now(), nil, known)
	if _, refused := commerce.AsRejection(err); len(priced.Lines) == 0 && refused {
		zero := moneyOf(commerce.Zero(cart.Currency))
		view.Totals = &Totals{Subtotal: zero, Discount: zero, Shipping: zero, Tax: zero, Total: zero}
		return view, nil
	}
	if r, ok := commerce.AsRejection(err); ok {
		// The catalogue changed under the cart; show the lines and the problem.
		for _, l := range priced.Lines {
			view.Lines = append(view.Lines, CartLine{SKU: l.SKU, Name: priced.Catalog[l.SKU].Name, Quantity: l.Quantity})
		}
		view.Problem = &Error{Code: string(r.Code), Message: r.Message, SKU: r.SKU}
		return view, nil
	}
	if err != nil {
		return view, err
	}
	rules := cartQuantityRules(cart, priced.Lines, priced.Catalog, &view)
	for _, l := range priced.Cart.Lines {
		base, unit, total := moneyOf(l.BaseUnitPrice), moneyOf(l.UnitPrice), moneyOf(l.LineTotal)
		view.Lines = append(view.Lines, CartLine{SKU: l.SKU, Name: l.Name, Quantity: l.Quantity,
			BaseUnitPrice: &base, UnitPrice: &unit, LineTotal: &total, PriceSource: priceSourceOf(l.Source),
			QuantityRule: quantityRuleOf(rules, l.SKU)})
	}
	totals := totalsOf(priced.Cart.Totals)
	view.Totals = &totals
	return view, nil
}

// cartQuantityRules are the quantity rules of the cart's lines for its
// company (read with the catalogue) and, on a cart a buyer may still check
// out, shows a line that breaks its rule (a rule changed after the line was
// added) as the cart's problem: checkout would refuse it. An accepted quote's
// cart is sold at the quantities the rep offered, so its lines are not judged.
func cartQuantityRules(cart db.Cart, lines []commerce.CartLine, catalog map[string]commerce.CatalogEntry, view *Cart) map[string]commerce.QuantityRule {
	rules := pricing.RulesOf(catalog)
	if cart.Status == string(commerce.CartOpen) && !cart.QuoteID.Valid {
		if r, ok := commerce.AsRejection(commerce.CheckQuantityRules(lines, rules)); ok {
			view.Problem = &Error{Code: string(r.Code), Message: r.Message, SKU: r.SKU, Field: "quantity", QuantityRule: r.QuantityRule}
		}
	}
	return rules
}

// refuseQuoteCart refuses to change or check out, through /v1/carts, a cart
// that belongs to a quote: the cart a quote was requested from is frozen
// while the quote runs, and the cart an accepted quote is sold from is the
// quote's workflow's to check out, at the quote's prices.
func refuseQuoteCart(cart db.Cart) error {
	if !cart.QuoteID.Valid {
		return nil
	}
	msg := fmt.Sprintf("this cart belongs to quote %s; accept or retry the quote", cart.QuoteID.UUID)
	if cart.Status == string(commerce.CartQuoted) {
		msg = fmt.Sprintf("this cart is frozen while quote %s runs; withdraw the quote to change it", cart.QuoteID.UUID)
	}
	return commerce.Reject(commerce.CodeCartNotOpen, msg)
}

// visibleCart reads a cart the principal may see: its company's, or any for ops.
func (s *Server) visibleCart(ctx context.Context, p Principal, id uuid.UUID) (db.Cart, error) {
	return s.q.CartGetInCompany(ctx, db.CartGetInCompanyParams{ID: id, CompanyID: p.CompanyID, AllCompanies: p.SeesAllCompanies()})
}

// requireCartOwner lets only the buyer who opened a cart change or check it out:
// spending limits, approvals ("nobody approves their own order") and the order
// itself follow the cart's owner, so a colleague must not act in their name.
// Colleagues may still read the cart.
//
// A cart a sales rep builds for the buyer is the rep's until they send it:
// the buyer may read it meanwhile, not change or check it out.
func requireCartOwner(cart db.Cart, p Principal) error {
	if cart.CustomerID != p.ID {
		return newError(http.StatusForbidden, string(commerce.CodeNotAllowed), "only the buyer who opened this cart may change or check it out")
	}
	return commerce.CheckBuyerMayTake(cart.BuiltByStaffID.Valid, cart.SentAt != nil)
}

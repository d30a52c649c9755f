package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/workflows/order"
)

// getOrder shows an order of the caller's company with its lines and timeline.
func (s *Server) getOrder(c *gin.Context) {
	id, err := PathUUID(c, "order_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	order, err := s.orderDetail(c.Request.Context(), principal(c), id)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, order)
}

// lineLocations tells each line where its units are: reserved at which stock
// locations (the order's live reservations), shipped from which.
func (s *Server) lineLocations(ctx context.Context, lines []OrderLine, o db.Order, hasShipments bool) error {
	at := map[string]map[string]*LineLocation{}
	var order []struct{ sku, code string }
	get := func(sku, code, name string) *LineLocation {
		if at[sku] == nil {
			at[sku] = map[string]*LineLocation{}
		}
		if at[sku][code] == nil {
			at[sku][code] = &LineLocation{Location: code, Name: name}
			order = append(order, struct{ sku, code string }{sku, code})
		}
		return at[sku][code]
	}
	held, err := s.q.StockReservationSumByCart(ctx, o.CartID)
	if err != nil {
		return err
	}
	for _, r := range held {
		get(r.Sku, r.Code, r.Name).Reserved += r.Quantity
	}
	if hasShipments {
		shipped, err := s.q.ShipmentStockSumByOrder(ctx, o.ID)
		if err != nil {
			return err
		}
		for _, r := range shipped {
			get(r.Sku, r.Code, r.Name).Shipped += r.Quantity
		}
	}
	for i := range lines {
		lines[i].Locations = []LineLocation{}
		for _, k := range order {
			if k.sku == lines[i].SKU {
				lines[i].Locations = append(lines[i].Locations, *at[k.sku][k.code])
			}
		}
	}
	return nil
}

// orderDetail reads an order the principal may see, with lines, shipments,
// invoices, returns, credit notes and timeline.
func (s *Server) orderDetail(ctx context.Context, p Principal, id uuid.UUID) (Order, error) {
	row, err := s.q.OrderDetailGetInCompany(ctx, db.OrderDetailGetInCompanyParams{ID: id, CompanyID: p.CompanyID, AllCompanies: p.SeesAllCompanies()})
	if err != nil {
		return Order{}, err
	}
	o := row.Order
	lines, err := s.q.OrderLineListByOrder(ctx, o.ID)
	if err != nil {
		return Order{}, err
	}
	events, err := s.q.TimelineEventListByCart(ctx, o.CartID)
	if err != nil {
		return Order{}, err
	}
	out := orderOf(o)
	for _, l := range lines {
		out.Lines = append(out.Lines, orderLineOf(l, o.Currency))
	}
	if err := s.lineLocations(ctx, out.Lines, o, row.HasShipments); err != nil {
		return Order{}, err
	}
	// The lists an order may not have yet are read only when it has them (a
	// new order, the one checkout answers with, has none).
	if row.HasShipments {
		if out.Shipments, err = s.orderShipments(ctx, o.ID); err != nil {
			return Order{}, err
		}
	}
	if row.HasInvoices {
		invoices, err := s.q.InvoiceListByOrder(ctx, o.ID)
		if err != nil {
			return Order{}, err
		}
		for _, inv := range invoices {
			out.Invoices = append(out.Invoices, invoiceOf(inv))
		}
	}
	if row.HasReturns {
		if out.Returns, out.CreditNotes, err = s.orderReturns(ctx, o.ID, o.Currency); err != nil {
			return Order{}, err
		}
	}
	for _, e := range events {
		out.Timeline = append(out.Timeline, timelineOf(e))
	}
	if o.PlacedByStaffID.Valid {
		if out.OnBehalf, err = orderOnBehalfOf(ctx, s.q, o); err != nil {
			return Order{}, err
		}
	}
	if row.HasErpSync {
		out.ERPSync = &ERPSync{Status: row.ErpSyncStatus, Attempts: int(row.ErpSyncAttempts), LastError: row.ErpSyncLastError,
			UpdatedAt: row.ErpSyncUpdatedAt.UTC()}
	}
	return out, nil
}

// Shipment is goods of an order that left together, and where they are.
type Shipment struct {
	// ID names the shipment in ops' delivery route.
	ID             uuid.UUID      `json:"id"`
	Number         int            `json:"number"`
	Carrier        string         `json:"carrier"`
	TrackingNumber string         `json:"tracking_number"`
	Lines          []ShipmentLine `json:"lines"`
	ShippedAt      time.Time      `json:"shipped_at"`
	DeliveredAt    *time.Time     `json:"delivered_at,omitempty"`
}

// ShipmentLine is a quantity of one SKU in a shipment.
type ShipmentLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// Invoice is what a shipment bills the company (payment on account).
type Invoice struct {
	Number     string    `json:"number"`
	Amount     Money     `json:"amount"`
	IssuedAt   time.Time `json:"issued_at"`
	DueAt      time.Time `json:"due_at"`
	Status     string    `json:"status"`
	PaidAmount Money     `json:"paid_amount"`
}

func invoiceOf(inv db.Invoice) Invoice {
	return Invoice{Number: inv.Number, Amount: Money{Amount: inv.Amount, Currency: inv.Currency},
		IssuedAt: inv.IssuedAt.UTC(), DueAt: inv.DueAt.UTC(), Status: inv.Status,
		PaidAmount: Money{Amount: inv.PaidAmount, Currency: inv.Currency}}
}

// orderShipments reads an order's shipments with their lines, by number.
func (s *Server) orderShipments(ctx context.Context, orderID uuid.UUID) ([]Shipment, error) {
	rows, err := s.q.ShipmentListByOrder(ctx, orderID)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	lines, err := s.q.ShipmentLineListByOrder(ctx, orderID)
	if err != nil {
		return nil, err
	}
	byShipment := map[uuid.UUID][]ShipmentLine{}
	for _, l := range lines {
		byShipment[l.ShipmentID] = append(byShipment[l.ShipmentID], ShipmentLine{SKU: l.Sku, Quantity: l.Quantity})
	}
	out := make([]Shipment, len(rows))
	for i, r := range rows {
		out[i] = Shipment{ID: r.ID, Number: int(r.Number), Carrier: r.Carrier, TrackingNumber: r.Tracking,
			Lines: byShipment[r.ID], ShippedAt: r.ShippedAt.UTC(), DeliveredAt: utcOrNil(r.DeliveredAt)}
	}
	return out, nil
}

// listOrders pages through the caller's own orders, newest first.
// ?limit=1..100 (default 20) and ?cursor= from the previous page's next_cursor.
func (s *Server) listOrders(c *gin.Context) {
	limit, err := pageLimit(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	before := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	beforeID := uuid.Max
	if cur := c.Query("cursor"); cur != "" {
		if before, beforeID, err = decodeOrderCursor(cur); err != nil {
			RespondError(c, FieldError("cursor", "cursor is not one this API gave out"))
			return
		}
	}
	rows, err := s.q.OrderListByCustomer(c.Request.Context(), db.OrderListByCustomerParams{
		CustomerID: principal(c).ID, BeforePlacedAt: before, BeforeID: beforeID, RowLimit: int32(limit + 1),
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	page := OrderPage{Orders: []Order{}}
	for i, o := range rows {
		if i == limit {
			last := rows[limit-1]
			page.NextCursor = encodeOrderCursor(last.PlacedAt, last.ID)
			break
		}
		page.Orders = append(page.Orders, orderOf(o))
	}
	c.JSON(http.StatusOK, page)
}

// orderLineRequest is a quantity of one SKU of an order, in a request.
type orderLineRequest struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

func orderLinesOf(in []orderLineRequest) []order.Line {
	out := make([]order.Line, len(in))
	for i, l := range in {
		out[i] = order.Line{SKU: l.SKU, Quantity: l.Quantity}
	}
	return out
}

type cancelOrderRequest struct {
	// Lines are the quantities to cancel; none means everything not shipped.
	Lines  []orderLineRequest `json:"lines"`
	Reason string             `json:"reason"`
}

// cancelOrder cancels what has not shipped of an order, or some of it: its
// stock is released and its authorization reduced. The buyer who placed it, a
// company admin of its company and ops may; the order's workflow checks the
// quantities (and the roles again).
func (s *Server) cancelOrder(c *gin.Context) {
	id, err := PathUUID(c, "order_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	var req cancelOrderRequest
	if err := BindJSON(c, &req, true); err != nil {
		RespondError(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	o, err := s.q.OrderGetInCompany(ctx, db.OrderGetInCompanyParams{ID: id, CompanyID: p.CompanyID, AllCompanies: p.SeesAllCompanies()})
	if err != nil {
		RespondError(c, err)
		return
	}
	if !commerce.CanCancelOrder(p.Role, o.CustomerID == p.ID, o.CompanyID == p.CompanyID) {
		RespondError(c, newError(http.StatusForbidden, string(commerce.CodeNotAllowed),
			"only the buyer who placed the order, a company admin of its company or ops may cancel it"))
		return
	}
	in := order.CancelInput{Actor: order.Actor{ID: p.ID, Role: p.Role, CompanyID: p.CompanyID},
		Lines: orderLinesOf(req.Lines), Reason: req.Reason}
	if _, err := order.Update(ctx, s.temporal, o.ID, order.CancelUpdate, actionID(c, "cancel", p), in); err != nil {
		RespondError(c, orderRefusal(err))
		return
	}
	s.respondOrder(c, http.StatusOK, p, o.ID)
}

// actionID names one action on an order for its workflow's update: the
// caller's Idempotency-Key makes a retried request the same update, which the
// workflow then carries out once.
func actionID(c *gin.Context, action string, p Principal) string {
	key := c.GetHeader(idempotencyHeader)
	if key == "" {
		key = uuid.NewString()
	}
	return action + "/" + p.ID.String() + "/" + key
}

// respondOrder answers the order as it is now.
func (s *Server) respondOrder(c *gin.Context, status int, p Principal, id uuid.UUID) {
	out, err := s.orderDetail(c.Request.Context(), p, id)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(status, out)
}

package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/workflows/erpsync"
	"github.com/orderflow/orderflow/workflows/order"
)

// orderOpsRoutes lists what ops do to orders after checkout, for a merchant
// without a warehouse system posting webhooks: record shipments and
// deliveries, decide and receive returns, record payments, and find orders by
// status, company, or because they are late. Ops only.
func (s *Server) orderOpsRoutes(v1 gin.IRouter) {
	ops := v1.Group("/admin/orders", Allow(commerce.RoleOps))
	ops.GET("", s.listOrdersForOps)
	ops.POST("/:order_id/shipments", s.Idempotent, s.recordShipment)
	ops.POST("/:order_id/shipments/:shipment_id/delivery", s.Idempotent, s.recordDelivery)
	ops.POST("/:order_id/returns/:return_id/approve", s.Idempotent, s.approveReturn)
	ops.POST("/:order_id/returns/:return_id/reject", s.Idempotent, s.rejectReturn)
	ops.POST("/:order_id/returns/:return_id/receive", s.Idempotent, s.receiveReturn)
	ops.POST("/:order_id/payments", s.Idempotent, s.recordPayment)
	ops.POST("/:order_id/erp-sync/retry", s.retryERPSync)
	ops.POST("/:order_id/erp-sync/cancel", s.cancelERPSync)
}

// errERPSyncNotStuck refuses an ops retry or cancel of an order's ERP push
// that is not stuck: a pending push is still retrying by itself, a synced or
// cancelled one is over.
var errERPSyncNotStuck = newError(http.StatusConflict, "erp_sync_not_stuck",
	"the order's ERP push is not stuck: only a stuck push can be retried or cancelled")

// retryERPSync gives a stuck ERP push a fresh retry budget (ops). It answers
// 202: the push goes on in the background; the order shows how it goes.
func (s *Server) retryERPSync(c *gin.Context) { s.steerERPSync(c, erpsync.Retry) }

// cancelERPSync gives up on a stuck ERP push (ops): the order stays ours only,
// e.g. because it was keyed into the ERP by hand.
func (s *Server) cancelERPSync(c *gin.Context) { s.steerERPSync(c, erpsync.Cancel) }

// steerERPSync sends a stuck push its ops signal. The stuck state is read
// from the push's projection (erp_syncs), which the workflow writes before it
// waits for ops.
func (s *Server) steerERPSync(c *gin.Context, signal func(context.Context, client.Client, uuid.UUID) error) {
	id, err := PathUUID(c, "order_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	sync, err := s.q.ErpSyncGet(ctx, id)
	if err != nil {
		RespondError(c, err)
		return
	}
	if sync.Status != erp.SyncStuck {
		RespondError(c, errERPSyncNotStuck)
		return
	}
	if err := signal(ctx, s.temporal, id); err != nil {
		RespondError(c, err)
		return
	}
	s.respondOrder(c, http.StatusAccepted, p, id)
}

type recordShipmentRequest struct {
	Lines          []orderLineRequest `json:"lines"`
	Carrier        string             `json:"carrier"`
	TrackingNumber string             `json:"tracking_number"`
	// ShippedAt is RFC 3339; now when absent.
	ShippedAt *string `json:"shipped_at"`
}

// recordShipment records a shipment of an order: the stock leaves and its
// share of the order is invoiced. The shipment's ID comes from the caller and
// its Idempotency-Key, so a retried request records it once.
func (s *Server) recordShipment(c *gin.Context) {
	id, err := PathUUID(c, "order_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	var req recordShipmentRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	shippedAt, err := optionalTime("shipped_at", req.ShippedAt)
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	if _, err := s.q.OrderGet(ctx, id); err != nil {
		RespondError(c, err)
		return
	}
	key := c.GetHeader(idempotencyHeader)
	if key == "" {
		key = uuid.NewString()
	}
	reporter := "ops:" + p.ID.String()
	shipmentID := order.ShipmentIDFor(reporter, key)
	in := order.ShipmentInput{ShipmentID: shipmentID, Lines: orderLinesOf(req.Lines), Carrier: req.Carrier,
		Tracking: req.TrackingNumber, ShippedAt: shippedAt, Source: reporter}
	if _, err := order.Update(ctx, s.temporal, id, order.RecordShipmentUpdate, "ops/shipment/"+shipmentID.String(), in); err != nil {
		RespondError(c, orderRefusal(err))
		return
	}
	s.respondOrder(c, http.StatusCreated, p, id)
}

type recordDeliveryRequest struct {
	// DeliveredAt is RFC 3339; now when absent.
	DeliveredAt *string `json:"delivered_at"`
}

// recordDelivery records that a shipment of an order arrived.
func (s *Server) recordDelivery(c *gin.Context) {
	id, err := PathUUID(c, "order_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	shipmentID, err := PathUUID(c, "shipment_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	var req recordDeliveryRequest
	if err := BindJSON(c, &req, true); err != nil {
		RespondError(c, err)
		return
	}
	deliveredAt, err := optionalTime("delivered_at", req.DeliveredAt)
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	shipment, err := s.q.ShipmentGet(ctx, shipmentID)
	if err == nil && shipment.OrderID != id {
		err = ErrNotFound // another order's shipment
	}
	if err != nil {
		RespondError(c, err)
		return
	}
	in := order.DeliveryInput{ShipmentID: shipmentID, DeliveredAt: deliveredAt, Source: "ops:" + p.ID.String()}
	if _, err := order.Update(ctx, s.temporal, id, order.RecordDeliveryUpdate, "ops/delivery/"+shipmentID.String(), in); err != nil {
		RespondError(c, orderRefusal(err))
		return
	}
	s.respondOrder(c, http.StatusOK, p, id)
}

// optionalTime reads an RFC 3339 time of a request; absent, it is now.
func optionalTime(field string, v *string) (time.Time, error) {
	if v == nil {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, *v)
	if err != nil {
		return time.Time{}, FieldError(field, field+" must be an RFC 3339 time such as 2026-01-02T10:00:00Z")
	}
	return t.UTC(), nil
}

// listOrdersForOps pages through every company's orders, oldest first, each
// with its ERP push. Filters: ?status=, ?fulfilment_status=, ?company_id=,
// ?late=true (orders that missed a deadline), ?erp_sync= (the push's status:
// stuck lists the pushes waiting for ops).
func (s *Server) listOrdersForOps(c *gin.Context) {
	page, err := ReadKeysetPage(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	params := db.OrderListForOpsParams{AfterPlacedAt: page.AfterAt, AfterID: page.AfterID, RowLimit: page.RowLimit()}
	if v := c.Query("status"); v != "" {
		if !commerce.OrderStatus(v).Valid() {
			RespondError(c, FieldError("status", "status must be an order status, such as shipped"))
			return
		}
		params.Status = v
	}
	if v := c.Query("fulfilment_status"); v != "" {
		if !commerce.FulfilmentStatus(v).Valid() {
			RespondError(c, FieldError("fulfilment_status", "fulfilment_status must be a fulfilment status, such as partially_shipped"))
			return
		}
		params.FulfilmentStatus = v
	}
	switch v := c.Query("late"); v {
	case "", "false":
	case "true":
		params.LateOnly = true
	default:
		RespondError(c, FieldError("late", "late must be true or false"))
		return
	}
	if v := c.Query("company_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			RespondError(c, FieldError("company_id", "company_id must be a UUID"))
			return
		}
		params.CompanyID = uuid.NullUUID{UUID: id, Valid: true}
	}
	switch v := c.Query("erp_sync"); v {
	case "", erp.SyncPending, erp.SyncSynced, erp.SyncStuck, erp.SyncCancelled:
		params.ErpSync = v
	default:
		RespondError(c, FieldError("erp_sync", "erp_sync must be an ERP push status: pending, synced, stuck or cancelled"))
		return
	}
	rows, err := s.q.OrderListForOps(c.Request.Context(), params)
	if err != nil {
		RespondError(c, err)
		return
	}
	orders, next := PageOf(page, rows, func(r db.OrderListForOpsRow) (time.Time, uuid.UUID) { return r.Order.PlacedAt, r.Order.ID },
		func(r db.OrderListForOpsRow) Order {
			o := orderOf(r.Order)
			if r.ErpSyncStatus != "" && r.ErpSyncUpdatedAt != nil {
				o.ERPSync = &ERPSync{Status: r.ErpSyncStatus, Attempts: int(r.ErpSyncAttempts), LastError: r.ErpSyncLastError, UpdatedAt: r.ErpSyncUpdatedAt.UTC()}
			}
			return o
		})
	c.JSON(http.StatusOK, OrderPage{Orders: orders, NextCursor: next})
}

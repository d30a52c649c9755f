package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/db"
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

// orderDetail reads an order the principal may see, with lines and timeline.
func (s *Server) orderDetail(ctx context.Context, p Principal, id uuid.UUID) (Order, error) {
	o, err := s.q.OrderGetInCompany(ctx, db.OrderGetInCompanyParams{ID: id, CompanyID: p.CompanyID, AllCompanies: p.SeesAllCompanies()})
	if err != nil {
		return Order{}, err
	}
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
	for _, e := range events {
		out.Timeline = append(out.Timeline, timelineOf(e))
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

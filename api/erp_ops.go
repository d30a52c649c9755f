package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

// erpOpsRoutes lists what ops do to the ERP feeds as a whole (an order's push
// is steered from orderOpsRoutes). Ops only.
func (s *Server) erpOpsRoutes(v1 gin.IRouter) {
	ops := v1.Group("/admin/erp", Allow(commerce.RoleOps))
	ops.POST("/stock-pull", s.triggerStockPull)
	ops.POST("/price-pull", s.triggerPricePull)
}

// pullResponse names the schedule whose pull was set going.
type pullResponse struct {
	ScheduleID string `json:"schedule_id"`
}

// triggerStockPull pulls stock from the ERP now, through the pull's schedule
// (created if missing), rather than at its next tick. It answers 202: the pull
// runs in the background, visible in the Temporal UI under the schedule. A
// trigger while a pull runs is run after it, not lost.
func (s *Server) triggerStockPull(c *gin.Context) {
	s.triggerPull(c, erpsync.TriggerStockPull, erpsync.StockPullScheduleID)
}

// triggerPricePull pulls prices from the ERP now, as triggerStockPull does
// stock.
func (s *Server) triggerPricePull(c *gin.Context) {
	s.triggerPull(c, erpsync.TriggerPricePull, erpsync.PricePullScheduleID)
}

func (s *Server) triggerPull(c *gin.Context, trigger func(context.Context, client.Client) error, scheduleID string) {
	if err := trigger(c.Request.Context(), s.temporal); err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, pullResponse{ScheduleID: scheduleID})
}

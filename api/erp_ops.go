package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

// erpOpsRoutes lists what ops do to the ERP feeds as a whole (an order's push
// is steered from orderOpsRoutes). Ops only.
func (s *Server) erpOpsRoutes(v1 gin.IRouter) {
	ops := v1.Group("/admin/erp", Allow(commerce.RoleOps))
	ops.POST("/stock-pull", s.triggerStockPull)
}

// stockPullResponse names the schedule whose pull was set going.
type stockPullResponse struct {
	ScheduleID string `json:"schedule_id"`
}

// triggerStockPull pulls stock from the ERP now, through the pull's schedule
// (created if missing), rather than at its next tick. It answers 202: the pull
// runs in the background, visible in the Temporal UI under the schedule. A
// trigger while a pull runs is run after it, not lost.
func (s *Server) triggerStockPull(c *gin.Context) {
	if err := erpsync.TriggerStockPull(c.Request.Context(), s.temporal); err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, stockPullResponse{ScheduleID: erpsync.StockPullScheduleID})
}

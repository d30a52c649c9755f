package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/db"
)

// OnBehalfCheckout is whether a company lets its sales rep (and the sales
// managers) check out carts they built in a buyer's name. Off by default:
// the rep then sends the cart to the buyer, who checks it out.
type OnBehalfCheckout struct {
	CompanyID uuid.UUID `json:"company_id"`
	Allowed   bool      `json:"allowed"`
}

type onBehalfCheckoutRequest struct {
	Allowed *bool `json:"allowed"`
}

// getOnBehalfCheckout answers the company's setting: a company admin's own
// company's, or for ops the company in the path.
func (h *handlers) getOnBehalfCheckout(c *gin.Context) {
	id, err := scopedCompany(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	company, err := h.q.CompanyGet(c.Request.Context(), id)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, OnBehalfCheckout{CompanyID: company.ID, Allowed: company.OnBehalfCheckout})
}

// putOnBehalfCheckout turns checkouts on behalf on or off for the company.
func (h *handlers) putOnBehalfCheckout(c *gin.Context) {
	var req onBehalfCheckoutRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	if req.Allowed == nil {
		api.RespondError(c, api.FieldError("allowed", "allowed is required: true or false"))
		return
	}
	id, err := scopedCompany(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	company, err := h.q.CompanyUpdateOnBehalfCheckout(c.Request.Context(), db.CompanyUpdateOnBehalfCheckoutParams{ID: id, OnBehalfCheckout: *req.Allowed})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, OnBehalfCheckout{CompanyID: company.ID, Allowed: company.OnBehalfCheckout})
}

package admin

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// QuoteAuthority is how far a sales role may go on a quote line without a
// sales manager: the largest discount off the list price and the smallest
// margin over cost, in basis points (1000 = 10 %).
type QuoteAuthority struct {
	Role          string    `json:"role"`
	MaxDiscountBP int64     `json:"max_discount_bp"`
	MinMarginBP   int64     `json:"min_margin_bp"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// QuoteAuthorityList is every sales role's authority.
type QuoteAuthorityList struct {
	Authorities []QuoteAuthority `json:"authorities"`
}

func quoteAuthorityOf(a db.QuoteAuthority) QuoteAuthority {
	return QuoteAuthority{Role: a.Role, MaxDiscountBP: int64(a.MaxDiscountBp), MinMarginBP: int64(a.MinMarginBp), UpdatedAt: a.UpdatedAt.UTC()}
}

// listQuoteAuthorities shows the authority of each sales role.
func (h *handlers) listQuoteAuthorities(c *gin.Context) {
	rows, err := h.q.QuoteAuthorityList(c.Request.Context())
	if err != nil {
		api.RespondError(c, err)
		return
	}
	out := QuoteAuthorityList{Authorities: make([]QuoteAuthority, 0, len(rows))}
	for _, r := range rows {
		out.Authorities = append(out.Authorities, quoteAuthorityOf(r))
	}
	c.JSON(http.StatusOK, out)
}

type quoteAuthorityRequest struct {
	MaxDiscountBP *int64 `json:"max_discount_bp"`
	MinMarginBP   *int64 `json:"min_margin_bp"`
}

// putQuoteAuthority sets a sales role's authority. Drafts saved from then on
// are judged by it; revisions already drafted keep their decision.
func (h *handlers) putQuoteAuthority(c *gin.Context) {
	role := commerce.Role(c.Param("role"))
	var req quoteAuthorityRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	if err := requireFields(map[string]bool{"max_discount_bp": req.MaxDiscountBP != nil, "min_margin_bp": req.MinMarginBP != nil},
		"max_discount_bp", "min_margin_bp"); err != nil {
		api.RespondError(c, err)
		return
	}
	a := commerce.QuoteAuthority{MaxDiscountBP: *req.MaxDiscountBP, MinMarginBP: *req.MinMarginBP}
	if err := commerce.ValidateQuoteAuthority(role, a); err != nil {
		api.RespondError(c, err)
		return
	}
	row, err := h.q.QuoteAuthorityPut(c.Request.Context(), db.QuoteAuthorityPutParams{
		Role: string(role), MaxDiscountBp: int32(a.MaxDiscountBP), MinMarginBp: int32(a.MinMarginBP)})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, quoteAuthorityOf(row))
}

package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Requisition lists: named lists of SKUs and quantities, shared within the
// company. Every employee of the company reads them and adds them to their own
// carts (add-to-cart); the employee who made a list and the company's admins
// change and delete it (commerce.CanEditRequisitionList). Another company's
// lists are 404.

const (
	maxListName        = 100
	maxListDescription = 500
)

// RequisitionList is a company's named list of SKUs to buy again.
type RequisitionList struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	// CreatedBy is the employee who made the list (who may change it,
	// besides the company's admins).
	CreatedBy uuid.UUID `json:"created_by"`
	LineCount int       `json:"line_count"`
	// Lines are the list's lines, in the order they were added (in a list of
	// lists they are left out).
	Lines     []RequisitionListLine `json:"lines,omitempty"`
	CreatedAt time.Time             `json:"created_at"`
	UpdatedAt time.Time             `json:"updated_at"`
}

// RequisitionListLine is a quantity of a SKU on a list.
type RequisitionListLine struct {
	SKU      string    `json:"sku"`
	Quantity int64     `json:"quantity"`
	AddedAt  time.Time `json:"added_at"`
}

// RequisitionListPage is one page of a company's lists, oldest first.
type RequisitionListPage struct {
	RequisitionLists []RequisitionList `json:"requisition_lists"`
	NextCursor       string            `json:"next_cursor,omitempty"`
}

func requisitionListOf(l db.RequisitionList, lines []db.RequisitionListLine) RequisitionList {
	out := RequisitionList{ID: l.ID, Name: l.Name, Description: l.Description, CreatedBy: l.CreatedBy, LineCount: len(lines),
		Lines: make([]RequisitionListLine, len(lines)), CreatedAt: l.CreatedAt.UTC(), UpdatedAt: l.UpdatedAt.UTC()}
	for i, r := range lines {
		out.Lines[i] = RequisitionListLine{SKU: r.Sku, Quantity: int64(r.Quantity), AddedAt: r.AddedAt.UTC()}
	}
	return out
}

type requisitionListRequest struct {
	Name        *string            `json:"name"`
	Description *string            `json:"description"`
	Lines       []orderLineRequest `json:"lines"`
}

// checkListText trims and checks a list's name and description.
func (r *requisitionListRequest) checkText() error {
	if r.Name != nil {
		v := strings.TrimSpace(*r.Name)
		switch {
		case v == "":
			return FieldError("name", "name must not be empty")
		case utf8.RuneCountInString(v) > maxListName:
			return FieldError("name", fmt.Sprintf("name must be at most %d characters", maxListName))
		}
		r.Name = &v
	}
	if r.Description != nil {
		v := strings.TrimSpace(*r.Description)
		if utf8.RuneCountInString(v) > maxListDescription {
			return FieldError("description", fmt.Sprintf("description must be at most %d characters", maxListDescription))
		}
		r.Description = &v
	}
	return nil
}

// checkListLines checks lines for a list of company: SKUs the company may see
// (a SKU outside its assortment is unknown, as everywhere), once each,
// quantities a cart line may hold, at most a cart's worth.
func checkListLines(ctx context.Context, q *db.Queries, company uuid.UUID, lines []orderLineRequest) error {
	if len(lines) > commerce.MaxRequisitionListLines {
		return FieldError("lines", fmt.Sprintf("a requisition list holds at most %d lines", commerce.MaxRequisitionListLines))
	}
	seen := map[string]bool{}
	skus := make([]string, 0, len(lines))
	for i, l := range lines {
		field := fmt.Sprintf("lines[%d]", i)
		if err := commerce.ValidateSKU(field+".sku", l.SKU); err != nil {
			return err
		}
		if err := commerce.ValidateQuantity(field+".quantity", l.Quantity); err != nil {
			return err
		}
		if seen[l.SKU] {
			return FieldError(field+".sku", fmt.Sprintf("%s is on the list twice", l.SKU))
		}
		seen[l.SKU] = true
		skus = append(skus, l.SKU)
	}
	existing, err := q.ProductListVisibleSKUs(ctx, db.ProductListVisibleSKUsParams{Skus: skus, CompanyID: company})
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(existing))
	for _, s := range existing {
		known[s] = true
	}
	for i, l := range lines {
		if !known[l.SKU] {
			return &HTTPError{Status: http.StatusNotFound, Body: Error{Code: string(commerce.CodeUnknownSKU),
				Field: fmt.Sprintf("lines[%d].sku", i), SKU: l.SKU, Message: "no product has SKU " + l.SKU}}
		}
	}
	return nil
}

// createRequisitionList makes a list of the caller's company, with its lines.
func (s *Server) createRequisitionList(c *gin.Context) {
	var req requisitionListRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	if req.Name == nil {
		RespondError(c, FieldError("name", "name is required"))
		return
	}
	if err := req.checkText(); err != nil {
		RespondError(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	var out RequisitionList
	err := db.InTx(ctx, s.pool, func(q *db.Queries) error {
		if err := checkListLines(ctx, q, p.CompanyID, req.Lines); err != nil {
			return err
		}
		description := ""
		if req.Description != nil {
			description = *req.Description
		}
		list, err := q.RequisitionListCreate(ctx, db.RequisitionListCreateParams{
			ID: uuid.New(), CompanyID: p.CompanyID, CreatedBy: p.ID, Name: *req.Name, Description: description})
		if err != nil {
			return err
		}
		if len(req.Lines) > 0 {
			many := db.RequisitionListLineCreateManyParams{ListID: list.ID}
			for _, l := range req.Lines {
				many.Skus = append(many.Skus, l.SKU)
				many.Quantities = append(many.Quantities, int32(l.Quantity))
			}
			if err := q.RequisitionListLineCreateMany(ctx, many); err != nil {
				return err
			}
		}
		out, err = requisitionListWithLines(ctx, q, list)
		return err
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	c.Header("Location", "/v1/requisition-lists/"+out.ID.String())
	c.JSON(http.StatusCreated, out)
}

func requisitionListWithLines(ctx context.Context, q *db.Queries, list db.RequisitionList) (RequisitionList, error) {
	lines, err := q.RequisitionListLineListByList(ctx, list.ID)
	if err != nil {
		return RequisitionList{}, err
	}
	return requisitionListOf(list, lines), nil
}

// listRequisitionLists pages through the caller's company's lists, oldest first.
func (s *Server) listRequisitionLists(c *gin.Context) {
	p, err := ReadKeysetPage(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	rows, err := s.q.RequisitionListListByCompany(c.Request.Context(), db.RequisitionListListByCompanyParams{
		CompanyID: principal(c).CompanyID, AfterCreatedAt: p.AfterAt, AfterID: p.AfterID, RowLimit: p.RowLimit()})
	if err != nil {
		RespondError(c, err)
		return
	}
	page := RequisitionListPage{}
	page.RequisitionLists, page.NextCursor = PageOf(p, rows,
		func(r db.RequisitionListListByCompanyRow) (time.Time, uuid.UUID) {
			return r.RequisitionList.CreatedAt, r.RequisitionList.ID
		},
		func(r db.RequisitionListListByCompanyRow) RequisitionList {
			out := requisitionListOf(r.RequisitionList, nil)
			out.Lines, out.LineCount = nil, int(r.LineCount)
			return out
		})
	c.JSON(http.StatusOK, page)
}

// getRequisitionList shows a list of the caller's company with its lines.
func (s *Server) getRequisitionList(c *gin.Context) {
	id, err := PathUUID(c, "list_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	list, err := s.q.RequisitionListGetInCompany(ctx, db.RequisitionListGetInCompanyParams{ID: id, CompanyID: principal(c).CompanyID})
	if err != nil {
		RespondError(c, err)
		return
	}
	out, err := requisitionListWithLines(ctx, s.q, list)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// changeRequisitionList runs change on the locked list, for its maker or a
// company admin, in one transaction, and answers the list afterwards (or 204
// when the change deleted it).
func (s *Server) changeRequisitionList(c *gin.Context, change func(ctx context.Context, q *db.Queries, list *db.RequisitionList) (deleted bool, err error)) {
	id, err := PathUUID(c, "list_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	var out RequisitionList
	deleted := false
	err = db.InTx(ctx, s.pool, func(q *db.Queries) error {
		list, err := q.RequisitionListLockInCompany(ctx, db.RequisitionListLockInCompanyParams{ID: id, CompanyID: p.CompanyID})
		if err != nil {
			return err
		}
		if !commerce.CanEditRequisitionList(p.Role, list.CreatedBy == p.ID, list.CompanyID == p.CompanyID) {
			return newError(http.StatusForbidden, string(commerce.CodeNotAllowed),
				"only the employee who made this requisition list or a company admin may change it")
		}
		if deleted, err = change(ctx, q, &list); err != nil || deleted {
			return err
		}
		out, err = requisitionListWithLines(ctx, q, list)
		return err
	})
	switch {
	case err != nil:
		RespondError(c, err)
	case deleted:
		c.Status(http.StatusNoContent)
	default:
		c.JSON(http.StatusOK, out)
	}
}

// updateRequisitionList renames a list or changes its description; fields
// left out keep their value.
func (s *Server) updateRequisitionList(c *gin.Context) {
	var req requisitionListRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	if req.Lines != nil {
		RespondError(c, FieldError("lines", "lines are changed one by one: PUT or DELETE /v1/requisition-lists/{list_id}/lines/{sku}"))
		return
	}
	if err := req.checkText(); err != nil {
		RespondError(c, err)
		return
	}
	s.changeRequisitionList(c, func(ctx context.Context, q *db.Queries, list *db.RequisitionList) (bool, error) {
		name, description := list.Name, list.Description
		if req.Name != nil {
			name = *req.Name
		}
		if req.Description != nil {
			description = *req.Description
		}
		updated, err := q.RequisitionListUpdate(ctx, db.RequisitionListUpdateParams{ID: list.ID, Name: name, Description: description})
		*list = updated
		return false, err
	})
}

// deleteRequisitionList deletes a list with its lines.
func (s *Server) deleteRequisitionList(c *gin.Context) {
	s.changeRequisitionList(c, func(ctx context.Context, q *db.Queries, list *db.RequisitionList) (bool, error) {
		_, err := q.RequisitionListDelete(ctx, list.ID)
		return true, err
	})
}

// putRequisitionListLine sets the quantity of a SKU on a list, adding the line
// when the list has none for it.
func (s *Server) putRequisitionListLine(c *gin.Context) {
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
	if err := commerce.ValidateSKU("sku", sku); err != nil {
		RespondError(c, err)
		return
	}
	s.changeRequisitionList(c, func(ctx context.Context, q *db.Queries, list *db.RequisitionList) (bool, error) {
		lines, err := q.RequisitionListLineListByList(ctx, list.ID)
		if err != nil {
			return false, err
		}
		has := false
		for _, l := range lines {
			has = has || l.Sku == sku
		}
		if !has {
			if len(lines) >= commerce.MaxRequisitionListLines {
				return false, FieldError("sku", fmt.Sprintf("a requisition list holds at most %d lines", commerce.MaxRequisitionListLines))
			}
			existing, err := q.ProductListVisibleSKUs(ctx, db.ProductListVisibleSKUsParams{Skus: []string{sku}, CompanyID: list.CompanyID})
			if err != nil {
				return false, err
			}
			if len(existing) == 0 {
				return false, commerce.RejectSKU(commerce.CodeUnknownSKU, sku, "no product has SKU "+sku)
			}
		}
		if err := q.RequisitionListLinePut(ctx, db.RequisitionListLinePutParams{ListID: list.ID, Sku: sku, Quantity: int32(qty)}); err != nil {
			return false, err
		}
		*list, err = q.RequisitionListUpdateTouch(ctx, list.ID)
		return false, err
	})
}

// deleteRequisitionListLine takes a SKU off a list.
func (s *Server) deleteRequisitionListLine(c *gin.Context) {
	sku := c.Param("sku")
	s.changeRequisitionList(c, func(ctx context.Context, q *db.Queries, list *db.RequisitionList) (bool, error) {
		n, err := q.RequisitionListLineDelete(ctx, db.RequisitionListLineDeleteParams{ListID: list.ID, Sku: sku})
		if err != nil {
			return false, err
		}
		if n == 0 {
			return false, &HTTPError{Status: http.StatusNotFound, Body: Error{
				Code: "line_not_found", Field: "sku", SKU: sku, Message: "the requisition list has no line for " + sku}}
		}
		*list, err = q.RequisitionListUpdateTouch(ctx, list.ID)
		return false, err
	})
}

type addListToCartRequest struct {
	// CartID is an open cart of the caller's to add to; without it a new
	// cart is made.
	CartID *string `json:"cart_id"`
}

// addRequisitionListToCart adds every line of a list of the caller's company
// to a cart of theirs (or a new one), at today's prices: line by line, as
// rebuy says.
func (s *Server) addRequisitionListToCart(c *gin.Context) {
	id, err := PathUUID(c, "list_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	var req addListToCartRequest
	if err := BindJSON(c, &req, true); err != nil {
		RespondError(c, err)
		return
	}
	cartID, err := optionalUUID("cart_id", req.CartID)
	if err != nil {
		RespondError(c, err)
		return
	}
	p := principal(c)
	s.rebuy(c, rebuyTarget{cartID: cartID}, func(ctx context.Context, q *db.Queries) ([]commerce.PastLine, error) {
		list, err := q.RequisitionListGetInCompany(ctx, db.RequisitionListGetInCompanyParams{ID: id, CompanyID: p.CompanyID})
		if err != nil {
			return nil, err
		}
		lines, err := q.RequisitionListLineListByList(ctx, list.ID)
		if err != nil {
			return nil, err
		}
		if len(lines) == 0 {
			return nil, FieldError("list_id", "the requisition list has no lines")
		}
		past := make([]commerce.PastLine, len(lines))
		for i, l := range lines {
			past[i] = commerce.PastLine{SKU: l.Sku, Quantity: int64(l.Quantity)}
		}
		return past, nil
	}, func(r RebuyResult) any { return r })
}

package api

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/pricing"
)

type bulkLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

type bulkLinesRequest struct {
	Lines []bulkLine `json:"lines"`
}

// LineResult says what became of one line of a quick order.
type LineResult struct {
	Line     int    `json:"line"` // 1-based position in the request
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
	Status   string `json:"status"` // added or rejected
	Error    *Error `json:"error,omitempty"`
}

// QuickOrderResult is the per-line outcome and the cart afterwards.
type QuickOrderResult struct {
	Added    int          `json:"added"`
	Rejected int          `json:"rejected"`
	Results  []LineResult `json:"results"`
	Cart     Cart         `json:"cart"`
}

// maxBulkLines bounds one quick order (the cart itself holds at most
// commerce.MaxCartLines lines).
const maxBulkLines = commerce.MaxCartLines

// addLines is the quick order: many lines in one request, as JSON
// ({"lines": [{"sku", "quantity"}]}) or as CSV (Content-Type text/csv; rows of
// sku,quantity; an optional header row). Every valid line is added, in one
// transaction; every other line is reported with the reason, and the request
// as a whole still succeeds.
func (s *Server) addLines(c *gin.Context) {
	lines, err := readBulkLines(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	var result QuickOrderResult
	s.changeCartWith(c, func(ctx context.Context, q *db.Queries, ch *cartChange) error {
		cart := ch.cart
		result = QuickOrderResult{Results: make([]LineResult, len(lines))}
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
		catalog, err := pricing.Catalog(ctx, q, cart.CompanyID, cart.Currency, skus)
		if err != nil {
			return err
		}
		rules := pricing.RulesOf(catalog)
		for i, l := range lines {
			res := LineResult{Line: i + 1, SKU: l.SKU, Quantity: l.Quantity, Status: "added"}
			if e := checkBulkLine(l, catalog, rules, held, cart.Currency); e != nil {
				res.Status, res.Error = "rejected", e
				result.Rejected++
			} else {
				if _, err := q.CartLineAdd(ctx, db.CartLineAddParams{CartID: cart.ID, Sku: l.SKU, Quantity: int32(l.Quantity)}); err != nil {
					return err
				}
				result.Added++
			}
			result.Results[i] = res
		}
		return nil
	}, func(view Cart) any {
		result.Cart = view
		return result
	})
}

// checkBulkLine says why one line cannot be added, or nil. quantities holds
// what the cart will hold with the lines accepted so far; the cart's line
// with this one added must keep to the SKU's quantity rule (rules).
func checkBulkLine(l bulkLine, catalog map[string]commerce.CatalogEntry, rules map[string]commerce.QuantityRule,
	held commerce.CartHolding, currency string) *Error {
	if err := commerce.ValidateSKU("sku", l.SKU); err != nil {
		return &Error{Code: "invalid_field", Field: "sku", Message: err.Error()}
	}
	if err := commerce.ValidateQuantity("quantity", l.Quantity); err != nil {
		return &Error{Code: "invalid_field", Field: "quantity", Message: err.Error()}
	}
	entry, ok := catalog[l.SKU]
	switch {
	case !ok:
		return &Error{Code: string(commerce.CodeUnknownSKU), Field: "sku", SKU: l.SKU, Message: "no product has SKU " + l.SKU}
	case !entry.Priced:
		return &Error{Code: string(commerce.CodeNotPriced), Field: "sku", SKU: l.SKU, Message: fmt.Sprintf("%s is not sold in %s", l.SKU, currency)}
	}
	field, err := held.Add(l.SKU, l.Quantity, rules)
	if r, refused := commerce.AsRejection(err); refused {
		code := string(r.Code)
		if r.Code == commerce.CodeInvalidCart {
			code = "invalid_field" // as a single line change refuses a line the cart cannot hold
		}
		return &Error{Code: code, Field: field, SKU: l.SKU, Message: r.Message, QuantityRule: r.QuantityRule}
	}
	return nil
}

// csvColumns name a quick-order CSV's cells in errors, as the JSON body
// names them; a cell past the second is "extra".
var csvColumns = []string{"sku", "quantity", "extra"}

// readBulkLines reads the request's lines from JSON or CSV.
func readBulkLines(c *gin.Context) ([]bulkLine, error) {
	var lines []bulkLine
	if strings.HasPrefix(c.ContentType(), "text/csv") {
		r := csv.NewReader(c.Request.Body)
		r.FieldsPerRecord = -1
		r.TrimLeadingSpace = true
		for row := 1; ; row++ {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if e := bodyError(err); e != nil {
					return nil, e
				}
				return nil, newError(http.StatusBadRequest, "malformed_csv", "the CSV body is malformed: "+err.Error())
			}
			for i, cell := range rec {
				if err := checkText(fmt.Sprintf("lines[%d].%s", len(lines)+1, csvColumns[min(i, len(csvColumns)-1)]), cell); err != nil {
					return nil, err
				}
			}
			qty, qtyErr := int64(0), error(nil)
			if len(rec) == 2 {
				qty, qtyErr = strconv.ParseInt(strings.TrimSpace(rec[1]), 10, 64)
				if qtyErr != nil && row == 1 && strings.EqualFold(strings.TrimSpace(rec[1]), "quantity") {
					continue // a header row
				}
			}
			// Lines are numbered as the results number them: data rows, from 1.
			if len(rec) != 2 {
				n := len(lines) + 1
				return nil, FieldError(fmt.Sprintf("lines[%d]", n), fmt.Sprintf("line %d must be sku,quantity", n))
			}
			if qtyErr != nil {
				qty = 0 // reported with the line as an invalid quantity
			}
			lines = append(lines, bulkLine{SKU: strings.TrimSpace(rec[0]), Quantity: qty})
		}
	} else {
		var req bulkLinesRequest
		if err := BindJSON(c, &req, false); err != nil {
			return nil, err
		}
		lines = req.Lines
	}
	switch {
	case len(lines) == 0:
		return nil, FieldError("lines", "lines must hold at least one line")
	case len(lines) > maxBulkLines:
		return nil, FieldError("lines", fmt.Sprintf("lines must hold at most %d lines", maxBulkLines))
	}
	return lines, nil
}

package api

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

type cartDetailsRequest struct {
	ShipTo *ShipTo `json:"ship_to"`
	// ShipToAddressID picks the ship-to from the company's address book
	// (copied in), instead of typing it (ship_to).
	ShipToAddressID *string `json:"ship_to_address_id"`
	BillTo          *ShipTo `json:"bill_to"`
	BillToAddressID *string `json:"bill_to_address_id"`
	ShippingMethod  *string `json:"shipping_method"`
	PONumber        *string `json:"po_number"`
	BuyerReference  *string `json:"buyer_reference"`
}

// CountryPattern is the shape of an ISO 3166-1 alpha-2 country code (DE): how
// ship-to addresses and tax rates name countries.
var CountryPattern = regexp.MustCompile(`^[A-Z]{2}$`)

// Field length limits, generous for any ERP.
const (
	maxAddressField = 200
	maxReference    = 64
)

// setCartDetails sets the ship-to address, shipping method, purchase-order number
// and buyer's reference; fields left out keep their value. Tax follows the
// ship-to country and shipping the method, so both are checked here: a country
// Orderflow has no tax rate for, or a method in another currency, is refused.
func (s *Server) setCartDetails(c *gin.Context) {
	var req cartDetailsRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	s.changeCart(c, func(ctx context.Context, q *db.Queries, ch *cartChange) error {
		cart := ch.cart
		p := db.CartUpdateDetailsParams{
			ID: cart.ID, ShipName: cart.ShipName, ShipLine1: cart.ShipLine1, ShipLine2: cart.ShipLine2,
			ShipCity: cart.ShipCity, ShipPostalCode: cart.ShipPostalCode, ShipCountry: cart.ShipCountry,
			ShippingMethod: cart.ShippingMethod, PoNumber: cart.PoNumber, BuyerReference: cart.BuyerReference,
			ShipToAddressID: cart.ShipToAddressID, BillTo: cart.BillTo, BillToAddressID: cart.BillToAddressID,
		}
		shipFrom, billFrom, err := pickBookAddresses(ctx, q, cart.CompanyID, &req)
		if err != nil {
			return err
		}
		if req.ShipTo != nil {
			p.ShipToAddressID = shipFrom
		}
		if t := req.BillTo; t != nil {
			if err := commerce.ValidateAddress("bill_to", addressOfShipTo(*t)); err != nil {
				return err
			}
			raw, err := billToJSON(t)
			if err != nil {
				return err
			}
			p.BillTo, p.BillToAddressID = raw, billFrom
		}
		if t := req.ShipTo; t != nil {
			rate, err := validateShipTo(ctx, q, t)
			if err != nil {
				return err
			}
			ch.known.TaxRate = &rate
			p.ShipName, p.ShipLine1, p.ShipLine2 = t.Name, t.Line1, t.Line2
			p.ShipCity, p.ShipPostalCode, p.ShipCountry = t.City, t.PostalCode, t.Country
		}
		if m := req.ShippingMethod; m != nil {
			if *m != "" {
				method, err := q.ShippingMethodGet(ctx, *m)
				if db.IsNotFound(err) {
					return FieldError("shipping_method", fmt.Sprintf("shipping_method %q does not exist (GET /v1/shipping-methods)", *m))
				}
				if err != nil {
					return err
				}
				if method.Currency != cart.Currency {
					return FieldError("shipping_method", fmt.Sprintf("shipping_method %q is priced in %s, the cart in %s", *m, method.Currency, cart.Currency))
				}
				ch.known.ShippingMethod = &method
			}
			p.ShippingMethod = *m
		}
		if v := req.PONumber; v != nil {
			if len(*v) > maxReference {
				return FieldError("po_number", fmt.Sprintf("po_number must be at most %d characters", maxReference))
			}
			p.PoNumber = strings.TrimSpace(*v)
		}
		if v := req.BuyerReference; v != nil {
			if len(*v) > maxReference {
				return FieldError("buyer_reference", fmt.Sprintf("buyer_reference must be at most %d characters", maxReference))
			}
			p.BuyerReference = strings.TrimSpace(*v)
		}
		updated, err := q.CartUpdateDetails(ctx, p)
		ch.cart = updated
		return err
	})
}

// pickBookAddresses turns the address book entries the request picks into
// the addresses they stand for (req.ShipTo, req.BillTo), and answers the
// entries picked (none: not valid). An ID that names no address of the
// company, or one given beside a typed address, is refused.
func pickBookAddresses(ctx context.Context, q *db.Queries, companyID uuid.UUID, req *cartDetailsRequest) (ship, bill uuid.NullUUID, err error) {
	for _, pick := range []struct {
		field, typed string
		id           *string
		dst          **ShipTo
		picked       *uuid.NullUUID
	}{
		{"ship_to_address_id", "ship_to", req.ShipToAddressID, &req.ShipTo, &ship},
		{"bill_to_address_id", "bill_to", req.BillToAddressID, &req.BillTo, &bill},
	} {
		id, err := optionalUUID(pick.field, pick.id)
		if err != nil {
			return ship, bill, err
		}
		if id == nil {
			continue
		}
		if *pick.dst != nil {
			return ship, bill, FieldError(pick.field, fmt.Sprintf("give %s or %s, not both", pick.typed, pick.field))
		}
		a, err := bookAddress(ctx, q, companyID, pick.field, *id)
		if err != nil {
			return ship, bill, err
		}
		picked := companyAddressOf(a).ShipTo
		*pick.dst = &picked
		*pick.picked = uuid.NullUUID{UUID: a.ID, Valid: true}
	}
	return ship, bill, nil
}

func addressOfShipTo(t ShipTo) commerce.Address {
	return commerce.Address{Name: t.Name, Line1: t.Line1, Line2: t.Line2, City: t.City, PostalCode: t.PostalCode, Country: t.Country}
}

func validateShipTo(ctx context.Context, q *db.Queries, t *ShipTo) (db.TaxRate, error) {
	for field, v := range map[string]string{
		"ship_to.name": t.Name, "ship_to.line1": t.Line1, "ship_to.line2": t.Line2,
		"ship_to.city": t.City, "ship_to.postal_code": t.PostalCode,
	} {
		if len(v) > maxAddressField {
			return db.TaxRate{}, FieldError(field, fmt.Sprintf("%s must be at most %d characters", field, maxAddressField))
		}
	}
	switch {
	case strings.TrimSpace(t.Name) == "":
		return db.TaxRate{}, FieldError("ship_to.name", "ship_to.name is required")
	case strings.TrimSpace(t.Line1) == "":
		return db.TaxRate{}, FieldError("ship_to.line1", "ship_to.line1 is required")
	case strings.TrimSpace(t.City) == "":
		return db.TaxRate{}, FieldError("ship_to.city", "ship_to.city is required")
	case !CountryPattern.MatchString(t.Country):
		return db.TaxRate{}, FieldError("ship_to.country", "ship_to.country must be an ISO 3166-1 alpha-2 code such as DE")
	}
	rate, err := q.TaxRateGet(ctx, t.Country)
	if db.IsNotFound(err) {
		return rate, FieldError("ship_to.country", fmt.Sprintf("orders cannot ship to %s: no tax rate is set up for it", t.Country))
	}
	return rate, err
}

// ShippingMethod is a way to ship, and what it costs.
type ShippingMethod struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	BaseAmount  Money  `json:"base_amount"`
	PerKgAmount Money  `json:"per_kg_amount"`
	FreeAbove   *Money `json:"free_above"`
}

// listShippingMethods lists the shipping methods in the caller's currency.
func (s *Server) listShippingMethods(c *gin.Context) {
	currency := principal(c).Currency
	rows, err := s.q.ShippingMethodListByCurrency(c.Request.Context(), currency)
	if err != nil {
		RespondError(c, err)
		return
	}
	out := struct {
		ShippingMethods []ShippingMethod `json:"shipping_methods"`
	}{ShippingMethods: []ShippingMethod{}}
	for _, m := range rows {
		sm := ShippingMethod{Code: m.Code, Name: m.Name,
			BaseAmount:  Money{Amount: m.BaseAmount, Currency: m.Currency},
			PerKgAmount: Money{Amount: m.PerKgAmount, Currency: m.Currency}}
		if m.FreeAbove.Valid {
			sm.FreeAbove = &Money{Amount: m.FreeAbove.Int64, Currency: m.Currency}
		}
		out.ShippingMethods = append(out.ShippingMethods, sm)
	}
	c.JSON(http.StatusOK, out)
}

package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// The company address book: named addresses of the caller's company, one of
// them its default ship-to and one its default bill-to, which every new cart
// starts with. Company admins manage the book; every employee reads it and
// picks entries for their carts (PATCH /v1/carts/{id} with ship_to_address_id
// or bill_to_address_id). Another company's addresses are 404.

// maxAddressLabel bounds an address's label.
const maxAddressLabel = 100

// CompanyAddress is an entry of a company's address book.
type CompanyAddress struct {
	ID    uuid.UUID `json:"id"`
	Label string    `json:"label"`
	ShipTo
	DefaultShipTo bool      `json:"default_ship_to"`
	DefaultBillTo bool      `json:"default_bill_to"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// CompanyAddressPage is one page of a company's address book.
type CompanyAddressPage struct {
	Addresses  []CompanyAddress `json:"addresses"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

func companyAddressOf(a db.CompanyAddress) CompanyAddress {
	return CompanyAddress{ID: a.ID, Label: a.Label, ShipTo: ShipTo{Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City,
		PostalCode: a.PostalCode, Country: a.Country}, DefaultShipTo: a.DefaultShipTo, DefaultBillTo: a.DefaultBillTo,
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
}

// addressRequest creates an address (label and the address's lines required)
// or changes one (fields left out keep their value).
type addressRequest struct {
	Label         *string `json:"label"`
	Name          *string `json:"name"`
	Line1         *string `json:"line1"`
	Line2         *string `json:"line2"`
	City          *string `json:"city"`
	PostalCode    *string `json:"postal_code"`
	Country       *string `json:"country"`
	DefaultShipTo *bool   `json:"default_ship_to"`
	DefaultBillTo *bool   `json:"default_bill_to"`
}

// apply sets the request's fields on a, and checks the result: the label, the
// address's shape, and that orders may ship to its country (it has a tax
// rate), so a default ship-to always prices.
func (r addressRequest) apply(ctx context.Context, q *db.Queries, a *db.CompanyAddress) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&a.Label, r.Label)
	set(&a.Name, r.Name)
	set(&a.Line1, r.Line1)
	set(&a.Line2, r.Line2)
	set(&a.City, r.City)
	set(&a.PostalCode, r.PostalCode)
	if r.Country != nil {
		a.Country = *r.Country
	}
	if r.DefaultShipTo != nil {
		a.DefaultShipTo = *r.DefaultShipTo
	}
	if r.DefaultBillTo != nil {
		a.DefaultBillTo = *r.DefaultBillTo
	}
	switch {
	case a.Label == "":
		return FieldError("label", "label is required")
	case utf8.RuneCountInString(a.Label) > maxAddressLabel:
		return FieldError("label", fmt.Sprintf("label must be at most %d characters", maxAddressLabel))
	}
	if err := commerce.ValidateAddress("", addressOf(*a)); err != nil {
		var fe *commerce.FieldError
		if errors.As(err, &fe) {
			field := strings.TrimPrefix(fe.Field, ".")
			return FieldError(field, field+" "+fe.Message)
		}
		return err
	}
	_, err := shippableCountry(ctx, q, "country", a.Country)
	return err
}

func addressOf(a db.CompanyAddress) commerce.Address {
	return commerce.Address{Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City, PostalCode: a.PostalCode, Country: a.Country}
}

// shippableCountry is the tax rate of a country orders may ship to; a country
// without one is refused, naming field.
func shippableCountry(ctx context.Context, q *db.Queries, field, country string) (db.TaxRate, error) {
	rate, err := q.TaxRateGet(ctx, country)
	if db.IsNotFound(err) {
		return rate, FieldError(field, fmt.Sprintf("orders cannot ship to %s: no tax rate is set up for it", country))
	}
	return rate, err
}

// requireAddressBookAdmin refuses callers who may read the book but not change it.
func requireAddressBookAdmin(p Principal) error {
	if !commerce.CanManageAddressBook(p.Role) {
		return newError(http.StatusForbidden, "forbidden", "only a company admin may change the company's address book")
	}
	return nil
}

// listAddresses pages through the caller's company's address book, oldest first.
func (s *Server) listAddresses(c *gin.Context) {
	p, err := ReadKeysetPage(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	rows, err := s.q.CompanyAddressListByCompany(c.Request.Context(), db.CompanyAddressListByCompanyParams{
		CompanyID: principal(c).CompanyID, AfterCreatedAt: p.AfterAt, AfterID: p.AfterID, RowLimit: p.RowLimit()})
	if err != nil {
		RespondError(c, err)
		return
	}
	page := CompanyAddressPage{}
	page.Addresses, page.NextCursor = PageOf(p, rows, func(a db.CompanyAddress) (time.Time, uuid.UUID) { return a.CreatedAt, a.ID }, companyAddressOf)
	c.JSON(http.StatusOK, page)
}

// getAddress shows one address of the caller's company's book.
func (s *Server) getAddress(c *gin.Context) {
	id, err := PathUUID(c, "address_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	a, err := s.q.CompanyAddressGetInCompany(c.Request.Context(), db.CompanyAddressGetInCompanyParams{ID: id, CompanyID: principal(c).CompanyID})
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, companyAddressOf(a))
}

// createAddress adds an address to the caller's company's book (company
// admins). Made the default ship-to or bill-to, it takes over from the one
// before, in the same transaction.
func (s *Server) createAddress(c *gin.Context) {
	var req addressRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	p := principal(c)
	if err := requireAddressBookAdmin(p); err != nil {
		RespondError(c, err)
		return
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"label", req.Label}, {"name", req.Name}, {"line1", req.Line1}, {"city", req.City}, {"country", req.Country}} {
		if f.v == nil {
			RespondError(c, FieldError(f.name, f.name+" is required"))
			return
		}
	}
	ctx := c.Request.Context()
	var created db.CompanyAddress
	err := db.InTx(ctx, s.pool, func(q *db.Queries) error {
		a := db.CompanyAddress{ID: uuid.New(), CompanyID: p.CompanyID}
		if err := req.apply(ctx, q, &a); err != nil {
			return err
		}
		if err := clearOtherDefaults(ctx, q, a); err != nil {
			return err
		}
		var err error
		created, err = q.CompanyAddressCreate(ctx, db.CompanyAddressCreateParams{
			ID: a.ID, CompanyID: a.CompanyID, Label: a.Label, Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City,
			PostalCode: a.PostalCode, Country: a.Country, DefaultShipTo: a.DefaultShipTo, DefaultBillTo: a.DefaultBillTo})
		return addressConflict(err)
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	c.Header("Location", "/v1/company/addresses/"+created.ID.String())
	c.JSON(http.StatusCreated, companyAddressOf(created))
}

// updateAddress changes an address of the caller's company's book (company
// admins); fields left out keep their value. Carts that copied it keep their
// copy.
func (s *Server) updateAddress(c *gin.Context) {
	id, err := PathUUID(c, "address_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	var req addressRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	p := principal(c)
	if err := requireAddressBookAdmin(p); err != nil {
		RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	var updated db.CompanyAddress
	err = db.InTx(ctx, s.pool, func(q *db.Queries) error {
		a, err := q.CompanyAddressLockInCompany(ctx, db.CompanyAddressLockInCompanyParams{ID: id, CompanyID: p.CompanyID})
		if err != nil {
			return err
		}
		if err := req.apply(ctx, q, &a); err != nil {
			return err
		}
		if err := clearOtherDefaults(ctx, q, a); err != nil {
			return err
		}
		updated, err = q.CompanyAddressUpdate(ctx, db.CompanyAddressUpdateParams{
			ID: a.ID, Label: a.Label, Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City,
			PostalCode: a.PostalCode, Country: a.Country, DefaultShipTo: a.DefaultShipTo, DefaultBillTo: a.DefaultBillTo})
		return addressConflict(err)
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, companyAddressOf(updated))
}

// deleteAddress removes an address from the caller's company's book (company
// admins). Carts and orders that copied it keep their copy; a default removed
// leaves the company without that default.
func (s *Server) deleteAddress(c *gin.Context) {
	id, err := PathUUID(c, "address_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	p := principal(c)
	if err := requireAddressBookAdmin(p); err != nil {
		RespondError(c, err)
		return
	}
	n, err := s.q.CompanyAddressDelete(c.Request.Context(), db.CompanyAddressDeleteParams{ID: id, CompanyID: p.CompanyID})
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	if err != nil {
		RespondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// clearOtherDefaults takes the defaults a becomes off the company's other
// addresses.
func clearOtherDefaults(ctx context.Context, q *db.Queries, a db.CompanyAddress) error {
	if !a.DefaultShipTo && !a.DefaultBillTo {
		return nil
	}
	return q.CompanyAddressUpdateClearDefaults(ctx, db.CompanyAddressUpdateClearDefaultsParams{
		CompanyID: a.CompanyID, KeepID: a.ID, ClearShipTo: a.DefaultShipTo, ClearBillTo: a.DefaultBillTo})
}

// addressConflict maps the book's unique constraints to 409s: a label taken,
// or a default set at the same moment by another request.
func addressConflict(err error) error {
	var pg *pgconn.PgError
	if !db.IsUniqueViolation(err) || !errors.As(err, &pg) {
		return err
	}
	if pg.ConstraintName == "company_addresses_company_id_label_key" {
		return &HTTPError{Status: http.StatusConflict, Body: Error{Code: "already_exists", Field: "label",
			Message: "the company's address book already has an address with this label"}}
	}
	return &HTTPError{Status: http.StatusConflict, Body: Error{Code: "conflict",
		Message: "another change of the company's default addresses ran at the same time; try again"}}
}

// bookAddress reads an address of the company's book for a cart, naming field
// when there is none with that ID (another company's included).
func bookAddress(ctx context.Context, q *db.Queries, companyID uuid.UUID, field string, id uuid.UUID) (db.CompanyAddress, error) {
	a, err := q.CompanyAddressGetInCompany(ctx, db.CompanyAddressGetInCompanyParams{ID: id, CompanyID: companyID})
	if db.IsNotFound(err) {
		return a, FieldError(field, field+" names no address of your company's address book")
	}
	return a, err
}

// billToJSON is how a cart and an order keep a bill-to.
func billToJSON(t *ShipTo) ([]byte, error) {
	if t == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(t)
}

// billToOf reads a kept bill-to; none (or an empty one) is nil.
func billToOf(raw []byte) *ShipTo {
	var t ShipTo
	if json.Unmarshal(raw, &t) != nil || t == (ShipTo{}) {
		return nil
	}
	return &t
}

// optionalUUID reads an optional ID of a request body; one that is no UUID is
// a 422 naming field.
func optionalUUID(field string, v *string) (*uuid.UUID, error) {
	if v == nil {
		return nil, nil
	}
	id, err := uuid.Parse(*v)
	if err != nil {
		return nil, FieldError(field, field+" must be a UUID")
	}
	return &id, nil
}

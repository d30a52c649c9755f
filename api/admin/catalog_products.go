package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/catalog"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// maxDescription bounds a catalog product's description.
const maxDescription = 10_000

// maxAssortmentProducts bounds one assortment so that writing it stays one
// small transaction.
const maxAssortmentProducts = 100_000

// CatalogProductAdmin is a catalog product as ops manage it: its variants
// with their base prices by currency and their stock.
type CatalogProductAdmin struct {
	ID          uuid.UUID                  `json:"id"`
	Handle      string                     `json:"handle"`
	Name        string                     `json:"name"`
	Description string                     `json:"description"`
	Category    string                     `json:"category"`
	Options     []commerce.ProductOption   `json:"options"`
	Attributes  map[string]json.RawMessage `json:"attributes"`
	Variants    []CatalogVariantAdmin      `json:"variants"`
	CreatedAt   time.Time                  `json:"created_at"`
	UpdatedAt   time.Time                  `json:"updated_at"`
}

// CatalogVariantAdmin is a variant as ops see it. Prices are per unit sold (a
// box of pack_size pieces); stock counts units sold.
type CatalogVariantAdmin struct {
	SKU         string            `json:"sku"`
	Name        string            `json:"name"`
	Options     map[string]string `json:"options"`
	Unit        string            `json:"unit"`
	PackSize    int64             `json:"pack_size"`
	WeightGrams int64             `json:"weight_grams"`
	Prices      map[string]int64  `json:"prices"`
	OnHand      int64             `json:"on_hand"`
	Available   int64             `json:"available"`
}

type catalogProductRequest struct {
	Handle      string                     `json:"handle"`
	Name        string                     `json:"name"`
	Description string                     `json:"description"`
	Category    string                     `json:"category"`
	Options     []commerce.ProductOption   `json:"options"`
	Attributes  map[string]json.RawMessage `json:"attributes"`
	Variants    []catalogVariantRequest    `json:"variants"`
}

type catalogVariantRequest struct {
	SKU         string            `json:"sku"`
	Name        string            `json:"name"`
	Options     map[string]string `json:"options"`
	Unit        string            `json:"unit"`
	PackSize    *int64            `json:"pack_size"`
	WeightGrams *int64            `json:"weight_grams"`
	Prices      map[string]int64  `json:"prices"`
	OnHand      *int64            `json:"on_hand"`
}

// check turns the request into a product to save, naming the field at fault.
// A variant's name defaults to the product's; its unit to each of pack size 1.
func (r catalogProductRequest) check() (catalog.Product, error) {
	p := catalog.Product{Handle: r.Handle, Category: r.Category, Options: r.Options}
	var err error
	if p.Name, err = requiredText("name", r.Name, maxName); err != nil {
		return p, err
	}
	if utf8.RuneCountInString(r.Description) > maxDescription {
		return p, api.FieldError("description", fmt.Sprintf("description must be at most %d characters", maxDescription))
	}
	p.Description = r.Description
	if p.Attributes, err = commerce.ParseAttributes(r.Attributes); err != nil {
		return p, err
	}
	if r.Variants == nil {
		return p, api.FieldError("variants", "variants is required: at least one")
	}
	for i, v := range r.Variants {
		field := fmt.Sprintf("variants[%d]", i)
		out := catalog.Variant{SKU: v.SKU, Name: v.Name, Options: v.Options, Unit: v.Unit, PackSize: 1, Prices: v.Prices, OnHand: v.OnHand}
		if out.Name == "" {
			out.Name = p.Name
		} else if out.Name, err = requiredText(field+".name", v.Name, maxName); err != nil {
			return p, err
		}
		if out.Unit == "" {
			out.Unit = "each"
		}
		if v.PackSize != nil {
			out.PackSize = *v.PackSize
		}
		if v.WeightGrams != nil {
			if out.WeightGrams, err = checkInt64(field+".weight_grams", *v.WeightGrams, 1_000_000_000); err != nil {
				return p, err
			}
		}
		if v.OnHand != nil {
			if _, err := checkInt64(field+".on_hand", *v.OnHand, 0); err != nil {
				return p, err
			}
		}
		p.Variants = append(p.Variants, out)
	}
	return p, p.Check()
}

// saveError maps what only the stored catalog can refuse to a response.
func saveError(err error) error {
	var taken *catalog.SKUTakenError
	var kept *catalog.VariantKeptError
	var below *catalog.BelowReservedError
	switch {
	case errors.Is(err, catalog.ErrHandleTaken):
		return conflict("already_exists", "handle", "handle is already taken")
	case errors.As(err, &taken):
		return conflict("already_exists", fmt.Sprintf("variants[%d].sku", taken.Index), taken.Error())
	case errors.As(err, &kept):
		return api.FieldError("variants", kept.Error())
	case errors.As(err, &below):
		return conflict("stock_reserved", fmt.Sprintf("variants[%d].on_hand", below.Index), below.Error())
	}
	return err
}

// createCatalogProduct creates a catalog product with its variants (new SKUs,
// or SKUs of no other product... a SKU is another product's variant: 409).
func (h *handlers) createCatalogProduct(c *gin.Context) {
	var req catalogProductRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	p, err := req.check()
	if err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	id := uuid.New()
	var out CatalogProductAdmin
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		if err := catalog.Save(ctx, q, id, p, true); err != nil {
			return saveError(err)
		}
		out, err = catalogProductAdmin(ctx, q, id)
		return err
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.Header("Location", "/v1/admin/catalog/products/"+id.String())
	c.JSON(http.StatusCreated, out)
}

// replaceCatalogProduct replaces a catalog product: every variant it has must
// stay (SKUs are never deleted); new ones are added.
func (h *handlers) replaceCatalogProduct(c *gin.Context) {
	id, err := api.PathUUID(c, "product_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var req catalogProductRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	p, err := req.check()
	if err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	var out CatalogProductAdmin
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		if err := catalog.Save(ctx, q, id, p, false); err != nil {
			return saveError(err)
		}
		out, err = catalogProductAdmin(ctx, q, id)
		return err
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// getCatalogProduct shows a catalog product as ops manage it.
func (h *handlers) getCatalogProduct(c *gin.Context) {
	id, err := api.PathUUID(c, "product_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	out, err := catalogProductAdmin(c.Request.Context(), h.q, id)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// catalogProductAdmin reads a catalog product back as stored.
func catalogProductAdmin(ctx context.Context, q *db.Queries, id uuid.UUID) (CatalogProductAdmin, error) {
	row, err := q.CatalogProductGet(ctx, id)
	if err != nil {
		return CatalogProductAdmin{}, err
	}
	out := CatalogProductAdmin{ID: row.ID, Handle: row.Handle, Name: row.Name, Description: row.Description, Category: row.Category,
		Options: []commerce.ProductOption{}, Attributes: map[string]json.RawMessage{}, Variants: []CatalogVariantAdmin{},
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC()}
	if err := json.Unmarshal(row.Options, &out.Options); err != nil {
		return out, err
	}
	if err := json.Unmarshal(row.Attributes, &out.Attributes); err != nil {
		return out, err
	}
	variants, err := q.CatalogVariantListForAdmin(ctx, id)
	if err != nil {
		return out, err
	}
	for _, v := range variants {
		va := CatalogVariantAdmin{SKU: v.Sku, Name: v.Name, Options: map[string]string{}, Unit: v.Unit, PackSize: int64(v.PackSize),
			WeightGrams: int64(v.WeightGrams), Prices: map[string]int64{}, OnHand: v.OnHand, Available: v.Available}
		if err := json.Unmarshal(v.OptionValues, &va.Options); err != nil {
			return out, err
		}
		if err := json.Unmarshal(v.Prices, &va.Prices); err != nil {
			return out, err
		}
		out.Variants = append(out.Variants, va)
	}
	return out, nil
}

// Assortment is a set of catalog products (by handle) that the companies
// assigned to it are limited to.
type Assortment struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	Products  []string  `json:"products,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AssortmentPage is one page of assortments (without their products).
type AssortmentPage struct {
	Assortments []Assortment `json:"assortments"`
	NextCursor  string       `json:"next_cursor,omitempty"`
}

type assortmentRequest struct {
	Name     string   `json:"name"`
	Products []string `json:"products"`
}

func assortmentOf(a db.Assortment) Assortment {
	return Assortment{ID: a.ID, Name: a.Name, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
}

// check validates an assortment request; products are handles.
func (r assortmentRequest) check() (string, error) {
	name, err := requiredText("name", r.Name, maxName)
	if err != nil {
		return "", err
	}
	switch {
	case r.Products == nil:
		return "", api.FieldError("products", "products is required ([] for none)")
	case len(r.Products) > maxAssortmentProducts:
		return "", api.FieldError("products", fmt.Sprintf("an assortment holds at most %d products", maxAssortmentProducts))
	}
	for i, h := range r.Products {
		if err := commerce.ValidateHandle(fmt.Sprintf("products[%d]", i), h); err != nil {
			return "", err
		}
	}
	return name, nil
}

// writeAssortmentProducts replaces the products of an assortment and reads
// the assortment back. A handle that names no product is refused, naming it.
func writeAssortmentProducts(ctx context.Context, q *db.Queries, a db.Assortment, handles []string) (Assortment, error) {
	rows, err := q.CatalogProductListIDsByHandles(ctx, handles)
	if err != nil {
		return Assortment{}, err
	}
	ids := make(map[string]uuid.UUID, len(rows))
	for _, r := range rows {
		ids[r.Handle] = r.ID
	}
	productIDs := make([]uuid.UUID, 0, len(handles))
	for i, h := range handles {
		id, ok := ids[h]
		if !ok {
			return Assortment{}, api.FieldError(fmt.Sprintf("products[%d]", i), fmt.Sprintf("products[%d]: no catalog product has handle %s", i, h))
		}
		productIDs = append(productIDs, id)
	}
	if err := q.AssortmentProductDeleteAll(ctx, a.ID); err != nil {
		return Assortment{}, err
	}
	if len(productIDs) > 0 {
		if err := q.AssortmentProductCreateMany(ctx, db.AssortmentProductCreateManyParams{AssortmentID: a.ID, ProductIds: productIDs}); err != nil {
			return Assortment{}, err
		}
	}
	return assortmentWithProducts(ctx, q, a)
}

func assortmentWithProducts(ctx context.Context, q *db.Queries, a db.Assortment) (Assortment, error) {
	out := assortmentOf(a)
	handles, err := q.AssortmentProductHandles(ctx, a.ID)
	if err != nil {
		return out, err
	}
	sort.Strings(handles)
	out.Products = handles
	return out, nil
}

// createAssortment creates an assortment of catalog products.
func (h *handlers) createAssortment(c *gin.Context) {
	var req assortmentRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	name, err := req.check()
	if err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	var out Assortment
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		a, err := q.AssortmentCreate(ctx, db.AssortmentCreateParams{ID: uuid.New(), Name: name})
		if err != nil {
			return violation(err, "name", "")
		}
		out, err = writeAssortmentProducts(ctx, q, a, req.Products)
		return err
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.Header("Location", "/v1/admin/assortments/"+out.ID.String())
	c.JSON(http.StatusCreated, out)
}

// replaceAssortment replaces an assortment's name and products; the companies
// limited to it see the new products at once.
func (h *handlers) replaceAssortment(c *gin.Context) {
	id, err := api.PathUUID(c, "assortment_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var req assortmentRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	name, err := req.check()
	if err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	var out Assortment
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		if _, err := q.AssortmentLock(ctx, id); err != nil {
			return err
		}
		a, err := q.AssortmentUpdate(ctx, db.AssortmentUpdateParams{ID: id, Name: name})
		if err != nil {
			return violation(err, "name", "")
		}
		out, err = writeAssortmentProducts(ctx, q, a, req.Products)
		return err
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// getAssortment shows an assortment with its products' handles.
func (h *handlers) getAssortment(c *gin.Context) {
	id, err := api.PathUUID(c, "assortment_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	a, err := h.q.AssortmentGet(ctx, id)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	out, err := assortmentWithProducts(ctx, h.q, a)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// listAssortments pages through the assortments, oldest first.
func (h *handlers) listAssortments(c *gin.Context) {
	p, err := api.ReadKeysetPage(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	rows, err := h.q.AssortmentList(c.Request.Context(), db.AssortmentListParams{
		AfterCreatedAt: p.AfterAt, AfterID: p.AfterID, RowLimit: p.RowLimit()})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var page AssortmentPage
	page.Assortments, page.NextCursor = api.PageOf(p, rows, func(r db.Assortment) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID }, assortmentOf)
	c.JSON(http.StatusOK, page)
}

// deleteAssortment deletes an assortment no company is limited to; one in
// use is 409 (deleting it would open the whole catalog to those companies).
func (h *handlers) deleteAssortment(c *gin.Context) {
	id, err := api.PathUUID(c, "assortment_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		if _, err := q.AssortmentLock(ctx, id); err != nil {
			return err
		}
		n, err := q.AssortmentCompanyCount(ctx, uuid.NullUUID{UUID: id, Valid: true})
		if err != nil {
			return err
		}
		if n > 0 {
			return conflict("assortment_in_use", "assortment_id", fmt.Sprintf("%d companies are limited to this assortment; assign them another first", n))
		}
		_, err = q.AssortmentDelete(ctx, id)
		return err
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// CompanyAssortment is which assortment a company is limited to (null: the
// whole catalog).
type CompanyAssortment struct {
	CompanyID    uuid.UUID  `json:"company_id"`
	AssortmentID *uuid.UUID `json:"assortment_id"`
}

type companyAssortmentRequest struct {
	AssortmentID *string `json:"assortment_id"`
}

// putCompanyAssortment limits a company to an assortment, or (null) lifts
// the limit.
func (h *handlers) putCompanyAssortment(c *gin.Context) {
	companyID, err := api.PathUUID(c, "company_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var req companyAssortmentRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	p := db.CompanyUpdateAssortmentParams{ID: companyID}
	if req.AssortmentID != nil {
		id, err := uuid.Parse(*req.AssortmentID)
		if err != nil {
			api.RespondError(c, api.FieldError("assortment_id", "assortment_id must be a UUID or null"))
			return
		}
		p.AssortmentID = uuid.NullUUID{UUID: id, Valid: true}
	}
	row, err := h.q.CompanyUpdateAssortment(c.Request.Context(), p)
	if err != nil {
		api.RespondError(c, violation(err, "", "assortment_id"))
		return
	}
	out := CompanyAssortment{CompanyID: row.ID}
	if row.AssortmentID.Valid {
		out.AssortmentID = &row.AssortmentID.UUID
	}
	c.JSON(http.StatusOK, out)
}

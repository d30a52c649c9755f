// Package catalog writes catalog products (a parent with options, attributes
// and variants, each variant a SKU) and reads them back, in the caller's
// transaction. The admin API, the demo data and test fixtures all write
// through Save, so they cannot disagree on what a product is.
package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Variant is one sellable SKU of a product.
type Variant struct {
	SKU  string
	Name string
	// Options holds the variant's value of each of the product's options.
	Options map[string]string
	// Unit is what one unit sold is ("each", "box"); PackSize the pieces in it.
	// Prices (minor units, by currency) and stock count units sold.
	Unit        string
	PackSize    int64
	WeightGrams int64
	// Prices replaces the variant's prices; nil keeps them.
	Prices map[string]int64
	// OnHand sets the units on hand; nil keeps them (0 for a new variant).
	OnHand *int64
}

// Product is a catalog product as written.
type Product struct {
	Handle      string
	Name        string
	Description string
	Category    string
	Options     []commerce.ProductOption
	Attributes  map[string]commerce.Attribute
	Variants    []Variant
}

// Check validates a product with the rules in commerce, naming the field at
// fault as the admin API names it.
func (p Product) Check() error {
	if err := commerce.ValidateHandle("handle", p.Handle); err != nil {
		return err
	}
	if err := commerce.ValidateCategory("category", p.Category); err != nil {
		return err
	}
	if err := commerce.ValidateOptions(p.Options); err != nil {
		return err
	}
	values := make([]map[string]string, len(p.Variants))
	skus := make(map[string]int, len(p.Variants))
	for i, v := range p.Variants {
		field := fmt.Sprintf("variants[%d]", i)
		if err := commerce.ValidateSKU(field+".sku", v.SKU); err != nil {
			return err
		}
		if j, dup := skus[v.SKU]; dup {
			return &commerce.FieldError{Field: field + ".sku", Message: fmt.Sprintf("%s is also variants[%d]", v.SKU, j)}
		}
		skus[v.SKU] = i
		if err := commerce.ValidateUnit(field, v.Unit, v.PackSize); err != nil {
			return err
		}
		for _, currency := range slices.Sorted(maps.Keys(v.Prices)) {
			if !commerce.KnownCurrency(currency) {
				return &commerce.FieldError{Field: field + ".prices." + currency, Message: "the key must be an ISO 4217 currency code such as EUR"}
			}
			if v.Prices[currency] < 0 {
				return &commerce.FieldError{Field: field + ".prices." + currency, Message: "must be at least 0"}
			}
		}
		values[i] = v.Options
	}
	return commerce.ValidateVariantOptions(p.Options, values)
}

// Errors of Save that only the stored catalog can tell.
var (
	// ErrHandleTaken: another product has the handle.
	ErrHandleTaken = errors.New("handle is already taken")
)

// SKUTakenError says a variant's SKU is another product's.
type SKUTakenError struct{ Index int }

func (e *SKUTakenError) Error() string {
	return fmt.Sprintf("variants[%d].sku is a variant of another product", e.Index)
}

// VariantKeptError says a product update left out a variant it has: SKUs are
// never deleted (carts, orders and quotes name them).
type VariantKeptError struct{ SKU string }

func (e *VariantKeptError) Error() string {
	return fmt.Sprintf("variants must keep %s: a SKU is never deleted", e.SKU)
}

// BelowReservedError says a variant's on-hand count would fall below the units
// reserved by checkouts and orders.
type BelowReservedError struct {
	Index    int
	Reserved int64
}

func (e *BelowReservedError) Error() string {
	return fmt.Sprintf("variants[%d].on_hand cannot go below the %d units reserved by checkouts and orders", e.Index, e.Reserved)
}

// Save writes product p under id, creating it (create) or replacing it, with
// its variants, their prices and stock, in q's transaction. Check p first.
// An attribute of a kind other than the catalog knows for its name is a
// *commerce.FieldError.
func Save(ctx context.Context, q *db.Queries, id uuid.UUID, p Product, create bool) error {
	names := slices.Sorted(maps.Keys(p.Attributes))
	kinds := make([]string, len(names))
	attrs := make(map[string]json.RawMessage, len(names))
	for i, n := range names {
		kinds[i] = string(p.Attributes[n].Kind)
		attrs[n] = p.Attributes[n].JSON
	}
	if len(names) > 0 {
		if err := q.CatalogAttributeCreateMany(ctx, db.CatalogAttributeCreateManyParams{Names: names, Kinds: kinds}); err != nil {
			return err
		}
		known, err := q.CatalogAttributeListByNames(ctx, names)
		if err != nil {
			return err
		}
		byName := make(map[string]commerce.AttributeKind, len(known))
		for _, k := range known {
			byName[k.Name] = commerce.AttributeKind(k.Kind)
		}
		if err := commerce.CheckAttributeKinds(p.Attributes, byName); err != nil {
			return err
		}
	}
	options := p.Options
	if options == nil {
		options = []commerce.ProductOption{}
	}
	optionsJSON, err := json.Marshal(options)
	if err != nil {
		return err
	}
	attrsJSON, err := json.Marshal(attrs)
	if err != nil {
		return err
	}
	if create {
		_, err = q.CatalogProductCreate(ctx, db.CatalogProductCreateParams{ID: id, Handle: p.Handle, Name: p.Name,
			Description: p.Description, Category: p.Category, Options: optionsJSON, Attributes: attrsJSON})
	} else {
		if _, err = q.CatalogProductLock(ctx, id); err != nil {
			return err
		}
		var existing []string
		if existing, err = q.CatalogVariantListSKUsByProduct(ctx, id); err != nil {
			return err
		}
		for _, sku := range existing {
			if !slices.ContainsFunc(p.Variants, func(v Variant) bool { return v.SKU == sku }) {
				return &VariantKeptError{SKU: sku}
			}
		}
		_, err = q.CatalogProductUpdate(ctx, db.CatalogProductUpdateParams{ID: id, Handle: p.Handle, Name: p.Name,
			Description: p.Description, Category: p.Category, Options: optionsJSON, Attributes: attrsJSON})
	}
	if db.IsUniqueViolation(err) {
		return ErrHandleTaken
	}
	if err != nil {
		return err
	}
	for i, v := range p.Variants {
		if err := saveVariant(ctx, q, id, i, v); err != nil {
			return err
		}
	}
	if err := q.CatalogProductNumberDeleteByProduct(ctx, id); err != nil {
		return err
	}
	return q.CatalogProductNumberCreateFromAttributes(ctx, id)
}

func saveVariant(ctx context.Context, q *db.Queries, productID uuid.UUID, i int, v Variant) error {
	optionsJSON, err := json.Marshal(v.Options)
	if v.Options == nil {
		optionsJSON = []byte("{}")
	}
	if err != nil {
		return err
	}
	_, err = q.CatalogVariantPut(ctx, db.CatalogVariantPutParams{Sku: v.SKU, Name: v.Name, WeightGrams: int32(v.WeightGrams),
		ProductID: productID, OptionValues: optionsJSON, Unit: v.Unit, PackSize: int32(v.PackSize), Position: int32(i)})
	if db.IsNotFound(err) {
		return &SKUTakenError{Index: i}
	}
	if err != nil {
		return err
	}
	if v.Prices != nil {
		prices := db.ProductPricePutManyParams{Sku: v.SKU, Currencies: slices.Sorted(maps.Keys(v.Prices)), UnitPrices: []int64{}}
		for _, c := range prices.Currencies {
			prices.UnitPrices = append(prices.UnitPrices, v.Prices[c])
		}
		if err := q.ProductPriceDeleteOtherCurrencies(ctx, db.ProductPriceDeleteOtherCurrenciesParams{Sku: v.SKU, KeepCurrencies: prices.Currencies}); err != nil {
			return err
		}
		if len(prices.Currencies) > 0 {
			if err := q.ProductPricePutMany(ctx, prices); err != nil {
				return err
			}
		}
	}
	if v.OnHand == nil {
		return q.StockCreate(ctx, db.StockCreateParams{Sku: v.SKU, OnHand: 0})
	}
	current, err := q.StockLock(ctx, v.SKU)
	if err != nil && !db.IsNotFound(err) {
		return err
	}
	if err == nil && *v.OnHand < current.Reserved {
		return &BelowReservedError{Index: i, Reserved: current.Reserved}
	}
	_, err = q.StockPut(ctx, db.StockPutParams{Sku: v.SKU, OnHand: *v.OnHand})
	return err
}

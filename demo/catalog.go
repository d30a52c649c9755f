package demo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/catalog"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// The demo's structured catalog: products with options and variants, typed
// attributes, categories and a box-of-100 unit, and a company limited to an
// assortment of them.
var (
	boltM10ID     = uuid.MustParse("0c0a1e00-0000-4000-8000-0000000c0001")
	glovesLatexID = uuid.MustParse("0c0a1e00-0000-4000-8000-0000000c0002")
	cableTiesID   = uuid.MustParse("0c0a1e00-0000-4000-8000-0000000c0003")

	// SiteEssentialsID is the assortment Initech is limited to.
	SiteEssentialsID = uuid.MustParse("0c0a1e00-0000-4000-8000-0000000a5001")
	// InitechID is a company limited to the Site essentials assortment: its
	// buyers see and buy only those products.
	InitechID = uuid.MustParse("0c0a1e00-0000-4000-8000-00000000171e")
	// LimitedBuyer buys for Initech.
	LimitedBuyer = Principal{ID: uuid.MustParse("0c0a1e00-0000-4000-8000-00000000171f"), Name: "Ivy Irwin", Email: "ivy@initech.example",
		Company: "Initech Site Services", Role: "buyer", Token: "oft_demo_ivy_initech"}
)

// siteEssentials are the handles of the products Initech may see.
var siteEssentials = []string{"hex-bolt-m10", "work-gloves-latex", "NUT-M8", "GOGGLES-CLR", "HELMET-WHT"}

func attrs(raw string) map[string]commerce.Attribute {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		panic(err)
	}
	out, err := commerce.ParseAttributes(m)
	if err != nil {
		panic(err)
	}
	return out
}

func eurUSD(eur, usd int64) map[string]int64 { return map[string]int64{"EUR": eur, "USD": usd} }

func structuredProducts() map[uuid.UUID]catalog.Product {
	variant := func(sku, name, option, value, unit string, pack, grams int64, prices map[string]int64) catalog.Variant {
		return catalog.Variant{SKU: sku, Name: name, Options: map[string]string{option: value}, Unit: unit, PackSize: pack,
			WeightGrams: grams, Prices: prices}
	}
	return map[uuid.UUID]catalog.Product{
		boltM10ID: {Handle: "hex-bolt-m10", Name: "Hex bolt M10, zinc plated", Category: "fasteners",
			Description: "DIN 933 hex head bolt, fully threaded, steel 8.8, zinc plated. Sold per box of 100.",
			Options:     []commerce.ProductOption{{Name: "Length", Values: []string{"30mm", "50mm", "80mm"}}},
			Attributes:  attrs(`{"material":"steel","thread":"M10","diameter_mm":10,"strength_class":8.8,"zinc_plated":true}`),
			Variants: []catalog.Variant{
				variant("BOLT-M10-30", "Hex bolt M10×30, box of 100", "Length", "30mm", "box", 100, 2300, eurUSD(1590, 1690)),
				variant("BOLT-M10-50", "Hex bolt M10×50, box of 100", "Length", "50mm", "box", 100, 3400, eurUSD(1890, 1990)),
				variant("BOLT-M10-80", "Hex bolt M10×80, box of 100", "Length", "80mm", "box", 100, 5200, eurUSD(2490, 2690)),
			}},
		glovesLatexID: {Handle: "work-gloves-latex", Name: "Latex-coated work gloves", Category: "safety",
			Description: "Knitted polyester gloves with a crinkled latex palm: grip on wet and dry surfaces. EN 388.",
			Options:     []commerce.ProductOption{{Name: "Size", Values: []string{"S", "M", "L", "XL"}}},
			Attributes:  attrs(`{"material":"latex","en388":true,"cut_level":2}`),
			Variants: []catalog.Variant{
				variant("GLOVE-LTX-S", "Latex work gloves S", "Size", "S", "pair", 1, 70, eurUSD(290, 320)),
				variant("GLOVE-LTX-M", "Latex work gloves M", "Size", "M", "pair", 1, 75, eurUSD(290, 320)),
				variant("GLOVE-LTX-L", "Latex work gloves L", "Size", "L", "pair", 1, 80, eurUSD(290, 320)),
				variant("GLOVE-LTX-XL", "Latex work gloves XL", "Size", "XL", "pair", 1, 85, eurUSD(310, 340)),
			}},
		cableTiesID: {Handle: "cable-ties", Name: "Cable ties, black, UV resistant", Category: "electrical",
			Description: "Polyamide 6.6 cable ties, UV stabilised for outdoor use. Sold per bag of 100.",
			Options:     []commerce.ProductOption{{Name: "Length", Values: []string{"200mm", "300mm"}}},
			Attributes:  attrs(`{"material":"polyamide","uv_resistant":true}`),
			Variants: []catalog.Variant{
				variant("TIE-200-BK", "Cable ties 200 mm, bag of 100", "Length", "200mm", "bag", 100, 250, eurUSD(390, 420)),
				variant("TIE-300-BK", "Cable ties 300 mm, bag of 100", "Length", "300mm", "bag", 100, 380, eurUSD(520, 560)),
			}},
	}
}

// demoStock is what a new structured variant starts with on hand.
const demoStock = 250

// seedStructuredCatalog puts the demo's structured products back as defined,
// with stock only for new variants, and the Site essentials assortment with
// Initech limited to it.
func seedStructuredCatalog(ctx context.Context, q *db.Queries) error {
	for id, p := range structuredProducts() {
		_, err := q.CatalogProductGet(ctx, id)
		create := db.IsNotFound(err)
		if err != nil && !create {
			return err
		}
		if create {
			for i := range p.Variants {
				stock := int64(demoStock)
				p.Variants[i].OnHand = &stock
			}
		}
		if err := catalog.Save(ctx, q, id, p, create); err != nil {
			return fmt.Errorf("catalog product %s: %w", p.Handle, err)
		}
	}
	a, err := q.AssortmentGet(ctx, SiteEssentialsID)
	if db.IsNotFound(err) {
		a, err = q.AssortmentCreate(ctx, db.AssortmentCreateParams{ID: SiteEssentialsID, Name: "Site essentials"})
	}
	if err != nil {
		return fmt.Errorf("assortment: %w", err)
	}
	rows, err := q.CatalogProductListIDsByHandles(ctx, siteEssentials)
	if err != nil {
		return err
	}
	ids := make([]uuid.UUID, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	if err := q.AssortmentProductDeleteAll(ctx, a.ID); err != nil {
		return err
	}
	if err := q.AssortmentProductCreateMany(ctx, db.AssortmentProductCreateManyParams{AssortmentID: a.ID, ProductIds: ids}); err != nil {
		return err
	}
	_, err = q.CompanyUpdateAssortment(ctx, db.CompanyUpdateAssortmentParams{ID: InitechID, AssortmentID: uuid.NullUUID{UUID: a.ID, Valid: true}})
	return err
}

package api

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Money is an amount in minor units of a currency (EUR 12.34 is 1234 "EUR").
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

func moneyOf(m commerce.Money) Money { return Money{Amount: m.Amount, Currency: m.Currency} }

// Totals are a cart's or an order's money figures: subtotal at catalogue
// prices, minus discount (what price lists save), plus shipping and tax, is the
// total.
type Totals struct {
	Subtotal           Money `json:"subtotal"`
	Discount           Money `json:"discount"`
	Shipping           Money `json:"shipping"`
	Tax                Money `json:"tax"`
	Total              Money `json:"total"`
	TaxRateBasisPoints int64 `json:"tax_rate_basis_points"`
}

func totalsOf(t commerce.Totals) Totals {
	return Totals{
		Subtotal: moneyOf(t.Subtotal), Discount: moneyOf(t.Discount), Shipping: moneyOf(t.Shipping),
		Tax: moneyOf(t.Tax), Total: moneyOf(t.Total), TaxRateBasisPoints: t.TaxRateBasisPoints,
	}
}

// PriceSource says what priced a line: a price list and volume tier, or an
// accepted quote's revision; null means the catalogue price.
type PriceSource struct {
	PriceListID   string `json:"price_list_id,omitempty"`
	PriceListName string `json:"price_list_name,omitempty"`
	MinQuantity   int64  `json:"min_quantity,omitempty"`
	QuoteID       string `json:"quote_id,omitempty"`
	QuoteRevision int    `json:"quote_revision,omitempty"`
}

func priceSourceOf(s commerce.PriceSource) *PriceSource {
	if s.PriceListID == "" && s.QuoteID == "" {
		return nil
	}
	return &PriceSource{PriceListID: s.PriceListID, PriceListName: s.PriceListName, MinQuantity: s.MinQuantity,
		QuoteID: s.QuoteID, QuoteRevision: s.QuoteRevision}
}

// ShipTo is where an order goes; country is ISO 3166-1 alpha-2 and decides tax.
type ShipTo struct {
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	City       string `json:"city"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// CartLine is one line of a cart, priced as it would be now.
type CartLine struct {
	SKU           string       `json:"sku"`
	Name          string       `json:"name"`
	Quantity      int64        `json:"quantity"`
	BaseUnitPrice *Money       `json:"base_unit_price"`
	UnitPrice     *Money       `json:"unit_price"`
	LineTotal     *Money       `json:"line_total"`
	PriceSource   *PriceSource `json:"price_source"`
	// QuantityRule is the SKU's quantity rule for the buyer's company, when
	// it has one.
	QuantityRule *QuantityRule `json:"quantity_rule,omitempty"`
}

// QuantityRule is how many units of a SKU one order line may hold for the
// caller's company: at least min_quantity, a multiple of increment, at most
// max_quantity when set. company_specific says it is the company's own rule
// (which replaces the SKU's).
type QuantityRule struct {
	MinQuantity     int64  `json:"min_quantity"`
	Increment       int64  `json:"increment"`
	MaxQuantity     *int64 `json:"max_quantity"`
	CompanySpecific bool   `json:"company_specific"`
}

// quantityRuleOf is the rule of sku in rules as the API shows it, or nil.
func quantityRuleOf(rules map[string]commerce.QuantityRule, sku string) *QuantityRule {
	r, ok := rules[sku]
	if !ok {
		return nil
	}
	return &QuantityRule{MinQuantity: r.MinQuantity, Increment: r.Increment, MaxQuantity: r.MaxQuantity, CompanySpecific: r.CompanySpecific}
}

// Cart is a cart as the storefront sees it.
type Cart struct {
	ID       uuid.UUID  `json:"id"`
	Status   string     `json:"status"`
	Currency string     `json:"currency"`
	Lines    []CartLine `json:"lines"`
	Totals   *Totals    `json:"totals"`
	Problem  *Error     `json:"problem,omitempty"`
	Checkout *Checkout  `json:"last_checkout,omitempty"`
	OrderID  *uuid.UUID `json:"order_id,omitempty"`
	// QuoteID is the quote the cart belongs to: the one it was requested
	// from (status quoted) or the accepted one it is sold from.
	QuoteID *uuid.UUID `json:"quote_id,omitempty"`
	// OnBehalf is there when a sales rep built the cart for the buyer: who,
	// for whom, whose it is now, and its timeline.
	OnBehalf *CartOnBehalf `json:"on_behalf,omitempty"`
	CartDetails
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CartDetails are what a buyer sets on a cart besides its lines.
type CartDetails struct {
	ShipTo *ShipTo `json:"ship_to"`
	// ShipToAddressID is the entry of the company's address book the ship-to
	// was copied from (the default, or one the buyer picked); absent when it
	// was typed in. Carts only.
	ShipToAddressID *uuid.UUID `json:"ship_to_address_id,omitempty"`
	// BillTo is who the order is billed to: the company's default bill-to,
	// or one the buyer picked or typed; null when there is none.
	BillTo          *ShipTo    `json:"bill_to"`
	BillToAddressID *uuid.UUID `json:"bill_to_address_id,omitempty"`
	ShippingMethod  string     `json:"shipping_method"`
	PONumber        string     `json:"po_number"`
	BuyerReference  string     `json:"buyer_reference"`
}

// Checkout is the state of a cart's checkout, for polling.
type Checkout struct {
	CartID    uuid.UUID  `json:"cart_id"`
	Status    string     `json:"status"`
	OrderID   *uuid.UUID `json:"order_id,omitempty"`
	OrderURL  string     `json:"order_url,omitempty"`
	StatusURL string     `json:"status_url"`
	Failure   *Error     `json:"failure,omitempty"`
	Approval  *Approval  `json:"approval,omitempty"`
}

// OrderLine is one line of an order, at the price it was sold.
type OrderLine struct {
	LineNo        int          `json:"line_no"`
	SKU           string       `json:"sku"`
	Name          string       `json:"name"`
	Quantity      int64        `json:"quantity"`
	BaseUnitPrice Money        `json:"base_unit_price"`
	UnitPrice     Money        `json:"unit_price"`
	LineTotal     Money        `json:"line_total"`
	PriceSource   *PriceSource `json:"price_source"`
	// What has happened to the line's units since: cancelled before they
	// shipped, shipped, delivered, and returned.
	Cancelled int64 `json:"cancelled"`
	Shipped   int64 `json:"shipped"`
	Delivered int64 `json:"delivered"`
	Returned  int64 `json:"returned"`
	// Locations are the stock locations the line's units are reserved at or
	// shipped from (a line no single location could fill has several).
	Locations []LineLocation `json:"locations,omitempty"`
}

// LineLocation is what one stock location holds or shipped of an order line.
type LineLocation struct {
	Location string `json:"location"`
	Name     string `json:"name"`
	Reserved int64  `json:"reserved"`
	Shipped  int64  `json:"shipped"`
}

// TimelineEvent is one entry of an order's history.
type TimelineEvent struct {
	Kind       string    `json:"kind"`
	Actor      string    `json:"actor"`
	Detail     string    `json:"detail"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Order is a placed order. Its statuses are kept by the order's workflow:
// Status overall, FulfilmentStatus for its goods, PaymentStatus for its money.
type Order struct {
	ID               uuid.UUID   `json:"id"`
	CartID           uuid.UUID   `json:"cart_id"`
	CompanyID        uuid.UUID   `json:"company_id"`
	CustomerID       uuid.UUID   `json:"customer_id"`
	Status           string      `json:"status"`
	FulfilmentStatus string      `json:"fulfilment_status"`
	PaymentStatus    string      `json:"payment_status"`
	Currency         string      `json:"currency"`
	Lines            []OrderLine `json:"lines,omitempty"`
	Totals           Totals      `json:"totals"`
	CartDetails
	// ShipBy and DeliverBy are the order's deadlines (absent until its
	// workflow has set them); SlaBreached says one of them passed.
	ShipBy      *time.Time `json:"ship_by,omitempty"`
	DeliverBy   *time.Time `json:"deliver_by,omitempty"`
	SlaBreached bool       `json:"sla_breached"`
	// Shipments, Invoices, Returns and CreditNotes are shown with one
	// order, not in lists.
	Shipments   []Shipment      `json:"shipments,omitempty"`
	Invoices    []Invoice       `json:"invoices,omitempty"`
	Returns     []Return        `json:"returns,omitempty"`
	CreditNotes []CreditNote    `json:"credit_notes,omitempty"`
	Timeline    []TimelineEvent `json:"timeline,omitempty"`
	// OnBehalf is there when a member of the sales staff placed the order
	// in the buyer's name (shown with one order, not in lists).
	OnBehalf *OrderOnBehalf `json:"on_behalf,omitempty"`
	PlacedAt time.Time      `json:"placed_at"`
	// ERPNumber is the ERP's number of the order, once the ERP has it.
	ERPNumber string `json:"erp_number,omitempty"`
	// ERPStatus is the furthest status the ERP has reported through its
	// webhooks (open, invoiced, shipped, paid, cancelled), once it has.
	ERPStatus string `json:"erp_status,omitempty"`
	// ERPPaymentHeld is what the ERP reported paid beyond what the order's
	// invoices owed: held, and paid as shipments invoice.
	ERPPaymentHeld *Money `json:"erp_payment_held,omitempty"`
	// ERPSync is how the order's push to the ERP goes (shown with one order
	// and in ops' lists, once the push has started).
	ERPSync *ERPSync `json:"erp_sync,omitempty"`
}

// ERPSync is the state of an order's push to the ERP.
type ERPSync struct {
	// Status is pending, synced, stuck (retries spent: ops retry or cancel)
	// or cancelled.
	Status string `json:"status"`
	// Attempts counts the pushes: one, plus one per ops retry.
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// OrderPage is one page of orders, newest first.
type OrderPage struct {
	Orders     []Order `json:"orders"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// Product is a catalogue entry priced in the caller's currency.
type Product struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	UnitPrice Money  `json:"unit_price"`
	Available int64  `json:"available"`
	// QuantityRule is the SKU's quantity rule for the caller's company, when
	// it has one.
	QuantityRule *QuantityRule `json:"quantity_rule,omitempty"`
}

// ProductPage is one page of the catalogue, by SKU.
type ProductPage struct {
	Products   []Product `json:"products"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

func orderOf(o db.Order) Order {
	m := func(amount int64) Money { return Money{Amount: amount, Currency: o.Currency} }
	out := Order{
		ID: o.ID, CartID: o.CartID, CompanyID: o.CompanyID, CustomerID: o.CustomerID, Status: o.Status, Currency: o.Currency,
		FulfilmentStatus: o.FulfilmentStatus, PaymentStatus: o.PaymentStatus,
		ShipBy: utcOrNil(o.ShipBy), DeliverBy: utcOrNil(o.DeliverBy), SlaBreached: o.SlaBreached,
		Totals: Totals{
			Subtotal: m(o.Subtotal), Discount: m(o.Discount), Shipping: m(o.Shipping), Tax: m(o.Tax),
			Total: m(o.Total), TaxRateBasisPoints: int64(o.TaxRateBp),
		},
		CartDetails: CartDetails{ShippingMethod: o.ShippingMethod, PONumber: o.PoNumber, BuyerReference: o.BuyerReference},
		PlacedAt:    o.PlacedAt.UTC(),
		ERPNumber:   o.ErpNumber,
		ERPStatus:   o.ErpStatus,
	}
	if o.ErpPaymentHeld > 0 {
		held := m(o.ErpPaymentHeld)
		out.ERPPaymentHeld = &held
	}
	var ship ShipTo
	if json.Unmarshal(o.ShipTo, &ship) == nil && ship != (ShipTo{}) {
		out.ShipTo = &ship
	}
	out.BillTo = billToOf(o.BillTo)
	return out
}

func orderLineOf(l db.OrderLine, currency string) OrderLine {
	out := OrderLine{
		LineNo: int(l.LineNo), SKU: l.Sku, Name: l.Name, Quantity: int64(l.Quantity),
		BaseUnitPrice: Money{Amount: l.BaseUnitPrice, Currency: currency},
		UnitPrice:     Money{Amount: l.UnitPrice, Currency: currency},
		LineTotal:     Money{Amount: l.LineTotal, Currency: currency},
		Cancelled:     l.Cancelled, Shipped: l.Shipped, Delivered: l.Delivered, Returned: l.Returned,
	}
	if l.PriceListID.Valid {
		out.PriceSource = &PriceSource{PriceListID: l.PriceListID.UUID.String(), PriceListName: l.PriceListName, MinQuantity: int64(l.TierMinQuantity)}
	}
	if l.QuoteID.Valid {
		out.PriceSource = &PriceSource{QuoteID: l.QuoteID.UUID.String(), QuoteRevision: int(l.QuoteRevision)}
	}
	return out
}

func cartDetailsOf(c db.Cart) CartDetails {
	d := CartDetails{ShippingMethod: c.ShippingMethod, PONumber: c.PoNumber, BuyerReference: c.BuyerReference}
	ship := ShipTo{Name: c.ShipName, Line1: c.ShipLine1, Line2: c.ShipLine2, City: c.ShipCity, PostalCode: c.ShipPostalCode, Country: c.ShipCountry}
	if ship != (ShipTo{}) {
		d.ShipTo = &ship
	}
	d.BillTo = billToOf(c.BillTo)
	if c.ShipToAddressID.Valid {
		d.ShipToAddressID = &c.ShipToAddressID.UUID
	}
	if c.BillToAddressID.Valid {
		d.BillToAddressID = &c.BillToAddressID.UUID
	}
	return d
}

func timelineOf(e db.TimelineEvent) TimelineEvent {
	return TimelineEvent{Kind: e.Kind, Actor: e.Actor, Detail: e.Detail, OccurredAt: e.OccurredAt.UTC()}
}

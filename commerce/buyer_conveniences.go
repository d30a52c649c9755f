package commerce

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Address is a postal address: a cart's ship-to or bill-to, or an entry of a
// company's address book. Country is ISO 3166-1 alpha-2; a ship-to's decides
// tax.
type Address struct {
	Name       string
	Line1      string
	Line2      string
	City       string
	PostalCode string
	Country    string
}

// MaxAddressField bounds each line of an address, generous for any ERP.
const MaxAddressField = 200

var countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)

// ValidateAddress checks an address's shape; its fields are named prefix.name,
// prefix.line1 and so on. Whether orders may ship to the country (it has a tax
// rate) is for the caller, which knows the rates, to say.
func ValidateAddress(prefix string, a Address) error {
	for _, f := range []struct{ name, v string }{
		{"name", a.Name}, {"line1", a.Line1}, {"line2", a.Line2}, {"city", a.City}, {"postal_code", a.PostalCode},
	} {
		if utf8.RuneCountInString(f.v) > MaxAddressField {
			return &FieldError{Field: prefix + "." + f.name, Message: fmt.Sprintf("must be at most %d characters", MaxAddressField)}
		}
	}
	switch {
	case strings.TrimSpace(a.Name) == "":
		return &FieldError{Field: prefix + ".name", Message: "is required"}
	case strings.TrimSpace(a.Line1) == "":
		return &FieldError{Field: prefix + ".line1", Message: "is required"}
	case strings.TrimSpace(a.City) == "":
		return &FieldError{Field: prefix + ".city", Message: "is required"}
	case !countryPattern.MatchString(a.Country):
		return &FieldError{Field: prefix + ".country", Message: "must be an ISO 3166-1 alpha-2 code such as DE"}
	}
	return nil
}

// CanManageAddressBook tells who changes a company's address book: its company
// admins. Every employee reads it and picks addresses from it for their carts.
func CanManageAddressBook(role Role) bool { return role == RoleCompanyAdmin }

// CanEditRequisitionList tells who changes a requisition list (its name and
// lines) or deletes it: the employee who made it (isCreator) and the
// company's admins. Every employee of the company reads the company's lists
// and adds them to their own carts; another company's are not theirs to see
// at all (sameCompany false).
func CanEditRequisitionList(role Role, isCreator, sameCompany bool) bool {
	if !role.CompanySide() || !sameCompany {
		return false
	}
	return isCreator || role == RoleCompanyAdmin
}

// MaxRequisitionListLines bounds a requisition list: it goes to one cart, which
// holds at most MaxCartLines lines.
const MaxRequisitionListLines = MaxCartLines

// Reasons a past line does not go to the new cart.
const (
	// DropUnknownSKU: the catalogue no longer has the SKU.
	DropUnknownSKU RejectionCode = CodeUnknownSKU
	// DropNotPriced: the SKU is no longer sold in the cart's currency.
	DropNotPriced RejectionCode = CodeNotPriced
)

// PastLine is a line to buy again: of a past order (with the unit price it
// was sold at) or of a requisition list (no price).
type PastLine struct {
	SKU      string
	Quantity int64
	// UnitPrice is what one unit cost then, in Currency; zero Currency for a
	// line that was never priced (a requisition list's).
	UnitPrice Money
}

// RepricedLine is what became of one PastLine in a new cart, priced today.
type RepricedLine struct {
	SKU      string
	Name     string
	Quantity int64
	// Dropped is why the line did not go to the cart, or "".
	Dropped RejectionCode
	// Message says why, for people.
	Message string
	// OldUnitPrice is PastLine.UnitPrice; NewUnitPrice is today's, for the
	// quantity in the cart (price lists and tiers included), set once the
	// cart is priced (SetNewPrice).
	OldUnitPrice Money
	NewUnitPrice Money
	// PriceChange is NewUnitPrice - OldUnitPrice when both are known in the
	// same currency; PriceChanged tells whether it is not zero.
	PriceChange  int64
	PriceChanged bool
	// ShortOfStock tells that fewer units are available today than the line
	// asks for: the line keeps its quantity (checkout decides), the buyer is
	// warned.
	ShortOfStock bool
	Available    int64
}

// PlanRebuy decides which past lines go to a new cart in currency, from what
// the catalogue says today: a SKU the catalogue no longer has, or no longer
// sells in the currency, is dropped with its reason (reported, never silently
// lost); a line whose quantity is outside what one cart line may hold is
// capped to MaxLineQuantity (so Quantity may be less than asked); lines of
// the same SKU are merged into one (the cart has one line per SKU), and only
// the first MaxCartLines distinct SKUs fit. Quantities are not cut to stock:
// checkout reserves stock and refuses what it cannot, so a short line is only
// flagged. The lines kept are those with Dropped == "", in the order given.
func PlanRebuy(currency string, past []PastLine, catalog map[string]CatalogEntry) []RepricedLine {
	out := make([]RepricedLine, 0, len(past))
	index := map[string]int{}
	kept := 0
	for _, p := range past {
		if i, seen := index[p.SKU]; seen {
			if out[i].Dropped == "" {
				out[i].Quantity = min(out[i].Quantity+max(p.Quantity, 1), MaxLineQuantity)
				out[i].ShortOfStock = out[i].Available < out[i].Quantity
			}
			continue
		}
		l := RepricedLine{SKU: p.SKU, Quantity: min(max(p.Quantity, 1), MaxLineQuantity), OldUnitPrice: p.UnitPrice}
		entry, ok := catalog[p.SKU]
		switch {
		case !ok:
			l.Dropped, l.Message = DropUnknownSKU, "the catalogue no longer has "+p.SKU
		case !entry.Priced:
			l.Name = entry.Name
			l.Dropped, l.Message = DropNotPriced, fmt.Sprintf("%s is no longer sold in %s", p.SKU, currency)
		case kept >= MaxCartLines:
			l.Name = entry.Name
			l.Dropped, l.Message = CodeInvalidCart, fmt.Sprintf("a cart holds at most %d lines", MaxCartLines)
		default:
			l.Name, l.Available = entry.Name, entry.Available
			l.ShortOfStock = entry.Available < l.Quantity
			kept++
		}
		index[p.SKU] = len(out)
		out = append(out, l)
	}
	return out
}

// SetNewPrice records today's unit price of a kept line and how it differs
// from the old one (when the old one is known, in the same currency).
func (l *RepricedLine) SetNewPrice(unit Money) {
	l.NewUnitPrice = unit
	if l.OldUnitPrice.Currency != "" && l.OldUnitPrice.Currency == unit.Currency {
		l.PriceChange = unit.Amount - l.OldUnitPrice.Amount
		l.PriceChanged = l.PriceChange != 0
	}
}

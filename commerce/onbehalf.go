package commerce

import "fmt"

// Orders on behalf: a sales rep (or sales manager) builds a cart for a named
// buyer of a company they look after, then sends it to the buyer or, when the
// company allows it, checks it out in the buyer's name. The order is the
// buyer's all the same: their spending limits and their company's approval
// rules apply, and the timeline says who acted for whom.

// Rejection codes of orders on behalf.
const (
	// CodeOnBehalfCheckoutNotAllowed: the company does not let its sales
	// staff check out in a buyer's name; send the cart to the buyer instead.
	CodeOnBehalfCheckoutNotAllowed RejectionCode = "on_behalf_checkout_not_allowed"
	// CodeCartWithSales: a sales rep is still preparing the cart; it becomes
	// the buyer's to change and check out when the rep sends it.
	CodeCartWithSales RejectionCode = "cart_with_sales"
)

// WorksForCompany tells whether a member of the sales staff with role may act
// for a company's buyers: a sales manager for every company, a sales rep for
// the companies they are the account rep of (assigned). Anyone else for none.
func WorksForCompany(role Role, assigned bool) bool {
	switch role {
	case RoleSalesManager:
		return true
	case RoleSalesRep:
		return assigned
	}
	return false
}

// OnBehalfCart is where a cart built on behalf of a buyer stands, for the
// rules below.
type OnBehalfCart struct {
	Status CartStatus
	// Sent: the rep handed the cart over to the buyer; it is theirs now.
	Sent bool
	// Lines is how many lines the cart has.
	Lines int
}

// CheckStaffMayChange refuses a change by the sales staff to a cart built on
// behalf of a buyer once it was sent (the buyer's now) or while it is not
// open (checking out, or an order).
func CheckStaffMayChange(c OnBehalfCart) error {
	if c.Sent {
		return Reject(CodeCartNotOpen, "the cart was sent to the buyer; it is theirs to change now")
	}
	return CheckCartEditable(c.Status)
}

// CheckStaffMaySend refuses to send a cart that was sent already, is not open,
// or has no lines: the buyer gets a cart to check out.
func CheckStaffMaySend(c OnBehalfCart) error {
	if err := CheckStaffMayChange(c); err != nil {
		return err
	}
	if c.Lines == 0 {
		return Reject(CodeEmptyCart, "add lines before sending the cart to the buyer")
	}
	return nil
}

// CheckStaffMayCheckout decides whether the sales staff may start the
// checkout of a cart they built, in the buyer's name: only while they still
// hold it, and only when the company allows checkouts on behalf (allowed).
// A cart whose checkout is running may be joined (nil).
func CheckStaffMayCheckout(c OnBehalfCart, allowed bool) error {
	if !allowed {
		return Reject(CodeOnBehalfCheckoutNotAllowed,
			"this company does not allow its sales rep to check out for its buyers; send the cart to the buyer instead")
	}
	if c.Sent {
		return Reject(CodeCartNotOpen, "the cart was sent to the buyer; it is theirs to check out now")
	}
	if c.Status == CartCheckingOut {
		return nil
	}
	return CheckCanCheckout(c.Status, c.Lines)
}

// CheckBuyerMayTake refuses the buyer a change or checkout of a cart a sales
// rep built for them and still holds (sent false): the buyer may read it, and
// it becomes theirs when the rep sends it. Carts the buyer opened are not
// built (built false) and always theirs.
func CheckBuyerMayTake(built, sent bool) error {
	if built && !sent {
		return Reject(CodeCartWithSales, "a sales rep is still preparing this cart; it becomes yours when they send it")
	}
	return nil
}

// ActedFor says who acted for whom, for timelines and order views, e.g.
// "Sam Sales (sales rep) on behalf of Alice Buyer".
func ActedFor(staffName string, staffRole Role, customerName string) string {
	return fmt.Sprintf("%s (%s) on behalf of %s", staffName, RoleTitle(staffRole), customerName)
}

// RoleTitle is a role as people read it: "sales rep", "company admin".
func RoleTitle(r Role) string {
	switch r {
	case RoleBuyer:
		return "buyer"
	case RoleApprover:
		return "approver"
	case RoleCompanyAdmin:
		return "company admin"
	case RoleSalesRep:
		return "sales rep"
	case RoleSalesManager:
		return "sales manager"
	case RoleOps:
		return "ops"
	}
	return string(r)
}

package commerce

// Role is what a principal may do. Company-side roles belong to employees of a
// buying company and only ever see that company; seller-side roles belong to the
// staff of the business that runs Orderflow.
type Role string

// Roles.
const (
	// RoleBuyer builds carts and places orders and quote requests.
	RoleBuyer Role = "buyer"
	// RoleApprover also approves colleagues' orders that need approval, up to the
	// amount the company's rules allow approvers.
	RoleApprover Role = "approver"
	// RoleCompanyAdmin also approves any order of the company and manages its
	// users, spending limits and approval rules.
	RoleCompanyAdmin Role = "company_admin"
	// RoleSalesRep negotiates quotes with buyers.
	RoleSalesRep Role = "sales_rep"
	// RoleSalesManager also approves quote discounts above the threshold.
	RoleSalesManager Role = "sales_manager"
	// RoleOps sees and repairs everything, for operations and support.
	RoleOps Role = "ops"
)

// Valid tells whether r is one of the known roles, so that a stored or supplied
// role this code does not understand grants nothing.
func (r Role) Valid() bool { return r.CompanySide() || r.SellerSide() }

// CompanySide tells whether r belongs to an employee of a buying company.
func (r Role) CompanySide() bool {
	switch r {
	case RoleBuyer, RoleApprover, RoleCompanyAdmin:
		return true
	}
	return false
}

// SellerSide tells whether r belongs to the seller's staff (sales and ops), who
// are not tied to one buying company.
func (r Role) SellerSide() bool {
	switch r {
	case RoleSalesRep, RoleSalesManager, RoleOps:
		return true
	}
	return false
}

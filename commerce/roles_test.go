package commerce_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

func TestRoleSides(t *testing.T) {
	t.Parallel()
	tests := []struct {
		role          commerce.Role
		company, sell bool
	}{
		{role: commerce.RoleBuyer, company: true},
		{role: commerce.RoleApprover, company: true},
		{role: commerce.RoleCompanyAdmin, company: true},
		{role: commerce.RoleSalesRep, sell: true},
		{role: commerce.RoleSalesManager, sell: true},
		{role: commerce.RoleOps, sell: true},
		{role: ""},
		{role: "admin"},
		{role: "BUYER"},
		{role: "ops "},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.company, tt.role.CompanySide(), "CompanySide")
			require.Equal(t, tt.sell, tt.role.SellerSide(), "SellerSide")
			require.Equal(t, tt.company || tt.sell, tt.role.Valid(), "Valid")
		})
	}
}

func TestRoleValues(t *testing.T) {
	t.Parallel()
	// Roles are stored in Postgres and sent in tokens: the strings are API.
	require.Equal(t,
		[]string{"buyer", "approver", "company_admin", "sales_rep", "sales_manager", "ops"},
		[]string{
			string(commerce.RoleBuyer), string(commerce.RoleApprover), string(commerce.RoleCompanyAdmin),
			string(commerce.RoleSalesRep), string(commerce.RoleSalesManager), string(commerce.RoleOps),
		})
}

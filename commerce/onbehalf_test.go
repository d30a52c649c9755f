package commerce_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

func TestWorksForCompany(t *testing.T) {
	for _, tc := range []struct {
		role     commerce.Role
		assigned bool
		want     bool
	}{
		{commerce.RoleSalesManager, false, true},
		{commerce.RoleSalesManager, true, true},
		{commerce.RoleSalesRep, true, true},
		{commerce.RoleSalesRep, false, false},
		{commerce.RoleOps, true, false},
		{commerce.RoleCompanyAdmin, true, false},
		{commerce.RoleBuyer, true, false},
		{commerce.Role("sales_director"), true, false},
	} {
		require.Equal(t, tc.want, commerce.WorksForCompany(tc.role, tc.assigned), "%s assigned=%v", tc.role, tc.assigned)
	}
}

func TestOnBehalfRules(t *testing.T) {
	open := commerce.OnBehalfCart{Status: commerce.CartOpen, Lines: 2}
	empty := commerce.OnBehalfCart{Status: commerce.CartOpen}
	sent := commerce.OnBehalfCart{Status: commerce.CartOpen, Lines: 2, Sent: true}
	running := commerce.OnBehalfCart{Status: commerce.CartCheckingOut, Lines: 2}
	done := commerce.OnBehalfCart{Status: commerce.CartCompleted, Lines: 2}

	for _, tc := range []struct {
		name    string
		err     error
		refusal commerce.RejectionCode // "" for nil
	}{
		{"change an open cart", commerce.CheckStaffMayChange(open), ""},
		{"change an empty cart", commerce.CheckStaffMayChange(empty), ""},
		{"change a sent cart", commerce.CheckStaffMayChange(sent), commerce.CodeCartNotOpen},
		{"change while checking out", commerce.CheckStaffMayChange(running), commerce.CodeCartNotOpen},
		{"change an order", commerce.CheckStaffMayChange(done), commerce.CodeCartNotOpen},

		{"send an open cart", commerce.CheckStaffMaySend(open), ""},
		{"send an empty cart", commerce.CheckStaffMaySend(empty), commerce.CodeEmptyCart},
		{"send twice", commerce.CheckStaffMaySend(sent), commerce.CodeCartNotOpen},
		{"send while checking out", commerce.CheckStaffMaySend(running), commerce.CodeCartNotOpen},

		{"check out, allowed", commerce.CheckStaffMayCheckout(open, true), ""},
		{"check out, not allowed", commerce.CheckStaffMayCheckout(open, false), commerce.CodeOnBehalfCheckoutNotAllowed},
		{"check out a sent cart", commerce.CheckStaffMayCheckout(sent, true), commerce.CodeCartNotOpen},
		{"not allowed beats sent", commerce.CheckStaffMayCheckout(sent, false), commerce.CodeOnBehalfCheckoutNotAllowed},
		{"check out an empty cart", commerce.CheckStaffMayCheckout(empty, true), commerce.CodeEmptyCart},
		{"join a running checkout", commerce.CheckStaffMayCheckout(running, true), ""},
		{"check out an order again", commerce.CheckStaffMayCheckout(done, true), commerce.CodeCartNotOpen},

		{"buyer's own cart", commerce.CheckBuyerMayTake(false, false), ""},
		{"built, not sent", commerce.CheckBuyerMayTake(true, false), commerce.CodeCartWithSales},
		{"built and sent", commerce.CheckBuyerMayTake(true, true), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.refusal == "" {
				require.NoError(t, tc.err)
				return
			}
			r, ok := commerce.AsRejection(tc.err)
			require.True(t, ok, "want a rejection, got %v", tc.err)
			require.Equal(t, tc.refusal, r.Code)
			require.NotEmpty(t, r.Message)
		})
	}
}

func TestActedFor(t *testing.T) {
	require.Equal(t, "Sam Sales (sales rep) on behalf of Alice", commerce.ActedFor("Sam Sales", commerce.RoleSalesRep, "Alice"))
	require.Equal(t, "Mia (sales manager) on behalf of Bob", commerce.ActedFor("Mia", commerce.RoleSalesManager, "Bob"))
	require.Equal(t, "company admin", commerce.RoleTitle(commerce.RoleCompanyAdmin))
	require.Equal(t, "odd", commerce.RoleTitle(commerce.Role("odd")))
}

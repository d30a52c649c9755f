package admin_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api/admin"
	"github.com/orderflow/orderflow/commerce"
)

// TestOnBehalfCheckoutSetting is the company setting that lets its sales rep
// check out in a buyer's name: off by default; a company admin sets their
// own company's, ops any company's.
func TestOnBehalfCheckoutSetting(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	acme, globex := e.createCompany("EUR"), e.createCompany("EUR")
	_, acmeAdmin := e.employeeToken(acme.ID, commerce.RoleCompanyAdmin)

	var got admin.OnBehalfCheckout
	e.as(acmeAdmin, "GET", "/v1/company/on-behalf-checkout", nil).requireStatus(t, http.StatusOK, &got)
	require.Equal(t, admin.OnBehalfCheckout{CompanyID: acme.ID, Allowed: false}, got, "off by default")
	e.as(acmeAdmin, "PUT", "/v1/company/on-behalf-checkout", map[string]any{"allowed": true}).requireStatus(t, http.StatusOK, &got)
	require.Equal(t, admin.OnBehalfCheckout{CompanyID: acme.ID, Allowed: true}, got)
	e.as(acmeAdmin, "PUT", "/v1/company/on-behalf-checkout", map[string]any{"allowed": "yes"}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "allowed")
	e.as(acmeAdmin, "PUT", "/v1/company/on-behalf-checkout", map[string]any{}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "allowed")

	// Ops see Acme's, and set Globex's; Acme's admin never touched Globex.
	e.do("GET", "/v1/admin/companies/"+acme.ID.String()+"/on-behalf-checkout", nil).requireStatus(t, http.StatusOK, &got)
	require.True(t, got.Allowed)
	e.do("GET", "/v1/admin/companies/"+globex.ID.String()+"/on-behalf-checkout", nil).requireStatus(t, http.StatusOK, &got)
	require.False(t, got.Allowed)
	e.do("PUT", "/v1/admin/companies/"+globex.ID.String()+"/on-behalf-checkout", map[string]any{"allowed": true}).requireStatus(t, http.StatusOK, &got)
	require.Equal(t, admin.OnBehalfCheckout{CompanyID: globex.ID, Allowed: true}, got)
	e.do("PUT", "/v1/admin/companies/"+uuid.NewString()+"/on-behalf-checkout", map[string]any{"allowed": true}).
		requireError(t, http.StatusNotFound, "not_found", "")
}

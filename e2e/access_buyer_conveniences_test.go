package e2e_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

// Rows of the matrix for the address book, requisition lists and reorder, in
// the order of accessWorld.principals:
//
//	none  A-owner A-buyer A-approver A-admin  B-buyer B-approver B-admin  sales_rep sales_manager ops
const (
	// Read or use A's address, list or order as any of A's employees (a
	// reorder or add-to-cart makes a cart of the caller's own); B's do not
	// find it; the seller's staff have no company to buy for.
	rowCompanyUse = "401  ok  ok  ok  ok   404 404 404  403 403 403"
	// Change A's requisition list: its maker (A's owner) and A's admin; A's
	// other employees are refused (not_allowed), B's do not find it.
	rowListEdit = "401  ok  403na 403na ok   404 404 404  403 403 403"
)

// buyerConvenienceRoutes are the matrix's lines for the address book,
// requisition lists and reorder.
func buyerConvenienceRoutes() map[string]accessRoute {
	address := func(t *testing.T, w *accessWorld, fresh bool) string {
		id := w.aAddress
		if fresh {
			id = testenv.NewCompanyAddress(t, w.s.Pool, w.a, testenv.Address{})
		}
		return "/v1/company/addresses/" + id.String()
	}
	list := func(t *testing.T, w *accessWorld, fresh bool) string {
		id := w.aList
		if fresh {
			id = testenv.NewRequisitionList(t, w.s.Pool, w.owner, "scratch", map[string]int32{w.sku: 1})
		}
		return "/v1/requisition-lists/" + id.String()
	}
	newAddress := func() map[string]any {
		return map[string]any{"label": uniqueName("site-"), "name": "Mallory", "line1": "1 Elsewhere Street", "city": "Berlin", "country": "DE"}
	}
	return map[string]accessRoute{
		"GET /v1/company/addresses": {expect: rowOwnCompany, ok: []int{200}, call: getPath("/v1/company/addresses?limit=100"),
			verify: verifyAddressBook},
		"POST /v1/company/addresses": {expect: rowCompanyAdmin, ok: []int{201}, call: func(*testing.T, *accessWorld, bool) accessCall {
			return accessCall{path: "/v1/company/addresses", body: newAddress()}
		}},
		"GET /v1/company/addresses/:address_id": {expect: rowCompanyUse, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: address(t, w, false)}
		}},
		"PATCH /v1/company/addresses/:address_id": {expect: rowCompanyAdminOfA, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: address(t, w, fresh), body: map[string]any{"name": "Mallory", "default_bill_to": true}}
		}},
		"DELETE /v1/company/addresses/:address_id": {expect: rowCompanyAdminOfA, ok: []int{204}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: address(t, w, fresh)}
		}},

		"POST /v1/requisition-lists": {expect: rowOwnCompany, ok: []int{201}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/requisition-lists", body: map[string]any{"name": "Mallory's",
				"lines": []map[string]any{{"sku": w.sku, "quantity": 1}}}}
		}},
		"GET /v1/requisition-lists": {expect: rowOwnCompany, ok: []int{200}, call: getPath("/v1/requisition-lists?limit=100"),
			verify: verifyRequisitionLists},
		"GET /v1/requisition-lists/:list_id": {expect: rowCompanyUse, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: list(t, w, false)}
		}},
		"PATCH /v1/requisition-lists/:list_id": {expect: rowListEdit, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: list(t, w, fresh), body: map[string]any{"name": "Mallory's now"}}
		}},
		"DELETE /v1/requisition-lists/:list_id": {expect: rowListEdit, ok: []int{204}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: list(t, w, fresh)}
		}},
		"PUT /v1/requisition-lists/:list_id/lines/:sku": {expect: rowListEdit, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: list(t, w, fresh) + "/lines/" + w.sku, body: map[string]any{"quantity": 9}}
		}},
		"DELETE /v1/requisition-lists/:list_id/lines/:sku": {expect: rowListEdit, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: list(t, w, fresh) + "/lines/" + w.sku}
		}},
		"POST /v1/requisition-lists/:list_id/add-to-cart": {expect: rowCompanyUse, ok: []int{201}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: list(t, w, false) + "/add-to-cart"}
		}},
		"POST /v1/orders/:order_id/reorder": {expect: rowCompanyUse, ok: []int{201}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/orders/" + w.order.String() + "/reorder"}
		}},
	}
}

// verifyAddressBook checks that an address book holds the caller's
// company's addresses only: B's employees never see one of A's.
func verifyAddressBook(t *testing.T, w *accessWorld, p accessPrincipal, res response) {
	var page api.CompanyAddressPage
	res.decode(t, &page)
	own := w.companyRows(t, "company_addresses", p.company)
	var ids []uuid.UUID
	for _, a := range page.Addresses {
		ids = append(ids, a.ID)
		require.True(t, own[a.ID], "%s sees another company's address %s", p.name, a.ID)
	}
	if p.company == w.a.ID {
		require.Contains(t, ids, w.aAddress)
	}
}

// verifyRequisitionLists checks that a list of requisition lists holds the
// caller's company's only, and all of A's for A's employees, whoever made
// them.
func verifyRequisitionLists(t *testing.T, w *accessWorld, p accessPrincipal, res response) {
	var page api.RequisitionListPage
	res.decode(t, &page)
	own := w.companyRows(t, "requisition_lists", p.company)
	var ids []uuid.UUID
	for _, l := range page.RequisitionLists {
		ids = append(ids, l.ID)
		require.True(t, own[l.ID], "%s sees another company's requisition list %s", p.name, l.ID)
	}
	if p.company == w.a.ID {
		require.Contains(t, ids, w.aList, "%s sees the list A's owner made", p.name)
	}
}

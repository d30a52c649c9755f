package desk

import (
	"net/http"
	"net/url"

	"github.com/orderflow/orderflow/api"
)

type approvalsPage struct {
	Approvals []api.Approval
}

// approvalQueue lists the orders of the approver's company waiting for a
// decision they may make, with the reasons they wait.
func (d *Desk) approvalQueue(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var page api.ApprovalPage
	if err := d.call(r, "GET", "/v1/approvals?limit=100", nil, "", &page); err != nil {
		d.fail(w, r, s, err)
		return
	}
	d.render(w, r, s, http.StatusOK, "approvals", approvalsPage{Approvals: page.Approvals})
}

// approvalAction approves or rejects a waiting order, with the comment.
func (d *Desk) approvalAction(w http.ResponseWriter, r *http.Request) {
	decision := r.PathValue("decision")
	success := map[string]string{"approve": "Order approved.", "reject": "Order rejected."}[decision]
	if success == "" {
		d.render(w, r, sessionOf(r), http.StatusNotFound, "error", errorPage{Title: "Not found", Message: "There is no such action."})
		return
	}
	err := d.call(r, "POST", "/v1/approvals/"+url.PathEscape(r.PathValue("cart"))+"/"+decision,
		map[string]string{"comment": r.PostFormValue("comment")}, r.PostFormValue(keyField), nil)
	d.done(w, r, "/desk/approvals", success, err)
}

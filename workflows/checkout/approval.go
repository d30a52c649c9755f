package checkout

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/approval"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
)

// The approval updates. Each has a validator that refuses, before anything is
// recorded in history, what the caller may not do; the API has authenticated
// the caller, and the validator checks the caller against this checkout. A
// decision is only accepted once the approval request is recorded (OpenApproval
// finished), and only once.

// validateDecision refuses a decision the caller may not make.
func (c *checkout) validateDecision(in ApprovalDecisionInput) error {
	if err := c.checkPending(); err != nil {
		return err
	}
	switch {
	case in.DeciderCompanyID != c.in.CompanyID:
		return refuse(commerce.CodeNotAllowed, "only an approver of the buyer's company may decide")
	case in.DeciderID == c.in.CustomerID:
		return refuse(commerce.CodeNotAllowed, "nobody may approve their own order")
	case !commerce.CanDecide(in.DeciderRole, c.approval.RequiredRole):
		return refuse(commerce.CodeNotAllowed, fmt.Sprintf("this order needs a decision by a %s", c.approval.RequiredRole))
	}
	// A comment Postgres cannot store would fail RecordDecision for ever,
	// leaving the checkout waiting with nobody able to decide again.
	if err := commerce.ValidateQuoteText("comment", in.Comment, MaxCommentBytes, false); err != nil {
		return workflows.AsUpdateError(err)
	}
	return nil
}

// decide records the decision; the workflow, waiting in applyPolicies, goes on.
func (c *checkout) decide(_ workflow.Context, in ApprovalDecisionInput) (ApprovalState, error) {
	c.approval.Status = commerce.ApprovalRejected
	if in.Approve {
		c.approval.Status = commerce.ApprovalApproved
	}
	c.approval.DecidedBy, c.approval.Comment = in.DeciderID, in.Comment
	return *c.approval, nil
}

// validateWithdrawal lets only the buyer withdraw, and only while pending.
func (c *checkout) validateWithdrawal(in WithdrawInput) error {
	if err := c.checkPending(); err != nil {
		return err
	}
	if in.ByID != c.in.CustomerID {
		return refuse(commerce.CodeNotAllowed, "only the buyer who placed the order may withdraw it")
	}
	return nil
}

// withdraw records the withdrawal; the workflow compensates and fails.
func (c *checkout) withdraw(_ workflow.Context, in WithdrawInput) (ApprovalState, error) {
	c.approval.Status, c.approval.DecidedBy = commerce.ApprovalWithdrawn, in.ByID
	return *c.approval, nil
}

func (c *checkout) checkPending() error {
	if c.approval == nil {
		return refuse(commerce.CodeApprovalClosed, "this checkout is not waiting for approval")
	}
	if r, ok := commerce.AsRejection(commerce.CheckApprovalDecision(c.approval.Status)); ok {
		return refuse(r.Code, r.Message)
	}
	return nil
}

func (c *checkout) closeApprovalInput() approval.CloseApprovalInput {
	return approval.CloseApprovalInput{
		CartID: c.in.CartID, Attempt: c.attempt, CompanyID: c.in.CompanyID, CustomerID: c.in.CustomerID,
		Status: c.approval.Status, DecidedBy: c.approval.DecidedBy, Comment: c.approval.Comment,
	}
}

// approvalSnapshot copies the approval state for results and queries.
func (c *checkout) approvalSnapshot() *ApprovalState {
	if c.approval == nil {
		return nil
	}
	a := *c.approval
	return &a
}

// refuse is a business refusal of an update, with its code.
func refuse(code commerce.RejectionCode, msg string) error {
	return workflows.Refuse(commerce.Rejection{Code: code, Message: msg})
}

package erpsync_test

import (
	"testing"

	"github.com/orderflow/orderflow/workflows/erpsync"
	"github.com/orderflow/orderflow/workflows/workflowtest"
)

// recordedBranches are the histories in testdata/: one real push against the
// sandbox ERP down each branch of the workflow, recorded by `make
// record-histories` (e2e/record_erp_histories_test.go). The before_push_policy_
// ones were recorded before pushes read the worker's push policy (version
// "push-policy"), and stand for the pushes that were running then.
var recordedBranches = []string{
	"synced_first_push",
	"lost_answer_then_synced",
	"stuck_then_retried_synced",
	"stuck_then_cancelled",
	"before_push_policy_synced_first_push",
	"before_push_policy_lost_answer_then_synced",
	"before_push_policy_stuck_then_retried_synced",
	"before_push_policy_stuck_then_cancelled",
}

// TestErpOrderReplaysRecordedHistories replays the recorded pushes against the
// current workflow code: a change that would break running pushes fails here
// (guard it with workflow.GetVersion and keep the old histories beside the new).
func TestErpOrderReplaysRecordedHistories(t *testing.T) {
	workflowtest.ReplayRecordedHistories(t, erpsync.ErpOrder, erpsync.WorkflowName, recordedBranches)
}

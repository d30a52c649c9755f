// Package workflowtest holds what the processes' workflow tests share: replay of
// recorded histories, and errors as a worker delivers them.
package workflowtest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// ReplayRecordedHistories replays every history in testdata/*.json against
// the workflow registered under name, and fails when one of the branches
// required has no recorded history (testdata/<branch>.json). A change that would
// break running workflows fails here: guard it with workflow.GetVersion and
// keep the old histories beside new ones (`make record-histories`).
func ReplayRecordedHistories(t *testing.T, wf any, name string, required []string) {
	t.Helper()
	ReplayHistoriesIn(t, "testdata", []Workflow{{Func: wf, Name: name}}, required)
}

// Workflow is a workflow function and the name it is registered under.
type Workflow struct {
	Func any
	Name string
}

// ReplayHistoriesIn replays every history in dir/*.json, each against the
// workflow of its type among wfs (one folder may hold several workflows'
// histories), and fails when one of the histories required has no file
// (dir/<name>.json).
func ReplayHistoriesIn(t *testing.T, dir string, wfs []Workflow, required []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	require.Subset(t, names, required, "every branch has a recorded history")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			for _, wf := range wfs {
				r.RegisterWorkflowWithOptions(wf.Func, workflow.RegisterOptions{Name: wf.Name})
			}
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}

// FromWorker round-trips err through the default failure converter, as a real
// worker's activity results are: the workflow sees the error's details encoded,
// not the Go value.
func FromWorker(err error) error {
	if err == nil {
		return nil
	}
	fc := temporal.GetDefaultFailureConverter()
	return fc.FailureToError(fc.ErrorToFailure(err))
}

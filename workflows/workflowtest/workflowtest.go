// Package workflowtest holds what the processes' workflow tests share: replay of
// recorded histories, and errors as a worker delivers them.
package workflowtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
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

// MaxPendingTimers is the most timers the recorded history in file had
// started and neither fired nor cancelled at any one time: what a workflow
// that waits on one deadline at a time shows as at most one.
func MaxPendingTimers(t *testing.T, file string) int {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	type timerAttrs struct {
		TimerID string `json:"timerId"`
	}
	var h struct {
		Events []struct {
			EventType string      `json:"eventType"`
			Started   *timerAttrs `json:"timerStartedEventAttributes"`
			Fired     *timerAttrs `json:"timerFiredEventAttributes"`
			Canceled  *timerAttrs `json:"timerCanceledEventAttributes"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal(data, &h))
	pending, most := map[string]bool{}, 0
	for _, e := range h.Events {
		switch {
		case e.Started != nil:
			pending[e.Started.TimerID] = true
			most = max(most, len(pending))
		case e.Fired != nil:
			delete(pending, e.Fired.TimerID)
		case e.Canceled != nil:
			delete(pending, e.Canceled.TimerID)
		}
	}
	return most
}

// TimerWatch counts a test workflow's timers as the test environment starts,
// fires and cancels them. The environment reports a cancellation after the
// workflow task that asked for it but a start at once, so what is pending is
// looked at between tasks (LookAt).
type TimerWatch struct {
	env     *testsuite.TestWorkflowEnvironment
	mu      sync.Mutex
	pending map[string]bool
	// Started, Fired and Cancelled count the timers; MostPending is the most
	// pending at one of the looks.
	Started, Fired, Cancelled, MostPending int
}

// WatchTimers starts counting env's timers.
func WatchTimers(env *testsuite.TestWorkflowEnvironment) *TimerWatch {
	w := &TimerWatch{env: env, pending: map[string]bool{}}
	env.SetOnTimerScheduledListener(func(id string, _ time.Duration) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.Started++
		w.pending[id] = true
	})
	env.SetOnTimerFiredListener(func(id string) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.Fired++
		delete(w.pending, id)
	})
	env.SetOnTimerCanceledListener(func(id string) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.Cancelled++
		delete(w.pending, id)
	})
	return w
}

// LookAt notes how many timers are pending after each of the delays given
// (workflow time from the start), a second after it.
func (w *TimerWatch) LookAt(delays ...time.Duration) {
	for _, d := range delays {
		w.env.RegisterDelayedCallback(func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.MostPending = max(w.MostPending, len(w.pending))
		}, d+time.Second)
	}
}

// Counts are the counts so far.
func (w *TimerWatch) Counts() TimerWatch {
	w.mu.Lock()
	defer w.mu.Unlock()
	return TimerWatch{Started: w.Started, Fired: w.Fired, Cancelled: w.Cancelled, MostPending: w.MostPending}
}

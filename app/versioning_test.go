package app

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/config"
)

// TestVersionedWorkersRegisterEveryWorkflowWithABehavior builds the workers
// as a versioned build: the workers set no default versioning behavior, so
// a workflow type registered without one of its own panics here.
func TestVersionedWorkersRegisterEveryWorkflowWithABehavior(t *testing.T) {
	c, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	require.NoError(t, err)
	defer c.Close()
	v := Versioning{Deployment: "orderflow", BuildID: "unit"}
	require.NotPanics(t, func() { require.Len(t, NewWorkers(c, Activities{}, v), len(TaskQueues)) })
	require.NotPanics(t, func() { NewWorkers(c, Activities{}, Versioning{}) }, "unversioned workers too")
}

func TestVersioningOf(t *testing.T) {
	cfg := config.Default()
	cfg.WorkerBuildID = "4f1c0a9e2b7d"
	v := VersioningOf(cfg)
	require.Equal(t, Versioning{Deployment: "orderflow", BuildID: "4f1c0a9e2b7d"}, v)
	require.Equal(t, "orderflow:4f1c0a9e2b7d", v.String(), "as the search attribute TemporalWorkerDeploymentVersion says")
	require.True(t, v.workerOptions().DeploymentOptions.UseVersioning)

	cfg.WorkerVersioning = false
	require.Equal(t, Versioning{}, VersioningOf(cfg))
	require.Equal(t, "unversioned", VersioningOf(cfg).String())
	require.False(t, VersioningOf(cfg).workerOptions().DeploymentOptions.UseVersioning)
}

func TestUnpolledQueues(t *testing.T) {
	both := func(queues ...string) []client.WorkerDeploymentTaskQueueInfo {
		var out []client.WorkerDeploymentTaskQueueInfo
		for _, q := range queues {
			out = append(out, client.WorkerDeploymentTaskQueueInfo{Name: q, Type: client.TaskQueueTypeWorkflow},
				client.WorkerDeploymentTaskQueueInfo{Name: q, Type: client.TaskQueueTypeActivity})
		}
		return out
	}
	require.Equal(t, TaskQueues, unpolledQueues(nil))
	require.Empty(t, unpolledQueues(both(TaskQueues...)))
	workflowOnly := append(both(TaskQueues[1:]...), client.WorkerDeploymentTaskQueueInfo{Name: TaskQueues[0], Type: client.TaskQueueTypeWorkflow})
	require.Equal(t, TaskQueues[:1], unpolledQueues(workflowOnly), "a queue's activities are not polled yet")
}

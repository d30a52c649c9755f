package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/config"
)

// Versioning is the worker deployment version the workers run as under
// Temporal's worker versioning: every build of the worker is a version of one
// deployment, new workflows start on the deployment's current version, a
// pinned workflow finishes on the version it started on and an auto-upgrade
// one moves to the current version at its next workflow task
// (docs/deployment.md). The zero Versioning runs the workers unversioned.
type Versioning struct {
	// Deployment is the worker deployment's name; empty: unversioned.
	Deployment string
	// BuildID names this build, the version within the deployment.
	BuildID string
}

// VersioningOf is the versioning the configuration asks for.
func VersioningOf(cfg config.Config) Versioning {
	if !cfg.WorkerVersioning {
		return Versioning{}
	}
	return Versioning{Deployment: cfg.WorkerDeployment, BuildID: cfg.WorkerBuildID}
}

// String names the version as Temporal's search attribute
// TemporalWorkerDeploymentVersion does ("orderflow:4f1c0a9e2b7d"), or
// "unversioned".
func (v Versioning) String() string {
	if v.Deployment == "" {
		return "unversioned"
	}
	return v.Deployment + ":" + v.BuildID
}

// makeCurrentWait bounds how long MakeCurrent waits for the version to show
// up polling every task queue. The server registers a version's task queues
// one after another as their first polls arrive: seconds, more on a busy
// server.
const makeCurrentWait = 2 * time.Minute

// MakeCurrent makes v its deployment's current version, the one new workflows
// (and auto-upgrade ones, at their next task) run on, as policy says
// (config.WorkerSetCurrent): SetCurrentAlways does, SetCurrentIfNone only
// when the deployment has neither a current nor a ramping version (its very
// first versioned worker; after that an operator rolls builds out, see
// docs/deployment.md), SetCurrentNever never does. It first waits, up to two
// minutes, until the workers of v (started already) poll every one of
// TaskQueues, so no process's tasks are routed to a version that does not
// serve them; meanwhile new workflows wait in their task queues and then run
// on the version made current. Two workers racing to do it are serialized by
// the deployment's conflict token.
func MakeCurrent(ctx context.Context, c client.Client, v Versioning, policy string, log *slog.Logger) error {
	if v.Deployment == "" || policy == config.SetCurrentNever {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, makeCurrentWait)
	defer cancel()
	deployments := c.WorkerDeploymentClient()
	backoff := 100 * time.Millisecond
	for {
		done, err := makeCurrentOnce(ctx, deployments, v, policy, log)
		if done {
			return nil
		}
		var denied *serviceerror.PermissionDenied
		var invalid *serviceerror.InvalidArgument
		if errors.As(err, &denied) || errors.As(err, &invalid) {
			return fmt.Errorf("make worker deployment version %s current (a server without worker deployments needs WORKER_VERSIONING=false): %w", v, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("make worker deployment version %s current: %w", v, err)
		case <-time.After(backoff):
			backoff = min(2*backoff, time.Second)
		}
	}
}

// makeCurrentOnce tries MakeCurrent once: done when nothing is left to do,
// else the reason to try again. It looks for the deployment in the list, and
// for the version in the deployment, before it describes either: the server
// logs every describe of one not there yet as an error.
func makeCurrentOnce(ctx context.Context, deployments client.WorkerDeploymentClient, v Versioning, policy string, log *slog.Logger) (bool, error) {
	if listed, err := deploymentListed(ctx, deployments, v.Deployment); err != nil || !listed {
		return false, cmp.Or(err, errors.New("the deployment is not registered yet"))
	}
	h := deployments.GetHandle(v.Deployment)
	d, err := h.Describe(ctx, client.WorkerDeploymentDescribeOptions{})
	if err != nil {
		return false, err
	}
	if !slices.ContainsFunc(d.Info.VersionSummaries, func(s client.WorkerDeploymentVersionSummary) bool {
		return s.Version.BuildID == v.BuildID
	}) {
		return false, errors.New("the version is not registered yet")
	}
	version, err := h.DescribeVersion(ctx, client.WorkerDeploymentDescribeVersionOptions{BuildID: v.BuildID})
	if err != nil {
		return false, err
	}
	if missing := unpolledQueues(version.Info.TaskQueuesInfos); len(missing) > 0 {
		return false, fmt.Errorf("task queues not polled by this version yet: %v", missing)
	}
	routing := d.Info.RoutingConfig
	current, ramping := routing.CurrentVersion, routing.RampingVersion
	switch {
	case current != nil && current.BuildID == v.BuildID:
		log.Info("worker deployment version is current", "version", v.String())
		return true, nil
	case policy == config.SetCurrentIfNone && (current != nil || ramping != nil):
		args := []any{"version", v.String(), "policy", policy}
		if current != nil {
			args = append(args, "current", current.DeploymentName+":"+current.BuildID)
		}
		if ramping != nil {
			args = append(args, "ramping", ramping.DeploymentName+":"+ramping.BuildID, "ramp_percent", routing.RampingVersionPercentage)
		}
		log.Info("worker deployment version left as it is: the deployment has a current or ramping version, "+
			"and an operator rolls builds out (docs/deployment.md)", args...)
		return true, nil
	}
	if _, err := h.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{
		BuildID: v.BuildID, ConflictToken: d.ConflictToken,
	}); err != nil {
		return false, err // a conflict: another worker changed the deployment; look again
	}
	previous := "unversioned"
	if current != nil {
		previous = current.DeploymentName + ":" + current.BuildID
	}
	log.Info("made this worker deployment version current", "version", v.String(), "previous", previous, "policy", policy)
	return true, nil
}

// deploymentListed tells whether the namespace lists the deployment.
func deploymentListed(ctx context.Context, deployments client.WorkerDeploymentClient, name string) (bool, error) {
	it, err := deployments.List(ctx, client.WorkerDeploymentListOptions{})
	if err != nil {
		return false, err
	}
	for it.HasNext() {
		d, err := it.Next()
		if err != nil {
			return false, err
		}
		if d.Name == name {
			return true, nil
		}
	}
	return false, nil
}

// unpolledQueues are those of TaskQueues a version's workers do not poll for
// both workflow and activity tasks yet.
func unpolledQueues(polled []client.WorkerDeploymentTaskQueueInfo) []string {
	var missing []string
	for _, q := range TaskQueues {
		workflows := slices.ContainsFunc(polled, func(i client.WorkerDeploymentTaskQueueInfo) bool {
			return i.Name == q && i.Type == client.TaskQueueTypeWorkflow
		})
		activities := slices.ContainsFunc(polled, func(i client.WorkerDeploymentTaskQueueInfo) bool {
			return i.Name == q && i.Type == client.TaskQueueTypeActivity
		})
		if !workflows || !activities {
			missing = append(missing, q)
		}
	}
	return missing
}

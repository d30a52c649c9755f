package telemetry

import (
	"context"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"
)

// A request's ID (X-Request-Id) follows it into Temporal: RequestIDPropagator
// carries it in the headers of the workflows, updates and activities the
// request starts (and of those they start in turn), and RequestIDLogging adds
// it to workflow.GetLogger's and activity.GetLogger's lines, so one grep
// finds a request's API line and its workflow's and activities' lines. A
// workflow keeps the ID of the request that started it; an update handler
// logs with the ID of the request that sent the update.

// requestIDKey keys the request ID in a context.Context and a workflow.Context.
type requestIDKey struct{}

// RequestIDHeader is the Temporal header that carries the request ID.
const RequestIDHeader = "orderflow-request-id"

// WithRequestID returns ctx carrying the request ID.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the request ID ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WorkflowRequestID is the request ID a workflow context carries, or "".
func WorkflowRequestID(ctx workflow.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// RequestIDPropagator is a workflow.ContextPropagator of the request ID.
type RequestIDPropagator struct{}

var _ workflow.ContextPropagator = RequestIDPropagator{}

// Inject writes the ID of a request's context into the headers of what it
// starts (a workflow, an update, a signal).
func (RequestIDPropagator) Inject(ctx context.Context, w workflow.HeaderWriter) error {
	return injectRequestID(RequestID(ctx), w)
}

// InjectFromWorkflow writes a workflow's request ID into the headers of the
// activities and child workflows it starts.
func (RequestIDPropagator) InjectFromWorkflow(ctx workflow.Context, w workflow.HeaderWriter) error {
	return injectRequestID(WorkflowRequestID(ctx), w)
}

// Extract puts the headers' request ID into an activity's context.
func (RequestIDPropagator) Extract(ctx context.Context, r workflow.HeaderReader) (context.Context, error) {
	if id := extractRequestID(r); id != "" {
		return WithRequestID(ctx, id), nil
	}
	return ctx, nil
}

// ExtractToWorkflow puts the headers' request ID into a workflow's context
// (or an update handler's).
func (RequestIDPropagator) ExtractToWorkflow(ctx workflow.Context, r workflow.HeaderReader) (workflow.Context, error) {
	if id := extractRequestID(r); id != "" {
		return workflow.WithValue(ctx, requestIDKey{}, id), nil
	}
	return ctx, nil
}

func injectRequestID(id string, w workflow.HeaderWriter) error {
	if id == "" {
		return nil
	}
	p, err := converter.GetDefaultDataConverter().ToPayload(id)
	if err != nil {
		return err
	}
	w.Set(RequestIDHeader, p)
	return nil
}

// extractRequestID reads the header; one that does not decode is ignored
// (a log field is not worth failing a workflow task for).
func extractRequestID(r workflow.HeaderReader) string {
	p, ok := r.Get(RequestIDHeader)
	if !ok {
		return ""
	}
	var id string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &id); err != nil {
		return ""
	}
	return id
}

// RequestIDLogging is a client interceptor that, for the workers made from
// the client, adds "request_id" to the loggers of workflows and activities
// that carry one.
type RequestIDLogging struct {
	interceptor.ClientInterceptorBase
	interceptor.WorkerInterceptorBase
}

var (
	_ interceptor.ClientInterceptor = (*RequestIDLogging)(nil)
	_ interceptor.WorkerInterceptor = (*RequestIDLogging)(nil)
)

// InterceptWorkflow wraps a workflow's logger.
func (*RequestIDLogging) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &workflowInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}}
}

// InterceptActivity wraps an activity's logger.
func (*RequestIDLogging) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &activityInbound{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}}
}

type workflowInbound struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (w *workflowInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(&workflowOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}})
}

type workflowOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
}

func (w *workflowOutbound) GetLogger(ctx workflow.Context) tlog.Logger {
	l := w.Next.GetLogger(ctx)
	if id := WorkflowRequestID(ctx); id != "" {
		return tlog.With(l, "request_id", id)
	}
	return l
}

type activityInbound struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *activityInbound) Init(outbound interceptor.ActivityOutboundInterceptor) error {
	return a.Next.Init(&activityOutbound{ActivityOutboundInterceptorBase: interceptor.ActivityOutboundInterceptorBase{Next: outbound}})
}

type activityOutbound struct {
	interceptor.ActivityOutboundInterceptorBase
}

func (a *activityOutbound) GetLogger(ctx context.Context) tlog.Logger {
	l := a.Next.GetLogger(ctx)
	if id := RequestID(ctx); id != "" {
		return tlog.With(l, "request_id", id)
	}
	return l
}

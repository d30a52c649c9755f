package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/orderflow/orderflow/telemetry"
)

// A request never waits on an unreachable Temporal (or Postgres) for longer
// than its deadline: every /v1 request runs under one, and a dependency that
// does not answer in time is a 503 with Retry-After, so a client retries
// (checkout is idempotent by its cart) instead of hanging. /readyz says when
// either is unreachable; /healthz only that the process lives.

// minRequestTimeout is the shortest deadline of a /v1 request; checkout's is
// longer when its synchronous wait (CHECKOUT_SYNC_WAIT) needs it.
const minRequestTimeout = 8 * time.Second

// retryAfterSeconds is the Retry-After of a 503.
const retryAfterSeconds = 5

// errUnavailable answers a request whose dependency did not answer in time.
var errUnavailable = newError(http.StatusServiceUnavailable, "unavailable",
	"a service Orderflow depends on (Temporal or its database) did not answer in time; retry later")

// requestTimeout is the deadline of a /v1 request.
func (s *Server) requestTimeout() time.Duration { return RequestTimeout(s.opts.CheckoutSyncWait) }

// RequestTimeout is the deadline of a /v1 request on an API whose checkout
// waits checkoutSyncWait for the order: 8 s, or the wait and 3 s more. The
// HTTP server's write timeout must exceed it, or a slow answer is cut off
// instead of answered.
func RequestTimeout(checkoutSyncWait time.Duration) time.Duration {
	return max(minRequestTimeout, checkoutSyncWait+3*time.Second)
}

// withDeadline runs the request under its deadline.
func (s *Server) withDeadline(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.requestTimeout())
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// unavailable tells an error of a dependency that is down or did not answer
// within the request's deadline: Temporal's Unavailable or DeadlineExceeded
// (as its service errors or as gRPC codes, wrapped or not), or the request's
// own deadline passed.
func unavailable(err error) bool {
	var down *serviceerror.Unavailable
	var late *serviceerror.DeadlineExceeded
	if errors.As(err, &down) || errors.As(err, &late) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	code := status.Code(err) // finds a wrapped gRPC status too
	return code == codes.Unavailable || code == codes.DeadlineExceeded
}

// readiness answers 200 when Postgres and Temporal both answer, else 503
// naming the one that does not: a load balancer sends no traffic to an API
// whose Temporal is unreachable.
func (s *Server) readiness(c *gin.Context) {
	body, ready := telemetry.Readiness(c.Request.Context(), s.pool, s.temporal)
	if !ready {
		c.Header("Retry-After", strconv.Itoa(retryAfterSeconds))
		c.JSON(http.StatusServiceUnavailable, body)
		return
	}
	c.JSON(http.StatusOK, body)
}

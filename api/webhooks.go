package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/webhooks"
)

// MaxWebhookBody is the largest webhook body accepted (413 beyond): events
// are small, and the whole body is read before its signature can be checked.
const MaxWebhookBody = 256 << 10

// deliveryTimeout bounds the hand-over of one event to its workflow, so that
// a slow Temporal does not hold the sender: the event is recorded pending
// first, so nothing is lost when the hand-over gives up.
const deliveryTimeout = 10 * time.Second

// WebhookDeliverer hands a recorded webhook event to the workflow that owns it
// (the order workflow, as an update or a signal). The API calls it once per
// event, after recording the event and before answering 202.
type WebhookDeliverer interface {
	// Deliver hands the event over. delivered false (and no error) means no
	// workflow owns it, an order Orderflow does not know for one: the event
	// is recorded unmatched for ops. An error that wraps webhooks.ErrRejected
	// records it rejected (the workflow refused it for good), with the
	// error's text; any other error leaves it pending, with the error, to be
	// delivered again. So Deliver must be idempotent by (event.IntegrationID,
	// event.ID), as a later attempt may repeat one that timed out.
	Deliver(ctx context.Context, event webhooks.Event) (delivered bool, err error)
}

// unmatchedDeliverer is the deliverer while no workflow takes webhook events:
// every event is recorded unmatched, for ops.
type unmatchedDeliverer struct{}

func (unmatchedDeliverer) Deliver(context.Context, webhooks.Event) (bool, error) { return false, nil }

// WebhookReceipt is the 202 answer to a webhook.
type WebhookReceipt struct {
	// EventID is the sender's event ID.
	EventID string `json:"event_id"`
	// Status is what became of the event: delivered, unmatched or rejected.
	// (An event still pending is answered 503 delivery_pending instead.)
	Status string `json:"status"`
	// Duplicate is true when the event was received before: this one changed
	// nothing, and Status is the first one's.
	Duplicate bool `json:"duplicate"`
}

var errWebhooksUnconfigured = newError(http.StatusServiceUnavailable, "webhooks_unavailable",
	"webhooks are not configured on this server (WEBHOOK_SECRET_KEY)")

// receiveWebhook records a signed event from an integration and hands it to
// its workflow. The signature authenticates the request (there is no bearer
// token); a request it does not authenticate writes nothing.
func (s *Server) receiveWebhook(c *gin.Context) {
	ctx := c.Request.Context()
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxWebhookBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			RespondError(c, newError(http.StatusRequestEntityTooLarge, "body_too_large", "a webhook body may be at most 256 KiB"))
			return
		}
		RespondError(c, newError(http.StatusBadRequest, "unreadable_body", "could not read the request body"))
		return
	}
	if s.opts.WebhookSecrets == nil {
		RespondError(c, errWebhooksUnconfigured)
		return
	}
	now := time.Now()
	integration, secrets, err := s.webhookSecrets(ctx, c.Param("integration"), now)
	if err != nil {
		RespondError(c, err)
		return
	}
	// An unknown or inactive integration has no secrets, so it is refused
	// exactly as a wrong signature is: its name does not leak whether it exists.
	if err := webhooks.Verify(c.GetHeader(webhooks.SignatureHeader), body, now, webhooks.Tolerance, secrets...); err != nil {
		RespondError(c, &HTTPError{Status: http.StatusUnauthorized, Body: Error{Code: "invalid_signature", Message: err.Error()}})
		return
	}

	event, err := webhooks.ParseEvent(body)
	if err != nil {
		var fe *webhooks.FieldError
		if errors.As(err, &fe) {
			RespondError(c, FieldError(fe.Field, fe.Message))
			return
		}
		RespondError(c, newError(http.StatusBadRequest, "malformed_json", "the body must be one JSON object: "+err.Error()))
		return
	}
	event.IntegrationID, event.Integration = integration.ID, integration.Name

	row, err := s.q.WebhookEventCreate(ctx, db.WebhookEventCreateParams{
		ID: uuid.New(), IntegrationID: integration.ID, EventID: event.ID, Type: string(event.Type),
		OrderID: event.OrderID, Payload: body})
	duplicate := db.IsNotFound(err)
	if duplicate {
		row, err = s.q.WebhookEventGetByEventID(ctx, db.WebhookEventGetByEventIDParams{IntegrationID: integration.ID, EventID: event.ID})
	}
	if err != nil {
		RespondError(c, err)
		return
	}
	// A new event is handed over now; so is one sent again after its
	// hand-over failed (or its request died mid-way): the sender's retry is
	// what completes it. A duplicate of one whose first hand-over is still
	// under way waits for it and answers how it settled; if it does not
	// settle (that request died with its server), the sender is told to come
	// back, since a 202 must mean the event needs nothing more from it.
	status := row.Status
	if !duplicate || handOverFailed(row, time.Now()) {
		event.ReceivedAt = row.ReceivedAt
		status = s.deliverWebhook(c, row, event)
	} else if status == "pending" {
		if row, err = s.awaitHandOver(ctx, row); err != nil {
			RespondError(c, err)
			return
		}
		status = row.Status
	}
	if status == "pending" {
		c.Header("Retry-After", strconv.Itoa(webhookRetryAfterSeconds))
		RespondError(c, errDeliveryPending)
		return
	}
	c.JSON(http.StatusAccepted, WebhookReceipt{EventID: event.ID, Status: status, Duplicate: duplicate})
}

// handOverFailed says a recorded event is pending because its hand-over
// failed (the error is recorded), or because the request making it died: it
// has been pending longer than any hand-over lasts.
func handOverFailed(row db.WebhookEvent, now time.Time) bool {
	return row.Status == "pending" && (row.Error != "" || now.Sub(row.ReceivedAt) > 2*deliveryTimeout)
}

// awaitHandOver waits until the request handing the event over has settled
// it, as long as a hand-over can take (deliveryTimeout from its receipt), and
// returns the event as it is then: still pending when that request died.
func (s *Server) awaitHandOver(ctx context.Context, row db.WebhookEvent) (db.WebhookEvent, error) {
	deadline := row.ReceivedAt.Add(deliveryTimeout + time.Second)
	for row.Status == "pending" && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return row, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
		var err error
		row, err = s.q.WebhookEventGetByEventID(ctx, db.WebhookEventGetByEventIDParams{IntegrationID: row.IntegrationID, EventID: row.EventID})
		if err != nil {
			return row, err
		}
	}
	return row, nil
}

// webhookRetryAfterSeconds is the Retry-After of a pending event's 503.
const webhookRetryAfterSeconds = 5

// errDeliveryPending answers an event recorded whose hand-over to its
// workflow failed (Temporal unreachable) or died with its request's server:
// the sender retries it with the same event ID, and the retry hands it over.
var errDeliveryPending = newError(http.StatusServiceUnavailable, "delivery_pending",
	"the event is recorded, but its hand-over to its workflow failed: send it again with the same id")

// webhookSecrets finds the integration a webhook URL names and opens its
// secrets: the current one, and the previous one during a rotation's grace
// period. An unknown or inactive integration has none.
func (s *Server) webhookSecrets(ctx context.Context, name string, now time.Time) (db.Integration, []string, error) {
	in, err := s.q.IntegrationGetByName(ctx, name)
	if db.IsNotFound(err) || (err == nil && !in.Active) {
		return in, nil, nil
	}
	if err != nil {
		return in, nil, err
	}
	current, err := s.opts.WebhookSecrets.Open(in.ID, in.SecretCiphertext, in.SecretNonce)
	if err != nil {
		// Not the sender's fault (WEBHOOK_SECRET_KEY changed): a 500, so it
		// retries once ops have fixed it, rather than a 401 it would give up on.
		return in, nil, errors.New("integration " + in.Name + ": " + err.Error())
	}
	secrets := []string{current}
	if in.PreviousSecretExpiresAt != nil && now.Before(*in.PreviousSecretExpiresAt) {
		previous, err := s.opts.WebhookSecrets.Open(in.ID, in.PreviousSecretCiphertext, in.PreviousSecretNonce)
		if err != nil {
			s.log.WarnContext(ctx, "previous webhook secret does not open; only the current one verifies", "integration", in.Name, "err", err)
		} else {
			secrets = append(secrets, previous)
		}
	}
	return in, secrets, nil
}

// deliverWebhook hands a newly recorded event to its workflow and records the
// outcome, which it returns. Only the request that recorded the event calls
// it, so a replayed event, however many at once, is delivered once. A failed
// hand-over leaves the event pending; the sender has its 202 all the same,
// since the event is safely recorded.
func (s *Server) deliverWebhook(c *gin.Context, row db.WebhookEvent, event webhooks.Event) string {
	// The sender hanging up must not cut a hand-over in half.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), deliveryTimeout)
	defer cancel()
	deliverer := s.opts.WebhookDeliverer
	if deliverer == nil {
		deliverer = unmatchedDeliverer{}
	}
	settle := db.WebhookEventSettleParams{ID: row.ID, Status: "unmatched"}
	delivered, err := deliverer.Deliver(ctx, event)
	switch {
	case errors.Is(err, webhooks.ErrRejected):
		settle.Status, settle.Error = "rejected", err.Error()
	case err != nil:
		settle.Status, settle.Error = "pending", err.Error()
		s.log.WarnContext(ctx, "webhook event not delivered; it stays pending", "request_id", requestID(c),
			"integration", event.Integration, "event_id", event.ID, "err", err)
	case delivered:
		settle.Status = "delivered"
	}
	if _, err := s.q.WebhookEventSettle(ctx, settle); err != nil {
		s.log.ErrorContext(ctx, "record webhook delivery", "request_id", requestID(c),
			"integration", event.Integration, "event_id", event.ID, "status", settle.Status, "err", err)
		return row.Status
	}
	return settle.Status
}

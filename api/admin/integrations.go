package admin

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/webhooks"
)

// Integration is a system that posts signed webhooks (a warehouse, a carrier,
// the ERP). Its secret is shown only when it is made (IntegrationSecret).
type Integration struct {
	ID     uuid.UUID `json:"id"`
	Name   string    `json:"name"`
	Kind   string    `json:"kind"`
	Active bool      `json:"active"`
	// WebhookPath is where the integration posts: /v1/webhooks/<name>.
	WebhookPath string     `json:"webhook_path"`
	CreatedAt   time.Time  `json:"created_at"`
	RotatedAt   *time.Time `json:"rotated_at,omitempty"`
	// PreviousSecretValidUntil is, after a rotation, until when the secret it
	// replaced still verifies; absent when no previous secret does.
	PreviousSecretValidUntil *time.Time `json:"previous_secret_valid_until,omitempty"`
}

// IntegrationSecret is an integration with its new secret, shown this once:
// Orderflow keeps it only encrypted, and never shows it again.
type IntegrationSecret struct {
	Integration
	Secret string `json:"secret"`
}

// IntegrationPage is one page of integrations, oldest first.
type IntegrationPage struct {
	Integrations []Integration `json:"integrations"`
	NextCursor   string        `json:"next_cursor,omitempty"`
}

// WebhookEvent is an event an integration posted, and what became of it.
type WebhookEvent struct {
	ID          uuid.UUID  `json:"id"`
	Integration string     `json:"integration"`
	EventID     string     `json:"event_id"`
	Type        string     `json:"type"`
	OrderID     *uuid.UUID `json:"order_id,omitempty"`
	// Status is pending, delivered, unmatched or rejected.
	Status      string     `json:"status"`
	Error       string     `json:"error,omitempty"`
	ReceivedAt  time.Time  `json:"received_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	// Payload is the envelope as posted.
	Payload json.RawMessage `json:"payload"`
}

// WebhookEventPage is one page of webhook events, oldest first.
type WebhookEventPage struct {
	Events     []WebhookEvent `json:"events"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// webhookEventStatuses are the statuses ops may filter events by.
var webhookEventStatuses = []string{"pending", "delivered", "unmatched", "rejected"}

// integrationNamePattern is what may name an integration: a URL path segment
// (the same rule as the database's).
var integrationNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func integrationOf(in db.Integration, now time.Time) Integration {
	out := Integration{ID: in.ID, Name: in.Name, Kind: in.Kind, Active: in.Active,
		WebhookPath: "/v1/webhooks/" + in.Name, CreatedAt: in.CreatedAt.UTC()}
	if in.RotatedAt != nil {
		at := in.RotatedAt.UTC()
		out.RotatedAt = &at
	}
	if until := in.PreviousSecretExpiresAt; until != nil && now.Before(*until) {
		at := until.UTC()
		out.PreviousSecretValidUntil = &at
	}
	return out
}

func webhookEventOf(r db.WebhookEventListRow) WebhookEvent {
	e := WebhookEvent{ID: r.ID, Integration: r.IntegrationName, EventID: r.EventID, Type: r.Type, Status: r.Status,
		Error: r.Error, ReceivedAt: r.ReceivedAt.UTC(), Payload: r.Payload}
	if r.OrderID.Valid {
		e.OrderID = &r.OrderID.UUID
	}
	if r.DeliveredAt != nil {
		at := r.DeliveredAt.UTC()
		e.DeliveredAt = &at
	}
	return e
}

type integrationRequest struct {
	Name *string `json:"name"`
	Kind *string `json:"kind"`
}

var errWebhooksUnconfigured = &api.HTTPError{Status: http.StatusServiceUnavailable, Body: api.Error{
	Code: "webhooks_unavailable", Message: "webhooks are not configured on this server (WEBHOOK_SECRET_KEY)"}}

// createIntegration adds an integration with a new secret, shown in this
// answer only.
func (h *handlers) createIntegration(c *gin.Context) {
	box := h.server.WebhookSecrets()
	if box == nil {
		api.RespondError(c, errWebhooksUnconfigured)
		return
	}
	var req integrationRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	if err := requireFields(map[string]bool{"name": req.Name != nil, "kind": req.Kind != nil}, "name", "kind"); err != nil {
		api.RespondError(c, err)
		return
	}
	if !integrationNamePattern.MatchString(*req.Name) {
		api.RespondError(c, api.FieldError("name", "name must be 1 to 63 lower-case letters, digits and hyphens, such as warehouse-east"))
		return
	}
	if !webhooks.IntegrationKind(*req.Kind).Known() {
		kinds := make([]string, len(webhooks.IntegrationKinds))
		for i, k := range webhooks.IntegrationKinds {
			kinds[i] = string(k)
		}
		api.RespondError(c, api.FieldError("kind", "kind must be one of "+strings.Join(kinds, ", ")))
		return
	}
	id, secret := uuid.New(), webhooks.NewSecret()
	ciphertext, nonce := box.Seal(id, secret)
	in, err := h.q.IntegrationCreate(c.Request.Context(), db.IntegrationCreateParams{
		ID: id, Name: *req.Name, Kind: *req.Kind, SecretCiphertext: ciphertext, SecretNonce: nonce})
	if err != nil {
		api.RespondError(c, violation(err, "name", ""))
		return
	}
	c.JSON(http.StatusCreated, IntegrationSecret{Integration: integrationOf(in, time.Now()), Secret: secret})
}

// listIntegrations pages through the integrations, oldest first. No secret is
// shown.
func (h *handlers) listIntegrations(c *gin.Context) {
	p, err := api.ReadKeysetPage(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	rows, err := h.q.IntegrationList(c.Request.Context(), db.IntegrationListParams{
		AfterCreatedAt: p.AfterAt, AfterID: p.AfterID, RowLimit: p.RowLimit()})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	now := time.Now()
	var page IntegrationPage
	page.Integrations, page.NextCursor = api.PageOf(p, rows,
		func(r db.Integration) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID },
		func(r db.Integration) Integration { return integrationOf(r, now) })
	c.JSON(http.StatusOK, page)
}

// rotateIntegrationSecret gives an integration a new secret, shown in this
// answer only. The secret it replaces keeps verifying for
// webhooks.RotationGrace, so the sender can switch without losing events; a
// secret replaced before (a second rotation within the grace period) stops
// verifying at once.
func (h *handlers) rotateIntegrationSecret(c *gin.Context) {
	box := h.server.WebhookSecrets()
	if box == nil {
		api.RespondError(c, errWebhooksUnconfigured)
		return
	}
	id, err := api.PathUUID(c, "integration_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	secret := webhooks.NewSecret()
	ciphertext, nonce := box.Seal(id, secret)
	now := time.Now()
	in, err := h.q.IntegrationRotateSecret(c.Request.Context(), db.IntegrationRotateSecretParams{
		ID: id, SecretCiphertext: ciphertext, SecretNonce: nonce, PreviousExpiresAt: now.Add(webhooks.RotationGrace)})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, IntegrationSecret{Integration: integrationOf(in, now), Secret: secret})
}

// listWebhookEvents pages through webhook events, oldest first, by status
// and integration (its name) when asked: ops look for the unmatched and the
// pending.
func (h *handlers) listWebhookEvents(c *gin.Context) {
	p, err := api.ReadKeysetPage(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	params := db.WebhookEventListParams{AfterReceivedAt: p.AfterAt, AfterID: p.AfterID, RowLimit: p.RowLimit()}
	if status, ok := c.GetQuery("status"); ok {
		if !slices.Contains(webhookEventStatuses, status) {
			api.RespondError(c, api.FieldError("status", "status must be one of "+strings.Join(webhookEventStatuses, ", ")))
			return
		}
		params.Status = pgtype.Text{String: status, Valid: true}
	}
	if name, ok := c.GetQuery("integration"); ok {
		in, err := h.q.IntegrationGetByName(ctx, name)
		if db.IsNotFound(err) {
			api.RespondError(c, api.FieldError("integration", "integration names no integration"))
			return
		}
		if err != nil {
			api.RespondError(c, err)
			return
		}
		params.IntegrationID = uuid.NullUUID{UUID: in.ID, Valid: true}
	}
	rows, err := h.q.WebhookEventList(ctx, params)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var page WebhookEventPage
	page.Events, page.NextCursor = api.PageOf(p, rows,
		func(r db.WebhookEventListRow) (time.Time, uuid.UUID) { return r.ReceivedAt, r.ID }, webhookEventOf)
	c.JSON(http.StatusOK, page)
}

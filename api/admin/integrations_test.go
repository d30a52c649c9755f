package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/admin"
	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/webhooks"
)

// signedEvent posts a shipment event for order to the integration, signed
// with secret.
func (e *adminEnv) signedEvent(integration, secret, eventID string, order uuid.UUID) adminResponse {
	e.t.Helper()
	body := `{"id":"` + eventID + `","type":"shipment.created","created":1767225600,"data":` + shipmentData(order) + `}`
	return e.as("", "POST", "/v1/webhooks/"+integration, body,
		webhooks.SignatureHeader, webhooks.Sign(secret, time.Now(), []byte(body)))
}

// shipmentData is the data of a valid shipment.created event for order.
func shipmentData(order uuid.UUID) string {
	return `{"order_id":"` + order.String() + `","shipment_ref":"WH-1","lines":[{"sku":"GLV-100","quantity":1}],"tracking_number":"JD0001"}`
}

func TestAdminIntegrationSecretsAreShownOnceAndVerify(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	ctx := context.Background()

	var created admin.IntegrationSecret
	e.do("POST", "/v1/admin/integrations", map[string]any{"name": "warehouse-east", "kind": "warehouse"}).
		requireStatus(t, http.StatusCreated, &created)
	require.Equal(t, "warehouse-east", created.Name)
	require.Equal(t, "warehouse", created.Kind)
	require.True(t, created.Active)
	require.Equal(t, "/v1/webhooks/warehouse-east", created.WebhookPath)
	require.True(t, strings.HasPrefix(created.Secret, "whsec_"), created.Secret)
	require.Nil(t, created.PreviousSecretValidUntil)

	// Stored encrypted, under the configured key, bound to the integration.
	row, err := db.New(e.pool).IntegrationGet(ctx, created.ID)
	require.NoError(t, err)
	require.NotContains(t, string(row.SecretCiphertext), created.Secret)
	box, err := webhooks.NewSecretBox(config.DevWebhookKey())
	require.NoError(t, err)
	opened, err := box.Open(created.ID, row.SecretCiphertext, row.SecretNonce)
	require.NoError(t, err)
	require.Equal(t, created.Secret, opened)

	// The secret signs webhooks.
	var rec api.WebhookReceipt
	e.signedEvent("warehouse-east", created.Secret, "evt_1", uuid.New()).requireStatus(t, http.StatusAccepted, &rec)
	require.Equal(t, "unmatched", rec.Status, "no order workflow takes events yet")

	// The list shows no secret.
	var page admin.IntegrationPage
	res := e.do("GET", "/v1/admin/integrations", nil)
	res.requireStatus(t, http.StatusOK, &page)
	require.NotContains(t, string(res.Body), created.Secret)
	require.NotContains(t, string(res.Body), "secret\"")
	require.Equal(t, []admin.Integration{created.Integration}, page.Integrations)

	// Rotation: a new secret, once; the old one keeps working for 24 hours.
	var rotated admin.IntegrationSecret
	e.do("POST", "/v1/admin/integrations/"+created.ID.String()+"/rotate-secret", nil).requireStatus(t, http.StatusOK, &rotated)
	require.NotEqual(t, created.Secret, rotated.Secret)
	require.NotNil(t, rotated.RotatedAt)
	require.NotNil(t, rotated.PreviousSecretValidUntil)
	require.WithinDuration(t, time.Now().Add(24*time.Hour), *rotated.PreviousSecretValidUntil, time.Minute)
	e.signedEvent("warehouse-east", created.Secret, "evt_2", uuid.New()).requireStatus(t, http.StatusAccepted, nil)
	e.signedEvent("warehouse-east", rotated.Secret, "evt_3", uuid.New()).requireStatus(t, http.StatusAccepted, nil)
	e.signedEvent("warehouse-east", webhooks.NewSecret(), "evt_4", uuid.New()).requireError(t, http.StatusUnauthorized, "invalid_signature", "")

	// Rotating again retires the first secret at once.
	var again admin.IntegrationSecret
	e.do("POST", "/v1/admin/integrations/"+created.ID.String()+"/rotate-secret", nil).requireStatus(t, http.StatusOK, &again)
	e.signedEvent("warehouse-east", created.Secret, "evt_5", uuid.New()).requireError(t, http.StatusUnauthorized, "invalid_signature", "")
	e.signedEvent("warehouse-east", rotated.Secret, "evt_6", uuid.New()).requireStatus(t, http.StatusAccepted, nil)

	e.do("POST", "/v1/admin/integrations/"+uuid.NewString()+"/rotate-secret", nil).requireError(t, http.StatusNotFound, "not_found", "")
	e.do("POST", "/v1/admin/integrations/nope/rotate-secret", nil).requireError(t, http.StatusBadRequest, "invalid_field", "integration_id")
}

func TestAdminIntegrationSecretIsNotReplayed(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	ctx := context.Background()
	key := "Idempotency-Key"
	var created admin.IntegrationSecret
	body := map[string]any{"name": "carrier-dhl", "kind": "carrier"}
	e.do("POST", "/v1/admin/integrations", body, key, "create-dhl").requireStatus(t, http.StatusCreated, &created)
	retry := e.do("POST", "/v1/admin/integrations", body, key, "create-dhl")
	retry.requireError(t, http.StatusConflict, "token_already_issued", "Idempotency-Key")
	require.NotContains(t, string(retry.Body), created.Secret)

	var rotated admin.IntegrationSecret
	path := "/v1/admin/integrations/" + created.ID.String() + "/rotate-secret"
	e.do("POST", path, nil, key, "rotate-dhl").requireStatus(t, http.StatusOK, &rotated)
	e.do("POST", path, nil, key, "rotate-dhl").requireError(t, http.StatusConflict, "token_already_issued", "Idempotency-Key")
	e.signedEvent("carrier-dhl", rotated.Secret, "evt_1", uuid.New()).requireStatus(t, http.StatusAccepted, nil)
	e.signedEvent("carrier-dhl", created.Secret, "evt_2", uuid.New()).requireStatus(t, http.StatusAccepted, nil)

	var n, leaked int
	require.NoError(t, e.pool.QueryRow(ctx, "SELECT count(*) FROM integrations").Scan(&n))
	require.Equal(t, 1, n)
	for _, secret := range []string{created.Secret, rotated.Secret} {
		require.NoError(t, e.pool.QueryRow(ctx,
			"SELECT count(*) FROM idempotency_keys WHERE position($1::bytea in response_body) > 0", []byte(secret)).Scan(&leaked))
		require.Zero(t, leaked, "no secret is kept in the idempotency store")
	}
}

func TestAdminIntegrationRefusals(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.do("POST", "/v1/admin/integrations", map[string]any{"name": "erp", "kind": "erp"}).requireStatus(t, http.StatusCreated, nil)
	for field, body := range map[string]map[string]any{
		"name": {"kind": "erp"},
		"kind": {"name": "erp-2"},
	} {
		e.do("POST", "/v1/admin/integrations", body).requireError(t, http.StatusUnprocessableEntity, "invalid_field", field)
	}
	for _, name := range []string{"", "Warehouse", "-east", "east west", "east/west", strings.Repeat("a", 64)} {
		e.do("POST", "/v1/admin/integrations", map[string]any{"name": name, "kind": "warehouse"}).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "name")
	}
	e.do("POST", "/v1/admin/integrations", map[string]any{"name": "bank-1", "kind": "bank"}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "kind")
	e.do("POST", "/v1/admin/integrations", map[string]any{"name": "erp", "kind": "warehouse"}).
		requireError(t, http.StatusConflict, "already_exists", "name")
	e.do("POST", "/v1/admin/integrations", `{"name":`).requireError(t, http.StatusBadRequest, "malformed_json", "")
}

func TestAdminWebhookEventsByStatusAndIntegration(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	ctx := context.Background()
	q := db.New(e.pool)
	var east, west admin.IntegrationSecret
	e.do("POST", "/v1/admin/integrations", map[string]any{"name": "east", "kind": "warehouse"}).requireStatus(t, http.StatusCreated, &east)
	e.do("POST", "/v1/admin/integrations", map[string]any{"name": "west", "kind": "warehouse"}).requireStatus(t, http.StatusCreated, &west)
	order := uuid.New()
	for _, id := range []string{"e1", "e2", "e3"} {
		e.signedEvent("east", east.Secret, id, order).requireStatus(t, http.StatusAccepted, nil)
	}
	e.signedEvent("west", west.Secret, "w1", order).requireStatus(t, http.StatusAccepted, nil)
	// One east event is still pending (its hand-over failed).
	row, err := q.WebhookEventCreate(ctx, db.WebhookEventCreateParams{ID: uuid.New(), IntegrationID: east.ID, EventID: "e4",
		Type: "shipment.delivered", Payload: []byte(`{"id":"e4","type":"shipment.delivered","created":1,"data":{}}`)})
	require.NoError(t, err)
	_, err = q.WebhookEventSettle(ctx, db.WebhookEventSettleParams{ID: row.ID, Status: "pending", Error: "temporal unavailable"})
	require.NoError(t, err)

	list := func(query string) admin.WebhookEventPage {
		t.Helper()
		var page admin.WebhookEventPage
		e.do("GET", "/v1/admin/webhook-events"+query, nil).requireStatus(t, http.StatusOK, &page)
		return page
	}
	ids := func(page admin.WebhookEventPage) []string {
		var out []string
		for _, ev := range page.Events {
			out = append(out, ev.EventID)
		}
		return out
	}
	require.Equal(t, []string{"e1", "e2", "e3", "w1", "e4"}, ids(list("")))
	require.Equal(t, []string{"e1", "e2", "e3", "w1"}, ids(list("?status=unmatched")))
	require.Equal(t, []string{"e4"}, ids(list("?status=pending")))
	require.Equal(t, []string{"w1"}, ids(list("?integration=west")))
	require.Equal(t, []string{"e4"}, ids(list("?integration=east&status=pending")))
	require.Empty(t, list("?status=delivered").Events)

	ev := list("?integration=west").Events[0]
	require.Equal(t, "west", ev.Integration)
	require.Equal(t, "shipment.created", ev.Type)
	require.Equal(t, order, *ev.OrderID)
	require.Equal(t, "unmatched", ev.Status)
	require.JSONEq(t, shipmentData(order), string(mustField(t, ev.Payload, "data")))
	pending := list("?status=pending").Events[0]
	require.Equal(t, "temporal unavailable", pending.Error)
	require.Nil(t, pending.OrderID)

	// Keyset paging.
	first := list("?limit=2")
	require.Equal(t, []string{"e1", "e2"}, ids(first))
	require.NotEmpty(t, first.NextCursor)
	second := list("?limit=2&cursor=" + first.NextCursor)
	require.Equal(t, []string{"e3", "w1"}, ids(second))
	last := list("?limit=2&cursor=" + second.NextCursor)
	require.Equal(t, []string{"e4"}, ids(last))
	require.Empty(t, last.NextCursor)

	e.do("GET", "/v1/admin/webhook-events?status=lost", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "status")
	e.do("GET", "/v1/admin/webhook-events?integration=nowhere", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "integration")
}

// mustField is one field of a JSON object.
func mustField(t *testing.T, object json.RawMessage, name string) json.RawMessage {
	t.Helper()
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(object, &fields))
	require.Contains(t, fields, name)
	return fields[name]
}

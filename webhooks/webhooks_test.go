package webhooks_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/webhooks"
)

var (
	now  = time.Unix(1_767_225_600, 0)
	body = []byte(`{"id":"evt_1","type":"shipment.created","created":1767225600,"data":{"order_id":"0c0a1e00-0000-4000-8000-000000000001",` +
		`"shipment_ref":"WH-1","lines":[{"sku":"GLV-100","quantity":2}],"tracking_number":"JD0001"}}`)
)

func TestNewSecretIsRandomAndMarked(t *testing.T) {
	a, b := webhooks.NewSecret(), webhooks.NewSecret()
	require.True(t, strings.HasPrefix(a, "whsec_"))
	require.NotEqual(t, a, b)
	require.Len(t, a, len("whsec_")+43)
}

func TestSealOpensOnlyForItsIntegrationAndKey(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	box, err := webhooks.NewSecretBox(key)
	require.NoError(t, err)
	id, other := uuid.New(), uuid.New()
	secret := webhooks.NewSecret()
	ct, nonce := box.Seal(id, secret)
	require.NotContains(t, string(ct), secret)

	got, err := box.Open(id, ct, nonce)
	require.NoError(t, err)
	require.Equal(t, secret, got)

	_, err = box.Open(other, ct, nonce)
	require.ErrorIs(t, err, webhooks.ErrUnreadableSecret, "a ciphertext copied to another integration")

	otherBox, err := webhooks.NewSecretBox(bytes.Repeat([]byte{8}, 32))
	require.NoError(t, err)
	_, err = otherBox.Open(id, ct, nonce)
	require.ErrorIs(t, err, webhooks.ErrUnreadableSecret, "another key")

	tampered := bytes.Clone(ct)
	tampered[0] ^= 1
	_, err = box.Open(id, tampered, nonce)
	require.ErrorIs(t, err, webhooks.ErrUnreadableSecret, "an altered ciphertext")
	_, err = box.Open(id, ct, nonce[:4])
	require.ErrorIs(t, err, webhooks.ErrUnreadableSecret, "a short nonce")

	ct2, nonce2 := box.Seal(id, secret)
	require.NotEqual(t, nonce, nonce2, "every seal has its own nonce")
	require.NotEqual(t, ct, ct2)
}

func TestNewSecretBoxWantsA32ByteKey(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		_, err := webhooks.NewSecretBox(make([]byte, n))
		require.Error(t, err, "%d bytes", n)
	}
}

// The signature is the one documented (and made with openssl in docs/api.md):
// hex HMAC-SHA256 over "<t>.<body>" keyed with the whole secret.
func TestSignMatchesTheDocumentedFormula(t *testing.T) {
	secret := "whsec_test"
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(strconv.FormatInt(now.Unix(), 10) + "." + string(body)))
	require.Equal(t, "t=1767225600,v1="+hex.EncodeToString(h.Sum(nil)), webhooks.Sign(secret, now, body))
}

func TestVerifyAcceptsGoodSignatures(t *testing.T) {
	secret, previous := webhooks.NewSecret(), webhooks.NewSecret()
	good := webhooks.Sign(secret, now, body)
	for name, tc := range map[string]struct {
		header  string
		secrets []string
	}{
		"current secret":            {good, []string{secret}},
		"previous secret":           {webhooks.Sign(previous, now, body), []string{secret, previous}},
		"4 minutes old":             {webhooks.Sign(secret, now.Add(-4*time.Minute), body), []string{secret}},
		"4 minutes ahead":           {webhooks.Sign(secret, now.Add(4*time.Minute), body), []string{secret}},
		"several v1, one good":      {good + ",v1=" + strings.Repeat("ab", 32), []string{secret}},
		"good one second":           {"t=1767225600,v1=" + strings.Repeat("00", 32) + "," + strings.TrimPrefix(good, "t=1767225600,"), []string{secret}},
		"unknown schemes ignored":   {good + ",v0=whatever", []string{secret}},
		"spaces around the commas":  {strings.ReplaceAll(good, ",", " , "), []string{secret}},
		"signed by both (rollover)": {good + "," + strings.TrimPrefix(webhooks.Sign(previous, now, body), "t=1767225600,"), []string{previous}},
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, webhooks.Verify(tc.header, body, now, webhooks.Tolerance, tc.secrets...))
		})
	}
}

func TestVerifyRefusals(t *testing.T) {
	secret := webhooks.NewSecret()
	good := webhooks.Sign(secret, now, body)
	mac := strings.TrimPrefix(good, "t=1767225600,v1=")
	for name, tc := range map[string]struct {
		header  string
		body    []byte
		secrets []string
		want    error
	}{
		"missing header":         {"", body, []string{secret}, webhooks.ErrNoSignature},
		"blank header":           {"   ", body, []string{secret}, webhooks.ErrNoSignature},
		"no timestamp":           {"v1=" + mac, body, []string{secret}, webhooks.ErrMalformedSignature},
		"no v1":                  {"t=1767225600", body, []string{secret}, webhooks.ErrMalformedSignature},
		"only other schemes":     {"t=1767225600,v0=" + mac, body, []string{secret}, webhooks.ErrMalformedSignature},
		"timestamp not a number": {"t=soon,v1=" + mac, body, []string{secret}, webhooks.ErrMalformedSignature},
		"signed timestamp":       {"t=+1767225600,v1=" + mac, body, []string{secret}, webhooks.ErrMalformedSignature},
		"two timestamps":         {"t=1767225600,t=1767225600,v1=" + mac, body, []string{secret}, webhooks.ErrMalformedSignature},
		"v1 not hex":             {"t=1767225600,v1=zz", body, []string{secret}, webhooks.ErrMalformedSignature},
		"v1 too short":           {"t=1767225600,v1=" + mac[:62], body, []string{secret}, webhooks.ErrMalformedSignature},
		"no equals sign":         {"t=1767225600,v1", body, []string{secret}, webhooks.ErrMalformedSignature},
		"too many v1":            {"t=1767225600" + strings.Repeat(",v1="+mac, 9), body, []string{secret}, webhooks.ErrMalformedSignature},
		"wrong secret":           {good, body, []string{webhooks.NewSecret()}, webhooks.ErrSignatureMismatch},
		"no secret at all":       {good, body, nil, webhooks.ErrSignatureMismatch},
		"stale timestamp":        {webhooks.Sign(secret, now.Add(-5*time.Minute-time.Second), body), body, []string{secret}, webhooks.ErrStaleSignature},
		"future timestamp":       {webhooks.Sign(secret, now.Add(5*time.Minute+time.Second), body), body, []string{secret}, webhooks.ErrStaleSignature},
		"tampered body":          {good, bytes.Replace(body, []byte("evt_1"), []byte("evt_2"), 1), []string{secret}, webhooks.ErrSignatureMismatch},
		"body with a newline":    {good, append(bytes.Clone(body), '\n'), []string{secret}, webhooks.ErrSignatureMismatch},
		"timestamp changed":      {"t=1767225601,v1=" + mac, body, []string{secret}, webhooks.ErrSignatureMismatch},
	} {
		t.Run(name, func(t *testing.T) {
			err := webhooks.Verify(tc.header, tc.body, now, webhooks.Tolerance, tc.secrets...)
			require.ErrorIs(t, err, tc.want)
			require.ErrorIs(t, err, webhooks.ErrInvalidSignature)
			require.NotEmpty(t, err.Error())
		})
	}
}

func TestParseEvent(t *testing.T) {
	e, err := webhooks.ParseEvent(body)
	require.NoError(t, err)
	require.Equal(t, "evt_1", e.ID)
	require.Equal(t, webhooks.ShipmentCreated, e.Type)
	require.Equal(t, now.UTC(), e.Created)
	require.Equal(t, uuid.MustParse("0c0a1e00-0000-4000-8000-000000000001"), e.OrderID.UUID)
	require.True(t, e.OrderID.Valid)
	require.JSONEq(t, `{"order_id":"0c0a1e00-0000-4000-8000-000000000001","shipment_ref":"WH-1",`+
		`"lines":[{"sku":"GLV-100","quantity":2}],"tracking_number":"JD0001"}`, string(e.Data))

	// Every event type names its order now; one whose data does not is
	// refused where the envelope is read.
	_, err = webhooks.ParseEvent([]byte(`{"id":"evt_2","type":"return.received","created":1,"data":{}}`))
	var fe *webhooks.FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "data.order_id", fe.Field)
}

func TestParseEventRefusals(t *testing.T) {
	long := strings.Repeat("x", webhooks.MaxEventID+1)
	for name, tc := range map[string]struct {
		body  string
		field string // "" for malformed JSON
	}{
		"not JSON":              {`{"id":`, ""},
		"an array":              {`[]`, ""},
		"two objects":           {`{} {}`, ""},
		"no id":                 {`{"type":"shipment.created","created":1,"data":{}}`, "id"},
		"blank id":              {`{"id":" ","type":"shipment.created","created":1,"data":{}}`, "id"},
		"long id":               {`{"id":"` + long + `","type":"shipment.created","created":1,"data":{}}`, "id"},
		"id a number":           {`{"id":1,"type":"shipment.created","created":1,"data":{}}`, "id"},
		"no type":               {`{"id":"e","created":1,"data":{}}`, "type"},
		"unknown type":          {`{"id":"e","type":"order.paid","created":1,"data":{}}`, "type"},
		"no created":            {`{"id":"e","type":"shipment.created","data":{}}`, "created"},
		"created not a number":  {`{"id":"e","type":"shipment.created","created":"today","data":{}}`, "created"},
		"created negative":      {`{"id":"e","type":"shipment.created","created":-1,"data":{}}`, "created"},
		"no data":               {`{"id":"e","type":"shipment.created","created":1}`, "data"},
		"data null":             {`{"id":"e","type":"shipment.created","created":1,"data":null}`, "data"},
		"data an array":         {`{"id":"e","type":"shipment.created","created":1,"data":[]}`, "data"},
		"order_id not a UUID":   {`{"id":"e","type":"shipment.created","created":1,"data":{"order_id":"SO-1"}}`, "data.order_id"},
		"order_id not a string": {`{"id":"e","type":"shipment.created","created":1,"data":{"order_id":7}}`, "data.order_id"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := webhooks.ParseEvent([]byte(tc.body))
			require.Error(t, err)
			if tc.field == "" {
				require.ErrorIs(t, err, webhooks.ErrMalformedJSON)
				return
			}
			var fe *webhooks.FieldError
			require.True(t, errors.As(err, &fe), "%v", err)
			require.Equal(t, tc.field, fe.Field)
		})
	}
}

func TestEventTypesAreKnown(t *testing.T) {
	for _, et := range webhooks.EventTypes {
		require.True(t, et.Known())
	}
	require.False(t, webhooks.EventType("shipment.lost").Known())
	require.True(t, webhooks.KindWarehouse.Known())
	require.False(t, webhooks.IntegrationKind("bank").Known())
}

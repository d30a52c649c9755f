package api

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckJSONTextNamesTheField(t *testing.T) {
	tests := []struct {
		body  string
		field string // "": accepted
	}{
		{`{"comment": "fine"}`, ""},
		{`{"comment": "A\u0000B"}`, "comment"},
		{"{\"comment\": \"A\xffB\"}", "comment"},
		{`{"ship_to": {"name": "Ann", "city": "Paris\u0000"}}`, "ship_to.city"},
		{`{"lines": [{"sku": "A", "quantity": 1}, {"sku": "B\u0000", "quantity": 2}]}`, "lines[1].sku"},
		{`{"lines": [[1, 2], ["x", "y\u0000"]]}`, "lines[1][1]"},
		{`{"a": {"b": [1, {"c": null}]}, "d": "\u0000"}`, "d"},
		{`"\u0000"`, "body"},
		{`{"ok\u0000": 1}`, "ok\x00"},
		{`{"unterminated": "A\u0000`, ""}, // a syntax error: the decoder's to report
		{`{"emoji": "\ud83d\ude00", "accent": "é"}`, ""},
	}
	for _, tt := range tests {
		err := checkJSONText([]byte(tt.body))
		if tt.field == "" {
			require.NoError(t, err, tt.body)
			continue
		}
		var he *HTTPError
		require.True(t, errors.As(err, &he), "%s: %v", tt.body, err)
		require.Equal(t, http.StatusBadRequest, he.Status)
		require.Equal(t, "invalid_field", he.Body.Code)
		require.Equal(t, tt.field, he.Body.Field, tt.body)
	}
}

func TestCanonicalBodyIgnoresKeyOrderAndSpace(t *testing.T) {
	a := canonicalBody([]byte(`{"b": [1, {"y": 2, "x": 1}], "a": "s"}`))
	b := canonicalBody([]byte("{\n \"a\":\"s\",\"b\":[1,{\"x\":1,\"y\":2}]}"))
	require.Equal(t, string(a), string(b))
	require.NotEqual(t, string(a), string(canonicalBody([]byte(`{"a": "s", "b": [{"x": 1, "y": 2}, 1]}`))), "array order matters")
	require.NotEqual(t, string(canonicalBody([]byte(`{"n": 1}`))), string(canonicalBody([]byte(`{"n": 1.0}`))), "numbers keep their text")
	require.Equal(t, "sku,qty\nA,1\n", string(canonicalBody([]byte("sku,qty\nA,1\n"))), "not JSON: as it is")
	require.Equal(t, `{"a":1}}`, string(canonicalBody([]byte(`{"a":1}}`))), "trailing garbage: as it is")
}

package desk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/orderflow/orderflow/api"
)

// apiError is an API refusal as the desk shows it: the API's status, code,
// message and field, word for word.
type apiError struct {
	Status int
	Body   api.Error
}

func (e *apiError) Error() string {
	s := e.Body.Code + ": " + e.Body.Message
	if e.Body.Field != "" && !strings.Contains(e.Body.Message, e.Body.Field) {
		s += " (field " + e.Body.Field + ")"
	}
	return s
}

// call makes one API request as the session's principal, in process, and
// decodes a 2xx answer into out (when not nil). Anything else is an
// *apiError. key is the Idempotency-Key of a mutating request ("" for none).
func (d *Desk) call(r *http.Request, method, path string, body any, key string, out any) error {
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(api.WithTokenHash(r.Context(), sessionOf(r).tokenHash), method, path, &buf)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	req.RemoteAddr = r.RemoteAddr
	rec := httptest.NewRecorder()
	d.api.ServeHTTP(rec, req)
	res := rec.Result()
	if res.StatusCode/100 != 2 {
		var e struct {
			Error api.Error `json:"error"`
		}
		if err := json.NewDecoder(res.Body).Decode(&e); err != nil || e.Error.Code == "" {
			return fmt.Errorf("%s %s: status %d without an error body", method, path, res.StatusCode)
		}
		return &apiError{Status: res.StatusCode, Body: e.Error}
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(res.Body).Decode(out)
}

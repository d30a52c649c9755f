package e2e_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/orderflow/orderflow/api"
)

var (
	contractOnce   sync.Once
	contractRouter routers.Router
	contractErr    error
)

// checkContract validates a response against api/openapi.yaml: the route must be
// documented, and the status, headers and body must match what it documents.
func checkContract(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	contractOnce.Do(func() {
		var doc *openapi3.T
		doc, contractErr = openapi3.NewLoader().LoadFromData(api.OpenAPI)
		if contractErr != nil {
			return
		}
		doc.Servers = nil // match the test server's host, whatever it is
		contractRouter, contractErr = gorillamux.NewRouter(doc)
	})
	if contractErr != nil {
		t.Fatalf("load OpenAPI document: %v", contractErr)
	}
	route, params, err := contractRouter.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s is not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s answered %d against the OpenAPI document: %v\nbody: %s", req.Method, req.URL.Path, status, err, body)
	}
}

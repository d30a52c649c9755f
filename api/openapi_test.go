package api_test

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/admin"
)

// TestOpenAPIListsEveryRoute proves the document and the router describe the
// same API surface: no route without a contract, no contract without a route.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	api.NewServer(nil, nil, nil, api.Options{}).Routes(r, admin.Routes, admin.CompanyRoutes)
	param := regexp.MustCompile(`:([a-z_]+)`)
	var routes []string
	for _, rt := range r.Routes() {
		routes = append(routes, rt.Method+" "+param.ReplaceAllString(rt.Path, "{$1}"))
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(routes)
	sort.Strings(documented)
	require.Equal(t, documented, routes)
}

// TestOpenAPIIdempotentOperationsAnswer409 proves every operation that takes
// an Idempotency-Key documents the 409 (request_in_progress) a retry gets
// while the first request with the key still runs.
func TestOpenAPIIdempotentOperationsAnswer409(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	require.NoError(t, err)
	idempotent := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			takesKey := false
			for _, p := range append(op.Parameters, item.Parameters...) {
				takesKey = takesKey || (p.Value != nil && p.Value.In == "header" && p.Value.Name == "Idempotency-Key")
			}
			if !takesKey {
				continue
			}
			idempotent++
			require.NotNil(t, op.Responses.Value("409"), "%s %s takes an Idempotency-Key and answers 409 request_in_progress", method, path)
		}
	}
	require.Greater(t, idempotent, 40)
}

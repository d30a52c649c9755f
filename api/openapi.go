package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// OpenAPI is the API's contract, served at GET /openapi.yaml. A test checks that
// every route is in it, and the end-to-end tests validate every response
// against it.
//
//go:embed openapi.yaml
var OpenAPI []byte

func serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", OpenAPI)
}

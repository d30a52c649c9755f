package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// BindJSON decodes the body into dst. Malformed JSON, or anything after the
// one JSON value, is a 400; a value of the wrong type is a 422 naming the
// field; text Postgres cannot store (invalid UTF-8, NUL) is a 400 naming the
// field; a body over the cap is a 413. Unknown fields are ignored (clients may
// send prices; they are never read). An empty body is allowed when optional.
func BindJSON(c *gin.Context, dst any, optional bool) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return newError(http.StatusBadRequest, "malformed_json", "the request body must be a JSON object")
	}
	if err := checkJSONText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	err = dec.Decode(dst)
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return FieldError(typeErr.Field, fmt.Sprintf("%s must be a JSON %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String())))
	}
	if err != nil {
		return newError(http.StatusBadRequest, "malformed_json", "the request body is not valid JSON: "+err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return newError(http.StatusBadRequest, "malformed_json", "the request body must hold exactly one JSON value, with nothing after it")
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int32", "int64":
		return "integer within range"
	case "string":
		return "string"
	case "ptr":
		return "value of the documented type"
	}
	return goKind
}

// PathUUID reads a UUID path parameter; a malformed one is a 400 naming it.
func PathUUID(c *gin.Context, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, &HTTPError{Status: http.StatusBadRequest, Body: Error{
			Code: "invalid_field", Field: name, Message: name + " must be a UUID"}}
	}
	return id, nil
}

// Package textcheck finds text Postgres could never store in a value a test
// got back from a decoder or handed to Temporal: the fuzz targets' property
// that no such text gets past the validators.
package textcheck

import (
	"reflect"
	"strings"
	"unicode/utf8"
)

// Unstorable walks v (strings in pointers, interfaces, structs, slices,
// arrays and maps, keys included) for a string that is not valid UTF-8 or
// holds a NUL, and returns the first. Byte slices and arrays are bytes, not
// text (a webhook's raw payload, a UUID), and are not looked into.
func Unstorable(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		return s, !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return Unstorable(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if s, bad := Unstorable(v.Field(i)); bad {
				return s, true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", false
		}
		for i := range v.Len() {
			if s, bad := Unstorable(v.Index(i)); bad {
				return s, true
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if s, bad := Unstorable(k); bad {
				return s, true
			}
			if s, bad := Unstorable(v.MapIndex(k)); bad {
				return s, true
			}
		}
	}
	return "", false
}

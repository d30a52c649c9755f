package textcheck

import (
	"reflect"
	"testing"
)

func TestUnstorable(t *testing.T) {
	type inner struct{ Note string }
	type req struct {
		Name  string
		Lines []inner
		Attrs map[string]string
		Ptr   *inner
		Raw   []byte
	}
	for _, tc := range []struct {
		name string
		v    any
		bad  bool
	}{
		{"clean", req{Name: "ok", Lines: []inner{{"fine"}}, Attrs: map[string]string{"k": "v"}}, false},
		{"NUL in a field", req{Name: "A\x00B"}, true},
		{"invalid UTF-8 in a slice", req{Lines: []inner{{"ok"}, {"\xff"}}}, true},
		{"in a map key", req{Attrs: map[string]string{"\x00": "v"}}, true},
		{"in a map value", req{Attrs: map[string]string{"k": "\xc3"}}, true},
		{"behind a pointer", req{Ptr: &inner{"x\x00"}}, true},
		{"bytes are not text", req{Raw: []byte{0, 0xff}}, false},
	} {
		if _, bad := Unstorable(reflect.ValueOf(tc.v)); bad != tc.bad {
			t.Errorf("%s: bad = %v, want %v", tc.name, bad, tc.bad)
		}
	}
}

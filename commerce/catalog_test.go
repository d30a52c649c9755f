package commerce_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

func requireField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		require.NoError(t, err)
		return
	}
	var fe *commerce.FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, field, fe.Field, fe.Message)
}

func TestValidateOptionsAndVariants(t *testing.T) {
	length := commerce.ProductOption{Name: "Length", Values: []string{"30mm", "50mm"}}
	finish := commerce.ProductOption{Name: "Finish", Values: []string{"zinc", "black"}}
	cases := []struct {
		name     string
		options  []commerce.ProductOption
		variants []map[string]string
		field    string // "" when valid
	}{
		{"one plain variant", nil, []map[string]string{{}}, ""},
		{"two options, four variants", []commerce.ProductOption{length, finish}, []map[string]string{
			{"Length": "30mm", "Finish": "zinc"}, {"Length": "30mm", "Finish": "black"},
			{"Length": "50mm", "Finish": "zinc"}, {"Length": "50mm", "Finish": "black"}}, ""},
		{"not every combination needed", []commerce.ProductOption{length, finish}, []map[string]string{
			{"Length": "30mm", "Finish": "zinc"}}, ""},
		{"no variants", []commerce.ProductOption{length}, nil, "variants"},
		{"two variants without options", nil, []map[string]string{{}, {}}, "options"},
		{"a value missing", []commerce.ProductOption{length, finish}, []map[string]string{{"Length": "30mm"}}, "variants[0].options.Finish"},
		{"a value not listed", []commerce.ProductOption{length}, []map[string]string{{"Length": "40mm"}}, "variants[0].options.Length"},
		{"an option the product lacks", []commerce.ProductOption{length}, []map[string]string{{"Length": "30mm", "Colour": "red"}}, "variants[0].options.Colour"},
		{"same values twice", []commerce.ProductOption{length}, []map[string]string{{"Length": "30mm"}, {"Length": "50mm"}, {"Length": "30mm"}}, "variants[2].options"},
		{"option named twice", []commerce.ProductOption{length, length}, []map[string]string{{"Length": "30mm"}}, "options[1].name"},
		{"option without values", []commerce.ProductOption{{Name: "Size"}}, []map[string]string{{"Size": "L"}}, "options[0].values"},
		{"value listed twice", []commerce.ProductOption{{Name: "Size", Values: []string{"L", "L"}}}, []map[string]string{{"Size": "L"}}, "options[0].values[1]"},
		{"blank option name", []commerce.ProductOption{{Name: " Size", Values: []string{"L"}}}, []map[string]string{{"Size": "L"}}, "options[0].name"},
		{"control character in a value", []commerce.ProductOption{{Name: "Size", Values: []string{"L\n"}}}, []map[string]string{{"Size": "L\n"}}, "options[0].values[0]"},
		{"too many options", make([]commerce.ProductOption, commerce.MaxOptions+1), []map[string]string{{}}, "options"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := commerce.ValidateOptions(c.options)
			if err == nil {
				err = commerce.ValidateVariantOptions(c.options, c.variants)
			}
			requireField(t, err, c.field)
		})
	}
}

func TestValidateUnitHandleCategory(t *testing.T) {
	requireField(t, commerce.ValidateUnit("variants[0]", "box", 100), "")
	requireField(t, commerce.ValidateUnit("variants[0]", "each", 1), "")
	requireField(t, commerce.ValidateUnit("variants[0]", "Box", 100), "variants[0].unit")
	requireField(t, commerce.ValidateUnit("variants[0]", "", 1), "variants[0].unit")
	requireField(t, commerce.ValidateUnit("variants[0]", "box", 0), "variants[0].pack_size")
	requireField(t, commerce.ValidateUnit("variants[0]", "box", commerce.MaxPackSize+1), "variants[0].pack_size")
	requireField(t, commerce.ValidateHandle("handle", "hex-bolt-m8"), "")
	requireField(t, commerce.ValidateHandle("handle", "-bolt"), "handle")
	requireField(t, commerce.ValidateHandle("handle", "bolt m8"), "handle")
	requireField(t, commerce.ValidateCategory("category", ""), "")
	requireField(t, commerce.ValidateCategory("category", "fasteners"), "")
	requireField(t, commerce.ValidateCategory("category", "Fasteners"), "category")
}

func TestParseAttributes(t *testing.T) {
	cases := []struct {
		name  string
		raw   string
		kinds map[string]commerce.AttributeKind
		field string
	}{
		{"all three kinds", `{"material":"steel","length_mm":50,"diameter_mm":8.5,"zinc_plated":true,"offset":-2}`,
			map[string]commerce.AttributeKind{"material": "text", "length_mm": "number", "diameter_mm": "number", "zinc_plated": "boolean", "offset": "number"}, ""},
		{"none", `{}`, map[string]commerce.AttributeKind{}, ""},
		{"bad name", `{"Material":"steel"}`, nil, "attributes.Material"},
		{"exponent", `{"length_mm":5e1}`, nil, "attributes.length_mm"},
		{"too precise", `{"length_mm":1.1234567}`, nil, "attributes.length_mm"},
		{"null", `{"material":null}`, nil, "attributes.material"},
		{"object", `{"material":{"a":1}}`, nil, "attributes.material"},
		{"empty text", `{"material":""}`, nil, "attributes.material"},
		{"list", `{"material":["steel"]}`, nil, "attributes.material"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var raw map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(c.raw), &raw))
			attrs, err := commerce.ParseAttributes(raw)
			requireField(t, err, c.field)
			if c.field == "" {
				got := map[string]commerce.AttributeKind{}
				for n, a := range attrs {
					got[n] = a.Kind
				}
				require.Equal(t, c.kinds, got)
			}
		})
	}
}

func TestCheckAttributeKinds(t *testing.T) {
	attrs := map[string]commerce.Attribute{"length_mm": {Kind: commerce.AttributeNumber, JSON: json.RawMessage("50")}}
	requireField(t, commerce.CheckAttributeKinds(attrs, nil), "")
	requireField(t, commerce.CheckAttributeKinds(attrs, map[string]commerce.AttributeKind{"length_mm": "number"}), "")
	requireField(t, commerce.CheckAttributeKinds(attrs, map[string]commerce.AttributeKind{"length_mm": "text"}), "attributes.length_mm")
}

func TestParseAttributeFilter(t *testing.T) {
	cases := []struct {
		name, value string
		kind        commerce.AttributeKind
		want        commerce.AttributeFilter
		field       string
	}{
		{"text", "steel", commerce.AttributeText, commerce.AttributeFilter{Name: "a", Equals: json.RawMessage(`"steel"`)}, ""},
		{"text that looks like a number", "100", commerce.AttributeText, commerce.AttributeFilter{Name: "a", Equals: json.RawMessage(`"100"`)}, ""},
		{"boolean", "true", commerce.AttributeBoolean, commerce.AttributeFilter{Name: "a", Equals: json.RawMessage(`true`)}, ""},
		{"boolean typo", "yes", commerce.AttributeBoolean, commerce.AttributeFilter{}, "attr.a"},
		{"number", "50", commerce.AttributeNumber, commerce.AttributeFilter{Name: "a", Equals: json.RawMessage(`50`)}, ""},
		{"range", "30..60", commerce.AttributeNumber, commerce.AttributeFilter{Name: "a", Range: true, Min: "30", Max: "60"}, ""},
		{"open above", "30..", commerce.AttributeNumber, commerce.AttributeFilter{Name: "a", Range: true, Min: "30"}, ""},
		{"open below", "..6.5", commerce.AttributeNumber, commerce.AttributeFilter{Name: "a", Range: true, Max: "6.5"}, ""},
		{"open both", "..", commerce.AttributeNumber, commerce.AttributeFilter{}, "attr.a"},
		{"not a number", "fifty", commerce.AttributeNumber, commerce.AttributeFilter{}, "attr.a"},
		{"range of words", "a..b", commerce.AttributeNumber, commerce.AttributeFilter{}, "attr.a"},
		{"unknown attribute", "x", "", commerce.AttributeFilter{}, "attr.a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := commerce.ParseAttributeFilter("a", c.kind, c.value)
			requireField(t, err, c.field)
			if c.field == "" {
				require.Equal(t, c.want, got)
			}
		})
	}
}

func TestParseSearch(t *testing.T) {
	cases := []struct {
		q       string
		pattern string
		words   []string
	}{
		{"Steel", `(^|[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f])steel`, []string{"steel"}},
		{"  m8 ", `(^|[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f])m8`, []string{"m8"}},
		{"BOLT-M8-50", `(^|[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f])bolt\-m8\-50`, []string{"bolt", "50", "m8"}},
		{"din 933", `(^|[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f])din 933`, []string{"933", "din"}},
		{"50%", `(^|[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f])50\%`, []string{"50"}},
		{"a_b", `(^|[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f])a\_b`, []string{"a", "b"}},
		{`back\slash`, `(^|[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f])back\\slash`, []string{"slash", "back"}},
		{"(m10)*[x]", `\(m10\)\*\[x\]`, []string{"m10", "x"}},
		{"%", `\%`, nil},
		{"-m8", `\-m8`, []string{"m8"}},
		{"Größe M10×30", `(^|[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f])größe m10×30`, []string{"m10×30", "größe"}},
		{"hex hex bolt m10 zinc", `(^|[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f])hex hex bolt m10 zinc`, []string{"bolt", "zinc", "hex"}},
		{strings.Repeat("x", 40), `(^|[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f])` + strings.Repeat("x", 40), []string{strings.Repeat("x", 32)}},
	}
	for _, c := range cases {
		got, err := commerce.ParseSearch(c.q)
		require.NoError(t, err, c.q)
		require.Equal(t, c.pattern, got.Pattern, c.q)
		require.Equal(t, c.words, got.Words, c.q)
	}
	for _, q := range []string{"   ", "", strings.Repeat("a", commerce.MaxSearchQueryLen+1)} {
		_, err := commerce.ParseSearch(q)
		requireField(t, err, "q")
	}
}

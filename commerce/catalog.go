package commerce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// A catalog product is what the storefront lists: a parent of one or more
// variants, each a SKU. Its options (Length: 30mm, 50mm) tell its variants
// apart; its attributes (material: steel) are what buyers filter on.

// Limits of a catalog product.
const (
	MaxOptions        = 5
	MaxOptionValues   = 100
	MaxVariants       = 500
	MaxAttributes     = 50
	MaxPackSize       = 1_000_000
	MaxOptionLength   = 64
	MaxAttributeText  = 200
	MaxSearchQueryLen = 100
)

var (
	handlePattern        = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	categoryPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	unitPattern          = regexp.MustCompile(`^[a-z][a-z_]{0,31}$`)
	attributeNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	// numberPattern is a decimal as attributes hold it: no exponent, so that
	// what is stored is what was sent.
	numberPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,6})?$`)
)

// ValidateHandle checks a catalog product's handle: 1-64 letters, digits, '.',
// '_' or '-', as a SKU (a SKU's own product has the SKU as its handle).
func ValidateHandle(field, handle string) error {
	if !handlePattern.MatchString(handle) {
		return &FieldError{Field: field, Message: "must be 1-64 letters, digits, '.', '_' or '-'"}
	}
	return nil
}

// ValidateCategory checks a category: "" (none) or 1-64 lower-case letters,
// digits, '.', '_' or '-'.
func ValidateCategory(field, category string) error {
	if category != "" && !categoryPattern.MatchString(category) {
		return &FieldError{Field: field, Message: "must be 1-64 lower-case letters, digits, '.', '_' or '-'"}
	}
	return nil
}

// ValidateUnit checks how a variant is sold: a unit such as "each", "box" or
// "pair" (1-32 lower-case letters or '_'), holding packSize pieces (1 to
// MaxPackSize). The variant's prices and stock count units, not pieces.
func ValidateUnit(field, unit string, packSize int64) error {
	if !unitPattern.MatchString(unit) {
		return &FieldError{Field: field + ".unit", Message: "must be 1-32 lower-case letters or '_', such as each or box"}
	}
	if packSize < 1 || packSize > MaxPackSize {
		return &FieldError{Field: field + ".pack_size", Message: fmt.Sprintf("must be from 1 to %d", MaxPackSize)}
	}
	return nil
}

// ProductOption is one way a product's variants differ, with the values it
// takes, in display order.
type ProductOption struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// validOptionText is a name or value of an option: 1-64 characters, no
// control characters, no surrounding space.
func validOptionText(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > MaxOptionLength || strings.TrimSpace(s) != s || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// ValidateOptions checks a product's options: at most MaxOptions, each with a
// unique name and 1 to MaxOptionValues unique values.
func ValidateOptions(options []ProductOption) error {
	if len(options) > MaxOptions {
		return &FieldError{Field: "options", Message: fmt.Sprintf("a product has at most %d options", MaxOptions)}
	}
	names := make(map[string]bool, len(options))
	for i, o := range options {
		field := fmt.Sprintf("options[%d]", i)
		if !validOptionText(o.Name) {
			return &FieldError{Field: field + ".name", Message: "must be 1-64 characters without surrounding spaces"}
		}
		if names[o.Name] {
			return &FieldError{Field: field + ".name", Message: fmt.Sprintf("the product already has an option %q", o.Name)}
		}
		names[o.Name] = true
		if len(o.Values) == 0 || len(o.Values) > MaxOptionValues {
			return &FieldError{Field: field + ".values", Message: fmt.Sprintf("must hold 1 to %d values", MaxOptionValues)}
		}
		values := make(map[string]bool, len(o.Values))
		for j, v := range o.Values {
			if !validOptionText(v) {
				return &FieldError{Field: fmt.Sprintf("%s.values[%d]", field, j), Message: "must be 1-64 characters without surrounding spaces"}
			}
			if values[v] {
				return &FieldError{Field: fmt.Sprintf("%s.values[%d]", field, j), Message: fmt.Sprintf("%q is listed twice", v)}
			}
			values[v] = true
		}
	}
	return nil
}

// ValidateVariantOptions checks the option values of a product's variants (in
// request order): each variant has exactly one of the listed values of every
// option of the product, and no two variants have the same values. A product
// without options has exactly one variant. Call ValidateOptions first.
func ValidateVariantOptions(options []ProductOption, variants []map[string]string) error {
	if len(variants) == 0 || len(variants) > MaxVariants {
		return &FieldError{Field: "variants", Message: fmt.Sprintf("a product has 1 to %d variants", MaxVariants)}
	}
	if len(options) == 0 && len(variants) > 1 {
		return &FieldError{Field: "options", Message: "a product with more than one variant needs options that tell them apart"}
	}
	seen := make(map[string]int, len(variants))
	for i, values := range variants {
		field := fmt.Sprintf("variants[%d].options", i)
		for name := range values {
			if !hasOption(options, name) {
				return &FieldError{Field: field + "." + name, Message: fmt.Sprintf("the product has no option %q", name)}
			}
		}
		var key strings.Builder
		for _, o := range options {
			v, ok := values[o.Name]
			if !ok {
				return &FieldError{Field: field + "." + o.Name, Message: "is required: every variant has a value of every option"}
			}
			if !containsString(o.Values, v) {
				return &FieldError{Field: field + "." + o.Name, Message: fmt.Sprintf("%q is not one of the option's values", v)}
			}
			key.WriteString(v)
			key.WriteByte(0)
		}
		if j, dup := seen[key.String()]; dup {
			return &FieldError{Field: field, Message: fmt.Sprintf("variants[%d] has the same options", j)}
		}
		seen[key.String()] = i
	}
	return nil
}

func hasOption(options []ProductOption, name string) bool {
	for _, o := range options {
		if o.Name == name {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// AttributeKind is the type of an attribute's values. An attribute name has
// one kind across the catalog.
type AttributeKind string

// Attribute kinds.
const (
	AttributeText    AttributeKind = "text"
	AttributeNumber  AttributeKind = "number"
	AttributeBoolean AttributeKind = "boolean"
)

// Attribute is one typed attribute value, as JSON it is stored as: a string,
// a decimal number (kept as written) or a boolean.
type Attribute struct {
	Kind AttributeKind
	// JSON is the value as stored: "steel", 50, true.
	JSON json.RawMessage
}

// ParseAttributes checks a product's attributes, as sent in JSON, naming the
// field at fault (attributes.<name>), and gives each its kind. Names are
// 1-64 lower-case letters, digits or '_' starting with a letter; a value is a
// string (1-200 characters), a decimal number (at most 15 digits before and 6
// after the point, no exponent) or a boolean.
func ParseAttributes(raw map[string]json.RawMessage) (map[string]Attribute, error) {
	if len(raw) > MaxAttributes {
		return nil, &FieldError{Field: "attributes", Message: fmt.Sprintf("a product has at most %d attributes", MaxAttributes)}
	}
	out := make(map[string]Attribute, len(raw))
	for _, name := range sortedKeys(raw) {
		field := "attributes." + name
		if !attributeNamePattern.MatchString(name) {
			return nil, &FieldError{Field: field, Message: "the name must be 1-64 lower-case letters, digits or '_', starting with a letter"}
		}
		v := bytes.TrimSpace(raw[name])
		switch {
		case bytes.Equal(v, []byte("true")) || bytes.Equal(v, []byte("false")):
			out[name] = Attribute{Kind: AttributeBoolean, JSON: v}
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil || !validAttributeText(s) {
				return nil, &FieldError{Field: field, Message: fmt.Sprintf("a text value must be 1-%d characters without control characters", MaxAttributeText)}
			}
			b, _ := json.Marshal(s)
			out[name] = Attribute{Kind: AttributeText, JSON: b}
		case numberPattern.Match(v):
			out[name] = Attribute{Kind: AttributeNumber, JSON: v}
		default:
			return nil, &FieldError{Field: field, Message: "must be a string, a decimal number such as 12.5 (no exponent), or true or false"}
		}
	}
	return out, nil
}

func validAttributeText(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > MaxAttributeText {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// CheckAttributeKinds refuses an attribute whose kind differs from the kind
// the catalog already knows for its name (known: name → kind).
func CheckAttributeKinds(attrs map[string]Attribute, known map[string]AttributeKind) error {
	for _, name := range sortedKeys(attrs) {
		if k, ok := known[name]; ok && k != attrs[name].Kind {
			return &FieldError{Field: "attributes." + name, Message: fmt.Sprintf("must be a %s, as %s is on other products", k, name)}
		}
	}
	return nil
}

// AttributeFilter is one ?attr.<name>=<value> of a product listing: equality
// (Equals, the JSON value to match) or, for numbers, a range "min..max" where
// either end may be left out.
type AttributeFilter struct {
	Name   string
	Equals json.RawMessage
	// Range: Min and Max are decimals ("" for an open end).
	Range    bool
	Min, Max string
}

// ParseAttributeFilter reads the value of ?attr.<name>= for an attribute of
// kind: text matches exactly, boolean is true or false, number is a decimal
// or a range such as 30..60, 30.. or ..60.
func ParseAttributeFilter(name string, kind AttributeKind, value string) (AttributeFilter, error) {
	field := "attr." + name
	f := AttributeFilter{Name: name}
	switch kind {
	case AttributeText:
		b, _ := json.Marshal(value)
		f.Equals = b
	case AttributeBoolean:
		if value != "true" && value != "false" {
			return f, &FieldError{Field: field, Message: "must be true or false"}
		}
		f.Equals = json.RawMessage(value)
	case AttributeNumber:
		lo, hi, isRange := strings.Cut(value, "..")
		if !isRange {
			if !numberPattern.MatchString(value) {
				return f, &FieldError{Field: field, Message: "must be a decimal number, or a range such as 30..60"}
			}
			f.Equals = json.RawMessage(value)
			return f, nil
		}
		if (lo != "" && !numberPattern.MatchString(lo)) || (hi != "" && !numberPattern.MatchString(hi)) || (lo == "" && hi == "") {
			return f, &FieldError{Field: field, Message: "a range is min..max of decimal numbers, either end may be left out (30..60, 30.., ..60)"}
		}
		f.Range, f.Min, f.Max = true, lo, hi
	default:
		return f, &FieldError{Field: field, Message: "names no attribute"}
	}
	return f, nil
}

// Search is a storefront text search (?q=). A product matches when its
// lower-cased search text (handle, name, description, each variant's SKU and
// name) has the query, lower-cased, at the start of a word: "bolt" and
// "hex bolt m1" find a "Hex bolt M10", "olt" does not. A word is a run of
// ASCII letters and digits and non-ASCII characters; every other character
// (space, '-', '_', '.', '%'…) separates words, and in a query stands for
// itself: a query that starts with one ("-m8") is found anywhere.
type Search struct {
	// Pattern is the regular expression (Postgres ARE) that finds the query
	// at the start of a word of a search text.
	Pattern string
	// Words are the query's longest words (at most MaxSearchWords, longest
	// first, each cut to MaxSearchPrefix characters): each begins a word of a
	// matching text, so the search index (catalog_search_prefixes) finds the
	// candidates by them. None when the query has no word ("%"): the pattern
	// alone decides.
	Words []string
}

// Limits of a search: the index keeps each word's prefixes up to
// MaxSearchPrefix characters (migration 0024), and a search looks up at most
// MaxSearchWords of its words there.
const (
	MaxSearchPrefix = 32
	MaxSearchWords  = 3
)

// searchSeparators is the characters between words, as a bracket
// expression of a Postgres ARE: ASCII but letters and digits, as migration
// 0024's catalog_search_prefixes_of splits words. (Negating the word
// characters instead, a class up to U+10FFFF, costs Postgres ~25 ms to
// compile and to derive the trigram index's conditions at every planning.)
const searchSeparators = `[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]`

// ParseSearch reads a free-text query: 1 to MaxSearchQueryLen characters
// after trimming spaces.
func ParseSearch(q string) (Search, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" || utf8.RuneCountInString(q) > MaxSearchQueryLen {
		return Search{}, &FieldError{Field: "q", Message: fmt.Sprintf("must be 1-%d characters", MaxSearchQueryLen)}
	}
	var pattern strings.Builder
	if first, _ := utf8.DecodeRuneInString(q); isSearchWordRune(first) {
		pattern.WriteString(`(^|` + searchSeparators + `)`)
	}
	for _, r := range q {
		if !isSearchWordRune(r) && r != ' ' {
			pattern.WriteByte('\\') // in an ARE, a backslash before a non-alphanumeric character makes it literal
		}
		pattern.WriteRune(r)
	}
	return Search{Pattern: pattern.String(), Words: SearchWords(q)}, nil
}

// SearchWords returns the longest distinct words of q (longest first, then
// in alphabetical order), at most MaxSearchWords, each cut to
// MaxSearchPrefix characters.
func SearchWords(q string) []string {
	seen := map[string]bool{}
	var words []string
	for _, w := range strings.FieldsFunc(q, func(r rune) bool { return !isSearchWordRune(r) }) {
		if r := []rune(w); len(r) > MaxSearchPrefix {
			w = string(r[:MaxSearchPrefix])
		}
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	slices.SortFunc(words, func(a, b string) int {
		if la, lb := utf8.RuneCountInString(a), utf8.RuneCountInString(b); la != lb {
			return lb - la
		}
		return strings.Compare(a, b)
	})
	return words[:min(len(words), MaxSearchWords)]
}

// isSearchWordRune tells the characters of a word from separators.
func isSearchWordRune(r rune) bool {
	return r >= 0x80 || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

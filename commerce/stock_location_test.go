package commerce_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

// Warehouses of the rule's tests: Paris serves postal codes 75…, Lyon 69…,
// Lille has no region, Hamburg is in Germany, "default" says nowhere.
var (
	paris   = commerce.StockLocation{Code: "paris", Country: "FR", PostalPrefix: "75", Priority: 100}
	paris1  = commerce.StockLocation{Code: "paris-1", Country: "FR", PostalPrefix: "7501", Priority: 100}
	lyon    = commerce.StockLocation{Code: "lyon", Country: "FR", PostalPrefix: "69", Priority: 100}
	lille   = commerce.StockLocation{Code: "lille", Country: "FR", Priority: 50}
	hamburg = commerce.StockLocation{Code: "hamburg", Country: "DE", PostalPrefix: "20", Priority: 10}
	deflt   = commerce.StockLocation{Code: "default", Priority: 100}
)

func codes(ls []commerce.StockLocation) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Code
	}
	return out
}

func TestRankLocations(t *testing.T) {
	all := []commerce.StockLocation{deflt, hamburg, lille, lyon, paris}
	tests := []struct {
		name      string
		locations []commerce.StockLocation
		preferred string
		to        commerce.ShipTo
		want      []string
	}{
		{"same region first, then same country by priority, then elsewhere by priority",
			all, "", commerce.ShipTo{Country: "FR", PostalCode: "75008"},
			[]string{"paris", "lille", "lyon", "hamburg", "default"}},
		{"another region of the same country",
			all, "", commerce.ShipTo{Country: "FR", PostalCode: "69002"},
			[]string{"lyon", "lille", "paris", "hamburg", "default"}},
		{"country and postal code are compared loosely",
			all, "", commerce.ShipTo{Country: " fr", PostalCode: " 69 002"},
			[]string{"lyon", "lille", "paris", "hamburg", "default"}},
		{"same country, no region match: priority, then code",
			all, "", commerce.ShipTo{Country: "FR", PostalCode: "13001"},
			[]string{"lille", "lyon", "paris", "hamburg", "default"}},
		{"another country",
			all, "", commerce.ShipTo{Country: "DE", PostalCode: "20095"},
			[]string{"hamburg", "lille", "default", "lyon", "paris"}},
		{"a country without a location: priority, then code",
			all, "", commerce.ShipTo{Country: "IT", PostalCode: "00100"},
			[]string{"hamburg", "lille", "default", "lyon", "paris"}},
		{"no ship-to yet: priority, then code",
			all, "", commerce.ShipTo{},
			[]string{"hamburg", "lille", "default", "lyon", "paris"}},
		{"the preferred location comes first, wherever it is",
			all, "hamburg", commerce.ShipTo{Country: "FR", PostalCode: "75008"},
			[]string{"hamburg", "paris", "lille", "lyon", "default"}},
		{"a preferred location that is not among them changes nothing",
			all, "gone", commerce.ShipTo{Country: "FR", PostalCode: "75008"},
			[]string{"paris", "lille", "lyon", "hamburg", "default"}},
		{"a longer matching prefix is nearer",
			[]commerce.StockLocation{paris, paris1}, "", commerce.ShipTo{Country: "FR", PostalCode: "75011"},
			[]string{"paris-1", "paris"}},
		{"a prefix only counts in its country",
			[]commerce.StockLocation{hamburg, lyon}, "", commerce.ShipTo{Country: "FR", PostalCode: "20000"},
			[]string{"lyon", "hamburg"}},
		{"one location", []commerce.StockLocation{deflt}, "", commerce.ShipTo{Country: "FR"}, []string{"default"}},
		{"none", nil, "paris", commerce.ShipTo{Country: "FR"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]commerce.StockLocation(nil), tt.locations...)
			require.Equal(t, tt.want, codes(commerce.RankLocations(tt.locations, tt.preferred, tt.to)))
			require.Equal(t, in, tt.locations, "the input is left as it was")
		})
	}
}

func TestAllocateLine(t *testing.T) {
	ranked := []commerce.StockLocation{paris, lille, hamburg}
	type a = commerce.Allocation
	tests := []struct {
		name      string
		available map[string]int64
		quantity  int64
		want      []commerce.Allocation
		ok        bool
	}{
		{"the first location has it all", map[string]int64{"paris": 5, "lille": 9}, 5,
			[]a{{"paris", 5}}, true},
		{"a later location that has it all beats splitting", map[string]int64{"paris": 2, "lille": 3, "hamburg": 9}, 5,
			[]a{{"hamburg", 5}}, true},
		{"none has it all: split in rank order", map[string]int64{"paris": 2, "lille": 2, "hamburg": 4}, 5,
			[]a{{"paris", 2}, {"lille", 2}, {"hamburg", 1}}, true},
		{"a split skips locations with nothing", map[string]int64{"paris": 0, "lille": 3, "hamburg": 2}, 5,
			[]a{{"lille", 3}, {"hamburg", 2}}, true},
		{"exactly everything there is", map[string]int64{"paris": 6, "hamburg": 4}, 10,
			[]a{{"paris", 6}, {"hamburg", 4}}, true},
		{"one unit short: nothing", map[string]int64{"paris": 6, "hamburg": 4}, 11, nil, false},
		{"no stock anywhere", map[string]int64{}, 1, nil, false},
		{"negative availability counts as none", map[string]int64{"paris": -3, "lille": 2}, 2,
			[]a{{"lille", 2}}, true},
		{"negative availability does not fill a split", map[string]int64{"paris": -3, "lille": 1, "hamburg": 1}, 2,
			[]a{{"lille", 1}, {"hamburg", 1}}, true},
		{"units at a location not ranked are not drawn on", map[string]int64{"lyon": 9}, 1, nil, false},
		{"a zero quantity allocates nothing", map[string]int64{"paris": 5}, 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := commerce.AllocateLine(ranked, tt.available, tt.quantity)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
			if ok {
				sum := int64(0)
				for _, g := range got {
					sum += g.Quantity
					require.LessOrEqual(t, g.Quantity, tt.available[g.Location], "never more than a location has")
				}
				require.Equal(t, tt.quantity, sum)
			}
		})
	}
}

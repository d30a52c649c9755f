package commerce

import (
	"cmp"
	"slices"
	"strings"
)

// StockLocation is what the allocation rule knows of a warehouse: its code
// (unique), where it is, and its priority among equally near ones.
type StockLocation struct {
	Code string
	// Country is the ISO 3166-1 alpha-2 code of where it is ("" when not said).
	Country string
	// PostalPrefix is the start of the postal codes it serves nearby ("" for
	// none): a ship-to whose postal code starts with it, in its country, is in
	// its region.
	PostalPrefix string
	// Priority orders equally near locations: lower first, then by code.
	Priority int
}

// ShipTo is where a cart's goods go, as far as choosing a location needs.
type ShipTo struct {
	Country    string
	PostalCode string
}

// Nearness tiers of a location to a ship-to, nearest first.
const (
	nearSameRegion  = 0 // same country, and the postal code starts with the location's prefix
	nearSameCountry = 1 // same country
	nearElsewhere   = 2 // anywhere else, or the ship-to says no country
)

// nearness puts a location in a tier for a ship-to, and within the tier
// region-matches with a longer prefix first (they are more specific).
func nearness(l StockLocation, to ShipTo) (tier, prefixLen int) {
	country := strings.ToUpper(strings.TrimSpace(to.Country))
	if country == "" || l.Country == "" || !strings.EqualFold(l.Country, country) {
		return nearElsewhere, 0
	}
	postal := normalizePostal(to.PostalCode)
	prefix := normalizePostal(l.PostalPrefix)
	if prefix != "" && strings.HasPrefix(postal, prefix) {
		return nearSameRegion, len(prefix)
	}
	return nearSameCountry, 0
}

// normalizePostal compares postal codes without spaces, dashes or case
// ("SW1A 1AA" starts with "sw1").
func normalizePostal(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(s)))
}

// RankLocations orders the locations a checkout draws stock from, first
// choice first. The company's preferred location (its code; "" for none) comes
// first when it is among them. The rest are ordered by the "nearest" rule,
// which is deliberately simple, since Orderflow knows only a ship-to's
// country and postal code, not distances:
//
//  1. same country and the ship-to's postal code starts with the location's
//     postal prefix (longer prefixes first: "751" before "75");
//  2. same country;
//  3. anywhere else;
//
// and, within each of these, by priority (lower first), then code. The order
// is total, so the same inputs always give the same ranking.
func RankLocations(locations []StockLocation, preferred string, to ShipTo) []StockLocation {
	ranked := slices.Clone(locations)
	slices.SortStableFunc(ranked, func(a, b StockLocation) int {
		if preferred != "" && (a.Code == preferred) != (b.Code == preferred) {
			if a.Code == preferred {
				return -1
			}
			return 1
		}
		at, al := nearness(a, to)
		bt, bl := nearness(b, to)
		return cmp.Or(cmp.Compare(at, bt), cmp.Compare(bl, al), cmp.Compare(a.Priority, b.Priority), strings.Compare(a.Code, b.Code))
	})
	return ranked
}

// Allocation is units of one line taken from one location.
type Allocation struct {
	Location string
	Quantity int64
}

// AllocateLine chooses where a line's quantity comes from, given the ranked
// locations (RankLocations) and the units available at each (by code; a
// location missing from available has none):
//
//   - the first ranked location that has the whole quantity gives it all, so a
//     line ships in one parcel whenever some location can fill it, even when
//     a nearer one holds part of it;
//   - when none has it all, the line is split: each location in rank order
//     gives what it has until the quantity is met;
//   - when all of them together have too little, nothing is allocated and ok
//     is false (the checkout is refused as a whole: reservations are all or
//     nothing).
func AllocateLine(ranked []StockLocation, available map[string]int64, quantity int64) (allocs []Allocation, ok bool) {
	if quantity <= 0 {
		return nil, false
	}
	for _, l := range ranked {
		if available[l.Code] >= quantity {
			return []Allocation{{Location: l.Code, Quantity: quantity}}, true
		}
	}
	left := quantity
	for _, l := range ranked {
		take := min(max(available[l.Code], 0), left)
		if take == 0 {
			continue
		}
		allocs = append(allocs, Allocation{Location: l.Code, Quantity: take})
		left -= take
		if left == 0 {
			return allocs, true
		}
	}
	return nil, false
}

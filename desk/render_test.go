package desk

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
)

func TestMoneyFormatsPerCurrency(t *testing.T) {
	for _, c := range []struct {
		m    api.Money
		want string
	}{
		{api.Money{Amount: 137250, Currency: "EUR"}, "EUR 1,372.50"},
		{api.Money{Amount: 5, Currency: "EUR"}, "EUR 0.05"},
		{api.Money{Amount: -123456789, Currency: "USD"}, "USD −1,234,567.89"},
		{api.Money{Amount: 1500, Currency: "JPY"}, "JPY 1,500"},
		{api.Money{Amount: 1234, Currency: "KWD"}, "KWD 1.234"},
	} {
		require.Equal(t, c.want, formatMoney(c.m))
	}
}

func TestParseMajorReadsMinorUnits(t *testing.T) {
	for in, want := range map[string]int64{"9.20": 920, "9.2": 920, "9": 900, "0.05": 5, " 15.00 ": 1500} {
		got, ok := parseMajor(in, "EUR")
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "-1", "9.205", "abc", ".5", "1.2.3"} {
		_, ok := parseMajor(bad, "EUR")
		require.False(t, ok, bad)
	}
	got, ok := parseMajor("1500", "JPY")
	require.True(t, ok)
	require.Equal(t, int64(1500), got)
	_, ok = parseMajor("15.5", "JPY")
	require.False(t, ok, "no decimals in yen")
}

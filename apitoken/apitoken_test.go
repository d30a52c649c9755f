package apitoken_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/apitoken"
)

func TestNewTokensAreMarkedAndDistinct(t *testing.T) {
	a, b := apitoken.New(), apitoken.New()
	require.True(t, strings.HasPrefix(a, "oft_"), a)
	require.Len(t, a, len("oft_")+43, "256 bits in unpadded base64url")
	require.NotEqual(t, a, b)
}

func TestHashIsStableAndHidesTheToken(t *testing.T) {
	token := apitoken.New()
	require.Equal(t, apitoken.Hash(token), apitoken.Hash(token))
	require.Len(t, apitoken.Hash(token), 32)
	require.NotEqual(t, apitoken.Hash(token), apitoken.Hash(token+"x"))
}

package marketplace

import (
	"fmt"
	"math/big"
	"strings"
)

// weiPerEther is 10^18: prices, balances and earnings are kept in wei and
// shown in ether.
var weiPerEther = big.NewInt(1_000_000_000_000_000_000)

// FormatEther formats wei as ether with up to 18 decimals and no trailing zeros.
func FormatEther(wei *big.Int) string {
	if wei == nil {
		return "0"
	}
	neg := wei.Sign() < 0
	w := new(big.Int).Abs(wei)
	q, r := new(big.Int).QuoRem(w, weiPerEther, new(big.Int))
	s := q.String()
	if r.Sign() != 0 {
		frac := fmt.Sprintf("%018s", r.String())
		s += "." + strings.TrimRight(frac, "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ParseEther parses a decimal amount of ether ("1.5") into wei.
func ParseEther(s string) (*big.Int, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok || r.Sign() < 0 {
		return nil, Errorf(EINVALID, "amount %q is not a non-negative number of ether", s)
	}
	r.Mul(r, new(big.Rat).SetInt(weiPerEther))
	if !r.IsInt() {
		return nil, Errorf(EINVALID, "amount %q has more than 18 decimals", s)
	}
	return new(big.Int).Set(r.Num()), nil
}

package dp

import (
	"fmt"
	"math"
	"math/big"
	"strconv"

	"github.com/medmarket/medmarket/anonymize"
)

// Card is what a dataset card carries of its data's statistics: one ε for
// the whole card, as ρ-zCDP ([CardRho]) split evenly over its tables (zCDP
// composes by adding ρ: the tables' ρ add up to the card's), and each
// table's [Stats]. The whole card is (Epsilon, Delta)-DP.
type Card struct {
	// Epsilon is the whole card's ε, an exact fraction.
	Epsilon string `json:"epsilon"`
	// Delta is the whole card's δ, [CardDelta]: half converts ρ to ε,
	// half is shared by the thresholds of its category columns.
	Delta float64 `json:"delta"`
	// Rho is the whole card's ρ, an exact fraction.
	Rho       string `json:"rho"`
	Mechanism string `json:"mechanism"`
	// Composition says in words how ρ is shared.
	Composition string       `json:"composition"`
	Tables      []TableStats `json:"tables"`
}

// TableStats is one table's statistics on a card.
type TableStats struct {
	Table string `json:"table"`
	Stats
}

// CardTable is one table to describe on a card and how.
type CardTable struct {
	Table   *anonymize.Table
	Options CardOptions
}

// NewCard computes the statistics of tables for a card of ε: the card's ρ
// ([CardRho]) split evenly over the tables, each table's share evenly over
// its statistics, and the thresholds' half of [CardDelta] evenly over the
// category columns of all tables.
func NewCard(eps *big.Rat, tables []CardTable, src Source) (Card, error) {
	if len(tables) == 0 {
		return Card{}, fmt.Errorf("card statistics: no table: %w", anonymize.ErrInvalid)
	}
	rho, err := CardRho(eps)
	if err != nil {
		return Card{}, err
	}
	plans := make([]tablePlan, len(tables))
	categories := 0
	for i, ct := range tables {
		if plans[i], err = planTable(ct.Table, ct.Options); err != nil {
			return Card{}, err
		}
		categories += plans[i].categoryColumns()
	}
	each := new(big.Rat).Quo(rho, big.NewRat(int64(len(tables)), 1))
	colDelta := CardDelta / 2 / float64(max(categories, 1))
	c := Card{Epsilon: eps.RatString(), Delta: CardDelta, Rho: rho.RatString(), Mechanism: CardMechanism,
		Composition: fmt.Sprintf("ρ-zCDP, ρ = %s split evenly over %d table(s) and their statistics; (ε, δ) = (%s, %s) for the whole card",
			decimal(rho), len(tables), eps.RatString(), tenToThe(CardDelta))}
	cache, src := newNoiseCache(), cardSource(src)
	for i, p := range plans {
		st, err := p.stats(each, colDelta, cache, src)
		if err != nil {
			return Card{}, err
		}
		st.Epsilon = c.Epsilon
		c.Tables = append(c.Tables, TableStats{Table: tables[i].Table.Name, Stats: st})
	}
	return c, nil
}

// decimal writes a positive ρ with 4 significant digits, for people.
func decimal(r *big.Rat) string {
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', 4, 64)
}

// tenToThe writes a power of ten as people read it: 1e-06 as "10⁻⁶".
func tenToThe(x float64) string {
	e := int(math.Round(math.Log10(x)))
	if math.Pow(10, float64(e)) != x {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	sup := map[rune]rune{'-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹'}
	out := []rune("10")
	for _, ch := range strconv.Itoa(e) {
		out = append(out, sup[ch])
	}
	return string(out)
}

// TruncateLabels shortens every cell label to at most n runes (an
// ellipsis marks the cut), so a card with long category values stays
// small; it is post-processing and costs no privacy.
func (c *Card) TruncateLabels(n int) {
	for i := range c.Tables {
		for j := range c.Tables[i].Columns {
			cells := c.Tables[i].Columns[j].Cells
			for k := range cells {
				if r := []rune(cells[k].Label); len(r) > n {
					cells[k].Label = string(r[:max(n-1, 0)]) + "…"
				}
			}
		}
	}
}

package dp

import (
	"fmt"
	"math/big"

	"github.com/medmarket/medmarket/anonymize"
)

// Card is what a dataset card carries of its data's statistics: one ε for
// the whole card, split evenly over its tables (basic composition: the
// tables' ε add up to the card's), and each table's [Stats].
type Card struct {
	// Epsilon is the whole card's ε, an exact fraction.
	Epsilon string `json:"epsilon"`
	// Delta is the whole card's δ: each table's category columns' δ
	// ([CardDelta]) added up.
	Delta     float64 `json:"delta"`
	Mechanism string  `json:"mechanism"`
	// Composition says in words how ε is shared.
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

// NewCard computes the statistics of tables under ε for the whole card:
// each table gets ε / len(tables), and within a table CardStatsWith splits
// its share over the table's statistics.
func NewCard(eps *big.Rat, tables []CardTable, src Source) (Card, error) {
	if len(tables) == 0 {
		return Card{}, fmt.Errorf("card statistics: no table: %w", anonymize.ErrInvalid)
	}
	if eps == nil || eps.Sign() <= 0 {
		return Card{}, fmt.Errorf("card statistics: ε %v is not positive: %w", eps, anonymize.ErrInvalid)
	}
	each := new(big.Rat).Quo(eps, big.NewRat(int64(len(tables)), 1))
	c := Card{Epsilon: eps.RatString(), Mechanism: Mechanism,
		Composition: fmt.Sprintf("basic composition: ε %s split evenly over %d table(s), ε %s each, then evenly over each table's statistics", eps.RatString(), len(tables), each.RatString())}
	for _, ct := range tables {
		st, err := CardStatsWith(ct.Table, each, ct.Options, src)
		if err != nil {
			return Card{}, err
		}
		for _, col := range st.Columns {
			if col.Kind == "categories" {
				c.Delta += st.Delta
			}
		}
		c.Tables = append(c.Tables, TableStats{Table: ct.Table.Name, Stats: st})
	}
	return c, nil
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

package marketplace

import "encoding/json"

// StatisticsCategories returns the categories a card's statistics show
// (the most frequent values of category columns: condition codes and
// their descriptions, genders...), so a search finds a dataset by the
// codes it holds. The statistics' format is anonymize/dp's; only its
// category labels are read here, and a card whose statistics do not parse
// has none.
func (c *DatasetCard) StatisticsCategories() []string {
	var st struct {
		Tables []struct {
			Columns []struct {
				Kind  string `json:"kind"`
				Cells []struct {
					Label string `json:"label"`
				} `json:"cells"`
			} `json:"columns"`
		} `json:"tables"`
	}
	if len(c.Statistics) == 0 || json.Unmarshal(c.Statistics, &st) != nil {
		return nil
	}
	var out []string
	for _, t := range st.Tables {
		for _, col := range t.Columns {
			if col.Kind != "categories" {
				continue
			}
			for _, cell := range col.Cells {
				out = append(out, cell.Label)
			}
		}
	}
	return out
}
